"""nlp.normalize: tone-mark convention, clean-up, legacy-encoding repair, folding (with property tests)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.legacy import _COMMON, _FOREIGN, _TCVN3_TABLE
from nlp.normalize import fold, normalize

VIETNAMESE_CHARS = st.lists(
    st.sampled_from(
        [
            *"aăâeêioôơuưyđAĂÂĐ ,.\n\tqhktrgnmcµªÖøÕ",
            "\u0300",
            "\u0301",
            "\u0303",
            "\u0309",
            "\u0323",
            "oà",
            "uỷ",
        ]
    ),
    max_size=40,
).map("".join)


# Legacy-encoded text as a crawler meets it: common words in TCVN3 bytes shown as Latin-1, stray legacy
# and foreign letters, and the invisible/control characters and spaces the clean-up removes (a soft
# hyphen is also TCVN3's "ư"). Plain st.text() almost never builds text the encoding repair accepts.
_TO_TCVN3 = {letter: byte for byte, letter in _TCVN3_TABLE.items()}
MOJIBAKE = st.lists(
    st.one_of(
        st.sampled_from(sorted("".join(_TO_TCVN3.get(ch, ch) for ch in word) for word in _COMMON)),
        st.sampled_from(sorted(set(_TCVN3_TABLE) | _FOREIGN)),
        st.sampled_from(
            ["\u00ad", "\u200b", "\x07", "\r", " ", "\n", "0", "a", "o", "u", "y", "È", "\u0301"]
        ),
    ),
    max_size=8,
).map("".join)


@given(MOJIBAKE)
@settings(max_examples=3000, deadline=None)
def test_normalize_is_idempotent_on_legacy_encoded_text_with_invisible_characters(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@pytest.mark.parametrize("text", ["ë0a\xadÈ0Äû", "ë0aÈ0Äû"])
def test_normalize_is_final_when_a_removed_soft_hyphen_unlocks_the_encoding_repair(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once == "ở0aẩ0Äỷ"


@given(st.text())
@settings(max_examples=1000, deadline=None)
def test_normalize_never_raises_and_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert isinstance(once, str)
    assert normalize(once) == once


@given(VIETNAMESE_CHARS)
@settings(max_examples=400, deadline=None)
def test_normalize_idempotent_on_vietnamese_like_text(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert unicodedata.is_normalized("NFC", once)


@given(st.text())
@settings(max_examples=400, deadline=None)
def test_fold_never_raises_is_idempotent_and_has_no_marks(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded
    assert "đ" not in folded and "Đ" not in folded
    assert not any(unicodedata.combining(ch) for ch in folded)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hoà bình", "hòa bình"),
        ("Thuỷ điện", "Thủy điện"),
        ("khoẻ mạnh", "khỏe mạnh"),
        ("Uỷ ban nhân dân", "Ủy ban nhân dân"),
        ("HOÀ", "HÒA"),
        ("tuỳ ý", "tùy ý"),
        ("hoạ sĩ", "họa sĩ"),
        ("quý khách", "quý khách"),  # "qu" + y: the mark stays on y
        ("hoàn thành", "hoàn thành"),  # closed syllable: same in both conventions
        ("thuyền", "thuyền"),
        ("hòa", "hòa"),
    ],
)
def test_traditional_tone_mark_placement(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_decomposed_input_is_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "Thừa Thiên Huế")
    assert normalize(decomposed) == "Thừa Thiên Huế"


def test_whitespace_and_punctuation_clean_up() -> None:
    assert normalize("  Huế \u00a0 mưa   lớn , ngập ( nặng ) !\u200b ") == "Huế mưa lớn, ngập (nặng)!"
    assert normalize("Đoạn 1\r\n\r\n\r\n  Đoạn 2 ") == "Đoạn 1\nĐoạn 2"


@pytest.mark.parametrize(
    ("mojibake", "expected"),
    [
        # TCVN3 (ABC) bytes shown as Latin-1
        ("Thõa Thiªn HuÕ", "Thừa Thiên Huế"),
        ("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
        ("Tr\xadêng §¹i häc HuÕ", "Trường Đại học Huế"),
        # VNI Windows shown as Latin-1
        ("Thöøa Thieân Hueá", "Thừa Thiên Huế"),
        ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
        ("UBND tænh Thöøa Thieân Hueá ñaõ hoïp", "UBND tỉnh Thừa Thiên Huế đã họp"),
        # UTF-8 bytes decoded as cp1252
        ("Thá»«a ThiÃªn Huáº¿", "Thừa Thiên Huế"),
    ],
)
def test_legacy_encoding_repair(mojibake: str, expected: str) -> None:
    assert normalize(mojibake) == expected


@pytest.mark.parametrize(
    "genuine",
    ["Café Müller straße", "Hà Nội mùa thu", "Señor Ñandú", "Phở bò tái", "Giá 25°C, 100µm"],
)
def test_genuine_text_is_not_repaired(genuine: str) -> None:
    assert normalize(genuine) == genuine


def test_fold() -> None:
    assert fold("Thừa Thiên Huế") == "thua thien hue"
    assert fold("ĐÀ NẴNG") == "da nang"
    assert fold("Đường Lê Lợi") == "duong le loi"
