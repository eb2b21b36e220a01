"""Diacritic folding, the one text function both the store (search matching, as Elasticsearch's
folding analyzer) and nlp (watchlists, entities) need, so it sits on the ground floor."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case, strip diacritics, đ→d: "Thừa Thiên Huế" → "thua thien hue"."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.lower().replace("đ", "d")
