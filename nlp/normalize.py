"""Vietnamese text normalisation and folding (pure functions).

Convention: NFC, with the traditional tone-mark placement ("hòa", "thủy", "khỏe"), the one the
province's press and the topic taxonomy use. `fold` strips diacritics and maps đ→d for matching.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, strip diacritics, đ→d: "Thừa Thiên Huế" → "thua thien hue"."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d").replace("Đ", "d")


def normalize(text: str) -> str:
    """NFC with collapsed whitespace."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
