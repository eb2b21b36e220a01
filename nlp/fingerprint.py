"""Near-duplicate fingerprints for story clusters, over word 3-gram shingles.

- `minhash(text)`: a 64-value MinHash signature; `jaccard(a, b)` estimates shingle overlap. Its LSH
  `bands` (16 bands of 4 values) let a persistent index find candidate copies by equality lookups:
  two texts with Jaccard 0.9 share a band with probability > 0.999, unrelated texts almost never.
  Syndicated copies (one agency story re-run with a new headline and a few edited words) have
  Jaccard > 0.8; different stories < 0.1. `SAME_STORY` = 0.5 separates them.
- `simhash(text)`: a 64-bit SimHash, stored on each article as its compact `fingerprint` (hex).

Pure functions over text: no I/O, imports nothing from the other parts.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np

BITS = 64
SHINGLE = 3
PERMUTATIONS = 64
BAND_ROWS = 4
BANDS = PERMUTATIONS // BAND_ROWS
SAME_STORY = 0.5
SEED = 20261128
_WORD = re.compile(r"\w+", re.UNICODE)
_BIT_INDEX = np.arange(BITS, dtype=np.uint64)


def words(text: str) -> list[str]:
    """Lower-cased NFC words; diacritics kept (they carry meaning in Vietnamese)."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def shingles(text: str, size: int = SHINGLE) -> list[str]:
    """Overlapping word n-grams; a text shorter than `size` words is one shingle."""
    tokens = words(text)
    if len(tokens) < size:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]


# Vietnamese words are syllables from a vocabulary of a few thousand: hashing each distinct word once
# and combining word hashes arithmetically makes shingle hashing nearly free.
_WORD_HASHES: dict[str, int] = {}
_CACHE_LIMIT = 200_000
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _word_hash(word: str) -> int:
    value = _WORD_HASHES.get(word)
    if value is None:
        value = int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "big")
        if len(_WORD_HASHES) < _CACHE_LIMIT:
            _WORD_HASHES[word] = value
    return value


def _avalanche(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit affects every output bit."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _shingle_hashes(text: str, size: int = SHINGLE) -> np.ndarray:
    """64-bit hashes of the word `size`-grams of `text` (the shingles of `shingles(text)`)."""
    tokens = words(text)
    if not tokens:
        return np.empty(0, dtype=np.uint64)
    hashed = np.array([_word_hash(token) for token in tokens], dtype=np.uint64)
    if len(hashed) < size:
        size = len(hashed)
    count = len(hashed) - size + 1
    combined = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(size):
            combined = _avalanche(combined * _MIX + hashed[offset : offset + count])
    return combined


def simhash(text: str) -> int:
    """The 64-bit SimHash of `text`'s shingles (0 for empty text)."""
    return _simhash(_shingle_hashes(text))


def _simhash(hashed: np.ndarray) -> int:
    if not len(hashed):
        return 0
    bits = (hashed[:, None] >> _BIT_INDEX) & np.uint64(1)
    votes = bits.sum(axis=0, dtype=np.int64) * 2 - len(hashed)
    return int(sum(1 << int(bit) for bit in np.nonzero(votes > 0)[0]))


def to_hex(fingerprint: int) -> str:
    return f"{fingerprint:016x}"


def from_hex(text: str) -> int:
    return int(text, 16)


def distance(a: int, b: int) -> int:
    """Hamming distance between two SimHashes."""
    return (a ^ b).bit_count()


_MERSENNE = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)


def _permutations(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of the universal hash family (a·h + b) mod 2^61-1, drawn exactly as datasketch.MinHash
    draws them (tests check the equality), without importing datasketch (and scipy) at run time."""
    generator = np.random.RandomState(seed)
    pairs = [
        (generator.randint(1, _MERSENNE, dtype=np.uint64), generator.randint(0, _MERSENNE, dtype=np.uint64))
        for _ in range(count)
    ]
    table = np.array(pairs, dtype=np.uint64).T
    return table[0], table[1]


_A, _B = _permutations(PERMUTATIONS, SEED)


def minhash(text: str) -> np.ndarray:
    """The MinHash signature (PERMUTATIONS uint64 values) of `text`'s shingles, vectorised."""
    return _minhash(_shingle_hashes(text))


def _minhash(hashed: np.ndarray) -> np.ndarray:
    if not len(hashed):
        return np.full(PERMUTATIONS, _MAX_HASH, dtype=np.uint64)
    low = hashed & _MAX_HASH  # 32-bit shingle hashes, as datasketch uses
    with np.errstate(over="ignore"):
        permuted = ((low[:, None] * _A + _B) % _MERSENNE) & _MAX_HASH
    return permuted.min(axis=0)


def fingerprints(text: str) -> tuple[int, np.ndarray]:
    """(SimHash, MinHash signature) of `text`, hashing its shingles once."""
    hashed = _shingle_hashes(text)
    return _simhash(hashed), _minhash(hashed)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    return float(np.count_nonzero(a == b)) / len(a)


def bands(signature: np.ndarray) -> list[int]:
    """One signed 63-bit key per LSH band (band index mixed in, so equal keys match at one place)."""
    keys = []
    for index in range(BANDS):
        chunk = signature[index * BAND_ROWS : (index + 1) * BAND_ROWS].tobytes()
        digest = hashlib.blake2b(bytes([index]) + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big") >> 1)
    return keys


def signature_bytes(signature: np.ndarray) -> bytes:
    return signature.astype("<u8").tobytes()


def signature_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u8").astype(np.uint64)


def same_story(a: np.ndarray, b: np.ndarray, threshold: float = SAME_STORY) -> bool:
    return jaccard(a, b) >= threshold
