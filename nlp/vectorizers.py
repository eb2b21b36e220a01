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
        long_coef: Any = None,
        long_intercept: Any = None,
        gate: tuple[float, float] = (400.0, 1000.0),
    ) -> None:
        self.tfidf = tfidf
        self.prior_tfidf = prior_tfidf
        self.prior_coef = prior_coef
        self.prior_intercept = prior_intercept
        self.scale = scale
        self.long_coef = long_coef
        self.long_intercept = long_intercept
        self.gate = gate

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
        blocks = [own, csr_matrix((self.scale * scores).astype(np.float32))]
        if self.long_coef is not None:  # the long-text component's raw scores, then the gate (last column)
            long_scores = prior @ self.long_coef.T + self.long_intercept
            gates = length_gate([len(doc) for doc in X], self.gate)
            blocks.append(csr_matrix(np.hstack([long_scores, gates[:, None]]).astype(np.float32)))
        return hstack(blocks, format="csr")


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


def length_gate(lengths: Any, gate: tuple[float, float]) -> np.ndarray:
    """0 for texts up to gate[0] characters, 1 from gate[1] on, linear between (headline+lede vs article)."""
    start, end = gate
    return np.clip((np.asarray(lengths, dtype=np.float64) - start) / (end - start), 0.0, 1.0)


def sigmoid_proba(scores: Any, a: Any, b: Any) -> np.ndarray:
    """Per-class sigmoid calibration, normalised (as CalibratedClassifierCV(method="sigmoid"))."""
    proba = 1.0 / (1.0 + np.exp(a * np.asarray(scores) + b))
    total = proba.sum(axis=1, keepdims=True)
    uniform = np.full_like(proba, 1.0 / proba.shape[1])
    return np.where(total > 0, proba / np.where(total > 0, total, 1.0), uniform)


def gated_reference(fitted: Any, long_model: Any, texts: list[str], weight: float, gate: Any) -> np.ndarray:
    """What the compiled GatedProba pipeline computes, from the fitted parts (to check the compilation)."""
    prior_tfidf = dict(fitted.named_steps["features"].transformer_list)["prior"].model.steps[0][1]
    return gated_blend(
        fitted.predict_proba(texts),
        [str(c) for c in fitted.classes_],
        long_model.predict_proba(prior_tfidf.transform(texts)),
        [str(c) for c in long_model.classes_],
        weight * length_gate([len(t) for t in texts], gate),
    )


def gated_blend(
    short: np.ndarray, classes: list[str], long: np.ndarray, long_classes: list[str], gates: np.ndarray
) -> np.ndarray:
    """(1 - g) * short + g * long-padded, per text.

    The long-text component knows only some of the classes (VNTC's 9 of the 12 topics): in its padded
    form the short model keeps its probability of the other classes, and the long component shares the
    rest among its own classes.
    """
    index = [classes.index(c) for c in long_classes]
    missing = [i for i in range(len(classes)) if i not in index]
    padded = short.copy()
    rest = 1.0 - short[:, missing].sum(axis=1, keepdims=True)
    padded[:, index] = rest * long
    g = np.asarray(gates, dtype=np.float64)[:, None]
    return (1.0 - g) * short + g * padded


class GatedProba(BaseEstimator, ClassifierMixin):
    """LinearProba for short texts, blended by text length with a calibrated long-text component.

    Reads TextFeatures' output with a long component: [own TF-IDF, prior scores | long scores, gate].
    The gate is 0 for headline+lede inputs (up to 400 characters), so those get `short`'s probabilities
    unchanged; full articles (1,000+ characters) get the long component's (see `gated_blend`).
    """

    def __init__(
        self,
        short: Any = None,
        long_classes: Any = None,
        long_a: Any = None,
        long_b: Any = None,
        weight: float = 1.0,
    ) -> None:
        self.short = short
        self.long_classes = long_classes
        self.long_a = long_a
        self.long_b = long_b
        self.weight = weight

    @property
    def classes_(self) -> np.ndarray:
        return np.asarray(self.short.classes)

    def fit(self, X: Any, y: Any = None) -> GatedProba:
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return self.short is not None

    def predict_proba(self, X: Any) -> np.ndarray:
        k = len(self.long_classes)
        X = csr_matrix(X)
        tail = X[:, -(k + 1) :].toarray()
        short = self.short.predict_proba(X[:, : -(k + 1)])
        long = sigmoid_proba(tail[:, :k], self.long_a, self.long_b)
        classes = [str(c) for c in self.short.classes]
        return gated_blend(
            short, classes, long, [str(c) for c in self.long_classes], self.weight * tail[:, k]
        )

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def compile_pipeline(
    pipeline: Any, long_model: Any = None, weight: float = 1.0, gate: tuple[float, float] = (400.0, 1000.0)
) -> Any:
    """The shipped form of a fitted topic or tone Pipeline: same predictions, far less per-call work.

    `long_model`: a fitted CalibratedClassifierCV(LinearSVC, sigmoid, ensemble=False) over the prior
    model's TF-IDF features (a topic pipeline with a prior only), blended in for long texts (GatedProba).
    """
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
        if long_model is not None:
            if len(long_model.classes_) < 3:
                raise ValueError("the long-text component needs 3 or more classes (one score per class)")
            long_inner = long_model.calibrated_classifiers_[0]
            long_svc = long_inner.estimator
            compiled.long_coef = np.asarray(long_svc.coef_, dtype=np.float32)
            compiled.long_intercept = np.asarray(long_svc.intercept_, dtype=np.float64)
            compiled.gate = (float(gate[0]), float(gate[1]))
            gated = GatedProba(
                short=clf,
                long_classes=np.asarray(long_model.classes_),
                long_a=np.array([c.a_ for c in long_inner.calibrators], dtype=np.float64),
                long_b=np.array([c.b_ for c in long_inner.calibrators], dtype=np.float64),
                weight=weight,
            )
            return Pipeline([*steps[:-2], (fname, compiled), (name, gated)])
    else:
        compiled = TextFeatures(tfidf=features)
    return Pipeline([*steps[:-2], (fname, compiled), (name, clf)])
