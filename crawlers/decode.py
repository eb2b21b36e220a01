"""Page bytes to text when the charset declaration is wrong, missing or legacy (windows-1258, TCVN3,
VNI).

Order: bytes that are valid UTF-8 are UTF-8 (a legacy page essentially never is); otherwise, for a
Vietnamese page whose declaration is missing, Western-European or windows-1258, the legacy encodings
are tried — TCVN3 (TCVN 5712:1993, "ABC" fonts: one byte per toned letter), VNI-Windows (a base
letter followed by a byte for its marks), both decoded by `nlp.legacy`, and windows-1258 — and the one
whose text holds the most common Vietnamese words wins (ties: windows-1258); any other declared charset
is used as declared.
Decoded text is NFC, since windows-1258 and VNI write tone marks as separate characters.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from nlp.legacy import common_word_count, decode_tcvn3, decode_vni

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


def _best_legacy(body: bytes) -> tuple[str, str]:
    """The legacy decoding whose text reads most like Vietnamese (windows-1258 on a tie)."""
    candidates = [
        (unicodedata.normalize("NFC", body.decode(LEGACY_VIETNAMESE, errors="replace")), LEGACY_VIETNAMESE),
        (decode_tcvn3(body), "tcvn3"),  # both already NFC
        (decode_vni(body), "vni"),
    ]
    scored = [(common_word_count(text), -order, text, name) for order, (text, name) in enumerate(candidates)]
    _, _, text, name = max(scored)
    return text, name
