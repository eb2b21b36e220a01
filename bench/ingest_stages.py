"""Where `vigil logs ingest` spends its CPU per event, and what the embedded store's writes cost at the least.

    .venv/bin/python bench/ingest_stages.py [--lines 50000]

Same input as bench/ingest.py (real EVE runs repeated, every line distinct). Two parts, in one process:

1. Stages: `ingest_paths` with the default configuration (batches of secmon.batch_lines) into a fresh
   embedded store, as `vigil logs ingest FILE --format eve` runs it, with the CPU time
   (time.process_time) of each stage summed by wrapping its function: reading + decoding + parsing
   (Processor.parse), storing the events (SqliteStore.index_events: deriving rows, inserting them,
   committing), detection (the rest of a batch's handling: rules, suppressions), incidents
   (Processor.record), closing the store. The imports before the first line are not in these figures
   (bench/ingest.py's end-to-end rate includes them).
2. Floor: the same documents written again by bare sqlite3 with the store's pragmas, one table at a time,
   in transactions of a batch (secmon.batch_lines): the least a durable, de-duplicated write can cost
   (one row of rid, unique id, time and the JSON document, nothing else), then the store's own tables
   (the main table with its indexes, the documents, the k_kv rows, the full-text rows) from the rows the
   store derived.

The figures say how far each part is from issue 14's target (20,000 events/s on one core: 50 us per
event for everything).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))  # first: bench/secmon.py must not stand for the secmon package

from secmon_parse import make_eve_file  # noqa: E402

from core.config import Settings  # noqa: E402
from secmon import pipeline  # noqa: E402
from store import sqlite_write  # noqa: E402
from store.query import Kind  # noqa: E402
from store.sqlite import SqliteStore  # noqa: E402
from store.sqlite_conn import Connections  # noqa: E402
from store.sqlite_rows import insert_sql, main_sql  # noqa: E402
from store.sqlite_schema import create  # noqa: E402


class Stages:
    """CPU seconds per stage, summed by wrapping functions (restored on exit)."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self._undo: list[Callable[[], None]] = []

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.process_time() - started

        setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original))

    def restore(self) -> None:
        for undo in reversed(self._undo):
            undo()


Rows = tuple[Any, Any, Any, Any]  # what store.sqlite_write derives from a chunk of documents


def run_stages(path: Path, data_dir: Path) -> tuple[dict[str, float], int]:
    """Ingest `path` with the stages timed; returns CPU seconds per stage and the lines read."""
    stages = Stages()
    stages.wrap(pipeline.Processor, "__init__", "start-up (rules, suppressions, state)")
    stages.wrap(pipeline.Processor, "parse", "read + decode + parse")
    stages.wrap(pipeline.Processor, "_handle", "batch")
    stages.wrap(pipeline.Processor, "record", "incidents")
    stages.wrap(SqliteStore, "index_events", "store events")
    stages.wrap(sqlite_write, "_derive_chunk", "  of which: derive rows")
    stages.wrap(sqlite_write, "_insert", "  of which: insert rows")
    settings = Settings(data_dir=data_dir, store={"backend": "sqlite"})
    store = SqliteStore(data_dir / "vigil.sqlite3")
    store.init()
    started = time.process_time()
    try:
        summary = pipeline.ingest_paths(settings, store, [str(path)], "eve")
    finally:
        stages.restore()
        closing = time.process_time()
        store.close()  # the last connection's close copies the write-ahead log into the file
        closed = time.process_time() - closing
    spent = stages.seconds
    total = time.process_time() - started
    seconds = {
        "start-up (rules, suppressions, state)": spent["start-up (rules, suppressions, state)"],
        "read + decode + parse": spent["read + decode + parse"],
        "store events": spent["store events"],
        "  of which: derive rows": spent["  of which: derive rows"],
        "  of which: insert rows": spent["  of which: insert rows"],
        "detection (rules, suppressions)": spent["batch"]
        - spent["read + decode + parse"]
        - spent["store events"]
        - spent["incidents"],
        "incidents": spent["incidents"],
        "closing the store (write-ahead log copied into the file)": closed,
        "reading lines, batching, the rest": total
        - spent["batch"]
        - spent["start-up (rules, suppressions, state)"]
        - closed,
        "total (after imports)": total,
    }
    return seconds, summary.lines_read


def _fresh(directory: Path, name: str) -> Connections:
    """A new file opened as the store opens its own (store.sqlite_conn: the same pragmas)."""
    return Connections(directory / name, busy_timeout_ms=30_000)


def derived_rows(path: Path, batch: int) -> list[list[Rows]]:
    """The rows the store derives from the stored events, derived again (untimed) in chunks as it writes
    them, grouped by transaction (`batch` documents each)."""
    conn = sqlite3.connect(path)
    stored = conn.execute(
        "SELECT t.rid, t.id, d.doc FROM events t JOIN events_doc d USING (rid) ORDER BY rid"
    )
    chunk = sqlite_write._CHUNK
    groups: list[list[Rows]] = [[]]
    while rows := stored.fetchmany(chunk):
        planned = [(rid, doc_id, orjson.loads(doc), None) for rid, doc_id, doc in rows]
        if len(groups[-1]) * chunk >= batch:
            groups.append([])
        groups[-1].append(sqlite_write._derive_chunk(Kind.events, planned, {}))
    conn.close()
    return groups


def run_floor(groups: list[list[Rows]], directory: Path) -> dict[str, float]:
    """CPU seconds of writing the events' rows with bare sqlite3, table by table, a transaction a group."""
    events = Kind.events
    statements = insert_sql(events)
    minimal = [
        (main[0], main[1], main[2], doc[1])
        for group in groups
        for mains, docs, _kv, _fts in group
        for main, doc in zip(sorted(row for rows in mains.values() for row in rows), docs, strict=True)
    ]
    out: dict[str, float] = {}
    conns = _fresh(directory, "minimal.sqlite3")
    conn = conns.conn()
    conn.execute("CREATE TABLE events (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, ts REAL, doc TEXT)")
    started = time.process_time()
    at = 0
    for group in groups:
        size = sum(len(docs) for _mains, docs, _kv, _fts in group)
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, CAST(? AS TEXT))", minimal[at : at + size])
        conn.execute("COMMIT")
        at += size
    out["least durable write: one row (rid, unique id, time, document)"] = time.process_time() - started
    conns.close()
    for label, parts in (
        ("store: main table + its indexes", ("main",)),
        ("store: documents", ("doc",)),
        ("store: k_kv rows", ("kv",)),
        ("store: full-text rows", ("fts",)),
        ("store: all four together", ("main", "doc", "kv", "fts")),
    ):
        conns = _fresh(directory, f"{'-'.join(parts)}.sqlite3")
        conn = conns.conn()
        conn.execute("BEGIN")
        create(conn)
        conn.execute("COMMIT")
        started = time.process_time()
        for group in groups:
            conn.execute("BEGIN IMMEDIATE")
            for mains, docs, kvs, ftss in group:
                if "main" in parts:
                    for stored, values in mains.items():
                        conn.executemany(main_sql(events, stored), values)
                if "doc" in parts:
                    conn.executemany(statements[1], docs)
                if "kv" in parts:
                    conn.executemany(statements[2], kvs)
                if "fts" in parts:
                    conn.executemany(statements[3], ftss)
            conn.execute("COMMIT")
        out[label] = time.process_time() - started
        conns.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vigil-bench-stages-") as tmp:
        directory = Path(tmp)
        path = directory / "eve.json"
        make_eve_file(path, args.lines)
        data_dir = directory / "data"
        data_dir.mkdir()
        stages, lines = run_stages(path, data_dir)
        print(f"`vigil logs ingest` of {lines:,} real EVE lines, CPU per event by stage (us):")
        for label, seconds in stages.items():
            print(f"  {label:58} {seconds / lines * 1e6:7.1f}")
        groups = derived_rows(data_dir / "vigil.sqlite3", Settings().secmon.batch_lines)
        floor = run_floor(groups, directory)
        print("the same events' rows written by bare sqlite3, the store's pragmas (us per event):")
        for label, seconds in floor.items():
            print(f"  {label:58} {seconds / lines * 1e6:7.1f}")
        print(
            "target of issue 14: 20,000 events/s on one core = 50 us per event "
            f"(load average {os.getloadavg()[0]:.1f})"
        )


if __name__ == "__main__":
    main()
