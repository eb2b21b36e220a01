"""Unicode Vietnamese rendered into TCVN3 and VNI-Windows bytes with the tables documented in
tests/data/crawlers/legacy_vietnamese (see PROVENANCE.md there), not with the product's tables, so a
slip in either shows as a test failure. Used by the crawler's and nlp's legacy-encoding tests."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Literal

DATA = Path(__file__).resolve().parent / "data" / "crawlers" / "legacy_vietnamese"


def tcvn3_table() -> dict[str, int]:
    table: dict[str, int] = {}
    for line in (DATA / "tcvn3.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, letter = line.split("\t")
            table[letter] = int(code, 16)
    return table


def to_tcvn3(text: str) -> bytes:
    """TCVN3 bytes; a toned capital has no code of its own and takes its lower-case letter's byte, as
    converters write it for an upper-case (.VnTimeH) font."""
    table = tcvn3_table()
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        code = table.get(char, table.get(char.lower()))
        out += bytes([code]) if code is not None else char.encode("latin-1")
    return bytes(out)


# VNI-Windows, as vni.tsv documents it: (lower-case byte, upper-case byte)
_TONE = {"\u0301": (0xF9, 0xD9), "\u0300": (0xF8, 0xD8), "\u0309": (0xFB, 0xDB), "\u0303": (0xF5, 0xD5)}
_TONE["\u0323"] = (0xEF, 0xCF)
_CIRC_TONE = {None: (0xE2, 0xC2), "\u0301": (0xE1, 0xC1), "\u0300": (0xE0, 0xC0), "\u0309": (0xE5, 0xC5)}
_CIRC_TONE |= {"\u0303": (0xE3, 0xC3), "\u0323": (0xE4, 0xC4)}
_BREVE_TONE = {None: (0xEA, 0xCA), "\u0301": (0xE9, 0xC9), "\u0300": (0xE8, 0xC8), "\u0309": (0xFA, 0xDA)}
_BREVE_TONE |= {"\u0303": (0xFC, 0xDC), "\u0323": (0xEB, 0xCB)}
_OWN = {"ơ": 0xF4, "ư": 0xF6, "đ": 0xF1, "Ơ": 0xD4, "Ư": 0xD6, "Đ": 0xD1}
_I = {"í": 0xED, "ì": 0xEC, "ỉ": 0xE6, "ĩ": 0xF3, "ị": 0xF2, "ỵ": 0xEE}
_I |= {"Í": 0xCD, "Ì": 0xCC, "Ỉ": 0xC6, "Ĩ": 0xD3, "Ị": 0xD2, "Ỵ": 0xCE}

MarkCase = Literal["lower", "letter"]


def to_vni(text: str, marks: MarkCase = "lower") -> bytes:
    """VNI-Windows bytes. `marks="lower"`: every mark byte lower case; `"letter"`: a capital letter
    takes the upper-case mark bytes (as VNI fonts draw capitals)."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        if char in _I:
            out.append(_I[char])
            continue
        if char in _OWN:
            out.append(_OWN[char])
            continue
        parts = unicodedata.normalize("NFD", char)
        base, char_marks = parts[0], parts[1:]
        if not char_marks:
            out.extend(char.encode("latin-1"))
            continue
        case = 1 if marks == "letter" and base.isupper() else 0
        tone = next((m for m in char_marks if m in _TONE), None)
        if "\u031b" in char_marks:  # horn: ơ ư are letters of their own, then the tone
            out.append(_OWN[unicodedata.normalize("NFC", base + "\u031b")])
        else:
            out.append(ord(base))
        if "\u0302" in char_marks:
            out.append(_CIRC_TONE[tone][case])
        elif "\u0306" in char_marks:
            out.append(_BREVE_TONE[tone][case])
        elif tone:
            out.append(_TONE[tone][case])
    return bytes(out)
