"""Text functions several floors need, so they sit on the ground floor: diacritic folding (the store's
search matching, as Elasticsearch's folding analyzer, and nlp's watchlists and entities) and short one-line
text (the `message` of security events, written by secmon's parsers and by the store for refused lines)."""

from __future__ import annotations

import re
import unicodedata

ONE_LINE_CAP = 200  # characters of `one_line`'s text by default
ELLIPSIS = "\u2026"
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_REPLACED = re.compile("\x00+")


def fold(text: str) -> str:
    """Lower-case, strip diacritics, đ→d: "Thừa Thiên Huế" → "thua thien hue"."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.lower().replace("đ", "d")


def one_line(value: object, cap: int = ONE_LINE_CAP) -> str:
    """`value` as short, one-line NFC text (an event's `message`): a string or a number; "" for anything
    else (None, bools, lists, objects). Control and format characters (newlines, escapes, bidi overrides)
    become spaces; text longer than `cap` is cut, ending with "…"."""
    kind = type(value)
    if kind is str:
        out: str = value  # type: ignore[assignment]
    elif kind is int or kind is float:
        out = str(value)
    else:
        return ""
    if len(out) > cap + 16:  # cut before the work below, which is linear in the length
        out = out[: cap + 16]
    if out.isascii():
        if _ASCII_CONTROL.search(out) is not None:
            out = _ASCII_CONTROL.sub(" ", out).strip()
    else:
        if not unicodedata.is_normalized("NFC", out):
            out = unicodedata.normalize("NFC", out)
        if not out.isprintable():  # str.isprintable costs ~15 ns a character: only for non-ASCII text
            out = _REPLACED.sub(" ", "".join(c if c.isprintable() else "\x00" for c in out)).strip()
    if len(out) > cap:
        out = out[: cap - 1] + ELLIPSIS
    return out
