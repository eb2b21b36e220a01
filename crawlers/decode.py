"""Page bytes to text when the charset declaration is wrong, missing or legacy (windows-1258).

Order: bytes that are valid UTF-8 are UTF-8 (a legacy page essentially never is); otherwise the
declared charset, except that a Western-European declaration on a Vietnamese page means the page is
really windows-1258 (old CMSs left the default); otherwise windows-1258. Decoded text is NFC, since
windows-1258 writes tone marks as combining characters.
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
    """(text, codec used)."""
    try:
        return unicodedata.normalize("NFC", body.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    codec = _codec(declared_charset(content_type, body))
    if codec is None or (language == "vi" and codec in _WESTERN) or codec == "utf-8":
        codec = LEGACY_VIETNAMESE
    return unicodedata.normalize("NFC", body.decode(codec, errors="replace")), codec
