"""Benchmark: parse → ECS → detect on 500,000 Suricata EVE lines, beside bare orjson/msgspec decode loops.

    .venv/bin/python bench/secmon.py [--lines 500000] [--json]

One process, one thread (one core). The input repeats the real EVE runs (see bench/secmon_parse.py).
Detection runs every bundled rule (with assets and a threat-intel list configured, so the asset and
intel paths are exercised); RSS is sampled every 50,000 events to show that memory stays flat.
Target: ≥ 25 MiB/s end to end, i.e. at least a quarter of the bare decode speed. Each loop reports
wall-clock and CPU-time throughput (they differ when other processes share the cores).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from secmon_parse import bench_decode_msgspec, bench_decode_orjson, bench_parse, make_eve_file  # noqa: E402

from core.config import AssetSettings  # noqa: E402
from secmon.assets import AssetIndex  # noqa: E402
from secmon.detect import DetectionEngine, ThreatIntel, load_rules  # noqa: E402
from store.models import SecurityEvent  # noqa: E402

PAGE_MIB = os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
SAMPLE_EVERY = 50_000


def current_rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE_MIB


class DetectSink:
    """What the ingester does after parsing: tag assets, run every rule; samples RSS as it goes."""

    def __init__(self) -> None:
        assets = AssetIndex(
            [
                AssetSettings(name="lab", agency="bench", criticality="critical", cidrs=["192.168.0.0/16"]),
                AssetSettings(name="dmz", agency="bench", criticality="high", cidrs=["10.0.0.0/8"]),
            ]
        )
        intel = ThreatIntel(["185.220.101.0/24", "198.51.100.7", "evil-c2.example", "45.77.1.9"])
        self.assets = assets
        self.engine = DetectionEngine(load_rules(), intel, assets)
        self.events = 0
        self.detections = 0
        self.rss: list[float] = []

    def __call__(self, event: SecurityEvent) -> None:
        self.assets.tag(event.doc)
        self.detections += len(self.engine.process(event))
        self.events += 1
        if self.events % SAMPLE_EVERY == 0:
            self.rss.append(round(current_rss_mib(), 1))


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--lines", type=int, default=500_000)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp:
        path = Path(tmp) / "eve.json"
        make_eve_file(path, args.lines)
        results: list[dict[str, Any]] = [bench_decode_orjson(path)]
        spec = bench_decode_msgspec(path)
        if spec:
            results.append(spec)
        parse_only = bench_parse(path)
        parse_only["name"] = "parse→ECS"
        results.append(parse_only)
        sink = DetectSink()
        full = bench_parse(path, sink)
        full["name"] = "parse→ECS→detect"
        full["detections"] = sink.detections
        full["rules"] = len(sink.engine.rules)
        full["rss_samples_mib"] = sink.rss
        results.append(full)
    full["fraction_of_orjson"] = round(full["mib_per_cpu_s"] / results[0]["mib_per_cpu_s"], 3)
    if args.json:
        print(orjson.dumps(results, option=orjson.OPT_INDENT_2).decode())
        return
    print(f"one core, single thread, python {sys.version.split()[0]}")
    for r in results:
        cpu = f"  (CPU {r['cpu_seconds']}s: {r['mib_per_cpu_s']} MiB/s)"
        print(
            f"{r['name']:<22} {r['lines']:>9,} lines {r['mib']:>7} MiB {r['seconds']:>7}s "
            f"{r['events_per_s']:>9,} events/s {r['mib_per_s']:>7} MiB/s{cpu}"
        )
    print(
        f"parse→ECS→detect: {full['fraction_of_orjson']:.0%} of bare orjson (CPU time), "
        f"{full['rules']} rules, {full['detections']:,} detections, {full['pipeline_errors']} pipeline errors"
    )
    print(f"RSS every {SAMPLE_EVERY:,} events (MiB): {full['rss_samples_mib']}")


if __name__ == "__main__":
    main()
