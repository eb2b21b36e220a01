"""The shipped models on every development set of issue 13, and retraining from the committed data alone.

Figures printed by `.venv/bin/python scripts/train_models.py --evaluate-only` and on the model cards.
Targets (macro-F1): topic >= 0.82 on the held-out part of news-topic-tone-2026 (12 topics), >= 0.91 on
VNTC test, >= 0.92 on VnExpress section items of later months (both: decision among the corpus' own
slugs); tone >= 0.80 on news-topic-tone-2026's held-out part and on news-tone-hue's held-out fifth.
Where a target is met the threshold is the target; where it is not (VNTC 0.903, tone 0.743 / 0.795) the
threshold is the measured level minus a small margin, so that a regression fails the suite either way.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from nlp import corpora
from nlp.cards import evaluate, predict_within, reliability
from nlp.features import topic_input
from nlp.modelstore import get_model
from nlp.pipelines import HAND_WEIGHT, LONG_GATE, tone_pipeline, topic_pipeline
from nlp.taxonomy import TOPICS
from nlp.vectorizers import compile_pipeline

NEWS_TOPIC_TARGET = 0.82
RSS_TARGET = 0.92
VNTC_MEASURED = 0.89  # target 0.91 not reached (measured 0.903; 0.865 before the long-text component)
NEWS_TONE_MEASURED = 0.73  # target 0.80 not reached (measured 0.743)
HUE_TONE_MEASURED = 0.78  # target 0.80 not reached (measured 0.795)


def test_the_held_out_split_is_fixed_by_id_hash() -> None:
    train, test = corpora.news2026("train", "topic"), corpora.news2026("test", "topic")
    assert (len(train), len(test)) == (3779, 901)
    assert corpora.held_out("ccd3295bf367f357ed13419ac274fe70") is False
    assert not set(train.texts) & set(test.texts)
    assert len(corpora.rss_sections("test")) == 1159  # VnExpress sections published in 2026-03


def test_shipped_topic_model_on_news_2026() -> None:
    test = corpora.news2026("test", "topic")
    pipeline = get_model("topic").pipeline
    proba = pipeline.predict_proba(test.texts)
    classes = [str(c) for c in pipeline.classes_]
    metrics = evaluate(test.labels, [classes[i] for i in proba.argmax(1)])
    assert metrics["macro_f1"] >= NEWS_TOPIC_TARGET, metrics
    assert metrics["per_class"]["thoi-su"]["recall"] >= 0.6, metrics  # was under 0.05 (issue 13)
    rel = reliability(test.labels, proba, classes)
    assert rel["ece"] <= 0.10, rel  # scores are calibrated probabilities


@pytest.mark.slow
def test_shipped_topic_model_on_older_and_later_corpora() -> None:
    pipeline = get_model("topic").pipeline
    rss, vntc = corpora.rss_sections("test"), corpora.vntc("test")
    rss_metrics = evaluate(rss.labels, predict_within(pipeline, rss.texts, sorted(set(rss.labels))))
    assert rss_metrics["macro_f1"] >= RSS_TARGET, rss_metrics
    vntc_metrics = evaluate(vntc.labels, predict_within(pipeline, vntc.texts, sorted(set(vntc.labels))))
    assert vntc_metrics["macro_f1"] >= VNTC_MEASURED, vntc_metrics
    assert topic_input("Tiêu đề", "", "x" * 9000).endswith("x")  # long bodies are cut, not dropped


def test_shipped_tone_model_on_both_dev_sets() -> None:
    pipeline = get_model("tone").pipeline
    news, hue = corpora.news2026("test", "tone"), corpora.tone("test")
    news_metrics = evaluate(news.labels, list(pipeline.predict(news.texts)))
    hue_metrics = evaluate(hue.labels, list(pipeline.predict(hue.texts)))
    assert news_metrics["macro_f1"] >= NEWS_TONE_MEASURED, news_metrics
    assert hue_metrics["macro_f1"] >= HUE_TONE_MEASURED, hue_metrics


def test_tone_retrain_reproduces_the_shipped_level() -> None:
    news, hue = corpora.news2026("train", "tone"), corpora.tone("train")
    assert (len(news), len(hue)) == (3779, 640)
    fitted = tone_pipeline().fit(news.texts + hue.texts, news.labels + hue.labels)
    model = compile_pipeline(fitted)  # the shipped form: the same probabilities, less work per call
    news_test, hue_test = corpora.news2026("test", "tone"), corpora.tone("test")
    gap = abs(model.predict_proba(news_test.texts) - fitted.predict_proba(news_test.texts)).max()
    assert gap < 1e-4
    assert evaluate(news_test.labels, list(model.predict(news_test.texts)))["macro_f1"] >= NEWS_TONE_MEASURED
    assert evaluate(hue_test.labels, list(model.predict(hue_test.texts)))["macro_f1"] >= HUE_TONE_MEASURED


def _shipped_prior() -> Pipeline:
    """The shipped topic model's prior (TF-IDF + LinearSVC over the weak corpora) as a Pipeline."""
    features = get_model("topic").pipeline.named_steps["features"]
    svc = LinearSVC()
    svc.coef_ = np.asarray(features.prior_coef, dtype=np.float64)
    svc.intercept_ = np.asarray(features.prior_intercept)
    svc.classes_ = np.array(sorted(TOPICS))  # the weak corpora cover all 12 topics
    assert svc.coef_.shape[0] == len(TOPICS)
    svc.n_features_in_ = svc.coef_.shape[1]
    return Pipeline([("tfidf", features.prior_tfidf), ("clf", svc)])


@pytest.mark.slow
def test_topic_retrain_from_the_committed_data_meets_the_2026_target() -> None:
    """The final classifier retrained from the committed data (about 1 min): the 2026 target holds.

    The prior model is the shipped one: refitting it on the 61,000 weak items takes 4-6 minutes on
    the 2-core machine (over pytest's timeout); `make models` refits everything and prints the same
    figures."""
    prior = _shipped_prior()
    hand, stack = corpora.news2026("train", "topic"), corpora.weak_topic("stack", vntc=False)
    model = topic_pipeline(prior).fit(
        hand.texts + stack.texts,
        hand.labels + stack.labels,
        clf__sample_weight=[HAND_WEIGHT] * len(hand) + [1.0] * len(stack),
    )
    test = corpora.news2026("test", "topic")
    shipped = get_model("topic").pipeline
    compiled = compile_pipeline(model)  # without the long-text component: it has no say below 400 characters
    short = [t for t in test.texts if len(t) <= LONG_GATE[0]]
    assert len(short) >= 0.99 * len(test.texts)
    assert abs(compiled.predict_proba(short) - shipped.predict_proba(short)).max() < 1e-3
    metrics = evaluate(test.labels, list(compiled.predict(test.texts)))
    assert metrics["macro_f1"] >= NEWS_TOPIC_TARGET, metrics
