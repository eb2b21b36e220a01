"""The scikit-learn Pipelines, with fixed seeds and the hyper-parameters chosen by cross-validation.

Topic (stacked; chosen by 5-fold CV on the training part of news-topic-tone-2026, see the model card):
- a *prior* model, TF-IDF over syllable 1-2-grams + LinearSVC, trained on the large weakly labelled
  corpora (VNTC, baomoi, VnExpress sections; 2005-2026, labels mapped by nlp/data/topic_mapping.toml);
- the shipped model: TF-IDF of the text + the prior model's 12 decision scores (scaled), into a LinearSVC
  trained on the hand-labelled 2025-26 items (weighted) and a slice of weak items the prior model did not
  see (baomoi and VnExpress sections: VNTC's articles are the long-text component's), wrapped in a
  sigmoid CalibratedClassifierCV so that `topic_score` is a calibrated probability;
- a long-text component (`long_component`): a calibrated LinearSVC over the prior's TF-IDF features
  trained on VNTC's articles only; for inputs longer than LONG_GATE[0] characters (full articles, not
  headline+lede) its probabilities are blended in, fully from LONG_GATE[1] on (GatedProba).
Tone: cue markers (nlp.features.mark_tone_cues) + word 1-2-grams + balanced LinearSVC, calibrated the same
way, trained on the hand-labelled items of news-topic-tone-2026 and news-tone-hue.
No word segmentation: it costs more than the whole enrichment budget (bench/nlp.py).
The fitted Pipelines are shipped compiled (nlp.vectorizers.compile_pipeline): the same probabilities from
plain arrays, without scikit-learn's per-call validation (enrichment classifies one article at a time).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from nlp.features import mark_tone_cues
from nlp.vectorizers import CompactTfidfVectorizer as TfidfVectorizer
from nlp.vectorizers import PriorScores

SEED = 20261128
TOKENS = r"(?u)\b\w+\b|__\w+__"
PRIOR_SCALE = 0.3
HAND_WEIGHT = 10.0
STACKED_C = 0.1  # the stacked final classifier's C (5-fold CV over 0.1-0.5, issue 13 second pass)
LONG_GATE = (400.0, 1000.0)  # characters: headline+lede inputs below, full articles above
LONG_WEIGHT = 1.0  # the long component's share of a full article's probabilities (chosen by CV)


def _calibrated(svc: LinearSVC) -> CalibratedClassifierCV:
    return CalibratedClassifierCV(svc, method="sigmoid", cv=5, ensemble=False)


def prior_pipeline(max_features: int = 150000) -> Pipeline:
    """The prior topic model over the weakly labelled corpora (read by the shipped topic model)."""
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
            ("clf", LinearSVC(C=0.5, random_state=SEED)),
        ]
    )


def long_component() -> CalibratedClassifierCV:
    """The topic model's long-text component: calibrated LinearSVC over the prior model's TF-IDF features,
    trained on VNTC's full articles (its 9 slugs); blended in by text length (nlp.vectorizers.GatedProba)."""
    return CalibratedClassifierCV(LinearSVC(C=0.5, random_state=SEED), method="sigmoid", cv=3, ensemble=False)


def topic_pipeline(prior: Any = None, scale: float = PRIOR_SCALE) -> Pipeline:
    """Pipeline for `topic`: normalised text in, taxonomy slug + calibrated probability out.

    With `prior` (a fitted prior_pipeline) its scores are features beside the TF-IDF (the shipped model);
    without, the TF-IDF alone (what `vigil nlp train topic` fits on a user's file).
    """
    tfidf = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float32)
    features: Any = tfidf
    c = 0.5
    if prior is not None:
        features = FeatureUnion([("tfidf", tfidf), ("prior", PriorScores(prior, scale))])
        c = STACKED_C
    return Pipeline([("features", features), ("clf", _calibrated(LinearSVC(C=c, random_state=SEED)))])


def tone_pipeline() -> Pipeline:
    """Pipeline for `tone`: headline+lede in, positive/neutral/negative + calibrated probability out."""
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
                _calibrated(LinearSVC(C=0.5, class_weight="balanced", random_state=SEED)),
            ),
        ]
    )


PIPELINES = {"topic": topic_pipeline, "tone": tone_pipeline}
