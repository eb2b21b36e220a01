"""Copy the small training/evaluation data the NLP part needs from a shared/data folder into nlp/data.

Only used by `scripts/train_models.py --import-shared DIR`; product code reads nlp/data only.
Fields are reduced to what training needs, VNTC training texts are truncated (see nlp/corpora.py),
and every file is gzip-compressed JSONL. Provenance and licences: nlp/data/PROVENANCE.md.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from nlp.corpora import FILES
from nlp.features import TOPIC_TRAIN_CHARS
from nlp.jsonl import read_jsonl, write_jsonl
from nlp.normalize import normalize

RSS_FIELDS = ("id", "title", "summary", "source", "published")


def _keep(row: dict[str, object], keys: tuple[str, ...]) -> dict[str, object]:
    return {k: row.get(k) for k in keys}


def import_shared(shared: Path) -> dict[str, int]:
    """Rewrite the files of nlp.corpora.FILES from `shared`; returns item counts per file."""
    counts: dict[str, int] = {}
    vntc = shared / "vntc-10topics"
    counts["vntc-train"] = write_jsonl(
        FILES["vntc-train"],
        (
            {**_keep(r, ("id", "label", "outlet")), "text": normalize(r["text"])[:TOPIC_TRAIN_CHARS]}
            for r in read_jsonl(vntc / "train.jsonl")
        ),
    )
    counts["vntc-test"] = write_jsonl(
        FILES["vntc-test"],
        (_keep(r, ("id", "label", "outlet", "text")) for r in read_jsonl(vntc / "test.jsonl")),
    )
    counts["baomoi"] = write_jsonl(
        FILES["baomoi"],
        (_keep(r, ("id", "label", "text")) for r in read_jsonl(shared / "baomoi-tc201805" / "all.jsonl")),
    )
    rss = shared / "vn-rss-items-2025-2026"
    counts["rss-sections"] = write_jsonl(
        FILES["rss-sections"],
        (_keep(r, (*RSS_FIELDS, "category")) for r in read_jsonl(rss / "labeled_vnexpress_sections.jsonl")),
    )
    tone_ids = {r["id"] for r in read_jsonl(shared / "news-tone-hue" / "tone.jsonl")}
    unlabelled = [
        _keep(r, RSS_FIELDS)
        for name in ("hue_mentions.jsonl", "unlabeled_sample.jsonl")
        for r in read_jsonl(rss / name)
        if r["id"] not in tone_ids  # never let a tone evaluation item leak in as unlabelled text
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
