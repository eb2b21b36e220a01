"""Highlighting finds folded query tokens in the original text without folding the text.

The reference is the definition: fold the text (lower case, no diacritics, đ→d, one character per
character), find the tokens there at word boundaries, and map the offsets back.
"""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.normalize import fold
from store.textsearch import highlight, parse_query

LETTERS = "aàáạảãâầấậẩẫăằắặẳẵeèéẹẻẽêềếệểễiìíịỉĩoòóọỏõôồốộổỗơờớợởỡuùúụủũưừứựửữyỳýỵỷỹdđbcghklmnpqrstvx"
ALPHABET = LETTERS + LETTERS.upper() + " ,.-0123456789"


def reference_spans(original: str, tokens: set[str]) -> list[tuple[int, int]]:
    folded = "".join(fold(char) if len(fold(char)) == 1 else char for char in original.lower())
    assert len(folded) == len(original)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(tokens))) + r")(?!\w)")
    return [(match.start(), match.end()) for match in pattern.finditer(folded)]


def marked_spans(fragment: str) -> list[str]:
    return re.findall(r"<em>(.*?)</em>", fragment)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=ALPHABET, max_size=120), query=st.text(alphabet=ALPHABET, min_size=1, max_size=12)
)
def test_highlights_mark_exactly_the_folded_matches(text: str, query: str) -> None:
    text = unicodedata.normalize("NFC", text)
    clauses = parse_query(query)
    tokens = {token for clause in clauses for token in clause.tokens}
    fragments = highlight(text, clauses, fragment_size=1000)
    expected = [text[start:end] for start, end in reference_spans(text, tokens)] if tokens else []
    assert [word for fragment in fragments for word in marked_spans(fragment)] == expected


def test_accents_and_case_of_the_text_are_kept_in_the_marks() -> None:
    fragments = highlight("Mưa lớn ở ĐÀ NẴNG và Đà Nẵng; đà nẵng", parse_query("da nang"))
    assert fragments == [
        "Mưa lớn ở <em>ĐÀ</em> <em>NẴNG</em> và <em>Đà</em> <em>Nẵng</em>; <em>đà</em> <em>nẵng</em>"
    ]
    assert highlight("Thuỷ và Thủy", parse_query("thuy")) == ["<em>Thuỷ</em> và <em>Thủy</em>"]
    assert highlight("Huếch", parse_query("hue")) == []  # a whole word only


def reference_fragments(text: str, spans: list[tuple[int, int]], size: int, most: int) -> list[str]:
    """Windows of `size` characters starting a third of a window before each match not yet shown."""
    fragments, taken_until = [], -1
    for start, _end in spans:
        if start < taken_until:
            continue
        lo = max(0, start - size // 3)
        hi = min(len(text), lo + size)
        inside = [(s, e) for s, e in spans if s >= lo and e <= hi]
        out, cursor = [], lo
        for s, e in inside:
            out.append(text[cursor:s] + "<em>" + text[s:e] + "</em>")
            cursor = e
        fragments.append(("".join(out) + text[cursor:hi]).strip())
        taken_until = hi
        if len(fragments) == most:
            break
    return fragments


WORDS = [
    "Huế",
    "huế",
    "HUẾ",
    "hue",
    "Huệ",
    "Huếch",
    "bão",
    "Bao",
    "bảo",
    "đà",
    "Đà",
    "da",
    "nẵng",
    "x",
    "ab",
    "1",
]
word_texts = st.lists(st.sampled_from(WORDS), min_size=5, max_size=80).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(
    text=word_texts,
    query=st.sampled_from(WORDS),
    size=st.integers(min_value=12, max_value=60),
    most=st.integers(min_value=1, max_value=4),
)
def test_long_texts_come_back_as_windows_around_the_matches(
    text: str, query: str, size: int, most: int
) -> None:
    clauses = parse_query(query)
    tokens = {token for clause in clauses for token in clause.tokens}
    expected = (
        reference_fragments(text, reference_spans(text, tokens), size, most) if len(text) > size else []
    )
    if len(text) > size:
        assert highlight(text, clauses, fragment_size=size, max_fragments=most) == expected
