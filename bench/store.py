"""Benchmark of the embedded SQLite store on synthetic-but-realistic Vietnamese articles.

    .venv/bin/python bench/store.py [--n 100000] [--queries 300] [--path /tmp/bench.sqlite3]

Articles are assembled from real headlines and sentences of the VNTC corpus (bench/data/, see its
PROVENANCE.md): 12 outlets, 10 topics, a year of dates, tags and entities. Prints bulk indexing
throughput (articles/s, batches of 500 like the crawler) and p50/p95 latency of searches: full text,
full text + filters, and full text + filters + facets (a search page and its facets, as the API asks).
Targets: indexing > 5,000 articles/s; p95 of full text + filter + facet < 50 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from store.models import Article, Entity
from store.query import (
    DateHistogramAgg,
    Kind,
    Range,
    SearchQuery,
    Term,
    TermsAgg,
)
from store.sqlite import SqliteStore

POOL = Path(__file__).resolve().parent / "data" / "store-pool.json"
VN = timezone(timedelta(hours=7))
OUTLETS = [
    "baothuathienhue", "tuoitre", "thanhnien", "vnexpress", "dantri", "vietnamnet",
    "nhandan", "laodong", "tienphong", "nld", "zingnews", "baodanang",
]  # fmt: skip
PLACES = ["Huế", "Thừa Thiên Huế", "Đà Nẵng", "Hà Nội", "TP.HCM", "Quảng Trị", "Phú Vang", "Hương Thủy"]
ORGS = ["UBND tỉnh", "Sở Y tế", "Công an tỉnh", "Đại học Huế", "Bộ Công an", "Sở Giáo dục"]
TONES = ["positive", "neutral", "negative"]
QUERY_WORDS = [
    "bóng đá", "công an", "giá vàng", "bệnh viện", "học sinh", "thị trường", "máy tính", "bão",
    "chính phủ", "xuất khẩu", "ung thư", "điều tra", "world cup", "chứng khoán", "giáo dục", "văn hóa",
    "da nang", "ha noi", "phap luat", "suc khoe", "\"thi truong chung khoan\"", "\"bệnh viện\"",
]  # fmt: skip


def generate(n: int, seed: int = 7) -> list[Article]:
    pool = json.loads(POOL.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    topics = sorted(pool["headlines"])
    start = datetime(2025, 1, 1, tzinfo=VN)
    articles = []
    for i in range(n):
        topic = topics[i % len(topics)] if rng.random() < 0.8 else rng.choice(topics)
        sentences = pool["sentences"][topic]
        body = " ".join(rng.choices(sentences, k=rng.randint(6, 14)))
        entities = [Entity(text=rng.choice(PLACES), type="LOC") for _ in range(rng.randint(0, 2))]
        entities += [Entity(text=rng.choice(ORGS), type="ORG") for _ in range(rng.randint(0, 2))]
        url = f"https://{rng.choice(OUTLETS)}.example.vn/tin-{i}.html"
        articles.append(
            Article(
                url=url,
                canonical_url=url,
                content_hash=hashlib.sha256(body.encode()).hexdigest(),
                fingerprint=f"{rng.getrandbits(64):016x}",
                outlet=rng.choice(OUTLETS),
                title=rng.choice(pool["headlines"][topic]),
                sapo=rng.choice(sentences),
                body=body,
                authors=[f"Phóng viên {rng.randint(1, 300)}"],
                published_at=start + timedelta(seconds=rng.randint(0, 365 * 86400)),
                fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
                category=topic.lower().replace(" ", "-"),
                tags=rng.sample(["thoi-su", "kinh-te", "xa-hoi", "the-gioi", "dia-phuong", "nong"], k=2),
                topic=topic,
                topic_score=round(rng.random(), 3),
                tone=rng.choice(TONES),
                tone_score=round(rng.random(), 3),
                entities=entities,
            )
        )
    return articles


def timed(
    function: Callable[[], object], runs: int, setup: Callable[[], object] = lambda: None
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per call (CPU time shows the cost when the machine is shared)."""
    setup()
    wall, cpu = [], []
    for _ in range(runs):
        began, cpu_began = time.perf_counter(), time.process_time()
        function()
        wall.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - cpu_began) * 1000)
    return wall, cpu


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000, help="articles to index")
    parser.add_argument("--queries", type=int, default=300, help="queries per search kind")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--path", type=Path, default=None, help="SQLite file (default: a temp file)")
    parser.add_argument("--search-only", action="store_true", help="reuse the store at --path, skip indexing")
    args = parser.parse_args()
    if args.search_only:
        if args.path is None or not args.path.exists():
            parser.error("--search-only needs --path to an existing store")
        store = SqliteStore(args.path)
        store.init()
        print(f"searching {store.stats()['articles']:,} articles in {args.path}")
        return search_bench(store, args.queries, rate=None)

    began = time.perf_counter()
    articles = generate(args.n)
    print(f"generated {len(articles):,} articles in {time.perf_counter() - began:.1f}s")

    workdir = tempfile.TemporaryDirectory(prefix="vigil-bench-")
    path = args.path or Path(workdir.name) / "bench.sqlite3"
    path.unlink(missing_ok=True)
    store = SqliteStore(path)
    store.init()
    print(f"load average before indexing: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    began, cpu_began = time.perf_counter(), time.process_time()
    for offset in range(0, len(articles), args.batch):
        store.index_articles(articles[offset : offset + args.batch])
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    rate = len(articles) / elapsed
    print(
        f"bulk index: {len(articles):,} articles in {elapsed:.1f}s = {rate:,.0f} articles/s "
        f"(CPU time {cpu:.1f}s = {len(articles) / cpu:,.0f} articles per CPU-second)"
    )
    print(f"store file: {path.stat().st_size / 1e6:,.0f} MB")

    code = search_bench(store, args.queries, rate)
    store.close()
    workdir.cleanup()
    return code


def search_bench(store: SqliteStore, queries: int, rate: float | None) -> int:
    rng = random.Random(11)
    since = datetime(2025, 7, 1, tzinfo=VN)

    def text_query() -> SearchQuery:
        return SearchQuery(text=rng.choice(QUERY_WORDS), size=20, highlight=True)

    def filtered_query() -> SearchQuery:
        outlets = tuple(rng.sample(OUTLETS, k=3))
        filters = (Term("outlet", outlets), Range("published_at", gte=since))
        return SearchQuery(text=rng.choice(QUERY_WORDS), filters=filters, size=20, highlight=True)

    facets = [
        TermsAgg("outlet", "outlet"),
        TermsAgg("topic", "topic"),
        TermsAgg("places", "entities.text"),
        DateHistogramAgg("per_day", "published_at", interval="day"),
    ]

    # Each kind of search starts on a new store object: its first query loads the columns the store
    # holds in memory (store.sqlite_columns), and each word's first query reads its matches, as after
    # a restart or a crawl; both are in the percentiles below.
    current = [store]

    def fresh() -> SqliteStore:
        current[0] = SqliteStore(store.path)
        return current[0]

    def page_with_facets() -> None:
        query = filtered_query()
        current[0].search(Kind.articles, query)
        current[0].aggregate(Kind.articles, query, facets)

    no_text = SearchQuery(filters=(Range("published_at", gte=since),))
    results = {
        "full text": timed(lambda: current[0].search(Kind.articles, text_query()), queries, fresh),
        "full text + filter": timed(
            lambda: current[0].search(Kind.articles, filtered_query()), queries, fresh
        ),
        "full text + filter + facets": timed(page_with_facets, queries, fresh),
        "filter + facets (no text)": timed(
            lambda: current[0].aggregate(Kind.articles, no_text, facets), max(10, queries // 10), fresh
        ),
    }
    print(
        f"each kind starts cold (new store object: columns loaded by its first query, "
        f"{len(QUERY_WORDS)} words each read from FTS5 at first use); max = that first query"
    )
    print(f"load average during searches: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for name, (wall, cpu) in results.items():
        print(
            f"{name:30s} p50 {percentile(wall, 50):7.1f} ms  p95 {percentile(wall, 95):7.1f} ms  "
            f"mean {statistics.mean(wall):7.1f} ms  max {max(wall):7.1f} ms  "
            f"(CPU p50 {percentile(cpu, 50):6.1f}  p95 {percentile(cpu, 95):6.1f} ms)"
        )
    key = results["full text + filter + facets"][0]
    ok = (rate is None or rate > 5000) and percentile(key, 95) < 50
    print("targets (index > 5,000/s, p95 text+filter+facets < 50 ms):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
