"""The ingest + API load mix of issue 11: /events latency while `vigil logs ingest` writes into the same
embedded (SQLite) store, against the same queries on a quiet store.

    .venv/bin/python bench/loadmix.py                       # 200,000 lines, 10 clients
    .venv/bin/python bench/loadmix.py --lines 50000 --requests 600

The API runs under uvicorn in its own process (bench/api.py's server, one worker); the ingester is the
real CLI in another process; the clients are bench/api.py's raw keep-alive clients in this one. It
prints p50/p95/p99 of /events (newest page, a source.ip filter, a dataset filter, a word search)
quiet and under ingestion, and the ingest rate. The crawl is not part of this mix (it needs the
snapshot server and mostly waits on the network); see bench/crawl.py.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _bench_api():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_api", REPO / "bench" / "api.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def eve_lines(count: int, start: int = 0) -> str:
    rows = []
    for i in range(start, start + count):
        rows.append(
            json.dumps(
                {
                    "timestamp": f"2026-03-{1 + i // 86400 % 28:02d}T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:"
                    f"{i % 60:02d}.{i % 1000:06d}+0700",
                    "event_type": "dns" if i % 5 == 0 else "flow",
                    "src_ip": f"10.{i // 65000 % 250}.{i // 250 % 250}.{i % 250 + 1}",
                    "src_port": 1024 + i % 60000,
                    "dest_ip": f"10.0.{i % 8}.2",
                    "dest_port": 53 if i % 5 == 0 else 443,
                    "proto": "UDP" if i % 5 == 0 else "TCP",
                    "flow_id": 10_000_000 + i,
                    **(
                        {"dns": {"type": "query", "rrname": f"host{i % 977}.hue.gov.vn"}}
                        if i % 5 == 0
                        else {}
                    ),
                }
            )
        )
    return "\n".join(rows) + "\n"


def queries(rng: random.Random) -> tuple[str, str, dict[str, str | list[str]]]:
    roll = rng.random()
    if roll < 0.4:
        return "newest", "/events", {"size": "20"}
    if roll < 0.6:
        return "source.ip", "/events", {"size": "20", "source.ip": f"10.0.{rng.randrange(250)}.0/24"}
    if roll < 0.8:
        return "dataset", "/events", {"size": "20", "event.dataset": "suricata.eve", "destination.port": "53"}
    return "words", "/events", {"size": "20", "q": f"host{rng.randrange(977)}"}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=200_000, help="lines ingested during the load phase")
    parser.add_argument("--seed-lines", type=int, default=20_000, help="lines in the store beforehand")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--requests", type=int, default=1000, help="requests per phase")
    args = parser.parse_args()
    api = _bench_api()
    api.requests_mix = queries
    work = Path(tempfile.mkdtemp(prefix="vigil-loadmix-"))
    data = work / "data"
    env = {**os.environ, "VIGIL_DATA_DIR": str(data), "PYTHONPATH": str(REPO)}
    cli = [sys.executable, "-m", "vigil.cli"]
    (work / "seed.json").write_text(eve_lines(args.seed_lines, 0))
    (work / "load.json").write_text(eve_lines(args.lines, args.seed_lines))
    subprocess.run([*cli, "logs", "ingest", "--json", str(work / "seed.json")], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    db = data / "store" / "vigil.sqlite3"
    from api.auth import Role, create_key
    from store.sqlite import SqliteStore

    store = SqliteStore(db)
    _, key = create_key(store, name="bench", role=Role.security)
    store.close()
    port = api.free_port()
    serve = [sys.executable, str(REPO / "bench" / "api.py"), "--serve", str(db), str(data), str(port)]
    server = subprocess.Popen(serve, env=env)
    try:
        deadline = time.monotonic() + 60
        while not api._answers(port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the API server did not start")
            time.sleep(0.2)
        quiet, quiet_s, _ = asyncio.run(api.drive(port, key, args.clients, args.requests, 5))
        ingest = subprocess.Popen([*cli, "logs", "ingest", "--json", str(work / "load.json")], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip
        started = time.monotonic()
        time.sleep(2.0)  # the ingester is past its start-up and writing
        loaded, loaded_s, _ = asyncio.run(api.drive(port, key, args.clients, args.requests, 0))
        out, _ = ingest.communicate(timeout=3600)
        ingest_s = time.monotonic() - started
        summary = json.loads(out)
    finally:
        server.terminate()
        server.wait(timeout=20)
    for name, results, seconds in (("quiet", quiet, quiet_s), ("under ingest", loaded, loaded_s)):
        times = [t for _, t, status in results if status == 200]
        errors = sum(status != 200 for _, _, status in results)
        print(
            f"/events {name:13s} p50 {api.pct(times, 0.50):7.1f} ms  p95 {api.pct(times, 0.95):7.1f} ms  "
            f"p99 {api.pct(times, 0.99):7.1f} ms  {len(results) / seconds:6.1f} req/s  errors {errors}"
        )
        by_kind: dict[str, list[float]] = {}
        for kind, t, status in results:
            if status == 200:
                by_kind.setdefault(kind, []).append(t)
        kinds = sorted(by_kind.items())
        print("   " + ", ".join(f"{k} p95 {api.pct(v, 0.95):.1f} ms" for k, v in kinds))
    lines = summary["lines_read"]
    print(
        f"ingest: {lines:,} lines in {ingest_s:.1f} s ({lines / ingest_s:,.0f} lines/s, the API load "
        f"running for the first {loaded_s:.1f} s); store {db.stat().st_size / 1e6:.0f} MB"
    )


if __name__ == "__main__":
    main()
