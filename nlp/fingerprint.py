"""Near-duplicate fingerprints for story clusters: 64-bit SimHash over word shingles.

Syndicated copies of a story (one agency text run by several outlets, lightly edited) differ by a few
words; their SimHashes differ by a few bits. The 64 bits are split into `BANDS` blocks so that two
fingerprints within `MAX_DISTANCE` bits share at least one block exactly (pigeonhole), which lets a
persistent index find candidates with plain equality lookups instead of a scan.
Pure functions over text: no I/O, imports nothing from the other parts.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

BITS = 64
BANDS = 4
BAND_BITS = BITS // BANDS
MAX_DISTANCE = 3
SHINGLE = 3
_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased NFC words; diacritics kept (they carry meaning in Vietnamese)."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def shingles(text: str, size: int = SHINGLE) -> list[str]:
    """Overlapping word n-grams; a text shorter than `size` words is one shingle."""
    tokens = words(text)
    if len(tokens) < size:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]


def _hash64(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest(), "big")


def simhash(text: str) -> int:
    """The 64-bit SimHash of `text`'s shingles (0 for empty text)."""
    weights = [0] * BITS
    for shingle in shingles(text):
        value = _hash64(shingle)
        for bit in range(BITS):
            weights[bit] += 1 if value >> bit & 1 else -1
    result = 0
    for bit, weight in enumerate(weights):
        if weight > 0:
            result |= 1 << bit
    return result


def to_hex(fingerprint: int) -> str:
    return f"{fingerprint:016x}"


def from_hex(text: str) -> int:
    return int(text, 16)


def distance(a: int, b: int) -> int:
    """Hamming distance between two fingerprints."""
    return (a ^ b).bit_count()


def bands(fingerprint: int) -> list[int]:
    """The `BANDS` blocks of the fingerprint, each tagged with its position so equal blocks match only
    at the same place."""
    mask = (1 << BAND_BITS) - 1
    return [(index << BAND_BITS) | (fingerprint >> (index * BAND_BITS) & mask) for index in range(BANDS)]


def near_duplicate(a: int, b: int, max_distance: int = MAX_DISTANCE) -> bool:
    return distance(a, b) <= max_distance
