"""Models ⇄ stored documents, and reading values out of documents; shared by both backends.

An article document is `Article.model_dump(mode="json")` plus `"id"`; an event document is the ECS
document (`SecurityEvent.to_document()`); an incident document is `Incident.model_dump(mode="json")`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from store.errors import StoreError
from store.models import Article, Incident, SecurityEvent

_ISO_DATE = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
_EPOCH = datetime(1970, 1, 1)


def article_document(article: Article) -> tuple[str, dict[str, Any]]:
    doc = article.model_dump(mode="json")
    doc["id"] = doc_id = article.id  # a sha256 of the URL: computed once
    return doc_id, doc


def event_document(event: SecurityEvent) -> tuple[str, dict[str, Any]]:
    return event.id, event.to_document()


def incident_document(incident: Incident) -> tuple[str, dict[str, Any]]:
    return incident.id, incident.model_dump(mode="json")


def article_from(doc: dict[str, Any]) -> Article:
    return Article.model_validate({key: value for key, value in doc.items() if key != "id"})


def event_from(event_id: str, doc: dict[str, Any]) -> SecurityEvent:
    stamp = doc.get("@timestamp")
    if not isinstance(stamp, str):
        raise StoreError(f"stored event {event_id} has no @timestamp; re-index it")
    return SecurityEvent(id=event_id, timestamp=datetime.fromisoformat(stamp), doc=doc)


def incident_from(doc: dict[str, Any]) -> Incident:
    return Incident.model_validate(doc)


def values_at(doc: Any, dotted: str) -> list[Any]:
    """Every scalar at `dotted` in `doc`, descending through lists (`entities.text` → each entity's text).

    A literal dotted key (`{"source.ip": …}`) is accepted at any level, like Elasticsearch does.
    """
    out: list[Any] = []
    _collect(doc, dotted.split("."), out)
    return out


def _collect(node: Any, parts: list[str], out: list[Any]) -> None:
    if isinstance(node, list):
        for item in node:
            _collect(item, parts, out)
        return
    if not parts:
        if node is not None:
            out.append(node)
        return
    if not isinstance(node, dict):
        return
    for split in range(len(parts), 0, -1):
        key = ".".join(parts[:split])
        if key in node:
            _collect(node[key], parts[split:], out)


def leaves(doc: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, scalar) for every non-null scalar in `doc`; list elements share their list's path."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from leaves(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(doc, list):
        for item in doc:
            yield from leaves(item, prefix)
    elif doc is not None:
        yield prefix, doc


def as_epoch(value: Any) -> float | None:
    """Seconds since the epoch for a number or an ISO-8601 date string (naive means UTC), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, str):
        return text_epoch(value)
    return None


def text_epoch(text: str) -> float | None:
    """Seconds since the epoch for an ISO-8601 date string (naive means UTC), else None: `as_epoch` of a
    string, without its type checks (the store's row derivation calls it for every date-shaped string)."""
    if not _ISO_DATE.match(text):
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return (parsed - _EPOCH).total_seconds()
    return parsed.timestamp()
