#!/usr/bin/env python3
"""Rebuild the shipped NLP models (nlp/models) from the committed data (nlp/data), and print metrics.

    .venv/bin/python scripts/train_models.py                 # rebuild topic + tone, print dev-set metrics
    .venv/bin/python scripts/train_models.py --evaluate-only # measure the SHIPPED models on every dev set
    .venv/bin/python scripts/train_models.py --import-shared ../shared/data   # refresh nlp/data first

Every figure printed is of the shipped pipeline itself (the one saved in nlp/models), on development
sets it never saw in training (issue 13):
- topic: news-topic-tone-2026 held-out part (12 classes), VNTC test (its 10 labels mapped onto 9 slugs),
  VnExpress section items published from 2026-03-01 on (4 slugs), baomoi held-out fifth (information);
- tone: news-topic-tone-2026 held-out part, news-tone-hue held-out fifth;
- the reliability of topic_score / tone_score (calibration) on the news-topic-tone-2026 held-out part;
- entities: precision/recall on 100 hand-checked real items (tests/data/nlp/entities_gold.jsonl).
On corpora with fewer labels than the taxonomy (VNTC, VnExpress sections) two figures are printed: the
model's own 12-way decision (a label outside the corpus' set counts as an error), and the decision among
the corpus' labels only (argmax of the calibrated probabilities over those slugs), which is how a
classifier with a finer label set is compared on a coarser corpus; the targets are read on the latter.
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
from nlp.cards import (  # noqa: E402
    base_card,
    evaluate,
    format_metrics,
    format_reliability,
    predict_within,
    reliability,
    sha256_file,
)
from nlp.modelstore import SHIPPED_DIR, find_model, load_model, model_name, save_model  # noqa: E402
from nlp.pipelines import (  # noqa: E402
    HAND_WEIGHT,
    LONG_GATE,
    LONG_WEIGHT,
    PRIOR_SCALE,
    STACKED_C,
    long_component,
    prior_pipeline,
    tone_pipeline,
    topic_pipeline,
)
from nlp.vectorizers import compile_pipeline, gated_reference  # noqa: E402

VERSION = "2.0"
COMMAND = ".venv/bin/python scripts/train_models.py"
LICENCES = {
    "news-2026": "labels: Vigil project (news-topic-tone-2026); headlines/ledes © the three outlets",
    "vntc-train": "VNTC (MIT per duyvuleo/VNTC; article text © the 2005-06 newspapers), research use",
    "vntc-test": "as vntc-train",
    "baomoi": "no data licence stated (carrying repo GPL-3.0); title+sapo © the outlets",
    "rss-sections": "no licence in the source repo; headlines/ledes © VnExpress",
    "rss-unlabelled": "no licence in the source repo; headlines/ledes © the outlets",
    "news-tone-hue": "labels: Vigil project; headlines/ledes © the outlets",
}
# the issue 13 targets (macro-F1), printed beside each figure
TARGETS = {
    "topic/news-2026": 0.82,
    "topic/vntc-test": 0.91,
    "topic/rss-sections": 0.92,
    "tone/news-2026": 0.80,
    "tone/news-tone-hue": 0.80,
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


def _title(key: str, text: str) -> str:
    target = TARGETS.get(key)
    return f"{text} (target >= {target:.2f})" if target else text


def measure_topic(pipeline: Any) -> dict[str, Any]:
    """The shipped topic pipeline on every development set; prints each table."""
    metrics: dict[str, Any] = {}
    news = corpora.news2026("test", "topic")
    name = _title("topic/news-2026", "news-topic-tone-2026 held-out part, 12 topics")
    proba = pipeline.predict_proba(news.texts)
    classes = [str(c) for c in pipeline.classes_]
    metrics[name] = evaluate(news.labels, [classes[i] for i in proba.argmax(1)], labels=classes)
    rel = {"news-topic-tone-2026 held-out part": reliability(news.labels, proba, classes)}
    for key, label, split in (
        ("topic/vntc-test", "vntc-test", corpora.vntc("test")),
        (
            "topic/rss-sections",
            f"VnExpress sections published >= {corpora.RSS_CUTOFF}",
            corpora.rss_sections("test"),
        ),
        ("", "baomoi held-out fifth (information)", corpora.baomoi("test")),
    ):
        allowed = sorted(set(split.labels))
        metrics[f"{label}, 12-way decision"] = evaluate(split.labels, list(pipeline.predict(split.texts)))
        metrics[_title(key, f"{label}, decision among its {len(allowed)} slugs")] = evaluate(
            split.labels, predict_within(pipeline, split.texts, allowed)
        )
    for name, m in metrics.items():
        print(format_metrics(name, m))
    for name, r in rel.items():
        print(format_reliability(f"topic_score reliability, {name}", r))
    return {"metrics": metrics, "reliability": rel}


def measure_tone(pipeline: Any) -> dict[str, Any]:
    metrics: dict[str, Any] = {}
    rel: dict[str, Any] = {}
    for key, label, split in (
        ("tone/news-2026", "news-topic-tone-2026 held-out part", corpora.news2026("test", "tone")),
        ("tone/news-tone-hue", "news-tone-hue held-out fifth", corpora.tone("test")),
    ):
        proba = pipeline.predict_proba(split.texts)
        classes = [str(c) for c in pipeline.classes_]
        metrics[_title(key, label)] = evaluate(split.labels, [classes[i] for i in proba.argmax(1)])
        rel[label] = reliability(split.labels, proba, classes)
    for name, m in metrics.items():
        print(format_metrics(name, m))
    for name, r in rel.items():
        print(format_reliability(f"tone_score reliability, {name}", r))
    return {"metrics": metrics, "reliability": rel}


def compiled(fitted: Any, texts: list[str]) -> Any:
    """The shipped form (nlp.vectorizers.compile_pipeline), checked to give the fitted model's scores."""
    model = compile_pipeline(fitted)
    gap = float(abs(model.predict_proba(texts) - fitted.predict_proba(texts)).max())
    print(f"compiled pipeline: largest probability difference {gap:.2e} on {len(texts)} texts")
    if gap > 1e-4:
        raise SystemExit("the compiled pipeline does not reproduce the fitted one")
    return model


def build_topic(out_dir: Path, date: str) -> dict[str, Any]:
    started = time.time()
    prior_train = corpora.weak_topic("prior")
    prior = prior_pipeline().fit(prior_train.texts, prior_train.labels)
    hand = corpora.news2026("train", "topic")
    stack = corpora.weak_topic("stack", vntc=False)
    weights = [HAND_WEIGHT] * len(hand) + [1.0] * len(stack)
    fitted = topic_pipeline(prior).fit(
        hand.texts + stack.texts, hand.labels + stack.labels, clf__sample_weight=weights
    )
    vntc_long = corpora.vntc_long("prior")
    long_model = long_component().fit(prior.steps[0][1].transform(vntc_long.texts), vntc_long.labels)
    model = compile_pipeline(fitted, long_model, LONG_WEIGHT, LONG_GATE)
    check = corpora.news2026("test", "topic").texts + corpora.vntc_long("stack").texts[:300]
    reference = gated_reference(fitted, long_model, check, LONG_WEIGHT, LONG_GATE)
    gap = float(abs(model.predict_proba(check) - reference).max())
    print(f"compiled pipeline: largest probability difference {gap:.2e} on {len(check)} texts")
    if gap > 1e-4:
        raise SystemExit("the compiled pipeline does not reproduce the fitted one")
    card = base_card("topic", VERSION, COMMAND)
    card["pipeline"] = (
        "FeatureUnion(TfidfVectorizer(syllable 1-2-grams, min_df=2), PriorScores(prior model, scale "
        f"{PRIOR_SCALE})) + CalibratedClassifierCV(LinearSVC(C={STACKED_C:g}), sigmoid, cv=5, "
        "ensemble=False); "
        "prior model: TfidfVectorizer(syllable 1-2-grams, min_df=2, max_features=150000) + LinearSVC(C=0.5) "
        "on the weakly labelled corpora; long-text component (nlp.pipelines.long_component): "
        "CalibratedClassifierCV(LinearSVC(C=0.5), sigmoid, cv=3) over the prior model's TF-IDF features, "
        f"trained on VNTC's articles only (its 9 slugs), blended in by input length: weight 0 up to "
        f"{LONG_GATE[0]:.0f} characters (headline+lede), {LONG_WEIGHT:g} from {LONG_GATE[1]:.0f} on (full "
        "articles), linear between; over the 9 slugs it knows it shares out the probability the final "
        "classifier leaves to them, the other 3 slugs keep the final classifier's probability "
        "(nlp.vectorizers.gated_blend); shipped compiled (nlp.vectorizers.compile_pipeline: TextFeatures + "
        "GatedProba, the same probabilities within 1e-4 as the fitted parts)"
    )
    card["training_data"] = [
        data_entry(
            "news-2026",
            len(hand),
            Counter(hand.labels),
            f"the training part (int(sha256(id), 16) % 5 != 0), sample weight {HAND_WEIGHT:g}; trains the "
            "final classifier",
        ),
        data_entry(
            "vntc-train",
            len(corpora.vntc("train")),
            note="VNTC Train_Full, texts cut to 1,500 characters; weak labels; the 19 in 20 not in the "
            "final classifier's slice (by id hash) also train the long-text component",
        ),
        data_entry(
            "baomoi",
            len(corpora.baomoi("train")),
            note="four fifths of the committed 1,500-per-category sample (23 of 25 labels mapped); weak",
        ),
        data_entry(
            "rss-sections",
            len(corpora.rss_sections("train")),
            note=f"items published before {corpora.RSS_CUTOFF}; weak labels (the section feed)",
        ),
    ]
    card["weak_training"] = {
        "long-text component items (VNTC)": len(vntc_long),
        "prior model items": len(prior_train),
        "prior model labels": dict(sorted(Counter(prior_train.labels).items())),
        f"final classifier weak items (baomoi + VnExpress sections, 1 in {corpora.STACK_EVERY} by id hash, "
        "weight 1)": len(stack),
    }
    card["labels"] = sorted(set(hand.labels))
    card["train_seconds"] = round(time.time() - started, 1)
    card.update(measure_topic(model))
    card["experiments"] = SECOND_PASS_TOPIC + TOPIC_EXPERIMENTS + EARLIER_TOPIC
    card["notes"] = TOPIC_NOTES + target_notes(card["metrics"])
    print("saved", save_model(model, card, out_dir, model_name("topic", VERSION, date)))
    return card


def build_tone(out_dir: Path, date: str) -> dict[str, Any]:
    started = time.time()
    news, hue = corpora.news2026("train", "tone"), corpora.tone("train")
    fitted = tone_pipeline().fit(news.texts + hue.texts, news.labels + hue.labels)
    model = compiled(fitted, corpora.news2026("test", "tone").texts)
    card = base_card("tone", VERSION, COMMAND)
    card["pipeline"] = (
        "FunctionTransformer(nlp.features.mark_tone_cues) + TfidfVectorizer(word 1-2-grams) "
        "+ CalibratedClassifierCV(LinearSVC(C=0.5, class_weight=balanced), sigmoid, cv=5, ensemble=False); "
        "shipped compiled (nlp.vectorizers.compile_pipeline)"
    )
    card["training_data"] = [
        data_entry(
            "news-2026", len(news), Counter(news.labels), "the training part (int(sha256(id), 16) % 5 != 0)"
        ),
        data_entry("news-tone-hue", len(hue), Counter(hue.labels), "four fifths (stratified, seed 20261128)"),
    ]
    card["lexicon"] = {
        "file": "nlp/data/tone_cues.toml",
        "sha256": sha256_file(corpora.DATA_DIR / "tone_cues.toml"),
    }
    card["labels"] = sorted(set(news.labels))
    card["train_seconds"] = round(time.time() - started, 1)
    card.update(measure_tone(model))
    card["experiments"] = TONE_EXPERIMENTS + EARLIER_TONE
    card["notes"] = TONE_NOTES + target_notes(card["metrics"])
    print("saved", save_model(model, card, out_dir, model_name("tone", VERSION, date)))
    return card


SECOND_PASS_TOPIC = [
    "Issue 13, second pass (VNTC test was 0.865; scripts/nlp_experiments.py long, on training parts only: "
    "the 1,702 VNTC training articles of the 1-in-20 slice by id hash were seen by neither the prior model "
    "nor the VNTC component, so they measure both out of sample ('VNTC slice', decision among VNTC's 9 "
    "slugs); the 2026 figure is 5-fold CV on the hand-labelled training part, folds over hand-labelled + "
    "slice items together; the RSS slice is the 351 VnExpress section items of the same slice, 4 slugs). "
    "VNTC test and the 2026 held-out part chose nothing; VNTC test figures [in brackets] are printed beside "
    "for the record only.",
    "Why VNTC lagged: its test items are full articles (median 1,843 characters) while every 2026 and RSS "
    "item is headline+lede (at most 420 characters), and the final classifier learns mostly from the "
    "latter (2026 definitions of thoi-su/doi-song differ from VNTC's). Alone on the VNTC slice: the prior "
    "model 0.907 [0.874], a VNTC-only LinearSVC C=0.5 over the prior's TF-IDF features 0.919 [0.904].",
    "Length-gated features inside the final LinearSVC (gate 0 up to 400 characters, 1 from 1,000, linear "
    "between; CV 2026 / VNTC slice / RSS slice): none 0.797 / 0.888 / 0.945; gate x prior scores 0.803 / "
    "0.898 / 0.945; gate x VNTC scores 0.803 / 0.900 / 0.945; both 0.803 / 0.908 / 0.949; gate x VNTC "
    "scores x3 0.803 / 0.901 / 0.945, with the VNTC slice weighted 3 0.803 / 0.901 / 0.941; both with "
    "VNTC weighted 3 0.801 / 0.906 / 0.945. All below the VNTC component alone on the VNTC slice.",
    "Probability blend by the same gate (shipped): for long inputs the calibrated VNTC component shares "
    "out the probability the final classifier gives VNTC's 9 slugs, the other 3 keep theirs "
    "(nlp.vectorizers.gated_blend); weight a at full gate, VNTC slice: C=0.5 a=0 0.889, 0.25 0.901, 0.5 "
    "0.911, 0.6 0.914, 0.75 0.915, 0.9 0.918, 1 0.921 (chosen); C=0.3 0.889 / 0.903 / 0.911 / 0.913 / "
    "0.914 / 0.919 / 0.920. The same on full-text copies of the slice articles (shared Train_Full): a=1 "
    "0.927, a=0.9 0.926.",
    "VNTC component variants (VNTC slice [test]; one-off runs of the same protocol, not kept in the "
    "script): own vocabulary of 516,000 1-2-grams instead of the "
    "prior's 150,000, LinearSVC C=0.3 0.919 [0.906], 0.5 0.920 [0.905], 1 0.923 [0.904], 2 0.920 [0.902]; "
    "class_weight=balanced 0.922 [0.905]; LogisticRegression C=10 0.918 [0.902], C=30 0.917 [0.903], "
    "C=30 balanced 0.915 [0.904]; scores + b x prior scores, b=0.25 0.921 [0.899], 0.5 0.920 [0.896], 1 "
    "0.919 [0.891]. Trained on VNTC's full texts (shared/data/vntc-10topics/train_full, not committed) "
    "instead of the committed 1,500-character cut: own vocabulary C=0.3 0.932 on full-text slice copies / "
    "0.922 on the cut ones [0.909], C=1 0.934 / 0.922 [0.906]; over the prior's features 0.930 vs 0.927 "
    "cut [0.905-0.908 either way]: not worth 14 MB more data in the repository, not taken. No variant's "
    "gain on the slice exceeds half a point; VNTC test stays about 0.90-0.91 whichever is taken.",
    "With VNTC's articles decided by the long component, the final classifier no longer needs VNTC's "
    "items in its slice (CV 2026 / RSS slice): with them, C=0.5 0.797 / 0.945 (hand weight 5: 0.797, "
    "20: 0.796); without them C=0.5 0.805 / 0.949, C=0.3 0.805 / 0.945, C=0.2 0.809 / 0.948, C=0.1 "
    "0.809 / 0.951 (chosen). Shipped: final classifier on the hand-labelled items (weight 10) + the "
    "baomoi and VnExpress-sections slice, LinearSVC C=0.1, calibrated; long component = VNTC-only "
    "LinearSVC C=0.5 over the prior's TF-IDF, calibrated (sigmoid, 3 folds), weight 1 at full gate. On "
    "the development sets this trades about a point of baomoi's held-out fifth (information only: "
    "0.786 -> 0.773, its title+sapo items above 400 characters are partly gated) for the CV gain.",
]
TOPIC_EXPERIMENTS = [
    "Issue 13 (scripts/nlp_experiments.py topic and the same code run on the shared copies; 5-fold "
    "stratified CV, seed 0, on the 3,779 TRAINING items of news-topic-tone-2026 only: the held-out part, "
    "VNTC test and the later VnExpress months never chose anything). Hand-labelled items alone: syllable "
    "1-2-gram TF-IDF + LinearSVC C=0.5 0.791; + LogisticRegression C=10 0.786 (20x slower to fit); "
    "+ char_wb 2-5-grams 0.785 (LinearSVC) / 0.784 (LogReg); + a separate title TF-IDF block 0.778 / 0.762.",
    "Weak corpora mixed into the same classifier (VNTC 6,000 + baomoi 12,000 + VnExpress sections 6,000, "
    "sampled): hand weight 1 0.748, 3 0.767, 10 0.773; baomoi + sections only (weight 3) 0.766; sections "
    "only 0.782. Their labels follow other definitions than GUIDE.md (VNTC 'Chinh tri Xa hoi' is politics "
    "AND society, baomoi files crime under politics) and pull the decision away from the hand labels.",
    "Stacking (chosen): a prior LinearSVC trained on the weak corpora, its 12 decision scores appended "
    "(scaled) to the TF-IDF of the hand-labelled items: prior on 24,000 weak items, scale 0.3 0.814, "
    "scale 1 0.813; prior on VNTC 20,000 + baomoi 30,000 + sections before 2026-02, scale 0.3 0.815, "
    "scale 1 0.812. Adding to the final classifier weak items the prior did not see trades the 2025-26 "
    "items for the older corpora: 4,000 weak items (hand weight 5, scale 0.5) CV 0.791 instead of 0.815, "
    "but on 2,000 VNTC *training* articles the prior did not see (decision among VNTC's slugs) 0.893 "
    "instead of 0.841. Shipped: 1 in 20 weak items (about 3,400, by id hash) with hand weight 10, scale "
    "0.3, as the compromise (its CV was not measured separately: time-boxed).",
    "Scores: CalibratedClassifierCV(sigmoid, 5 folds, ensemble=False) around the LinearSVC, so one "
    "classifier is stored (the ensemble of 5 would be 5x larger on disk) and topic_score is a "
    "probability; its reliability on the held-out part is printed above.",
    "Not measured in issue 13 (time-boxed to about 2 hours on a shared 2-core machine): underthesea word "
    "segmentation (issue 4: +0.4 CV points on VNTC for 215 s of segmentation, and segmentation alone costs "
    "more than the enrichment budget of bench/nlp.py), word vectors or self-training on the 100,722 "
    "unlabelled 2025-26 items (not committed), ensembles of several final classifiers.",
]
TONE_EXPERIMENTS = [
    "Issue 13, second pass (scripts/nlp_experiments.py tone2; the same protocol as below: 5-fold CV over "
    "the training parts of news-topic-tone-2026 and news-tone-hue together; figures: 2026 items / "
    "news-tone-hue; the shipped pipeline in the same run 0.752 / 0.767). Label smoothing for the items the "
    "annotators flagged low-confidence (42% of them; weight 1-eps on their label, eps lent to the "
    "neighbouring class: polar -> neutral, neutral -> half to each polar class): eps 0.2 0.756 / 0.764, "
    "eps 0.35 0.753 / 0.768. Domain word vectors: PPMI + SVD (200 dimensions, window 2) learnt from the "
    "texts of the 98,071 unlabelled 2025-26 items (shared/data/vn-rss-items-2025-2026, every "
    "news-topic-tone-2026 and news-tone-hue item removed, no label read), the TF-IDF-weighted mean vector "
    "appended: weight 0.5 0.752 / 0.779, weight 1 0.748 / 0.776; weight 1 with the 2026 labels above "
    "news-tone-hue's (hue weight 0.5) 0.744 / 0.773; IDF fitted with the unlabelled texts too 0.754 / "
    "0.771. Cross-corpus ensembles (calibrated probabilities summed): a 2026-only and a hue-only model "
    "0.724 / 0.762; the joint model + half of each 0.743 / 0.761. Self-training on 30,000 of those "
    "unlabelled items (seed 0), pseudo-labelled by each fold's own model: p >= 0.8 (about 11,000 items) "
    "weight 0.3 0.746 / 0.773, weight 0.1 0.751 / 0.773; p >= 0.9 (about 4,800) weight 0.3 0.750 / "
    "0.771. Per-topic tone priors: the topic "
    "model's out-of-fold scores as features were measured in the first pass (no gain, below). The best "
    "variants move one set by about 1 point and the other by less or down, within the folds' spread, and "
    "none is near 0.80: the shipped tone pipeline is unchanged (the vectors would also need the 18 MB "
    "unlabelled file in the repository).",
    "Issue 13 (scripts/nlp_experiments.py tone; 5-fold CV on the training items of news-topic-tone-2026 "
    "(3,779) and news-tone-hue (640) together, each fold holding out a fifth of both; figures: 2026 items / "
    "news-tone-hue): cue markers + word 1-2-grams + balanced LinearSVC C=0.5 0.752 / 0.767 (chosen); "
    "without the cue markers 0.751 / 0.760; news-tone-hue items weighted 2 0.750 / 0.771; C=0.2 0.743 / "
    "0.758; C=1 0.750 / 0.760; + char_wb 2-5-grams 0.739 / 0.753. Topic scores (out-of-fold) as extra "
    "features, scale 0.3 0.750 / 0.749, scale 1 0.748 / 0.747: no gain. On the 2026 items alone "
    "(no news-tone-hue): LinearSVC 0.742, LogisticRegression C=10 0.742, + char n-grams 0.735.",
    "Same protocol, more variants: low-confidence items (annotators' own flag) weighted 0.5 0.751 / "
    "0.767, weighted 0.3 0.745 / 0.767; word 1-3-grams 0.747 / 0.759; C=0.3 0.749 / 0.759. None helps.",
    "The 2026 items quadruple the tone training data of issue 4 (640 -> 4,419 items) and raise "
    "news-tone-hue's held-out fifth from 0.715 to the figure above, but no variant reaches 0.80: most "
    "remaining errors are neutral items read as negative or positive (and back), where the annotators' "
    "own agreement is lowest (tone kappa 0.87-0.89).",
]
TOPIC_NOTES = [
    "All figures above are of this model file, as shipped: it was trained on the training parts only "
    "(news-topic-tone-2026 minus its held-out part, VNTC Train_Full, baomoi minus its held-out fifth, "
    f"VnExpress sections published before {corpora.RSS_CUTOFF}).",
    "Held-out part of news-topic-tone-2026: the items with int(sha256(id), 16) % 5 == 0 (901 of 4,680); "
    "the split does not move when items are added.",
    "VNTC (9 slugs) and the VnExpress sections (4 slugs) have fewer labels than the taxonomy: the "
    "'decision among its N slugs' figures take the most probable of the corpus' own slugs, the '12-way' "
    "figures count any other slug as an error. The targets are read on the former.",
    "Full articles (inputs of 1,000+ characters: title + lede + body, as enrichment passes a crawled "
    "article with its body) are decided over VNTC's 9 slugs by the long-text component, whose labels follow "
    "VNTC's 2005-06 section definitions ('Chinh tri Xa hoi' = politics and society -> thoi-su); "
    "headline+lede inputs (up to 400 characters, the hand-labelled task) are not affected by it. No "
    "hand-labelled 2025-26 full articles exist to measure that trade on the press office's own articles.",
    "topic_score is a calibrated probability; below nlp.uncertain_below (default 0.5) the API and the CSV "
    "export mark the topic as uncertain.",
]


def target_notes(metrics: dict[str, Any]) -> list[str]:
    """One line per issue 13 target: the measured figure and whether it is met."""
    out = []
    for name, m in metrics.items():
        if "(target >= " in name:
            target = float(name.rsplit("(target >= ", 1)[1].rstrip(")"))
            verdict = "met" if m["macro_f1"] >= target else "NOT met"
            out.append(
                f"Target {name.rsplit(' (target', 1)[0]} >= {target:.2f}: {m['macro_f1']:.4f}, {verdict}."
            )
    return out


TONE_NOTES = [
    "All figures above are of this model file, as shipped, trained on the training parts only "
    "(news-topic-tone-2026 minus its held-out part, news-tone-hue minus its held-out fifth).",
    "tone_score is a calibrated probability; below nlp.uncertain_below (default 0.5) the API and the CSV "
    "export mark the tone as uncertain.",
]


EARLIER_TOPIC = [
    "Issue 4 (before news-topic-tone-2026 existed; models trained on VNTC 5,000 + baomoi 10,000 + RSS "
    "sections, measured on VNTC test and RSS items):",
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
EARLIER_TONE = [
    "Issue 4 (before news-topic-tone-2026 existed; trained on news-tone-hue's 640 training items only):",
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


ENTITY_GOLD = ROOT / "tests" / "data" / "nlp" / "entities_gold.jsonl"


def measure_entities(out_dir: Path | None) -> dict[str, Any]:
    """Entity precision/recall on the hand-checked items; with out_dir, write `entities.md` there."""
    from nlp.entity_eval import evaluate_entities, format_entity_metrics

    metrics = evaluate_entities(ENTITY_GOLD)
    table = format_entity_metrics(metrics)
    print(table)
    if out_dir is not None:
        lines = [
            "# Entity extraction card (nlp/entities.py + nlp/data/gazetteer.toml)",
            "",
            f"- Rebuild / measure: `{COMMAND} --task entities` (no training: rules + gazetteer)",
            f"- Gold set: `{ENTITY_GOLD.relative_to(ROOT)}` (sha256 `{sha256_file(ENTITY_GOLD)[:16]}…`), "
            "100 real 2025-26 items checked by hand; annotation rules in `nlp/entity_eval.py`",
            f"- Gazetteer: `nlp/data/gazetteer.toml` (sha256 "
            f"`{sha256_file(corpora.DATA_DIR / 'gazetteer.toml')[:16]}…`)",
            "- A predicted entity is correct when its type and folded canonical name equal a gold entity's "
            "(span and alias resolution both right).",
            "",
            "```",
            table,
            "```",
            "",
            "Known gaps (the errors of the gold set): people named without a title or a full 3-syllable "
            "name (singers, foreign players: PER recall is low), agencies written in lower case after their "
            "first word ('Cục An toàn thực phẩm'), places outside the gazetteer written without a head word "
            "('Chu Lai', 'Thủ Thiêm').",
            "",
        ]
        (out_dir / "entities.md").write_text("\n".join(lines))
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=SHIPPED_DIR)
    parser.add_argument("--task", choices=("topic", "tone", "entities", "all"), default="all")
    parser.add_argument(
        "--evaluate-only", action="store_true", help="measure the shipped models (or --out's), save nothing"
    )
    parser.add_argument("--import-shared", type=Path, help="refresh nlp/data from a shared/data folder first")
    args = parser.parse_args()
    if args.import_shared:
        from nlp.data_import import import_shared

        print(import_shared(args.import_shared))
    date = datetime.now(UTC).strftime("%Y%m%d")
    if args.task in ("entities", "all"):
        measure_entities(None if args.evaluate_only else args.out)
    for task, build, measure in (("topic", build_topic, measure_topic), ("tone", build_tone, measure_tone)):
        if args.task not in (task, "all"):
            continue
        if args.evaluate_only:
            loaded = load_model(find_model(task, args.out))
            print(f"== {loaded.name} (shipped: {args.out})")
            measure(loaded.pipeline)
            continue
        build(args.out, date)
        keep = model_name(task, VERSION, date)  # keep only the model just built for this task
        for old in args.out.glob(f"{task}-*"):
            if not old.name.startswith(keep + "."):
                old.unlink()


if __name__ == "__main__":
    main()
