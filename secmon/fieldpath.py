"""Fast readers of dotted ECS field paths, compiled once (shared by detection and asset tagging)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Doc = dict[str, Any]
Getter = Callable[[Doc], Any]


def getter(dotted: str) -> Getter:
    """A reader of `a.b.c` in nested dicts, falling back to a literal dotted key."""
    parts = tuple(dotted.split("."))
    if len(parts) == 1:
        key = parts[0]
        return lambda doc: doc.get(key)

    def get(doc: Doc) -> Any:
        current: Any = doc
        for part in parts:
            if type(current) is not dict:
                return doc.get(dotted)
            current = current.get(part)
            if current is None:
                return doc.get(dotted)
        return current

    return get
