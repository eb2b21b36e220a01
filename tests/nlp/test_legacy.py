"""nlp.legacy's TCVN3 and VNI decoder, the one the crawler and the mojibake repair share. The cases
where the two decoders it replaced differed (scripts/characterise_legacy_decoders.py) each have a test:
circumflex/breve bytes after a vowel that cannot take them, a circumflex byte followed by a
circumflex-and-tone byte, upper-case mark bytes, and capitals in TCVN3. Texts are real news text from
tests/data (entities_gold.jsonl, the outlet fixtures), rendered by tests/legacy_vietnamese.py."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from nlp.legacy import decode_tcvn3, decode_vni, repair_mojibake
from tests.legacy_vietnamese import to_tcvn3, to_vni

DATA = Path(__file__).resolve().parents[1] / "data"
TYPOGRAPHY = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."})


def _real_texts() -> list[str]:
    lines = (DATA / "nlp" / "entities_gold.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines]
    for path in sorted((DATA / "crawlers").glob("*/layout-*.json")):
        expected = json.loads(path.read_text(encoding="utf-8"))["expected"]
        texts += [expected[key] for key in ("title", "text") if expected.get(key)]
    # neither encoding has typographic quotes or dashes (a legacy page used ASCII ones)
    return [unicodedata.normalize("NFC", text.translate(TYPOGRAPHY)) for text in texts]


REAL = _real_texts()
VIETNAMESE_LETTERS = {
    unicodedata.normalize("NFC", vowel + tone)
    for vowel in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
    for tone in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
} | {"đ", "Đ"}


def test_the_real_texts_are_many_and_vietnamese() -> None:
    assert len(REAL) > 100
    assert sum("ư" in text for text in REAL) > 50


@pytest.mark.parametrize("case", [str, str.lower, str.upper], ids=["as-written", "lower", "upper"])
@pytest.mark.parametrize("marks", ["lower", "letter"])
def test_vni_reads_real_text_back_in_either_case_of_letters_and_mark_bytes(case, marks) -> None:  # type: ignore[no-untyped-def]
    wrong = [text for text in map(case, REAL) if decode_vni(to_vni(text, marks)) != text]
    assert wrong == []


def test_upper_case_vni_mark_bytes_are_the_same_marks_as_lower_case_ones() -> None:
    assert to_vni("HUẾ", "letter") == b"HUE\xc1"  # Á, not á: the upper-case mark byte
    assert decode_vni(b"HUE\xc1") == decode_vni(b"HUE\xe1") == "HUẾ"
    assert decode_vni("THÖØA THIEÂN HUEÁ ÑAÕ ÔÛ".encode("latin-1")) == "THỪA THIÊN HUẾ ĐÃ Ở"
    assert decode_vni("hueÁ".encode("latin-1")) == "huế"  # a mark byte of the other case still joins


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("oê", "oê"),  # breve is for a only: the crawler's old decoder made ŏ
        ("Eê", "Eê"),
        ("uâ", "uâ"),  # circumflex is for a e o only: it made û
        ("yÁ", "yÁ"),
        ("\xf4\xe2", "ơâ"),  # ơ takes a tone, never a circumflex: it made ơ̂
        ("aê", "ă"),
        ("AÊ", "Ă"),
        ("oÂ", "ô"),  # the letter has the case of its vowel byte, whatever the mark byte's
        ("\xf4\xf9", "ớ"),
        ("\xd6\xd8", "Ừ"),
    ],
)
def test_a_quality_mark_joins_only_a_vowel_vietnamese_puts_it_on(raw: str, expected: str) -> None:
    assert decode_vni(raw.encode("latin-1")) == expected


def test_no_vowel_and_mark_bytes_make_a_letter_vietnamese_does_not_have() -> None:
    marks = range(0xC0, 0x100)
    made = {
        char
        for vowel in b"aeiouyAEIOUY\xf4\xf6\xd4\xd6"
        for first in marks
        for second in [None, *marks]
        for char in decode_vni(bytes([vowel, first] + ([second] if second is not None else [])))
        if ord(char) > 0xFF
    }
    assert made <= VIETNAMESE_LETTERS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("aâá", "ấ"),  # circumflex, then circumflex with acute: one letter (the nlp repair's old reading)
        ("Oâø", "Ồ"),
        ("eâù", "ế"),  # the marks together make ế, as a VNI font draws them
        ("aùâ", "ấ"),
        ("aùø", "áø"),  # a second tone is no Vietnamese letter: the byte stays what it is
        ("aêâ", "ăâ"),  # breve and circumflex: likewise
    ],
)
def test_mark_bytes_after_a_vowel_join_while_they_make_one_vietnamese_letter(raw: str, expected: str) -> None:
    assert decode_vni(raw.encode("latin-1")) == expected


@pytest.mark.parametrize("case", [str, str.lower], ids=["as-written", "lower"])
def test_tcvn3_reads_real_text_back_but_for_toned_capitals(case) -> None:  # type: ignore[no-untyped-def]
    for text in map(case, REAL):
        decoded = decode_tcvn3(to_tcvn3(text))
        # TCVN3 has no byte for a toned capital: at the start of a lower-case word ("Áp") it reads lower
        assert all(
            read == letter or (read == letter.lower() and _toned(letter))
            for letter, read in zip(text, decoded, strict=True)
        ), text


def _toned(letter: str) -> bool:
    return any(mark in unicodedata.normalize("NFD", letter) for mark in "\u0300\u0301\u0303\u0309\u0323")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HUẾ", "HUẾ"),  # a capital past the first letter: the word is capitals
        ("ĐƯỜNG", "ĐƯỜNG"),
        ("ĐÀ NẴNG", "ĐÀ NẴNG"),  # a two-letter word beside a word of capitals on the same line
        ("NGƯỜI Ở HUẾ", "NGƯỜI Ở HUẾ"),
        ("Đà Nẵng", "Đà Nẵng"),
        ("Người ở Huế", "Người ở Huế"),
        ("ở UBND", "ở UBND"),  # an acronym says nothing about the case of its neighbour
        ("HUẾ\nở đây", "HUẾ\nở đây"),  # nor does a heading about the next line
        ("VÀ", "Và"),  # alone, a word of one capital and one toned letter reads as title case
    ],
)
def test_tcvn3_toned_letters_are_capitals_in_a_word_of_capitals(text: str, expected: str) -> None:
    assert decode_tcvn3(to_tcvn3(text)) == expected


def test_tcvn3_upper_case_real_text_reads_back_where_the_word_shows_its_case() -> None:
    for text in map(str.upper, REAL):
        decoded = decode_tcvn3(to_tcvn3(text))
        for word, read in zip(text.split(), decoded.split(), strict=True):
            letters = [ch for ch in word if ch.isalpha()]
            if len(letters) > 2 and any(ch.isascii() or ch in "ĂÂÊÔƠƯĐ" for ch in letters[1:]):
                assert read == word, text


@pytest.mark.parametrize(
    ("mojibake", "expected"),
    [
        ("THÖØA THIEÂN HUEÁ", "THỪA THIÊN HUẾ"),  # VNI, upper-case mark bytes
        ("THÖØA THIEÂN HUEÙ", "THỪA THIÊN HUÉ"),
        ("NG¦êI D¢N HUÕ", "NGƯỜI DÂN HUẾ"),  # TCVN3, a word of capitals
    ],
)
def test_mojibake_repair_reads_upper_case_text(mojibake: str, expected: str) -> None:
    assert repair_mojibake(mojibake) == expected
