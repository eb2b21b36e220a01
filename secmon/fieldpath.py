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
    if len(parts) == 2:
        first, second = parts

        def get2(doc: Doc) -> Any:
            inner = doc.get(first)
            if type(inner) is dict:
                value = inner.get(second)
                if value is not None:
                    return value
            return doc.get(dotted) if inner is None else None

        return get2
    if len(parts) == 3:
        first, second, third = parts

        def get3(doc: Doc) -> Any:
            inner = doc.get(first)
            if type(inner) is dict:
                inner = inner.get(second)
                if type(inner) is dict:
                    return inner.get(third)
                return None
            return doc.get(dotted) if inner is None else None

        return get3

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
