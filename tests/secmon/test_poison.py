"""Issue 11 item 1: a line the store cannot take becomes a counted, stored pipeline_error (raw text kept,
bounded) and every other line of its batch is stored — on SQLite and on the Elasticsearch stand-in,
one-shot, `--follow` and under the main job's Ingester. Poison lines sit at several positions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from core.config import Settings
from secmon.pipeline import Ingester, ingest_paths
from store.models import MAX_ORIGINAL
from store.protocol import Store
from store.query import Kind, SearchQuery


def good(i: int) -> str:
    return json.dumps(
        {
            "timestamp": f"2026-03-01T10:{i // 60 % 60:02d}:{i % 60:02d}.000000+0700",
            "event_type": "flow",
            "src_ip": f"10.1.{i // 250}.{i % 250 + 1}",
            "src_port": 40000 + i,
            "dest_ip": "10.0.0.2",
            "dest_port": 443,
            "proto": "TCP",
            "flow_id": 1000 + i,
        }
    )


def _flow(**extra: Any) -> dict[str, Any]:
    return {"timestamp": "2026-03-01T10:00:00.000000+0700", "event_type": "flow", **extra}


def poison() -> list[str]:
    """One of each kind the issue names (the first four broke SQLite; the last ones the cluster)."""
    deep: Any = "bottom"
    for _ in range(300):  # ≥ 252 levels: past orjson's recursion limit
        deep = [deep]
    return [
        json.dumps(_flow(src_ip="10.9.9.9", payload=deep)),
        json.dumps(_flow(src_ip={"nested": "10.9.9.9"}, dest_ip="10.0.0.2")),
        json.dumps(_flow(src_ip="10.9.9.9", dest_ip=[{"a": 1}, {"b": 2}])),
        json.dumps(_flow(src_ip="10.9.9.9", flow_id=2**63 + 5)),
        json.dumps(_flow(src_ip="10.9.9.9", flow_id=2**64 - 1)),
        json.dumps(_flow(src_ip="10.9.9.9", flow={"pkts_toserver": "notanumber", "start": "not a date"})),
        json.dumps(_flow(src_ip="10.9.9.9", vigil_big="x" * (MAX_ORIGINAL * 2), payload=deep)),
    ]


def write_log(path: Path, count: int = 60) -> tuple[list[str], list[str]]:
    """A log of `count` good lines with every poison line spread among them."""
    goods = [good(i) for i in range(count)]
    bad = poison()
    lines = list(goods)
    for n, line in enumerate(bad):
        lines.insert(1 + n * (count // len(bad)), line)
    lines.insert(0, bad[1])  # first line of the file too
    path.write_text("\n".join(lines) + "\n")
    return goods, bad


def stored(store: Store) -> list[dict[str, Any]]:
    store.refresh()
    return [h.source for h in store.search(Kind.events, SearchQuery(size=1000)).hits]


def check_everything_stored(store: Store, goods: list[str], bad: list[str]) -> None:
    docs = stored(store)
    originals = [d["event"]["original"] for d in docs]
    assert len(docs) == len(goods) + len(bad) + 1  # bad[1] is in the file twice (two offsets, two ids)
    for line in goods:  # every good line of every batch is stored as what it is
        [doc] = [d for d in docs if d["event"]["original"] == line]
        assert doc["event"]["kind"] != "pipeline_error"
    errors = [d for d in docs if d["event"]["kind"] == "pipeline_error"]
    for doc in errors:  # each refused line is kept: its raw text (bounded) and why
        assert len(doc["event"]["original"].encode()) <= MAX_ORIGINAL
        assert any(line.startswith(doc["event"]["original"]) for line in bad)
        assert doc["error"]["message"]
        # its text is searched through `message` (event.original is not): the first 2,048 characters
        original = doc["event"]["original"]
        assert doc["message"] == (original if len(original) <= 2048 else original[:2047] + "\u2026")
    assert sum(any(o == line[: len(o)] and o for o in originals) for line in bad) == len(bad)


def settings_for(tmp_path: Path, store: Store, log: Path, batch: int = 25) -> Settings:
    return Settings.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "secmon": {"batch_lines": batch, "logs": [{"path": str(log), "format": "eve"}]},
        }
    )


def test_one_shot_stores_every_good_line_and_each_poison_line_as_error(tmp_path: Path, store: Store) -> None:
    log = tmp_path / "eve.json"
    goods, bad = write_log(log)
    summary = ingest_paths(settings_for(tmp_path, store, log), store, [str(log)], fmt="eve")
    assert summary.lines_read == len(goods) + len(bad) + 1
    assert summary.refused >= 4  # at least the four SQLite cannot take; the cluster refuses others
    assert summary.index_errors == 0
    check_everything_stored(store, goods, bad)
    # a word only a refused line holds ("vigil_big", its huge field) finds it by text
    found = store.search(Kind.events, SearchQuery(text="vigil_big", size=10)).hits
    assert [hit.source["event"]["kind"] for hit in found] == ["pipeline_error"]


def test_follow_does_not_rewind_forever_on_a_refused_line(tmp_path: Path, store: Store) -> None:
    log = tmp_path / "eve.json"
    goods, bad = write_log(log)
    settings = settings_for(tmp_path, store, log)
    stop = threading.Event()
    result: dict[str, Any] = {}

    def run() -> None:
        result["summary"] = ingest_paths(
            settings, store, [str(log)], fmt="eve", follow=True, stop=stop.is_set, poll_interval=0.05
        )

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(stored(store)) < len(goods) + len(bad):
        time.sleep(0.1)
    time.sleep(0.5)  # a follower that rewinds would read the file again in this time
    stop.set()
    worker.join(timeout=60)
    assert not worker.is_alive()
    summary = result["summary"]
    assert summary.lines_read == len(goods) + len(bad) + 1  # read once: committed, not re-sent
    check_everything_stored(store, goods, bad)
    again = Ingester(settings, store)  # offsets were committed: a restart reads nothing
    try:
        assert again.run_once().lines_read == 0
    finally:
        again.close()


def test_main_job_ingester_stores_the_batch_around_a_poison_line(tmp_path: Path, store: Store) -> None:
    log = tmp_path / "eve.json"
    goods, bad = write_log(log)
    settings = settings_for(tmp_path, store, log, batch=500)  # the whole file in one batch
    ingester = Ingester(settings, store)
    try:
        summary = ingester.run_once()
        assert summary.lines_read == len(goods) + len(bad) + 1
        assert ingester.run_once().lines_read == 0
    finally:
        ingester.close()
    check_everything_stored(store, goods, bad)


def test_cli_one_shot_keeps_the_good_lines_and_says_how_many_were_refused(tmp_path: Path) -> None:
    log = tmp_path / "eve.json"
    goods, bad = write_log(log)
    env = {"VIGIL_DATA_DIR": str(tmp_path / "data"), "PATH": os.environ.get("PATH", ""), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "logs", "ingest", "--json", str(log)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    summary = json.loads(done.stdout)
    assert summary["refused"] >= 4 and summary["events_indexed"] == len(goods) + len(bad) + 1
    from store.sqlite import SqliteStore

    db = SqliteStore(tmp_path / "data" / "store" / "vigil.sqlite3")
    try:
        check_everything_stored(db, goods, bad)
    finally:
        db.close()
