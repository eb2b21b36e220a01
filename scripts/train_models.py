#!/usr/bin/env python3
"""Rebuild the shipped NLP models (nlp/models) from the committed data (nlp/data), and print metrics.

    .venv/bin/python scripts/train_models.py                 # rebuild topic + tone, print held-out metrics
    .venv/bin/python scripts/train_models.py --evaluate-only # only print the target metrics
    .venv/bin/python scripts/train_models.py --import-shared ../shared/data   # refresh nlp/data first

The targets (issue 4) are printed per class: VNTC test macro-F1 of a model trained on VNTC train alone,
2025-26 RSS items held out by date, and a held-out fifth of news-tone-hue.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp import corpora  # noqa: E402
from nlp.cards import base_card, evaluate, format_metrics, sha256_file  # noqa: E402
from nlp.modelstore import SHIPPED_DIR, model_name, save_model  # noqa: E402
from nlp.pipelines import tone_pipeline, topic_pipeline  # noqa: E402

VERSION = "1.0"
COMMAND = ".venv/bin/python scripts/train_models.py"
LICENCES = {
    "vntc-train": "VNTC (MIT per duyvuleo/VNTC; article text © the 2005-06 newspapers), research use",
    "vntc-test": "as vntc-train",
    "baomoi": "no data licence stated (carrying repo GPL-3.0); title+sapo © the outlets",
    "rss-sections": "no licence in the source repo; headlines/ledes © VnExpress",
    "rss-unlabelled": "no licence in the source repo; headlines/ledes © the outlets",
    "news-tone-hue": "labels: Vigil project; headlines/ledes © the outlets",
}


def data_entry(key: str, items: int, labels: Counter[str] | None = None, note: str = "") -> dict[str, Any]:
    path = corpora.FILES[key]
    entry: dict[str, Any] = {
        "name": key,
        "file": str(path.relative_to(ROOT)),
        "sha256": sha256_file(path),
        "items": items,
        "licence": LICENCES[key],
    }
    if labels:
        entry["labels"] = dict(sorted(labels.items()))
    if note:
        entry["note"] = note
    return entry


def topic_vntc_only() -> dict[str, Any]:
    """Target 1: trained on VNTC train alone, measured on VNTC test."""
    train, test = corpora.vntc("train"), corpora.vntc("test")
    model = topic_pipeline().fit(train.texts, train.labels)
    return evaluate(test.labels, list(model.predict(test.texts)))


def build_topic(out_dir: Path, date: str, save: bool) -> dict[str, Any]:
    started = time.time()
    metrics = {"vntc-test, trained on vntc-train alone (target >= 0.92)": topic_vntc_only()}
    print(
        format_metrics("topic/vntc-only", metrics["vntc-test, trained on vntc-train alone (target >= 0.92)"])
    )
    parts = {
        "vntc-train": corpora.vntc("train"),
        "baomoi": corpora.baomoi("train"),
        "rss-sections": corpora.rss_sections("train"),
        "rss-unlabelled": corpora.weak_labels(),
    }
    train = corpora.Split()
    for part in parts.values():
        train.extend(part)
    model = topic_pipeline().fit(train.texts, train.labels)
    rss_test = corpora.rss_sections("test")
    evals = {
        f"rss-sections published >= {corpora.RSS_CUTOFF} (target >= 0.90)": rss_test,
        "baomoi held-out fifth": corpora.baomoi("test"),
        "vntc-test (shipped model)": corpora.vntc("test"),
    }
    for name, split in evals.items():
        metrics[name] = evaluate(split.labels, list(model.predict(split.texts)))
        print(format_metrics(name, metrics[name]))
    card = base_card("topic", VERSION, COMMAND)
    card["pipeline"] = (
        "TfidfVectorizer(syllable 1-2-grams, min_df=2, max_features=60000) + LogisticRegression(C=30)"
    )
    notes = {
        "vntc-train": "texts truncated to their first 1,500 characters",
        "baomoi": "four fifths (stratified, seed 20261128); 2 of 25 labels dropped, see topic_mapping.toml",
        "rss-sections": f"items published before {corpora.RSS_CUTOFF}",
        "rss-unlabelled": "weak 'moi-truong' labels from a title keyword rule (topic_mapping.toml [weak])",
    }
    card["training_data"] = [data_entry(k, len(v), Counter(v.labels), notes[k]) for k, v in parts.items()]
    card["metrics"] = metrics
    card["labels"] = sorted(set(train.labels))
    card["train_seconds"] = round(time.time() - started, 1)
    card["experiments"] = TOPIC_EXPERIMENTS
    card["notes"] = [
        "Macro-F1 on a held-out set is averaged over the labels present in that set; predictions of other "
        "taxonomy labels count as errors.",
        "Scores are LogisticRegression probabilities (topic_score = probability of the predicted topic).",
        "Known weakness: 'thoi-su' is learnt from 2005-06 VNTC politics/society articles only; on unlabelled "
        "2025-26 RSS items it is predicted for under 1% of items, so current political news is often "
        "filed under other topics. Labelled recent 'Thời sự' items would fix this.",
    ]
    if save:
        print("saved", save_model(model, card, out_dir, model_name("topic", VERSION, date)))
    return card


def build_tone(out_dir: Path, date: str, save: bool) -> dict[str, Any]:
    started = time.time()
    train, test = corpora.tone("train"), corpora.tone("test")
    held = tone_pipeline().fit(train.texts, train.labels)
    name = "news-tone-hue held-out fifth (target >= 0.78)"
    metrics = {name: evaluate(test.labels, list(held.predict(test.texts)))}
    print(format_metrics(name, metrics[name]))
    everything = corpora.tone()
    model = tone_pipeline().fit(everything.texts, everything.labels)
    card = base_card("tone", VERSION, COMMAND)
    card["pipeline"] = (
        "FunctionTransformer(nlp.features.mark_tone_cues) + TfidfVectorizer(word 1-2-grams) "
        "+ LogisticRegression(C=3, class_weight=balanced)"
    )
    card["training_data"] = [
        data_entry(
            "news-tone-hue",
            len(everything),
            Counter(everything.labels),
            "metrics: trained on four fifths; the shipped model is refit on all 800 items",
        )
    ]
    card["lexicon"] = {
        "file": "nlp/data/tone_cues.toml",
        "sha256": sha256_file(corpora.DATA_DIR / "tone_cues.toml"),
    }
    card["metrics"] = metrics
    card["labels"] = sorted(set(everything.labels))
    card["train_seconds"] = round(time.time() - started, 1)
    card["experiments"] = TONE_EXPERIMENTS
    if save:
        print("saved", save_model(model, card, out_dir, model_name("tone", VERSION, date)))
    return card


TOPIC_EXPERIMENTS = [
    "VNTC-only, VNTC test macro-F1: TF-IDF 1-2-grams + LinearSVC C=0.5 0.886; "
    "+ LogisticRegression C=50 0.893; "
    "+ char_wb 2-5-grams 0.892; 1-3-grams 0.883; ComplementNB 0.847; Ridge 0.886; NB-SVM 0.88; "
    "class_weight=balanced 0.886-0.890; training on the 10 original labels then mapping 0.887-0.890; "
    "title repeated 0.882. None reaches the 0.92 target with 5,000 training articles.",
    "Truncating VNTC training texts to 1,500 characters: 0.8905 vs 0.8882 for full texts (LogReg C=20); "
    "cutting the *input* at 1,500 characters at prediction time costs 1.4 points (0.873), hence 5,000.",
    "C=10 instead of 30: VNTC-only 0.883, RSS held-out 0.921 (C=30: 0.887, 0.923).",
    "RSS held-out by date, other training sets: RSS items alone 0.929 (4 labels only); baomoi + RSS + weak "
    "labels without VNTC 0.904; all (shipped) 0.923.",
    "Second shift (scripts/nlp_experiments.py topic; hyper-parameters judged by 3-fold CV on VNTC train "
    "only, VNTC test printed beside it, never used to choose): the evaluation is over the 9 slugs VNTC "
    "has (Khoa hoc + Vi tinh -> cong-nghe), and on VNTC's own 10 labels the same model scores 0.889, so "
    "neither the mapping nor the label set hides points. Full-text training (VNTC train is 2,155 "
    "characters on average) vs the committed 1,500-character cut, LinearSVC C=1: CV 0.903 / test 0.884 "
    "vs test 0.884 (no gain, so the committed cut stays). Syllable 1-2-grams LinearSVC C=0.3 0.873, "
    "C=1 0.884; max_df=0.5 0.884 (CV 0.904); number normalisation + max_df 0.885; 1-3-grams 0.874; "
    "SGD modified_huber CV 0.891 / 0.869; SGD hinge CV 0.899 / 0.878.",
    "Word segmentation (underthesea word_tokenize of every training and test article, 215 s): word "
    "unigrams LinearSVC C=1 CV 0.906 / test 0.883, C=0.3 0.906 / 0.876; word 1-2-grams C=1 0.905 / 0.876; "
    "word 1-2-grams LogReg C=30 0.902 / 0.880; syllable 1-2-grams + word unigrams C=1 0.907 / 0.886. "
    "Segmentation gains at most 0.4 CV points and nothing on test, so the dictionary compound joiner it "
    "would need at prediction time was not built. The errors are Doi song and Chinh tri Xa hoi items "
    "read as each other, Van hoa, Suc khoe or Phap luat (VNTC test is 87% VnExpress, train 58%); with "
    "5,000 training articles no measured variant passes 0.893, the 0.92 target is not reached.",
    "Weak 'moi-truong' labels (190 RSS titles matching the disaster/pollution rule): baomoi held-out "
    "moi-truong F1 0.846 with them vs 0.805 without; on the 3,000+ unlabelled RSS items that do NOT match "
    "the rule, 3.5% are predicted moi-truong with them vs 1.6% without (some spill-over); RSS held-out "
    "0.923 vs 0.926. Kept.",
    "Third shift (scripts/nlp_experiments.py topic --third and variants of it; 3-fold CV on VNTC "
    "train only, VNTC test printed beside it, never used to choose), baseline syllable 1-2-grams "
    "LinearSVC C=1 CV 0.887 / test 0.884. Representations learnt without labels from the texts only "
    "of baomoi and the RSS items (17,114 texts, 3.8 M characters; no VNTC test text): IDF fitted on "
    "them too 0.886 / 0.882; LSA (TruncatedSVD 300 of TF-IDF over VNTC train + those texts) appended "
    "0.883 / 0.874 (5 minutes a run, so no other LSA setting); PPMI + SVD syllable vectors (200 "
    "dimensions, with VNTC train's texts) as a TF-IDF-weighted mean appended, weight 0.5 0.888 / "
    "0.890 (0.889 / 0.889 in an earlier run whose baomoi texts were not normalised), weight 1 0.887 "
    "/ 0.886; k-means word clusters of those vectors as extra tokens, k=300 0.884 / 0.878, k=1000 "
    "0.885 / 0.881.",
    "Third shift, feature selection and tuning: chi2 top 10,000 features 0.887 / 0.881, 20,000 0.891 "
    "/ 0.885, 40,000 0.891 / 0.892, 60,000 0.891 / 0.884; 40,000 with C=2 0.892 / 0.890 (the CV "
    "best), with LogReg C=30 0.888 / 0.887. TF-IDF settings jointly with C (LinearSVC C=0.5 / C=2): "
    "binary 0.878 / 0.876, 0.883 / 0.883; max_df=0.3 0.886 / 0.879, 0.889 / 0.888; min_df=1 0.880 / "
    "0.872, 0.885 / 0.883; min_df=3 + max_df=0.5 0.884 / 0.882, 0.891 / 0.887; raw tf 0.881 / 0.867, "
    "0.888 / 0.875; l1 norm 0.04 / 0.05, 0.57 / 0.59 (needs a far larger C). Log-length features "
    "0.889 / 0.884.",
    "Third shift, decisions: two-stage (items predicted doi-song or thoi-su re-decided by a "
    "LinearSVC trained on those two labels only, on its own TF-IDF) C=0.3 0.886 / 0.880, C=1 0.887 / "
    "0.881, C=3 0.887 / 0.882, on the shared features (the script) C=1 0.887 / 0.880; "
    "probability-averaged LogReg C=30 ensembles, syllable 1-2-grams + char_wb 2-5-grams 0.885 / "
    "0.877, + syllable unigrams 0.887 / 0.875. The best CV gain is 0.5 points (chi2, test 0.890): "
    "with 5,000 training articles no measured variant comes near 0.92, so nothing shipped.",
]
TONE_EXPERIMENTS = [
    "5-fold CV macro-F1 on news-tone-hue (seed 42): word 1-2-grams + LogReg 0.721-0.739; + LinearSVC 0.711; "
    "1-3-grams 0.699; + char_wb 2-5-grams 0.735.",
    "+ news-tone cue markers (nlp/data/tone_cues.toml): 0.753 (C=3, chosen); + char 2-4-grams 0.756 "
    "(not kept: doubles prediction time for 0.3 points).",
    "+ VietSentiWordNet markers (pos-neg >= 0.5, 1,331 terms) instead of the cues: 0.743 / 0.724 (no help).",
    "+ VLSP 2016 product reviews (5,100) as extra training data: 0.669 (hurts); + UIT-VSFC student feedback "
    "(11,426): 0.619 (hurts). Not used (and their licences forbid redistribution). aivivn-2019-sa "
    "(binary product reviews, same review domain) not tried after these two.",
    "Self-training on 3,114 unlabelled 2025-26 RSS items (pseudo-labels with p >= 0.7): 0.730 (hurts).",
    "Weighting low-confidence items 0.5: 0.745 (no help).",
    "Same CV, other variants of the chosen pipeline: C=1 0.747, C=10 0.748; unigrams only 0.752; LinearSVC "
    "0.735; + title-prefixed tokens 0.747; + the topic model's prediction as a marker token 0.750; "
    "+ neutral cue markers (announcements, plans, policies) 0.751. None helps; the remaining errors are "
    "mostly neutral items read as positive/negative, which need more labelled data than 640 items.",
    "Second shift (scripts/nlp_experiments.py tone; 2 x 5-fold CV on the 640 training items only, the "
    "fixed held-out fifth printed beside it): shipped pipeline CV 0.726 / held-out 0.715; + char_wb 2-4 "
    "CV 0.748 / 0.707 (C=1: 0.748 / 0.685; 2-5 min_df=2 0.742 / 0.701; unigrams + char 0.738 / 0.697); "
    "IDF fitted on the 3,114 unlabelled RSS items too 0.717 / 0.697 (with char 0.739 / 0.726; C=10 "
    "0.721 / 0.695); low-confidence items weighted 0.5 0.722 / 0.710; separate title TF-IDF block "
    "0.711 / 0.716; LinearSVC C=1 0.716 / 0.696; cue counts as dense log-count features 0.686-0.693 "
    "(hurts, with or without the marker tokens). The CV-best variant (char n-grams, +2.2 CV points) "
    "scores lower on the held-out fifth and doubles prediction time, so the shipped pipeline stays; "
    "no variant reaches 0.78 on either measure.",
    "Neutral probability scaled by k before the argmax, k chosen on out-of-fold predictions of the 640 "
    "items (2 x 5-fold): k=1.2 CV 0.738 / held-out 0.718 (k=1: 0.732 / 0.715; k=1.4: 0.737 / 0.710). "
    "Too small a gain for a custom decision rule in the shipped Pipeline; not kept.",
    "Same protocol: probability average of word-1-2-gram LogReg and char_wb-2-4 LogReg CV 0.745 / 0.702; "
    "NB-SVM (binary 1-2-grams scaled by per-class log-count ratios, one-vs-rest LogReg) C=3 CV 0.716 / "
    "0.740, C=0.3 0.721 / 0.730. NB-SVM's held-out score is the best seen, but its CV is below the "
    "shipped pipeline's, and held-out scores do not choose models here: not kept.",
    "Third shift (scripts/nlp_experiments.py tone --third; same protocol: 2 x 5-fold CV on the 640 "
    "training items, held-out fifth printed beside it, never used to choose): shipped pipeline CV "
    "0.726 / held-out 0.715. Word vectors learnt without labels (PPMI + SVD, 200 dimensions, 8,400 "
    "syllables, window 2, from the texts only of VNTC train, baomoi and the RSS items, none of them "
    "a news-tone-hue item), the TF-IDF-weighted mean vector of each item appended with weight 0.5: "
    "CV 0.742 / 0.717 (weight 1 0.742 / 0.713, 2 0.734 / 0.713; 300 dimensions 0.744 / 0.731; window "
    "5 0.744 / 0.725; 100 dimensions 0.745 / 0.714; C=10 0.744 / 0.719; C=1 0.738 / 0.715; these "
    "settings measured by an earlier run of the same code whose baomoi texts were not normalised); "
    "vectors over syllables + syllable-bigram tokens (78,000) 0.744 / 0.716; separate title and lede "
    "vectors 0.733 / 0.725; LSA (200 dimensions, SVD of the unlabelled TF-IDF) 0.717 / 0.700; RBF "
    "SVC on the vectors alone 0.719 / 0.664 (C=1), 0.707 / 0.656 (C=10), averaged with the LogReg "
    "0.745 / 0.712.",
    "Third shift, label-aware features: GUIDE.md's definitions written out as 20 phrase groups (8 "
    "positive, 8 negative, 4 neutral: announcements, appointments, forecasts, statistics) added as "
    "`__<group>__` marker tokens (again for title hits) CV 0.732 / 0.714 (whole text only 0.734 / 0.715; "
    "polar groups only 0.728 / 0.715; C=1 0.722 / 0.679; C=10 0.728 / 0.714); cosine of the item's "
    "vector to each group's centroid 0.747 / 0.715 (title, lede and whole item separately 0.723 / "
    "0.750; with the vectors themselves 0.721-0.746 / 0.724-0.732); title / lede cue-balance markers "
    "(more positive, more negative, mixed or no cues, per part) 0.731 / 0.676; group markers + "
    "vectors 0.750 / 0.732 (the best single model by CV), + separate title/lede vectors 0.739 / "
    "0.731.",
    "Third shift, the neutral class and the decision: ordinal (Frank & Hall: P(> negative), P(> "
    "neutral) from two binary LogReg) C=3 0.622 / 0.616, C=10 0.708 / 0.660 (neutral is starved); "
    "hierarchical (neutral vs polar, then positive vs negative) 0.707 / 0.701; group markers + "
    "vectors with the neutral probability scaled by k chosen on inner out-of-fold predictions 0.744 "
    "/ 0.739; probability average of word+vectors LogReg and char_wb 2-4 LogReg 0.749 / 0.709 (with "
    "group markers 0.752 / 0.721; three models 0.747 / 0.710); stacking (out-of-fold probabilities "
    "of both + title/lede cue counts -> LogReg) 0.730 / 0.723. The best variants gain 2.4 CV points "
    "over the shipped pipeline, within the spread of 640 items, and none reaches 0.78 on CV or on "
    "the held-out fifth: nothing shipped.",
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=SHIPPED_DIR)
    parser.add_argument("--task", choices=("topic", "tone", "all"), default="all")
    parser.add_argument("--evaluate-only", action="store_true", help="print metrics, save nothing")
    parser.add_argument("--import-shared", type=Path, help="refresh nlp/data from a shared/data folder first")
    args = parser.parse_args()
    if args.import_shared:
        from nlp.data_import import import_shared

        import_shared(args.import_shared)
    date = datetime.now(UTC).strftime("%Y%m%d")
    save = not args.evaluate_only
    for task, build in (("topic", build_topic), ("tone", build_tone)):
        if args.task in (task, "all"):
            build(args.out, date, save)
            if save:  # keep only the model just built for this task
                keep = model_name(task, VERSION, date)
                for old in args.out.glob(f"{task}-*"):
                    if not old.name.startswith(keep + "."):
                        old.unlink()


if __name__ == "__main__":
    main()
