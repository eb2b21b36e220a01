"""Benchmark: `vigil logs ingest` of real Suricata EVE lines into the embedded store, end to end, beside the
bare decode speed of the same file — in one run.

    .venv/bin/python bench/ingest.py [--lines 200000] [--json]

The file repeats the real EVE runs (bench/secmon_parse.py: ../shared/data/suricata-eve-realruns when the
shared data sits beside the clone, else the shipped samples), every line distinct. The ingest is
`secmon.pipeline.ingest_paths` — what `vigil logs ingest FILE` runs — with the default configuration (bundled
rules, embedded SQLite store in a fresh data directory): parse → ECS → detect → store → incidents. The same
file is then ingested a second time: the store must still hold one event per line (nothing lost, nothing
doubled). Target of issue 14: ≥ 20,000 events/s end to end on one core, memory flat.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from secmon_parse import bench_decode_orjson, bench_parse, make_eve_file  # noqa: E402

from core.config import Settings  # noqa: E402
from secmon.pipeline import ingest_paths  # noqa: E402
from store.sqlite import SqliteStore  # noqa: E402

MIB = 1024 * 1024


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_ingest(path: Path, data_dir: Path, label: str) -> dict[str, Any]:
    store = SqliteStore(data_dir / "store.sqlite3")
    store.init()
    settings = Settings.model_validate({"data_dir": str(data_dir)})
    started, cpu = time.perf_counter(), time.process_time()
    summary = ingest_paths(settings, store, [str(path)], "eve")
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    store.refresh()
    stored = store.stats()["events"]
    store.close()
    size = path.stat().st_size
    return {
        "name": label,
        "lines": summary.lines_read,
        "mib": round(size / MIB, 1),
        "seconds": round(seconds, 3),
        "events_per_s": round(summary.lines_read / seconds),
        "events_per_cpu_s": round(summary.lines_read / cpu_seconds),
        "mib_per_s": round(size / MIB / seconds, 1),
        "events_indexed": summary.events_indexed,
        "events_in_store": stored,
        "parse_errors": summary.parse_errors,
        "detections": summary.detections,
        "incidents_opened": summary.incidents_opened,
        "max_rss_mib": round(_maxrss_mib(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "eve.json"
        make_eve_file(path, args.lines)
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        results = [bench_decode_orjson(path), bench_parse(path)]
        first = bench_ingest(path, data_dir, "vigil logs ingest (end to end, empty store)")
        again = bench_ingest(path, data_dir, "vigil logs ingest (the same file again)")
        results += [first, again]
        checks = {
            "nothing_lost": first["events_in_store"] == args.lines and first["parse_errors"] == 0,
            "nothing_doubled": again["events_in_store"] == args.lines,
            "target_20000_events_per_s": first["events_per_s"] >= 20_000,
        }
    if args.json:
        sys.stdout.write(
            orjson.dumps({"results": results, "checks": checks, "cpus": os.cpu_count()}).decode() + "\n"
        )
        return
    for result in results:
        rate = result.get("events_per_s")
        print(
            f"{result['name']:50} {result['lines']:>8} lines {result['seconds']:>8.2f} s {rate:>8} events/s "
            f"{result.get('mib_per_s', '')} MiB/s  max rss {result.get('max_rss_mib', '-')} MiB"
        )
    print(checks)


if __name__ == "__main__":
    main()
