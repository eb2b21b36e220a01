"""Deterministic document ids: the same article or log event indexed twice is one document."""

from __future__ import annotations

import hashlib


def stable_id(*parts: str, length: int = 32) -> str:
    """A hex id derived from `parts` (joined with an unambiguous separator)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


def content_hash(text: str) -> str:
    """Hash of normalised article text, for exact-duplicate detection."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
