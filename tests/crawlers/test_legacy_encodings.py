"""Issue 11 item 10: TCVN3 and VNI pages are recognised before the windows-1258 fallback. The same
paragraph is rendered into TCVN3 and VNI-Windows bytes with the conversion tables documented in
tests/data/crawlers/legacy_vietnamese (see PROVENANCE.md there) and served over HTTP-like decoding."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from crawlers.decode import decode_html

DATA = Path(__file__).resolve().parents[1] / "data" / "crawlers" / "legacy_vietnamese"
PARAGRAPH = (
    "Thừa Thiên Huế: mưa lũ làm ngập nhiều tuyến đường ở thành phố Huế, người dân các xã ven sông Hương "
    "đã được sơ tán an toàn; tỉnh yêu cầu các đơn vị trực 24/24 giờ và báo cáo kịp thời."
)
PAGE = "<html><head><title>Tin tức</title></head><body><p>{}</p></body></html>"


def tcvn3_table() -> dict[str, int]:
    table: dict[str, int] = {}
    for line in (DATA / "tcvn3.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, letter = line.split("\t")
            table[letter] = int(code, 16)
    return table


def to_tcvn3(text: str) -> bytes:
    table = tcvn3_table()
    return bytes(table[c] if c in table else ord(c) for c in unicodedata.normalize("NFC", text))


# VNI-Windows, as vni.tsv documents it
_TONE = {"\u0301": 0xF9, "\u0300": 0xF8, "\u0309": 0xFB, "\u0303": 0xF5, "\u0323": 0xEF}
_CIRC_TONE = {None: 0xE2, "\u0301": 0xE1, "\u0300": 0xE0, "\u0309": 0xE5, "\u0303": 0xE3, "\u0323": 0xE4}
_BREVE_TONE = {None: 0xEA, "\u0301": 0xE9, "\u0300": 0xE8, "\u0309": 0xFA, "\u0303": 0xFC, "\u0323": 0xEB}
_OWN = {"ơ": 0xF4, "ư": 0xF6, "đ": 0xF1, "Ơ": 0xD4, "Ư": 0xD6, "Đ": 0xD1}
_I = {"í": 0xED, "ì": 0xEC, "ỉ": 0xE6, "ĩ": 0xF3, "ị": 0xF2, "ỵ": 0xEE}


def to_vni(text: str) -> bytes:
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        if char in _I:
            out.append(_I[char])
            continue
        if char in _OWN:
            out.append(_OWN[char])
            continue
        parts = unicodedata.normalize("NFD", char)
        base, marks = parts[0], parts[1:]
        if not marks:
            out.extend(char.encode("latin-1"))
            continue
        tone = next((m for m in marks if m in _TONE), None)
        if "\u031b" in marks:  # horn: ơ ư are letters of their own, then the tone
            out.append(_OWN["ơ" if base == "o" else "ư"])
            if tone:
                out.append(_TONE[tone])
            continue
        out.append(ord(base))
        if "\u0302" in marks:
            out.append(_CIRC_TONE[tone])
        elif "\u0306" in marks:
            out.append(_BREVE_TONE[tone])
        elif tone:
            out.append(_TONE[tone])
    return bytes(out)


def test_the_renderings_are_really_legacy_bytes() -> None:
    assert to_tcvn3("Thừa Thiên Huế") == b"Th\xf5a Thi\xaan Hu\xd5"
    assert to_vni("Thừa Thiên Huế") == b"Th\xf6\xf8a Thie\xe2n Hue\xe1"  # "Thöøa Thieân Hueá"
    assert to_vni("mưa lũ") == b"m\xf6a lu\xf5"


@pytest.mark.parametrize(
    ("render", "content_type", "codec"),
    [
        (to_tcvn3, None, "tcvn3"),
        (to_tcvn3, "text/html; charset=iso-8859-1", "tcvn3"),
        (to_vni, None, "vni"),
        (to_vni, "text/html; charset=windows-1258", "vni"),
    ],
)
def test_tcvn3_and_vni_pages_read_as_the_same_paragraph(render, content_type, codec) -> None:  # type: ignore[no-untyped-def]
    body = render(PAGE.format(PARAGRAPH))
    text, used = decode_html(body, content_type)
    assert used == codec
    assert PARAGRAPH in text


def test_a_windows_1258_page_still_reads_as_windows_1258() -> None:
    from tests.crawlers.hostile import encode_cp1258

    text, used = decode_html(encode_cp1258(PAGE.format(PARAGRAPH)), None)
    assert used == "cp1258" and PARAGRAPH in text
