"""Crawl benchmark: 2,000 local article pages end to end (feeds, sitemaps, parse, pipelines) into the
embedded SQLite store, enrichment off. Prints pages/s and peak RSS.

    .venv/bin/python bench/crawl.py [--pages 2000] [--concurrency 16]

The snapshot server runs in this process; the crawl runs in its child (as in production), which is
single-threaded (Twisted reactor): its CPU time and peak RSS are the figures that matter.
Targets (issue 3): >= 100 pages/s, peak RSS < 500 MB.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.config import load_settings
from crawlers.runner import run_crawl
from store.factory import open_store
from store.query import Kind, SearchQuery
from vigil.snapshots import SnapshotSite


def main() -> int:
    parser = argparse.ArgumentParser(description="Vigil crawl benchmark")
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vigil-bench-crawl-") as data:
        settings = load_settings(
            None,
            data_dir=Path(data),
            crawl={
                "enrich": False,
                "autothrottle": False,
                "allow_private_hosts": ["127.0.0.1"],
                "concurrency_per_domain": args.concurrency,
            },
        )
        with SnapshotSite(extra_pages=args.pages) as site:
            started = time.perf_counter()
            summary = run_crawl(settings, base_url=site.base_url)
            wall = time.perf_counter() - started
        child = resource.getrusage(resource.RUSAGE_CHILDREN)
        server = resource.getrusage(resource.RUSAGE_SELF)
        with open_store(settings) as store:
            stored = store.count(Kind.articles, SearchQuery())
    crawl_seconds = summary.elapsed_seconds or wall
    pages_per_second = summary.pages / crawl_seconds
    peak_mb = child.ru_maxrss / 1024
    print(f"pages fetched        {summary.pages}")
    print(f"articles indexed     {summary.articles} (in the store: {stored})")
    print(f"duplicates           {summary.duplicates}")
    print(f"story clusters       {summary.clusters}")
    print(f"errors               {summary.errors_by_reason}")
    print(f"crawl time           {crawl_seconds:.1f} s (wall incl. process start {wall:.1f} s)")
    print(f"crawler CPU          {child.ru_utime + child.ru_stime:.1f} s")
    print(f"snapshot server CPU  {server.ru_utime + server.ru_stime:.1f} s (bench process, incl. pages)")
    cpu = child.ru_utime + child.ru_stime
    per_cpu_second = summary.pages / cpu
    print(
        f"pages/s              {pages_per_second:.1f}  "
        f"(crawl elapsed; wall incl. start: {summary.pages / wall:.1f})"
    )
    print(f"pages per CPU-second {per_cpu_second:.1f}  (crawler process, start-up and imports included)")
    print(f"peak RSS (crawler)   {peak_mb:.0f} MB")
    print(f"load average         {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    complete = stored == summary.articles >= args.pages
    print(f"target >= 100 pages/s elapsed: {'met' if pages_per_second >= 100 else 'MISSED'}")
    print(f"target >= 100 pages per CPU-second (one core): {'met' if per_cpu_second >= 100 else 'MISSED'}")
    print(f"target peak RSS < 500 MB: {'met' if peak_mb < 500 else 'MISSED'}; all pages indexed: {complete}")
    return 0 if complete and peak_mb < 500 and per_cpu_second >= 100 else 1


if __name__ == "__main__":
    raise SystemExit(main())
