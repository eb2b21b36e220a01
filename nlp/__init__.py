"""Vietnamese text: normalisation, classifiers (topic, tone), entities, watchlists, fingerprints."""
