"""A TfidfVectorizer whose vocabulary is stored as one array, so a skops model file loads in a second.

skops writes a dict node per vocabulary entry; a 60,000-term vocabulary took 10-25 s to load. Storing the
terms as a numpy string array (index order) and rebuilding the dict on load gives the same model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer


class CompactTfidfVectorizer(TfidfVectorizer):
    """TfidfVectorizer with a compact serialised vocabulary (behaviour unchanged)."""

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        vocabulary = state.pop("vocabulary_", None)
        if vocabulary is not None:
            terms = [""] * len(vocabulary)
            for term, index in vocabulary.items():
                terms[index] = term
            state["vocabulary_terms_"] = np.array(terms, dtype=str)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        terms = state.pop("vocabulary_terms_", None)
        if terms is not None:
            state["vocabulary_"] = {str(term): index for index, term in enumerate(terms.tolist())}
        super().__setstate__(state)


class PriorScores(BaseEstimator, TransformerMixin):
    """The decision scores of an already fitted classifier Pipeline, scaled, as features (stacking).

    The topic model reads the scores of a prior model trained on the large weakly labelled corpora
    (VNTC, baomoi, VnExpress sections) beside its own TF-IDF of the text. `fit` does not refit the prior
    model: it was fitted on other items, so the scores the final classifier learns from are out-of-sample.
    """

    def __init__(self, model: Any = None, scale: float = 1.0) -> None:
        self.model = model
        self.scale = scale

    def fit(self, X: Any, y: Any = None) -> PriorScores:
        if self.model is None:
            raise ValueError("PriorScores needs a fitted model")
        self.n_features_out_ = len(self.model.classes_)
        return self

    def transform(self, X: Any) -> csr_matrix:
        scores = np.asarray(self.model.decision_function(X), dtype=np.float32)
        return csr_matrix(self.scale * scores)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.array([f"prior__{c}" for c in self.model.classes_], dtype=object)


class TextFeatures(BaseEstimator, TransformerMixin):
    """Fitted TF-IDF (+ optional prior-model scores) computed in one pass over each text.

    Same numbers as the TfidfVectorizer(s) and PriorScores it is compiled from (`compile_pipeline`),
    without scikit-learn's per-call validation: the text is analysed once and both vocabularies are
    looked up from the same n-grams. Enrichment calls the models one article at a time, where that
    overhead was most of the cost (bench/nlp.py).
    """

    def __init__(
        self,
        tfidf: Any = None,
        prior_tfidf: Any = None,
        prior_coef: Any = None,
        prior_intercept: Any = None,
        scale: float = 1.0,
    ) -> None:
        self.tfidf = tfidf
        self.prior_tfidf = prior_tfidf
        self.prior_coef = prior_coef
        self.prior_intercept = prior_intercept
        self.scale = scale

    def fit(self, X: Any, y: Any = None) -> TextFeatures:
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return self.tfidf is not None

    def _rows(self, grams: list[list[str]], vectorizer: Any) -> csr_matrix:
        vocabulary, idf = vectorizer.vocabulary_, vectorizer.idf_
        indptr, indices, values = [0], [], []
        for doc in grams:
            counts: dict[int, int] = {}
            for gram in doc:
                j = vocabulary.get(gram)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            weights = (np.log(tf) + 1.0) * idf[cols] if vectorizer.sublinear_tf else tf * idf[cols]
            norm = float(np.sqrt((weights * weights).sum()))
            if norm > 0:
                weights /= norm
            order = np.argsort(cols)
            indices.append(cols[order])
            values.append(weights[order])
            indptr.append(indptr[-1] + len(cols))
        return csr_matrix(
            (
                np.concatenate(values).astype(np.float32) if values else np.zeros(0, np.float32),
                np.concatenate(indices) if indices else np.zeros(0, np.int64),
                np.array(indptr),
            ),
            shape=(len(grams), len(idf)),
        )

    def transform(self, X: Any) -> csr_matrix:
        analyse = self.tfidf.build_analyzer()
        grams = [analyse(doc) for doc in X]
        own = self._rows(grams, self.tfidf)
        if self.prior_tfidf is None:
            return own
        prior = self._rows(grams, self.prior_tfidf)
        scores = prior @ self.prior_coef.T + self.prior_intercept
        return hstack([own, csr_matrix((self.scale * scores).astype(np.float32))], format="csr")


class LinearProba(BaseEstimator, ClassifierMixin):
    """A linear classifier with per-class sigmoid calibration, normalised: calibrated probabilities.

    The same computation as a fitted CalibratedClassifierCV(LinearSVC, method="sigmoid",
    ensemble=False), kept as plain arrays (compiled by `compile_pipeline`).
    """

    def __init__(
        self, classes: Any = None, coef: Any = None, intercept: Any = None, a: Any = None, b: Any = None
    ) -> None:
        self.classes = classes
        self.coef = coef
        self.intercept = intercept
        self.a = a
        self.b = b

    @property
    def classes_(self) -> np.ndarray:
        return np.asarray(self.classes)

    def fit(self, X: Any, y: Any = None) -> LinearProba:
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return self.coef is not None

    def decision_function(self, X: Any) -> np.ndarray:
        return np.asarray(X @ self.coef.T) + self.intercept

    def predict_proba(self, X: Any) -> np.ndarray:
        proba = 1.0 / (1.0 + np.exp(self.a * self.decision_function(X) + self.b))
        if len(self.classes) == 2:  # one decision and one calibrator: the second class's probability
            return np.hstack([1.0 - proba, proba])
        total = proba.sum(axis=1, keepdims=True)
        uniform = np.full_like(proba, 1.0 / proba.shape[1])
        return np.where(total > 0, proba / np.where(total > 0, total, 1.0), uniform)

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def compile_pipeline(pipeline: Any) -> Any:
    """The shipped form of a fitted topic or tone Pipeline: same predictions, far less per-call work."""
    from sklearn.pipeline import FeatureUnion, Pipeline

    steps = list(pipeline.steps)
    name, calibrated = steps[-1]
    inner = calibrated.calibrated_classifiers_[0]
    svc = inner.estimator
    clf = LinearProba(
        classes=np.asarray(calibrated.classes_),
        coef=np.asarray(svc.coef_, dtype=np.float32),
        intercept=np.asarray(svc.intercept_, dtype=np.float64),
        a=np.array([c.a_ for c in inner.calibrators], dtype=np.float64),
        b=np.array([c.b_ for c in inner.calibrators], dtype=np.float64),
    )
    fname, features = steps[-2]
    if isinstance(features, FeatureUnion):
        parts = dict(features.transformer_list)
        prior = parts["prior"]
        prior_tfidf, prior_svc = prior.model.steps[0][1], prior.model.steps[-1][1]
        compiled = TextFeatures(
            tfidf=parts["tfidf"],
            prior_tfidf=prior_tfidf,
            prior_coef=np.asarray(prior_svc.coef_, dtype=np.float32),
            prior_intercept=np.asarray(prior_svc.intercept_, dtype=np.float64),
            scale=prior.scale,
        )
    else:
        compiled = TextFeatures(tfidf=features)
    return Pipeline([*steps[:-2], (fname, compiled), (name, clf)])
