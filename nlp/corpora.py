"""The committed training/evaluation corpora (nlp/data), read and mapped onto Vigil's labels.

See nlp/data/PROVENANCE.md for where each file comes from and its licence. Splits are fixed so every
rebuild and every test measures the same thing:
- news-topic-tone-2026 (hand-labelled 2025-26 items, the centre of training and evaluation): an item is
  held out when int(sha256(id), 16) % 5 == 0 (901 of 4,680 items; stable when items are added);
- VNTC: the corpus' own train (all 33,610 Train_Full articles, cut to 1,500 characters) / test (1,500,
  full text);
- baomoi: a stratified fifth (seed 20261128) of the committed sample held out;
- RSS sections: items published before 2026-03-01 train, from 2026-03-01 on are held out ("by date");
- news-tone-hue: a stratified fifth (seed 20261128) held out.
Weakly labelled training items (VNTC, baomoi, RSS sections) are further divided for the stacked topic
model (nlp.pipelines): those with int(sha256(id), 16) % STACK_EVERY == 0 train the final classifier
beside the hand-labelled items, all the others train the prior model whose scores it reads.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from sklearn.model_selection import train_test_split

from nlp.features import tone_text, topic_text
from nlp.jsonl import read_jsonl
from nlp.pipelines import SEED
from nlp.taxonomy import DATA_DIR, map_label, topic_mapping

RSS_CUTOFF = "2026-03-01"
STACK_EVERY = 20
FILES = {
    "news-2026": DATA_DIR / "topic" / "news-topic-tone-2026.jsonl.gz",
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


def held_out(item_id: str, every: int = 5) -> bool:
    """True for the fixed held-out part: int(sha256(id), 16) % every == 0."""
    return int(hashlib.sha256(item_id.encode()).hexdigest(), 16) % every == 0


def news2026(split: str | None, task: str) -> Split:
    """news-topic-tone-2026 headline+lede texts for `task` ("topic" or "tone"); split 'train'/'test'/None."""
    out = Split()
    for row in read_jsonl(FILES["news-2026"]):
        if split is not None and held_out(row["id"]) != (split == "test"):
            continue
        title, lede = row["title"], row.get("summary") or ""
        if task == "topic":
            out.texts.append(topic_text(title, lede))
            out.labels.append(row["topic"])
        else:
            out.texts.append(tone_text(title, lede))
            out.labels.append(row["label"])
    return out


def weak_topic(part: str, vntc: bool = True) -> Split:
    """Weakly labelled training items (VNTC train, baomoi train, RSS sections train) for the stacked model.

    part "prior": the items that train the prior model; "stack": the others (1 in STACK_EVERY by id hash).
    vntc=False leaves VNTC's articles out (the shipped final classifier: the long-text component reads
    VNTC, see nlp.pipelines).
    """
    out = Split()
    rows = [
        ("vntc", FILES["vntc-train"], "label", lambda r: topic_text(body=r["text"])),
        ("rss", FILES["rss-sections"], "category", lambda r: topic_text(r["title"], r.get("summary") or "")),
    ]
    if not vntc:
        rows = rows[1:]
    for corpus, path, key, text_of in rows:
        for row in read_jsonl(path):
            if corpus == "rss" and row["published"][:10] >= RSS_CUTOFF:
                continue
            slug = map_label(corpus, row[key])
            if slug and held_out(str(row["id"]), STACK_EVERY) == (part == "stack"):
                out.texts.append(text_of(row))
                out.labels.append(slug)
    ids, bm = _baomoi_split()
    for item_id, text, label in zip(ids[0], bm[0].texts, bm[0].labels, strict=True):
        if held_out(item_id, STACK_EVERY) == (part == "stack"):
            out.texts.append(text)
            out.labels.append(label)
    return out


def vntc_long(part: str = "prior") -> Split:
    """VNTC training articles of the prior part (not 1 in STACK_EVERY): they train the topic model's
    long-text component (nlp.pipelines.long_component); "stack" gives the others (out of its sample)."""
    out = Split()
    for row in read_jsonl(FILES["vntc-train"]):
        slug = map_label("vntc", row["label"])
        if slug and held_out(str(row["id"]), STACK_EVERY) == (part == "stack"):
            out.texts.append(topic_text(body=row["text"]))
            out.labels.append(slug)
    return out


def baomoi_stack() -> list[str]:
    """Ids of baomoi's training items in the final classifier's slice (1 in STACK_EVERY by id hash)."""
    ids, _splits = _baomoi_split()
    return [i for i in ids[0] if held_out(i, STACK_EVERY)]


def _baomoi_split() -> tuple[tuple[list[str], list[str]], tuple[Split, Split]]:
    ids, data = [], Split()
    for row in read_jsonl(FILES["baomoi"]):
        slug = map_label("baomoi", row["label"])
        if slug:
            ids.append(str(row["id"]))
            data.texts.append(topic_text(body=row["text"]))
            data.labels.append(slug)
    id_tr, id_te, x_tr, x_te, y_tr, y_te = train_test_split(
        ids, data.texts, data.labels, test_size=0.2, stratify=data.labels, random_state=SEED
    )
    return (id_tr, id_te), (Split(x_tr, y_tr), Split(x_te, y_te))


def vntc(split: str) -> Split:
    """VNTC 'train' or 'test', labels mapped to the taxonomy."""
    return _mapped(FILES[f"vntc-{split}"], "vntc", "label", lambda r: topic_text(body=r["text"]))


def baomoi(split: str) -> Split:
    """baomoi 'train' (four fifths) or 'test' (the held-out fifth)."""
    _ids, (train, test) = _baomoi_split()
    return train if split == "train" else test


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
