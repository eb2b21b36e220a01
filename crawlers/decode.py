"""Page bytes to text when the charset declaration is wrong, missing or legacy (windows-1258, TCVN3,
VNI).

Order: bytes that are valid UTF-8 are UTF-8 (a legacy page essentially never is); otherwise, for a
Vietnamese page whose declaration is missing, Western-European or windows-1258, the legacy encodings
are tried — TCVN3 (TCVN 5712:1993, "ABC" fonts: one byte per toned letter), VNI-Windows (a base
letter followed by a byte for its marks) and windows-1258 — and the one whose text holds the most
common Vietnamese words wins (ties: windows-1258); any other declared charset is used as declared.
Decoded text is NFC, since windows-1258 and VNI write tone marks as separate characters.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)
_WESTERN = {"iso8859-1", "latin-1", "cp1252", "ascii", "iso8859-15"}
LEGACY_VIETNAMESE = "cp1258"


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def declared_charset(content_type: str | None, body: bytes) -> str | None:
    """The charset named by the Content-Type header, else by a <meta> tag in the first 4 KB."""
    if content_type:
        header = re.search(r"charset\s*=\s*[\"']?([\w-]+)", content_type, re.I)
        if header:
            return header.group(1)
    meta = _META_CHARSET.search(body[:4096])
    return meta.group(1).decode("ascii", "replace") if meta else None


def decode_html(body: bytes, content_type: str | None = None, *, language: str = "vi") -> tuple[str, str]:
    """(text, codec used: "utf-8", a Python codec name, "tcvn3" or "vni")."""
    try:
        return unicodedata.normalize("NFC", body.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    codec = _codec(declared_charset(content_type, body))
    if codec is None or (language == "vi" and codec in _WESTERN) or codec in ("utf-8", LEGACY_VIETNAMESE):
        if language == "vi":
            return _best_legacy(body)
        codec = LEGACY_VIETNAMESE
    return unicodedata.normalize("NFC", body.decode(codec, errors="replace")), codec


# TCVN3: byte → letter (tests/data/crawlers/legacy_vietnamese/tcvn3.tsv documents the same table)
_TCVN3_LETTERS = (
    "ĂÂÊÔƠƯĐăâêôơưđ",  # A1..AE
    "àảãáạ",  # B5..B9
    "ằẳẵắ",  # BB..BE
    "ặầẩẫấậè",  # C6..CC
    "ẻẽéẹềểễếệìỉ",  # CE..D8
    "ĩíịò",  # DC..DF
    "ỏõóọồổỗốộờởỡớợù",  # E1..EF
    "ủũúụừửữứựỳỷỹýỵ",  # F1..FE
)
_TCVN3_STARTS = (0xA1, 0xB5, 0xBB, 0xC6, 0xCE, 0xDC, 0xE1, 0xF1)
TCVN3 = {
    start + index: letter
    for start, letters in zip(_TCVN3_STARTS, _TCVN3_LETTERS, strict=True)
    for index, letter in enumerate(letters)
}

_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_CIRC, _BREVE, _HORN = "\u0302", "\u0306", "\u031b"
_TONES = {"ù": _ACUTE, "ø": _GRAVE, "û": _HOOK, "õ": _TILDE, "ï": _DOT}
# VNI-Windows mark bytes (as Latin-1 characters), lower and upper case: what they add to the letter before
VNI_MARKS = {
    **_TONES,
    **{k.upper(): v for k, v in _TONES.items()},
    "â": _CIRC, "á": _CIRC + _ACUTE, "à": _CIRC + _GRAVE, "å": _CIRC + _HOOK, "ã": _CIRC + _TILDE,
    "ä": _CIRC + _DOT,
    "Â": _CIRC, "Á": _CIRC + _ACUTE, "À": _CIRC + _GRAVE, "Å": _CIRC + _HOOK, "Ã": _CIRC + _TILDE,
    "Ä": _CIRC + _DOT,
    "ê": _BREVE, "é": _BREVE + _ACUTE, "è": _BREVE + _GRAVE, "ú": _BREVE + _HOOK, "ü": _BREVE + _TILDE,
    "ë": _BREVE + _DOT,
    "Ê": _BREVE, "É": _BREVE + _ACUTE, "È": _BREVE + _GRAVE, "Ú": _BREVE + _HOOK, "Ü": _BREVE + _TILDE,
    "Ë": _BREVE + _DOT,
}  # fmt: skip
# VNI-Windows bytes that are letters of their own
VNI_LETTERS = {
    "ô": "ơ", "ö": "ư", "ñ": "đ", "Ô": "Ơ", "Ö": "Ư", "Ñ": "Đ",
    "í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ",
    "Í": "Í", "Ì": "Ì", "Æ": "Ỉ", "Ó": "Ĩ", "Ò": "Ị", "Î": "Ỵ",
}  # fmt: skip
_VNI_BASES = set("aeiouyAEIOUYơưƠƯ")
_COMMON = re.compile(
    r"\b(?:của|và|người|những|được|các|là|có|không|trong|một|với|đã|cho|này|tỉnh|năm|ngày|đến|"
    r"thành|phố|huế|việt|nam|tại|về|từ|đồng|sẽ|như|theo|khi|nhiều|công|đường|dân|xã)\b"
)


def decode_tcvn3(body: bytes) -> str:
    return "".join(TCVN3.get(byte) or chr(byte) for byte in body)


def decode_vni(body: bytes) -> str:
    out: list[str] = []
    for char in body.decode("latin-1"):
        marks = VNI_MARKS.get(char)
        if marks is not None and out and out[-1][-1:] in _VNI_BASES:
            out[-1] = unicodedata.normalize("NFC", unicodedata.normalize("NFD", out[-1]) + marks)
            continue
        out.append(VNI_LETTERS.get(char, char))
    return "".join(out)


def _best_legacy(body: bytes) -> tuple[str, str]:
    """The legacy decoding whose text reads most like Vietnamese (windows-1258 on a tie)."""
    candidates = [
        (unicodedata.normalize("NFC", body.decode(LEGACY_VIETNAMESE, errors="replace")), LEGACY_VIETNAMESE),
        (unicodedata.normalize("NFC", decode_tcvn3(body)), "tcvn3"),
        (unicodedata.normalize("NFC", decode_vni(body)), "vni"),
    ]
    scored = [
        (len(_COMMON.findall(text.lower())), -order, text, name)
        for order, (text, name) in enumerate(candidates)
    ]
    _, _, text, name = max(scored)
    return text, name
