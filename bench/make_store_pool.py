"""Rebuild bench/data/store-pool.json (the sentence pool of bench/store.py) from the VNTC developer subset.

Run once by a developer who has ../shared/data (the product never reads it):
    .venv/bin/python bench/make_store_pool.py [path/to/vntc-10topics/train.jsonl]
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "vntc-10topics" / "train.jsonl"
TARGET = Path(__file__).resolve().parent / "data" / "store-pool.json"
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    rng = random.Random(20241128)
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
    rng.shuffle(rows)
    headlines: dict[str, list[str]] = {}
    sentences: dict[str, list[str]] = {}
    for row in rows:
        label = row["label"]
        lines = [line.strip() for line in row["text"].split("\n") if line.strip()]
        if len(headlines.setdefault(label, [])) < 60 and 20 <= len(lines[0]) <= 120:
            headlines[label].append(lines[0])
        pool = sentences.setdefault(label, [])
        for sentence in _SENTENCE.split(" ".join(lines[1:])):
            if len(pool) < 150 and 50 <= len(sentence) <= 260:
                pool.append(sentence)
    payload = {
        "source": "VNTC 10-topic corpus, developer subset (see PROVENANCE.md)",
        "headlines": headlines,
        "sentences": sentences,
    }
    TARGET.write_text(json.dumps(payload, ensure_ascii=False, indent=0), encoding="utf-8")
    print(
        TARGET, sum(map(len, headlines.values())), "headlines", sum(map(len, sentences.values())), "sentences"
    )


if __name__ == "__main__":
    main()
