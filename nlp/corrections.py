"""Corrections of an article's topic or tone by a press officer: kept with who and when, and applied.

A correction is a small record (stored by the API as store record kind `label_corrections`, keyed by
article id): {"article_id", "topic"?, "tone"?, "by", "at", "title", "sapo", "url", "model_topic",
"model_tone"}. It overrides the model on that article (`apply_correction`: label set, score 1.0), also
when the article is enriched again by a later crawl (crawlers/pipelines/index.py), is exported by
`vigil nlp export-labels`, and `vigil nlp train --add FILE` trains on the exported rows.
This module never imports store/ or api/: articles are duck-typed pydantic models.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from nlp.errors import TrainingDataError
from nlp.taxonomy import TONES, TOPICS

A = TypeVar("A")


def make_correction(
    article: Any,
    article_id: str,
    *,
    topic: str | None,
    tone: str | None,
    by: str,
    earlier: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The record for a new correction (an earlier one of the same article is kept where not changed)."""
    if topic is None and tone is None:
        raise TrainingDataError("a correction needs a topic or a tone")
    if topic is not None and topic not in TOPICS:
        raise TrainingDataError(f"unknown topic {topic!r}; one of: {', '.join(TOPICS)}")
    if tone is not None and tone not in TONES:
        raise TrainingDataError(f"unknown tone {tone!r}; one of: {', '.join(TONES)}")
    record = dict(earlier or {})
    record.update(
        {
            "article_id": article_id,
            "by": by,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "title": getattr(article, "title", ""),
            "sapo": getattr(article, "sapo", ""),
            "url": getattr(article, "url", ""),
        }
    )
    for task, value in (("topic", topic), ("tone", tone)):
        if value is not None:
            record.setdefault(f"model_{task}", getattr(article, task, None))
            record[task] = value
    return record


def apply_correction(article: A, record: Mapping[str, Any] | None) -> A:
    """A copy of `article` with the corrected labels (score 1.0: a person decided), or the article itself."""
    if not record:
        return article
    update: dict[str, Any] = {}
    for task in ("topic", "tone"):
        if record.get(task):
            update[task] = record[task]
            update[f"{task}_score"] = 1.0
    return article.model_copy(update=update) if update else article  # type: ignore[attr-defined]


def export_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Training rows for `vigil nlp train`: title + summary, `topic` and/or `label` (the tone), who, when."""
    rows = []
    for record in sorted(records, key=lambda r: (r.get("at", ""), r.get("article_id", ""))):
        row: dict[str, Any] = {
            "id": record["article_id"],
            "title": record.get("title", ""),
            "summary": record.get("sapo", ""),
            "url": record.get("url", ""),
            "corrected_by": record.get("by", ""),
            "corrected_at": record.get("at", ""),
        }
        if record.get("topic"):
            row["topic"] = record["topic"]
        if record.get("tone"):
            row["label"] = record["tone"]
        rows.append(row)
    return rows
