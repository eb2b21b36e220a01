"""The two scikit-learn Pipelines, with fixed seeds and the hyper-parameters chosen by measurement.

Topic: TF-IDF over syllable unigrams+bigrams (no word segmentation: it would cost more than the whole
enrichment budget) + multinomial logistic regression, whose probabilities are the `topic_score`.
Tone: cue markers (nlp.features.mark_tone_cues) + word 1-2-grams + balanced logistic regression
(character n-grams added 0.3 points in cross-validation but doubled the tone model's prediction time).
Alternatives and their measured scores are recorded in the model cards.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from nlp.features import mark_tone_cues
from nlp.vectorizers import CompactTfidfVectorizer as TfidfVectorizer

SEED = 20261128
TOKENS = r"(?u)\b\w+\b|__\w+__"


def topic_pipeline(max_features: int = 60000) -> Pipeline:
    """Pipeline for `topic`: raw normalised text in, taxonomy slug out."""
    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    ngram_range=(1, 2),
                    min_df=2,
                    max_features=max_features,
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            ),
            ("clf", LogisticRegression(C=30.0, max_iter=3000, random_state=SEED)),
        ]
    )


def tone_pipeline() -> Pipeline:
    """Pipeline for `tone`: headline+lede in, positive/neutral/negative out."""
    return Pipeline(
        [
            ("cues", FunctionTransformer(mark_tone_cues)),
            (
                "tfidf",
                TfidfVectorizer(
                    ngram_range=(1, 2), sublinear_tf=True, token_pattern=TOKENS, dtype=np.float32
                ),
            ),
            (
                "clf",
                LogisticRegression(C=3.0, class_weight="balanced", max_iter=3000, random_state=SEED),
            ),
        ]
    )


PIPELINES = {"topic": topic_pipeline, "tone": tone_pipeline}
