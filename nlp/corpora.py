"""The committed training/evaluation corpora (nlp/data), read and mapped onto Vigil's labels.

See nlp/data/PROVENANCE.md for where each file comes from and its licence. Splits are fixed so every
rebuild and every test measures the same thing:
- VNTC: the corpus' own train (5,000 articles, truncated to 1,500 characters) / test (1,500, full text);
- baomoi: a stratified fifth (seed 20261128) held out;
- RSS sections: items published before 2026-02-01 train, from 2026-02-01 on are held out ("by date");
- news-tone-hue: a stratified fifth (seed 20261128) held out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sklearn.model_selection import train_test_split

from nlp.features import tone_text, topic_text
from nlp.jsonl import read_jsonl
from nlp.pipelines import SEED
from nlp.taxonomy import DATA_DIR, map_label, topic_mapping

RSS_CUTOFF = "2026-02-01"
FILES = {
    "vntc-train": DATA_DIR / "topic" / "vntc-train.jsonl.gz",
    "vntc-test": DATA_DIR / "topic" / "vntc-test.jsonl.gz",
    "baomoi": DATA_DIR / "topic" / "baomoi.jsonl.gz",
    "rss-sections": DATA_DIR / "topic" / "rss-sections.jsonl.gz",
    "rss-unlabelled": DATA_DIR / "unlabelled" / "rss-unlabelled.jsonl.gz",
    "news-tone-hue": DATA_DIR / "tone" / "news-tone-hue.jsonl.gz",
}


@dataclass
class Split:
    """Texts and labels, ready for a Pipeline."""

    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.labels)

    def extend(self, other: Split) -> None:
        self.texts += other.texts
        self.labels += other.labels


def _mapped(path: Path, corpus: str, label_key: str, text_of: object) -> Split:
    out = Split()
    for row in read_jsonl(path):
        slug = map_label(corpus, row[label_key])
        if slug:
            out.texts.append(text_of(row))  # type: ignore[operator]
            out.labels.append(slug)
    return out


def vntc(split: str) -> Split:
    """VNTC 'train' or 'test', labels mapped to the taxonomy."""
    return _mapped(FILES[f"vntc-{split}"], "vntc", "label", lambda r: topic_text(body=r["text"]))


def baomoi(split: str) -> Split:
    """baomoi 'train' (four fifths) or 'test' (the held-out fifth)."""
    data = _mapped(FILES["baomoi"], "baomoi", "label", lambda r: topic_text(body=r["text"]))
    x_tr, x_te, y_tr, y_te = train_test_split(
        data.texts, data.labels, test_size=0.2, stratify=data.labels, random_state=SEED
    )
    return Split(x_tr, y_tr) if split == "train" else Split(x_te, y_te)


def rss_sections(split: str) -> Split:
    """2025-26 VnExpress section items: 'train' before RSS_CUTOFF, 'test' from it on."""
    out = Split()
    for row in read_jsonl(FILES["rss-sections"]):
        is_test = row["published"][:10] >= RSS_CUTOFF
        if is_test == (split == "test"):
            slug = map_label("rss", row["category"])
            if slug:
                out.texts.append(topic_text(row["title"], row.get("summary") or ""))
                out.labels.append(slug)
    return out


def weak_labels() -> Split:
    """Unlabelled RSS items whose title matches a topic's keyword rule (nlp/data/topic_mapping.toml)."""
    rules = {
        slug: re.compile(spec["title_pattern"]) for slug, spec in topic_mapping().get("weak", {}).items()
    }
    out = Split()
    for row in read_jsonl(FILES["rss-unlabelled"]):
        for slug, pattern in rules.items():
            if pattern.search(row["title"]):
                out.texts.append(topic_text(row["title"], row.get("summary") or ""))
                out.labels.append(slug)
                break
    return out


def topic_training_set() -> Split:
    """Everything the shipped topic model learns from (held-out parts excluded)."""
    data = vntc("train")
    for part in (baomoi("train"), rss_sections("train"), weak_labels()):
        data.extend(part)
    return data


def tone(split: str | None = None) -> Split:
    """news-tone-hue headline+lede texts; split 'train'/'test' (a stratified fifth) or None for all."""
    rows = list(read_jsonl(FILES["news-tone-hue"]))
    texts = [tone_text(r["title"], r.get("summary") or "") for r in rows]
    labels = [r["label"] for r in rows]
    if split is None:
        return Split(texts, labels)
    x_tr, x_te, y_tr, y_te = train_test_split(
        texts, labels, test_size=0.2, stratify=labels, random_state=SEED
    )
    return Split(x_tr, y_tr) if split == "train" else Split(x_te, y_te)
