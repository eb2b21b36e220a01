"""Story fingerprints (nlp/fingerprint.py) on real article text from the bundled corpus."""

from __future__ import annotations

import itertools
import random

from nlp.fingerprint import (
    bands,
    distance,
    from_hex,
    jaccard,
    minhash,
    same_story,
    shingles,
    signature_bytes,
    signature_from_bytes,
    simhash,
    to_hex,
)
from vigil.snapshots.corpus import load_corpus


def _texts() -> list[str]:
    return [
        "\n".join((t.lead, *t.paragraphs)) for t in load_corpus() if t.role in {"article", "hue", "bench"}
    ]


def _syndicated(text: str, rng: random.Random) -> str:
    words = text.split()
    words[rng.randrange(len(words))] = "cùng"  # one word changed, as a syndicating outlet would
    return " ".join(["Theo", "TTXVN:", *words, "(Nguồn: TTXVN)"])


def test_identical_text_has_identical_fingerprints_regardless_of_spacing_and_case() -> None:
    text = _texts()[0]
    noisy = "  " + text.upper().replace(" ", "   ")
    assert simhash(text) == simhash(noisy)
    assert jaccard(minhash(text), minhash(noisy)) == 1.0


def test_lightly_edited_copies_are_the_same_story_and_share_a_band() -> None:
    rng = random.Random(7)
    for text in _texts()[:100]:
        original, copy = minhash(text), minhash(_syndicated(text, rng))
        assert same_story(original, copy), text[:60]
        assert set(bands(original)) & set(bands(copy)), text[:60]


def test_different_articles_are_not_the_same_story() -> None:
    signatures = [minhash(t) for t in _texts()[:80]]
    pairs = [
        (i, j)
        for i in range(len(signatures))
        for j in range(i + 1, len(signatures))
        if same_story(signatures[i], signatures[j])
    ]
    assert pairs == []


def test_simhash_of_a_copy_is_closer_than_of_another_story() -> None:
    rng = random.Random(3)
    texts = _texts()[:40]
    for a, b in itertools.pairwise(texts):
        assert distance(simhash(a), simhash(_syndicated(a, rng))) < distance(simhash(a), simhash(b))


def test_round_trips_and_shingles() -> None:
    value = simhash("Thừa Thiên Huế đón khách du lịch")
    assert from_hex(to_hex(value)) == value and len(to_hex(value)) == 16
    signature = minhash("Thừa Thiên Huế đón khách du lịch")
    assert (signature_from_bytes(signature_bytes(signature)) == signature).all()
    assert shingles("một hai ba bốn") == ["một hai ba", "hai ba bốn"]
    assert shingles("") == [] and simhash("") == 0


def test_minhash_permutations_are_datasketchs() -> None:
    """Same (a, b) tables as datasketch.MinHash(num_perm, seed): signatures interoperate with it."""
    from datasketch import MinHash

    from nlp.fingerprint import _A, _B, PERMUTATIONS, SEED

    a, b = MinHash(num_perm=PERMUTATIONS, seed=SEED).permutations
    assert (a == _A).all() and (b == _B).all()
    assert minhash(_texts()[5]).shape == (PERMUTATIONS,)
