"""Vietnamese text normalisation and folding (pure functions, applied to documents AND queries).

Convention: Unicode NFC with the *traditional* tone-mark placement — "hòa", "thủy", "khỏe", "ủy ban" — the
one the province's press and the topic taxonomy use. In an open syllable whose nucleus is "oa", "oe" or
"uy" (not "qu"+y) the mark sits on the first vowel; "hoà"/"thuỷ"/"khoẻ" are rewritten. Closed syllables
("hoàn", "thuyền") are the same in both conventions and left alone.

`normalize` also repairs legacy-encoding mojibake when it is clearly detectable (see `nlp.legacy`),
removes zero-width and control characters, collapses horizontal whitespace, keeps paragraph breaks as a
single "\\n", and removes spaces before closing punctuation. `fold` lower-cases, strips every diacritic
and maps đ→d, for diacritic-insensitive matching ("Thừa Thiên Huế" → "thua thien hue").
Both never raise on any `str` and are idempotent (property-tested in tests/nlp).
"""

from __future__ import annotations

import re
import unicodedata

from core.text import fold as fold  # defined in the kernel (the store folds too); part of this API
from nlp.legacy import repair_mojibake

_TONES = "\u0300\u0301\u0303\u0309\u0323"
_MARKS = "\u0300-\u036f"
# NFD: (non-q) o/u, then a/e/y + one tone mark, at the end of a word.
_NEW_STYLE = re.compile(
    rf"(?<![qQ{_MARKS}])(?<=[^\W\d_])?([oO])([aAeE])([{_TONES}])(?![^\W\d_]|[{_MARKS}])"
    rf"|(?<![qQ{_MARKS}])([uU])([yY])([{_TONES}])(?![^\W\d_]|[{_MARKS}])"
)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_HSPACE = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\s*\n\s*")
_SPACE_BEFORE_PUNCT = re.compile(r" +([,.;:!?%)\]}…])")
_SPACE_AFTER_OPEN = re.compile(r"([(\[{]) +")
_MAX_PASSES = 8  # a repair removes most of its evidence, so two or three passes are the most seen


def _traditional_tones(text: str) -> str:
    """Move the tone mark of open "oa/oe/uy" syllables to the first vowel ("hoà" → "hòa")."""
    decomposed = unicodedata.normalize("NFD", text)

    def move(m: re.Match[str]) -> str:
        if m.group(1):
            return m.group(1) + m.group(3) + m.group(2)
        return m.group(4) + m.group(6) + m.group(5)

    return unicodedata.normalize("NFC", _NEW_STYLE.sub(move, decomposed))


def _normalize_once(text: str) -> str:
    """One pass of every step (the encoding repair first: TCVN3's "ư" is the byte of a soft hyphen)."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", repair_mojibake(text))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub(" ", text)
    text = _HSPACE.sub(" ", text)
    text = _BLANK_LINES.sub("\n", text).strip()
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _SPACE_AFTER_OPEN.sub(r"\1", text)
    return _traditional_tones(text)


def normalize(text: str) -> str:
    """Canonical form of Vietnamese text: NFC, traditional tone marks, repaired encoding, clean spacing."""
    # Each clean-up step is idempotent, but the encoding repair can be unlocked by a clean-up (a soft
    # hyphen, which is TCVN3's "ư", removed; spaces collapsed) or expose new work (a decoded "oà"), so
    # passes repeat until the text no longer changes: the result is a fixed point, normalize(x) is final.
    current = text
    for _ in range(_MAX_PASSES):
        following = _normalize_once(current)
        if following == current:
            break
        current = following
    return current


def is_normalized(text: str) -> bool:
    """Whether `text` is already in normal form."""
    return normalize(text) == text
