#!/usr/bin/env python3
"""NLP benchmark: articles/s of the default enrichment path vs underthesea word_tokenize alone.

    .venv/bin/python bench/nlp.py [--articles 200] [--words 600] [--rounds 3]

Articles are built from the committed VNTC test set (nlp/data), each padded with the next articles'
words to exactly `--words` words. Printed: model load time, resident memory added by loading the models,
articles/s for (a) underthesea word_tokenize only, (b) normalise + topic + tone + entities one article per
call (as the crawler pipeline calls it), (c) the same in batches of 64, and the ratio to (a).
Target (issue 4): (b) >= 4x (a); load < 3 s; model memory < 400 MB.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def build_articles(count: int, words: int) -> list[tuple[str, str, str]]:
    from nlp.corpora import FILES
    from nlp.jsonl import read_jsonl

    texts = [row["text"] for row in read_jsonl(FILES["vntc-test"])]
    articles = []
    for i in range(count):
        title, _, body = texts[i % len(texts)].partition("\n")
        tokens = body.split()
        j = i + 1
        while len(tokens) < words:
            tokens += texts[j % len(texts)].split()
            j += 1
        articles.append((title, "", " ".join(tokens[:words])))
    return articles


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--words", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3, help="best of N rounds (shared machine)")
    args = parser.parse_args()

    articles = build_articles(args.articles, args.words)
    import nlp.enrich  # noqa: F401  (import cost is not model load)
    from nlp.enrich import analyse_texts
    from nlp.modelstore import find_model, get_model

    before = rss_mb()
    started = time.perf_counter()
    for task in ("topic", "tone"):
        get_model(task)
    load_s = time.perf_counter() - started
    model_mb = rss_mb() - before
    print(f"models: {find_model('topic').name}, {find_model('tone').name}")
    print(
        f"model load: {load_s:.2f} s   resident memory added: {model_mb:.0f} MB   "
        f"process RSS: {rss_mb():.0f} MB"
    )

    analyse_texts(articles[:2])  # warm up regexes and caches
    from underthesea import word_tokenize

    word_tokenize("Khởi động")

    def tokenize_all() -> None:
        for title, _, body in articles:
            word_tokenize(title + "\n" + body)

    def enrich_single() -> None:
        for article in articles:
            analyse_texts([article])

    def enrich_batched() -> None:
        for i in range(0, len(articles), 64):
            analyse_texts(articles[i : i + 64])

    # the machine is shared: run the three in turn, `--rounds` times, and keep each one's best round
    best = {"base": 0.0, "single": 0.0, "batched": 0.0}
    for _ in range(args.rounds):
        for key, run in (("base", tokenize_all), ("single", enrich_single), ("batched", enrich_batched)):
            started = time.perf_counter()
            run()
            best[key] = max(best[key], len(articles) / (time.perf_counter() - started))
    base, single, batched = best["base"], best["single"], best["batched"]

    print(f"{len(articles)} articles of {args.words} words, one process, one thread, best of {args.rounds}")
    print(f"underthesea word_tokenize only : {base:8.1f} articles/s")
    print(f"enrich, one article per call   : {single:8.1f} articles/s   ({single / base:.1f}x word_tokenize)")
    print(
        f"enrich, batches of 64          : {batched:8.1f} articles/s   ({batched / base:.1f}x word_tokenize)"
    )
    print(f"peak RSS: {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
