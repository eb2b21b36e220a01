#!/usr/bin/env python3
"""Model-selection experiments of issue 13, on the committed data (nlp/data), training parts only.

    nice .venv/bin/python scripts/nlp_experiments.py topic    # ~15 min on a busy 2-core machine
    nice .venv/bin/python scripts/nlp_experiments.py tone     # ~3 min

Every figure is a 5-fold stratified cross-validation (seed 0) macro-F1 on the TRAINING part of
news-topic-tone-2026 (id hash, nlp/corpora.py); for tone each fold also holds out a fifth of
news-tone-hue's training part. The held-out parts (development sets) are never read here. Weak corpora
are sampled (seed 1) to keep each run short. The results are recorded in the model cards
(scripts/train_models.py TOPIC_EXPERIMENTS / TONE_EXPERIMENTS). Issue 4's experiments (VNTC 5,000 and
news-tone-hue alone) are in the git history of this file.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp import corpora
from nlp.features import mark_tone_cues
from nlp.pipelines import TOKENS

FOLDS = StratifiedKFold(5, shuffle=True, random_state=0)


def _titles(texts: list[str]) -> list[str]:
    return [t.split("\n", 1)[0] for t in texts]


def features(kind: str) -> FeatureUnion:
    parts: list[tuple[str, Any]] = [
        ("w", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float32))
    ]
    if "char" in kind:
        parts.append(
            ("c", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True))
        )
    if "title" in kind:
        title = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        parts.append(("t", Pipeline([("f", FunctionTransformer(_titles)), ("v", title)])))
    return FeatureUnion(parts)


def classifier(name: str) -> Any:
    return LinearSVC(C=float(name[3:])) if name.startswith("svc") else LogisticRegression(C=float(name[2:]))


def sample(split: corpora.Split, n: int) -> corpora.Split:
    idx = list(range(len(split)))
    random.Random(1).shuffle(idx)
    return corpora.Split([split.texts[i] for i in idx[:n]], [split.labels[i] for i in idx[:n]])


def cv(name: str, fit_predict: Callable[[list[str], list[str], list[str]], list[str]]) -> float:
    data = corpora.news2026("train", "topic")
    x, y = np.array(data.texts, dtype=object), np.array(data.labels)
    scores = []
    started = time.time()
    for tr, te in FOLDS.split(x, y):
        pred = fit_predict(list(x[tr]), list(y[tr]), list(x[te]))
        scores.append(f1_score(y[te], pred, average="macro"))
    print(f"{name}: CV macro-F1 {np.mean(scores):.4f} ({time.time() - started:.0f} s)", flush=True)
    return float(np.mean(scores))


def topic() -> None:
    for kind in ("w", "w+char", "w+title"):
        for clf in ("svc0.5", "lr10"):

            def plain(xt: list[str], yt: list[str], xe: list[str], kind: str = kind, clf: str = clf) -> Any:
                return Pipeline([("f", features(kind)), ("c", classifier(clf))]).fit(xt, yt).predict(xe)

            cv(f"hand-labelled only, {kind}, {clf}", plain)
    weak = corpora.weak_topic("prior")
    mixed = sample(weak, 24000)
    for weight in (1.0, 3.0, 10.0):

        def mix(xt: list[str], yt: list[str], xe: list[str], weight: float = weight) -> Any:
            model = Pipeline([("f", features("w")), ("c", LinearSVC(C=0.5))])
            sw = [weight] * len(xt) + [1.0] * len(mixed)
            return model.fit(xt + mixed.texts, yt + mixed.labels, c__sample_weight=sw).predict(xe)

        cv(f"mixed with 24,000 weak items, hand weight {weight:g}", mix)
    prior = Pipeline(
        [
            ("f", TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_features=150000, sublinear_tf=True)),
            ("c", LinearSVC(C=0.5)),
        ]
    ).fit(mixed.texts, mixed.labels)
    for scale in (0.3, 1.0):

        def stacked(xt: list[str], yt: list[str], xe: list[str], scale: float = scale) -> Any:
            v = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
            f_tr = hstack([v.fit_transform(xt), csr_matrix(scale * prior.decision_function(xt))])
            f_te = hstack([v.transform(xe), csr_matrix(scale * prior.decision_function(xe))])
            return LinearSVC(C=0.5).fit(f_tr.tocsr(), yt).predict(f_te.tocsr())

        cv(f"stacked on a prior model of 24,000 weak items, scale {scale:g}", stacked)


def tone() -> None:
    news, hue = corpora.news2026("train", "tone"), corpora.tone("train")
    nx, ny = np.array(news.texts, dtype=object), np.array(news.labels)
    hx, hy = np.array(hue.texts, dtype=object), np.array(hue.labels)
    for name, cues, char, c, hue_weight in (
        ("cues + word 1-2-grams, LinearSVC C=0.5 (shipped)", True, False, 0.5, 1.0),
        ("no cue markers", False, False, 0.5, 1.0),
        ("news-tone-hue weight 2", True, False, 0.5, 2.0),
        ("C=0.2", True, False, 0.2, 1.0),
        ("C=1", True, False, 1.0, 1.0),
        ("+ char_wb 2-5-grams", True, True, 0.5, 1.0),
    ):
        s_news, s_hue = [], []
        for (tr, te), (htr, hte) in zip(FOLDS.split(nx, ny), FOLDS.split(hx, hy), strict=True):
            parts: list[tuple[str, Any]] = [
                ("w", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=TOKENS))
            ]
            if char:
                parts.append(("c", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2)))
            steps: list[tuple[str, Any]] = [("cues", FunctionTransformer(mark_tone_cues))] if cues else []
            steps += [("f", FeatureUnion(parts)), ("c", LinearSVC(C=c, class_weight="balanced"))]
            sw = [1.0] * len(tr) + [hue_weight] * len(htr)
            model = Pipeline(steps).fit(
                list(nx[tr]) + list(hx[htr]), list(ny[tr]) + list(hy[htr]), c__sample_weight=sw
            )
            s_news.append(f1_score(ny[te], model.predict(list(nx[te])), average="macro"))
            s_hue.append(f1_score(hy[hte], model.predict(list(hx[hte])), average="macro"))
        print(f"tone {name}: CV 2026 {np.mean(s_news):.4f} / news-tone-hue {np.mean(s_hue):.4f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("task", choices=("topic", "tone"))
    args = parser.parse_args()
    topic() if args.task == "topic" else tone()


if __name__ == "__main__":
    main()
