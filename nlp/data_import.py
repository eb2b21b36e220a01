"""Copy the training/evaluation data the NLP part needs from a shared/data folder into nlp/data.

Only used by `scripts/train_models.py --import-shared DIR`; product code reads nlp/data only.
Fields are reduced to what training needs, VNTC training texts are truncated (see nlp/corpora.py),
baomoi is a fixed per-category sample, and every file is gzip-compressed JSONL (mtime 0, so a re-import
gives the same bytes). Provenance and licences: nlp/data/PROVENANCE.md.
"""

from __future__ import annotations

import hashlib
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

from nlp.corpora import FILES
from nlp.features import TOPIC_TRAIN_CHARS
from nlp.jsonl import read_jsonl, write_jsonl
from nlp.normalize import normalize

RSS_FIELDS = ("id", "title", "summary", "source", "published")
NEWS_FIELDS = (*RSS_FIELDS, "topic", "label", "confidence", "second_topic", "second_label")
BAOMOI_PER_LABEL = 1500


def _keep(row: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: row[k] for k in keys if row.get(k) is not None}


def _rank(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def import_shared(shared: Path) -> dict[str, int]:
    """Rewrite the files of nlp.corpora.FILES from `shared`; returns item counts per file."""
    counts: dict[str, int] = {}
    news = shared / "news-topic-tone-2026"
    counts["news-2026"] = write_jsonl(
        FILES["news-2026"], (_keep(r, NEWS_FIELDS) for r in read_jsonl(news / "items.jsonl"))
    )
    shutil.copyfile(news / "GUIDE.md", FILES["news-2026"].parent / "news-topic-tone-2026.GUIDE.md")
    vntc = shared / "vntc-10topics"
    counts["vntc-train"] = write_jsonl(
        FILES["vntc-train"],
        (
            {**_keep(r, ("id", "label", "outlet")), "text": normalize(r["text"])[:TOPIC_TRAIN_CHARS]}
            for r in read_jsonl(vntc / "train_full.jsonl.gz")
        ),
    )
    counts["vntc-test"] = write_jsonl(
        FILES["vntc-test"],
        (_keep(r, ("id", "label", "outlet", "text")) for r in read_jsonl(vntc / "test.jsonl")),
    )
    # baomoi: the BAOMOI_PER_LABEL documents of each category with the smallest sha256(id) (a fixed sample)
    by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in read_jsonl(shared / "baomoi-tc201805" / "all_full.jsonl.gz"):
        by_label[r["label"]].append(_keep(r, ("id", "label", "text")))
    sample = [
        row
        for label in sorted(by_label)
        for row in sorted(by_label[label], key=lambda r: _rank(str(r["id"])))[:BAOMOI_PER_LABEL]
    ]
    counts["baomoi"] = write_jsonl(FILES["baomoi"], sample)
    rss = shared / "vn-rss-items-2025-2026"
    counts["rss-sections"] = write_jsonl(
        FILES["rss-sections"],
        (
            _keep(r, (*RSS_FIELDS, "category"))
            for r in read_jsonl(rss / "labeled_vnexpress_sections_full.jsonl.gz")
        ),
    )
    held_ids = {r["id"] for r in read_jsonl(shared / "news-tone-hue" / "tone.jsonl")}
    held_ids |= {r["id"] for r in read_jsonl(news / "items.jsonl")}
    unlabelled = [
        _keep(r, RSS_FIELDS)
        for name in ("hue_mentions.jsonl", "unlabeled_sample.jsonl")
        for r in read_jsonl(rss / name)
        if r["id"] not in held_ids  # never let a labelled item leak in as unlabelled text
    ]
    counts["rss-unlabelled"] = write_jsonl(FILES["rss-unlabelled"], unlabelled)
    counts["news-tone-hue"] = write_jsonl(
        FILES["news-tone-hue"],
        (
            _keep(r, ("id", "title", "summary", "source", "published", "label", "confidence", "second_label"))
            for r in read_jsonl(shared / "news-tone-hue" / "tone.jsonl")
        ),
    )
    shutil.copyfile(shared / "news-tone-hue" / "GUIDE.md", FILES["news-tone-hue"].parent / "GUIDE.md")
    return counts
