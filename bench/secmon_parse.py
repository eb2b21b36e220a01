"""Parse benchmark for secmon: decode + parse → ECS on a large EVE file, beside bare decode loops.

    .venv/bin/python bench/secmon_parse.py [--lines 500000] [--file existing.json]

Builds the input by repeating the real Suricata EVE runs (../shared/data/suricata-eve-realruns when the
shared data sits beside the clone, else the shipped secmon/samples) and perturbing each copy's timestamp
fraction so every line is distinct. `bench_parse(path, sink=None)` is the loop bench/secmon.py reuses:
`sink` gets every SecurityEvent (e.g. the detection engine), so parse → ECS → detect is timed together.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from secmon.inputs import read_once  # noqa: E402
from secmon.parsers import parse_line  # noqa: E402
from store.models import SecurityEvent  # noqa: E402

MIB = 1024 * 1024


def source_lines() -> list[bytes]:
    """The real EVE lines the synthetic file repeats."""
    shared = ROOT.parent / "shared" / "data" / "suricata-eve-realruns"
    files = sorted(shared.glob("*/eve.json")) if shared.is_dir() else []
    if not files:
        files = sorted((ROOT / "secmon" / "samples").glob("*eve*.json"))
    lines = [line for f in files for line in f.read_bytes().splitlines() if line.strip()]
    if not lines:
        raise SystemExit("no EVE sample found (../shared/data/suricata-eve-realruns or secmon/samples)")
    return lines


def _perturbed(lines: list[bytes], count: int) -> Iterator[bytes]:
    prefix = b'{"timestamp":"'
    produced = 0
    copy = 0
    while produced < count:
        stamp = b"%06d" % (copy % 1_000_000)
        for line in lines:
            if produced >= count:
                return
            # {"timestamp":"YYYY-MM-DDTHH:MM:SS.ffffff…: rewrite the microseconds of each copy
            if line.startswith(prefix) and line[33:34] == b".":
                line = line[:34] + stamp + line[40:]
            yield line
            produced += 1
        copy += 1


def make_eve_file(path: Path, count: int = 500_000) -> int:
    """Write `count` EVE lines to `path`; returns the file size in bytes."""
    with open(path, "wb") as handle:
        for line in _perturbed(source_lines(), count):
            handle.write(line + b"\n")
    return path.stat().st_size


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _result(name: str, lines: int, size: int, seconds: float, cpu: float, **extra: Any) -> dict[str, Any]:
    """Wall-clock figures, and the same per CPU-second of this process: on a shared machine the CPU
    figures are what one core does; on an idle core both agree."""
    return {
        "name": name,
        "lines": lines,
        "mib": round(size / MIB, 1),
        "seconds": round(seconds, 3),
        "events_per_s": round(lines / seconds),
        "mib_per_s": round(size / MIB / seconds, 1),
        "cpu_seconds": round(cpu, 3),
        "mib_per_cpu_s": round(size / MIB / cpu, 1),
        **extra,
    }


def bench_decode_orjson(path: Path) -> dict[str, Any]:
    """The floor: read lines and orjson-decode them, nothing else."""
    lines = size = 0
    loads = orjson.loads
    start, cpu = time.perf_counter(), time.process_time()
    with open(path, "rb") as handle:
        for raw in handle:
            loads(raw)
            lines += 1
            size += len(raw)
    return _result("bare orjson decode", lines, size, time.perf_counter() - start, time.process_time() - cpu)


def bench_decode_msgspec(path: Path) -> dict[str, Any] | None:
    try:
        import msgspec
    except ImportError:
        return None
    decode = msgspec.json.Decoder().decode
    lines = size = 0
    start, cpu = time.perf_counter(), time.process_time()
    with open(path, "rb") as handle:
        for raw in handle:
            decode(raw)
            lines += 1
            size += len(raw)
    return _result("bare msgspec decode", lines, size, time.perf_counter() - start, time.process_time() - cpu)


def bench_parse(path: Path | str, sink: Callable[[SecurityEvent], Any] | None = None) -> dict[str, Any]:
    """Read (secmon.inputs.read_once, as `vigil logs ingest` does), decode, parse → ECS SecurityEvent,
    and hand each event to `sink` (e.g. the detection engine)."""
    path = Path(path)
    lines = size = errors = 0
    rss_before = _rss_mib()
    start, cpu = time.perf_counter(), time.process_time()
    for line in read_once(str(path)):
        event = parse_line(line.text, "eve", origin=line.origin, offset=line.offset)
        if event.doc["event"]["kind"] == "pipeline_error":
            errors += 1
        if sink is not None:
            sink(event)
        lines += 1
        size += line.end - line.offset
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    name = "read+decode+parse→ECS" + ("+sink" if sink is not None else "")
    return _result(
        name,
        lines,
        size,
        seconds,
        cpu,
        pipeline_errors=errors,
        peak_rss_mib=round(_rss_mib(), 1),
        rss_growth_mib=round(_rss_mib() - rss_before, 1),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=500_000)
    parser.add_argument("--file", type=Path, help="use this EVE file instead of generating one")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp:
        path = args.file or Path(tmp) / "eve.json"
        if args.file is None:
            make_eve_file(path, args.lines)
        results = [bench_decode_orjson(path)]
        spec = bench_decode_msgspec(path)
        if spec:
            results.append(spec)
        results.append(bench_parse(path))
    floor = results[0]["mib_per_s"]
    results[-1]["fraction_of_orjson"] = round(results[-1]["mib_per_s"] / floor, 3)
    results[-1]["cpu_fraction_of_orjson"] = round(
        results[-1]["mib_per_cpu_s"] / results[0]["mib_per_cpu_s"], 3
    )
    if args.json:
        print(orjson.dumps(results, option=orjson.OPT_INDENT_2).decode())
        return
    print(f"cpu: 1 core (single thread), python {sys.version.split()[0]}, pid {os.getpid()}")
    for r in results:
        print(
            f"{r['name']:<28} {r['lines']:>9} lines {r['mib']:>7} MiB {r['seconds']:>7}s "
            f"{r['events_per_s']:>9} ev/s {r['mib_per_s']:>7} MiB/s "
            f"({r['mib_per_cpu_s']} MiB per CPU-second)"
        )
    last = results[-1]
    print(
        f"parse: {last['pipeline_errors']} pipeline errors, peak RSS {last['peak_rss_mib']} MiB "
        f"(+{last['rss_growth_mib']} MiB during the loop), {last['fraction_of_orjson']:.0%} of bare orjson "
        f"({last['cpu_fraction_of_orjson']:.0%} per CPU-second)"
    )


if __name__ == "__main__":
    main()
