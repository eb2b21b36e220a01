"""Benchmark the API: /articles searches (with filters) and /articles/stats at 20 concurrent clients
against 100,000 articles in the embedded (SQLite) store.

    .venv/bin/python bench/api.py                      # 100k articles, 20 clients, 3000 requests
    .venv/bin/python bench/api.py --articles 20000 --requests 1000
    .venv/bin/python bench/api.py --warmup 0 --workers 1   # a cold start, one API process

The articles are the store benchmark's (bench/store.py `generate`: real VNTC headlines and sentences,
12 outlets, 10 topics, a year of dates, entities), built once and cached in bench/out/. The API runs
under uvicorn in its own process on 127.0.0.1 (as in production); the clients are asyncio streams
in this process (a minimal keep-alive HTTP/1.1 client: httpx used more CPU per request than the
server, on the same two cores). Prints p50/p95/p99 latency per kind and overall, req/s,
and errors. Target: p95 < 100 ms, no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from urllib.parse import urlencode

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


OUT = REPO / "bench" / "out"


def _load_store_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_store", REPO / "bench" / "store.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STORE_BENCH = _load_store_bench()
QUERY_WORDS: list[str] = STORE_BENCH.QUERY_WORDS
OUTLETS: list[str] = STORE_BENCH.OUTLETS
PLACES: list[str] = STORE_BENCH.PLACES
TONES: list[str] = STORE_BENCH.TONES
TOPICS: list[str] = sorted(json.loads(STORE_BENCH.POOL.read_text(encoding="utf-8"))["headlines"])


def build_store(path: Path, count: int) -> None:
    from store.sqlite import SqliteStore

    if path.exists():
        started = time.monotonic()
        store = SqliteStore(path)
        store.init()  # re-derives the index if the store's layout changed since the file was built
        store.close()
        print(f"  cached store opened in {time.monotonic() - started:.0f} s", file=sys.stderr)
        return
    tmp = path.with_suffix(".building")
    for leftover in tmp.parent.glob(tmp.name + "*"):
        leftover.unlink()
    store = SqliteStore(tmp)
    store.init()
    articles = STORE_BENCH.generate(count)
    started = time.monotonic()
    for start in range(0, count, 2000):
        batch = articles[start : start + 2000]
        result = store.index_articles(batch)
        assert result.ok, result.errors[:3]
        print(f"\r  indexed {start + len(batch):,}/{count:,}", end="", file=sys.stderr, flush=True)
    store.close()
    print(f"\n  built in {time.monotonic() - started:.0f} s", file=sys.stderr)
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    tmp.rename(path)


def serve(db: str, data_dir: str, port: int) -> None:
    """One server process: the real app over the benchmark store, on a SO_REUSEPORT socket so several
    processes share the port (the kernel spreads connections; each process is one GIL)."""
    import uvicorn

    from api.app import create_app
    from core.config import Settings
    from store.sqlite import SqliteStore

    settings = Settings.model_validate({"data_dir": data_dir, "api": {"rate_limit_per_minute": 10_000_000}})
    store = SqliteStore(db)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    config = uvicorn.Config(create_app(settings, store), log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def make_key(db: Path) -> str:
    from api.auth import Role, create_key
    from store.sqlite import SqliteStore

    store = SqliteStore(db)
    _, key = create_key(store, name="bench", role=Role.press)
    store.close()
    return key


def requests_mix(rng: random.Random) -> tuple[str, str, dict[str, str | list[str]]]:
    word = rng.choice(QUERY_WORDS)
    month = rng.randint(1, 11)
    since, until = f"2025-{month:02d}-01", f"2025-{month + 1:02d}-28"
    options: list[tuple[str, str, dict[str, str | list[str]]]] = [
        ("search q", "/articles", {"q": word}),
        (
            "search q+outlets+since",
            "/articles",
            {"q": word, "outlet": rng.sample(OUTLETS, 3), "since": since},
        ),
        ("search q+tone, by date", "/articles", {"q": word, "tone": rng.choice(TONES), "sort": "date"}),
        ("search topic+entity", "/articles", {"topic": rng.choice(TOPICS), "entity": rng.choice(PLACES)}),
        ("search q+range", "/articles", {"q": word, "since": since, "until": until}),
        ("stats q+range", "/articles/stats", {"q": word, "since": since, "until": until}),
        (
            "stats outlet+range",
            "/articles/stats",
            {"outlet": rng.choice(OUTLETS), "since": since, "until": until},
        ),
    ]
    return rng.choice(options)


class RawClient:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams, one connection per simulated user.

    The load generator shares the machine's two cores with the API; httpx spends several
    milliseconds of CPU per request, more than the server does, so it measured itself. This one
    writes the request bytes and reads the status, headers and body (Content-Length or chunked).
    """

    def __init__(self, host: str, port: int, key: str) -> None:
        self.host, self.port, self.key = host, port, key
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, params: dict[str, str | list[str]]) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        target = path + ("?" + urlencode(params, doseq=True) if params else "")
        self.writer.write(
            f"GET {target} HTTP/1.1\r\nHost: {self.host}\r\nX-API-Key: {self.key}\r\n\r\n".encode()
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {
            name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])
        }
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        else:  # chunked
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                parts.append(await self.reader.readexactly(size + 2))
                if size == 0:
                    break
            body = b"".join(part[:-2] for part in parts)
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


async def client_loop(
    client: RawClient, rng: random.Random, count: int, results: list[tuple[str, float, int]]
) -> None:
    for _ in range(count):
        name, path, params = requests_mix(rng)
        started = time.perf_counter()
        try:
            status, body = await client.get(path, params=params)
            if status != 200:
                print(f"error {status} on {path} {params}: {body[:300]!r}", file=sys.stderr)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            status = 0
            print(f"error on {path} {params}: {exc!r}", file=sys.stderr)
            await client.close()
        results.append((name, time.perf_counter() - started, status))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def drive(
    port: int,
    key: str,
    clients: int,
    total: int,
    warmup: int,
    on_start: Callable[[], None] = lambda: None,
) -> tuple[list[tuple[str, float, int]], float, float]:
    """`warmup` uncounted requests per user, then `total` requests from `clients` users; returns
    results, seconds, and this client's CPU."""
    results: list[tuple[str, float, int]] = []
    users = [RawClient("127.0.0.1", port, key) for _ in range(clients)]
    warm = random.Random(1)
    await asyncio.gather(*(client_loop(user, random.Random(warm.random()), warmup, []) for user in users))
    on_start()
    started, cpu_started = time.perf_counter(), time.process_time()
    per_client = total // clients
    await asyncio.gather(
        *(client_loop(user, random.Random(1000 + i), per_client, results) for i, user in enumerate(users))
    )
    elapsed, client_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    for user in users:
        await user.close()
    return results, elapsed, client_cpu


def server_cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the server processes have used (Linux /proc): unlike latencies, this
    per-request figure does not move with what else the machine is running."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


def report(
    results: list[tuple[str, float, int]],
    elapsed: float,
    args: argparse.Namespace,
    server_cpu: float,
    client_cpu: float,
) -> None:
    errors = sum(1 for _, _, status in results if status != 200)
    workers = args.workers
    print(
        f"\n/articles benchmark: {args.articles:,} articles (SQLite store), "
        f"{args.clients} concurrent clients, {workers} API process(es), {os.cpu_count()} CPU(s), "
        f"load average {os.getloadavg()[0]:.1f}, "
        f"after {args.warmup * args.clients:,} uncounted warm-up requests"
    )
    print(f"{'kind':<24}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    kinds = sorted({name for name, _, _ in results})
    for kind in kinds:
        times = [t for name, t, _ in results if name == kind]
        print(f"{kind:<24}{len(times):>6}" + "".join(f"{pct(times, q):>9.1f}" for q in (0.5, 0.95, 0.99)))
    times = [t for _, t, _ in results]
    print(
        f"{'ALL':<24}{len(times):>6}{pct(times, 0.5):>9.1f}{pct(times, 0.95):>9.1f}{pct(times, 0.99):>9.1f}"
    )
    print(f"throughput: {len(results) / elapsed:.1f} req/s over {elapsed:.1f} s; errors: {errors}")
    per_request = 1000 / max(1, len(results))
    print(
        f"server CPU: {server_cpu * per_request:.1f} ms per request ({workers} process(es)); "
        f"load generator CPU: {client_cpu * per_request:.2f} ms per request"
    )
    verdict = "MET" if pct(times, 0.95) < 100 and not errors else "NOT MET"
    print(f"mean {statistics.mean(times) * 1000:.1f} ms; target p95 < 100 ms with no errors: {verdict}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="API processes sharing the port (default: one per CPU, as vigil.example.toml advises)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=25,
        help="uncounted requests per client first (default 25: the columns loaded and each query word "
        "read, as in a server that has run a while; 0 measures a cold start)",
    )
    parser.add_argument("--serve", nargs=3, metavar=("DB", "DATA_DIR", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], args.serve[1], int(args.serve[2]))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / f"api-{args.articles}.sqlite3"
    print(f"preparing {args.articles:,} articles in {db} …", file=sys.stderr)
    build_store(db, args.articles)
    data_dir = OUT / "api-run"
    data_dir.mkdir(exist_ok=True)
    key = make_key(db)
    port = free_port()
    servers = [
        subprocess.Popen(
            [sys.executable, __file__, "--serve", str(db), str(data_dir), str(port)],
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        for _ in range(args.workers)
    ]
    try:
        deadline = time.monotonic() + 60
        while not _answers(port):
            if any(s.poll() is not None for s in servers) or time.monotonic() > deadline:
                raise SystemExit("the API server did not start")
            time.sleep(0.2)
        time.sleep(1.0)  # let every worker bind
        pids = [server.pid for server in servers]
        cpu_at_start: list[float] = []
        results, elapsed, client_cpu = asyncio.run(
            drive(
                port,
                key,
                args.clients,
                args.requests,
                args.warmup,
                on_start=lambda: cpu_at_start.append(server_cpu_seconds(pids)),
            )
        )
        server_cpu = server_cpu_seconds(pids) - cpu_at_start[0]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=20)
    report(results, elapsed, args, server_cpu, client_cpu)


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


if __name__ == "__main__":
    main()
