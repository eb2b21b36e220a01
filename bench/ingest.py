"""Benchmark: `vigil logs ingest` of real Suricata EVE lines into the embedded store, end to end, beside the
bare decode speed of the same file — in one run.

    .venv/bin/python bench/ingest.py [--lines 200000] [--runs 1] [--json]

The file repeats real EVE runs, every line distinct (bench/secmon_parse.py): the shared data folder beside
the clone (../shared/data/suricata-eve-realruns: Nmap/SSH scans, malware traffic, lab captures) when it is
there, else the suricata-verify outputs shipped in secmon/samples; the source is printed. `vigil logs
ingest FILE --format eve --json` runs as its own process with the default configuration (bundled rules,
embedded SQLite store in a fresh data directory): parse → ECS → detect → store → incidents. Its resident
memory is sampled every 0.1 s through the run (/proc/PID/status: resident, and of it the anonymous part, the
heap; the rest is the store file mapped by SQLite, bounded by its mmap_size), its CPU time read when it ends;
a run of a quarter of the lines first shows whether the heap's peak grows with the number of lines. The same
file is then ingested a second time: the store must still hold one event per line (nothing lost, nothing
doubled). Last, `vigil logs ingest FILE --follow` (what `vigil run` does with a configured log) catches up
on the same file into another fresh store, until the store holds every line, and is stopped by Ctrl-C.

Rates are lines / wall-clock seconds of the whole command (start-up included) and lines / CPU seconds of
the ingesting process (what one core does on a shared, busy machine); the load average is printed with them.
Target of issue 14: ≥ 20,000 events/s end to end on one core, memory flat.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from secmon_parse import bench_decode_orjson, bench_parse, make_eve_file  # noqa: E402

MIB = 1024 * 1024
SHARED = ROOT.parent / "shared" / "data" / "suricata-eve-realruns"


def _source() -> str:
    runs = sorted(path.parent.name for path in SHARED.glob("*/eve.json"))
    if runs:
        return f"real EVE runs in {SHARED} ({', '.join(runs)})"
    return "suricata-verify EVE outputs shipped in secmon/samples (../shared is not beside this clone)"


def _vigil() -> list[str]:
    found = shutil.which("vigil", path=str(Path(sys.executable).parent)) or shutil.which("vigil")
    if found is None:
        raise SystemExit("no `vigil` command: install the project first (pip install -e '.[dev]')")
    return [found]


def _rss_mib(pid: int) -> tuple[float, float] | None:
    """(resident MiB, of which anonymous: the heap; the rest is the store file's pages mapped by SQLite's
    mmap, shared with the page cache and bounded by mmap_size)."""
    found = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "RssAnon:")):
                found[line.split(":")[0]] = int(line.split()[1]) / 1024
    except OSError:
        return None
    if "VmRSS" not in found:
        return None
    return found["VmRSS"], found.get("RssAnon", found["VmRSS"])


def run_ingest(path: Path, data_dir: Path, label: str) -> dict[str, Any]:
    """`vigil logs ingest` of `path` as a child process: wall and CPU time, RSS samples, the summary."""
    env = {**os.environ, "VIGIL_DATA_DIR": str(data_dir), "VIGIL_STORE__BACKEND": "sqlite"}
    command = [*_vigil(), "logs", "ingest", str(path), "--format", "eve", "--json"]
    samples: list[tuple[float, float, float]] = []  # (seconds since start, RSS MiB, anonymous RSS MiB)
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, env=env, stdout=out, stderr=err, cwd=data_dir)  # no ./vigil.toml
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.1):
                rss = _rss_mib(child.pid)
                if rss is not None:
                    samples.append((time.perf_counter() - started, *rss))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise SystemExit(
                f"{' '.join(command)} failed ({child.returncode}):\n{err.read().decode()[-3000:]}"
            )
        summary = orjson.loads(out.read())
    with sqlite3.connect(data_dir / "store" / "vigil.sqlite3") as conn:
        stored = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    lines = int(summary["lines_read"])
    cpu = usage.ru_utime + usage.ru_stime
    size = path.stat().st_size
    # RSS at fixed fractions of the run: flat memory shows the same figure at a quarter and at the end
    through, anonymous = {}, {}
    for fraction in (0.1, 0.25, 0.5, 0.75, 1.0):
        before = [(rss, anon) for at, rss, anon in samples if at <= fraction * seconds]
        through[f"{int(fraction * 100)}%"] = round(before[-1][0], 1) if before else None
        anonymous[f"{int(fraction * 100)}%"] = round(before[-1][1], 1) if before else None
    return {
        "name": label,
        "lines": lines,
        "mib": round(size / MIB, 1),
        "seconds": round(seconds, 2),
        "ingest_seconds": round(float(summary["seconds"]), 2),
        "cpu_seconds": round(cpu, 2),
        "events_per_s": round(lines / seconds),
        "events_per_cpu_s": round(lines / cpu),
        "events_indexed": summary["events_indexed"],
        "events_in_store": stored,
        "parse_errors": summary["parse_errors"],
        "detections": summary["detections"],
        "incidents_opened": summary["incidents_opened"],
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "rss_through_run_mib": through,
        "anonymous_rss_through_run_mib": anonymous,
        "peak_anonymous_rss_mib": round(max((anon for _at, _rss, anon in samples), default=0.0), 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_follow(path: Path, data_dir: Path, expected: int, limit: float = 600.0) -> dict[str, Any]:
    """`vigil logs ingest FILE --follow` (what `vigil run` does with a log) catching up on the whole file:
    time and CPU until the store holds one event per line, then Ctrl-C (it must stop cleanly)."""
    env = {**os.environ, "VIGIL_DATA_DIR": str(data_dir), "VIGIL_STORE__BACKEND": "sqlite"}
    command = [*_vigil(), "logs", "ingest", str(path), "--format", "eve", "--follow", "--json"]
    store = data_dir / "store" / "vigil.sqlite3"
    started = time.perf_counter()
    stored = cpu = 0.0
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, env=env, stdout=out, stderr=err, cwd=data_dir)
        try:
            while time.perf_counter() - started < limit and child.poll() is None:
                time.sleep(0.1)
                if not store.exists():
                    continue
                try:
                    with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5) as conn:
                        stored = conn.execute("SELECT count(*) FROM events").fetchone()[0]
                except sqlite3.OperationalError:  # not created yet
                    continue
                if stored >= expected:
                    cpu = _cpu_seconds(child.pid)
                    break
            seconds = time.perf_counter() - started
        finally:
            child.send_signal(signal.SIGINT)
            code = child.wait(timeout=60)
        err.seek(0)
        if stored < expected:
            raise SystemExit(
                f"--follow stored {stored} of {expected} lines in {limit} s:\n{err.read().decode()[-3000:]}"
            )
    return {
        "name": "vigil logs ingest --follow (catching up)",
        "lines": expected,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "events_per_s": round(expected / seconds),
        "events_per_cpu_s": round(expected / cpu) if cpu else None,
        "events_in_store": stored,
        "stopped_cleanly": code in (0, 130),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def one_run(lines: int, tmp: Path) -> dict[str, Any]:
    path = tmp / "eve.json"
    make_eve_file(path, lines)
    quarter_path = tmp / "quarter.json"
    make_eve_file(quarter_path, lines // 4)
    results = [bench_decode_orjson(path), bench_parse(path)]
    quarter_dir = tmp / "quarter"
    quarter_dir.mkdir()
    quarter = run_ingest(quarter_path, quarter_dir, f"vigil logs ingest, {lines // 4:,} lines (memory check)")
    data_dir = tmp / "data"
    data_dir.mkdir()
    first = run_ingest(path, data_dir, "vigil logs ingest (end to end, empty store)")
    again = run_ingest(path, data_dir, "vigil logs ingest (the same file again)")
    follow_dir = tmp / "follow"
    follow_dir.mkdir()
    follow = run_follow(path, follow_dir, lines)
    results += [quarter, first, again, follow]
    checks = {
        "nothing_lost": first["events_in_store"] == lines and first["parse_errors"] == 0,
        "nothing_doubled": again["events_in_store"] == lines,
        "follow_stored_every_line_and_stopped": follow["events_in_store"] == lines
        and follow["stopped_cleanly"],
        # flat: the heap's peak with 4x the lines within 10% (+ 10 MiB of noise) of a quarter's; the
        # mapped store file adds up to mmap_size (256 MiB) more resident pages, shared and reclaimable
        "memory_flat": first["peak_anonymous_rss_mib"] <= quarter["peak_anonymous_rss_mib"] * 1.1 + 10,
        "target_20000_events_per_s": first["events_per_s"] >= 20_000,
        "target_20000_events_per_cpu_s": first["events_per_cpu_s"] >= 20_000,
    }
    return {"results": results, "checks": checks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=1, help="repeat the whole run (a busy machine is noisy)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="vigil-bench-ingest-") as tmp:
            runs.append(one_run(args.lines, Path(tmp)))
    if args.json:
        report = {"source": _source(), "cpus": os.cpu_count(), "runs": runs}
        sys.stdout.write(orjson.dumps(report).decode() + "\n")
        return
    print(f"input: {args.lines:,} lines repeating the {_source()}")
    for number, run in enumerate(runs, start=1):
        print(f"-- run {number}")
        for result in run["results"]:
            line = (
                f"{result['name']:52} {result['lines']:>8} lines {result['seconds']:>7.2f} s "
                f"{result['events_per_s']:>7} events/s"
            )
            if result["name"].startswith("vigil logs ingest --follow"):
                line += f", {result['events_per_cpu_s']:>6} per CPU-s ({result['cpu_seconds']} s CPU)"
            elif "events_per_cpu_s" in result:
                line += (
                    f", {result['events_per_cpu_s']:>6} per CPU-s ({result['cpu_seconds']} s CPU, ingest "
                    f"{result['ingest_seconds']} s), peak RSS {result['peak_rss_mib']} MiB, load "
                    f"{result['load_average'][0]}"
                )
            elif "cpu_seconds" in result:
                line += f" ({result['cpu_seconds']} s CPU)"
            print(line)
            if "rss_through_run_mib" in result:
                print(f"{'':52}   RSS through the run (MiB): {result['rss_through_run_mib']}")
                print(
                    f"{'':52}   of which anonymous (heap): {result['anonymous_rss_through_run_mib']}, "
                    f"peak {result['peak_anonymous_rss_mib']}"
                )
        print(run["checks"])


if __name__ == "__main__":
    main()
