"""The page cursor codec shared by every backend and route (/articles, /events, /incidents).

A cursor is the sort values of the last hit of a page, as URL-safe base64 of a JSON list. It comes back
from the client, so decoding validates it fully before any value reaches a query: a list of exactly
the expected length whose items are each a finite number within the signed 64-bit range, a string of
bounded length (valid Unicode), null, or {"b": hex} for the bytes SQLite sorts by. Anything else is
`InvalidQuery` (422), never an error from the database layer.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any

from store.errors import InvalidQuery

MAX_CURSOR = 4096  # characters of an encoded cursor
MAX_TEXT = 1024  # characters of one string sort value
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
_FOREIGN = "the page cursor is not one this store issued; start again without it"
_OTHER_SORT = "the page cursor belongs to a different sort order; start again without it"


def encode_cursor(values: list[Any]) -> str:
    encoded = [{"b": value.hex()} if isinstance(value, bytes) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(encoded).encode()).decode().rstrip("=")


def _reject_constant(name: str) -> Any:
    raise ValueError(name)  # NaN, Infinity: not JSON this store writes


def decode_cursor(cursor: str, expected: int) -> list[Any]:
    """The sort values of `cursor`; raises InvalidQuery for anything this store could not have issued."""
    if not isinstance(cursor, str) or not cursor or len(cursor) > MAX_CURSOR:
        raise InvalidQuery(_FOREIGN)
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
        raw = json.loads(text, parse_constant=_reject_constant)
    except (
        ValueError,
        binascii.Error,
        RecursionError,
    ):  # also UnicodeDecodeError, JSONDecodeError
        raise InvalidQuery(_FOREIGN) from None
    if not isinstance(raw, list):
        raise InvalidQuery(_FOREIGN)
    if len(raw) != expected:
        raise InvalidQuery(_OTHER_SORT)
    return [_value(item) for item in raw]


def _value(item: Any) -> Any:
    if item is None:
        return None
    if isinstance(item, bool):
        raise InvalidQuery(_FOREIGN)
    if isinstance(item, int):
        if not _INT_MIN <= item <= _INT_MAX:
            raise InvalidQuery(_FOREIGN)
        return item
    if isinstance(item, float):
        if not math.isfinite(item):
            raise InvalidQuery(_FOREIGN)
        return item
    if isinstance(item, str):
        if len(item) > MAX_TEXT:
            raise InvalidQuery(_FOREIGN)
        try:
            item.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate
            raise InvalidQuery(_FOREIGN) from None
        return item
    if isinstance(item, dict) and list(item) == ["b"] and isinstance(item["b"], str) and len(item["b"]) <= 64:
        try:
            return bytes.fromhex(item["b"])
        except ValueError:
            raise InvalidQuery(_FOREIGN) from None
    raise InvalidQuery(_FOREIGN)
