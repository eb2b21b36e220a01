"""Query-text parsing and folding shared by the store backends.

The user's words become terms and "quoted phrases", folded with `nlp.normalize.fold` (lower case,
no diacritics, đ→d) so "thua thien hue" finds "Thừa Thiên Huế". Operators are not interpreted: a
backend builds its own query from the parsed clauses, never from the raw string.

Matching always happens on folded tokens; highlights are mapped back onto the original text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from core.text import fold

_CLAUSE = re.compile(r'"([^"]*)"?|([^\s"]+)')
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class Clause:
    """One required part of a text query: a single word or a phrase (words in order)."""

    tokens: tuple[str, ...]
    phrase: bool

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    return fold(char)


def index_form(text: str) -> str:
    """Text as handed to SQLite FTS5 (tokenizer `unicode61 remove_diacritics 2`): NFC, lower case, đ→d.

    The tokenizer strips the remaining diacritics in C, giving the same tokens as `fold` (checked on the
    VNTC corpus: identical vocabularies) at ~30x less cost than folding in Python.
    """
    return unicodedata.normalize("NFC", text).lower().replace("đ", "d")


def tokens(text: str) -> list[str]:
    """Folded word tokens of `text` (letters and digits; punctuation separates)."""
    return _TOKEN.findall(fold(text))


def parse_query(text: str | None) -> list[Clause]:
    """Split user text into folded clauses: words and "quoted phrases" (an unclosed quote runs to the end).

    A bare word that folds to several tokens ("covid-19") is a phrase of those tokens.
    """
    if not text:
        return []
    clauses: list[Clause] = []
    for match in _CLAUSE.finditer(unicodedata.normalize("NFC", text)):
        quoted, bare = match.group(1), match.group(2)
        words = tokens(quoted if quoted is not None else bare)
        if not words:
            continue
        clauses.append(Clause(tuple(words), phrase=quoted is not None or len(words) > 1))
    return clauses


def highlight(
    original: str,
    clauses: list[Clause],
    fragment_size: int = 160,
    max_fragments: int = 3,
    tag: tuple[str, str] = ("<em>", "</em>"),
) -> list[str]:
    """Fragments of `original` with every token of `clauses` wrapped in `tag`, matched on folded text.

    Offsets are mapped back character by character, so the marks land on the original (accented)
    words. A short text comes back whole; a long one as up to `max_fragments` windows around matches.
    """
    wanted = frozenset(token for clause in clauses for token in clause.tokens)
    if not wanted or not original:
        return []
    original = unicodedata.normalize("NFC", original)
    if len(original.lower()) == len(original):  # the usual case: one folded character per character
        found: Iterable[tuple[int, int]] = (m.span() for m in _original_pattern(wanted).finditer(original))
    else:
        found = _spans_by_char(original, wanted)
    if len(original) <= fragment_size:
        whole = list(found)
        return [_mark(original, whole, 0, len(original), tag)] if whole else []
    # windows around the first matches not already shown; the text is read only as far as the last
    # window reaches (a long body with a common word is rarely read to its end)
    spans: list[tuple[int, int]] = []
    windows: list[tuple[int, int]] = []
    for start, end in found:
        if len(windows) == max_fragments and start >= windows[-1][1]:
            break
        spans.append((start, end))
        if len(windows) < max_fragments and (not windows or start >= windows[-1][1]):
            lo = max(0, start - fragment_size // 3)
            windows.append((lo, min(len(original), lo + fragment_size)))
    return [_mark(original, spans, lo, hi, tag) for lo, hi in windows]


@lru_cache(maxsize=1)
def _one_to_one_table() -> dict[int, str]:
    """`fold` of each Latin letter (U+00C0–U+024F, U+1E00–U+1EFF) that folds to exactly one character."""
    table: dict[int, str] = {}
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        folded = fold(chr(code))
        if len(folded) == 1 and folded != chr(code):
            table[code] = folded
    return table


@lru_cache(maxsize=256)
def _original_pattern(wanted: frozenset[str]) -> re.Pattern[str]:
    """A pattern finding the folded tokens `wanted` in original text: each folded letter becomes the
    class of the letters that fold to it ("a" → [aàáạ…ÂẦ…]), so the text itself needs no folding
    (folding every hit's body in Python was most of a search page's highlighting time).

    It starts with the class of every token's first letter, then checks the word boundary behind
    it: a pattern that starts with a character class lets `re` skip ahead to candidates (2-3x faster
    on article bodies than starting with the boundary check).
    """
    classes = _fold_classes()

    def variants(char: str) -> str:
        found = classes.get(char)
        if found is None:
            upper = char.upper()
            found = char + upper if len(upper) == 1 and upper.lower() == char else char
        return found

    def one_of(letters: str) -> str:
        return "[" + "".join(re.escape(v) for v in letters) + "]" if len(letters) > 1 else re.escape(letters)

    tokens = sorted(wanted)
    first = "".join(dict.fromkeys("".join(variants(token[0]) for token in tokens)))
    rests = [
        "(?<=" + one_of(variants(token[0])) + ")" + "".join(one_of(variants(char)) for char in token[1:])
        for token in tokens
    ]
    return re.compile(one_of(first) + r"(?<!\w.)(?:" + "|".join(rests) + r")(?!\w)")


@lru_cache(maxsize=1)
def _fold_classes() -> dict[str, str]:
    """Folded letter → every ASCII/Latin letter whose lower case folds to it (one character each)."""
    table = _one_to_one_table()
    classes: dict[str, list[str]] = {}
    for code in [*range(0x30, 0x7B), *range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        lower = chr(code).lower()
        if len(lower) != 1:
            continue
        folded = table.get(ord(lower), lower)
        classes.setdefault(folded, []).append(chr(code))
    return {folded: "".join(variants) for folded, variants in classes.items()}


def _spans_by_char(original: str, wanted: AbstractSet[str]) -> list[tuple[int, int]]:
    """Spans of wanted tokens, folding character by character (when case mapping changes lengths)."""
    folded_parts: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(original):
        piece = _fold_char(char)
        folded_parts.append(piece)
        origin.extend([index] * len(piece))
    spans: list[tuple[int, int]] = []
    for match in _TOKEN.finditer("".join(folded_parts)):
        if match.group(0) in wanted:
            start = origin[match.start()]
            end = origin[match.end() - 1] + 1
            while end < len(original) and unicodedata.category(original[end]) == "Mn":
                end += 1
            spans.append((start, end))
    return spans


def _mark(original: str, spans: list[tuple[int, int]], lo: int, hi: int, tag: tuple[str, str]) -> str:
    """The window [lo, hi) as HTML: the text escaped, the spans wrapped in `tag` (the only markup)."""
    out: list[str] = []
    cursor = lo
    for start, end in spans:
        if start < lo or end > hi:
            continue
        out.append(escape(original[cursor:start], quote=False))
        out.append(tag[0] + escape(original[start:end], quote=False) + tag[1])
        cursor = end
    out.append(escape(original[cursor:hi], quote=False))
    return "".join(out).strip()


def fts5_match(clauses: list[Clause]) -> str:
    """An FTS5 MATCH expression requiring every clause (each quoted: no user operator survives)."""
    return " AND ".join('"' + clause.text + '"' for clause in clauses)
