"""Issue 11 item 5, through the real `vigil logs ingest`: a FIFO, a truncated .gz, a plain file named
.gz, one line-length cap for one-shot and --follow, and a half-written last line."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from secmon.inputs.line import MAX_LINE
from store.models import MAX_ORIGINAL
from store.query import Kind, SearchQuery
from store.sqlite import SqliteStore
from tests.helpers import interruptible
from tests.secmon.test_faults import flow


def run(tmp_path: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {"VIGIL_DATA_DIR": str(tmp_path / "data"), "PATH": os.environ.get("PATH", ""), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "vigil.cli", "logs", "ingest", "--json", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def stored(tmp_path: Path) -> list[dict[str, Any]]:
    store = SqliteStore(tmp_path / "data" / "store" / "vigil.sqlite3")
    try:
        return [h.source for h in store.search(Kind.events, SearchQuery(size=1000)).hits]
    finally:
        store.close()


def test_a_fifo_is_read_as_a_stream_and_refused_for_follow(tmp_path: Path) -> None:
    fifo = tmp_path / "eve.fifo"
    os.mkfifo(fifo)
    lines = [flow(i) for i in range(100)]

    def feed() -> None:
        with open(fifo, "w") as handle:
            handle.write("".join(line + "\n" for line in lines))

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    done = run(tmp_path, str(fifo))
    feeder.join(timeout=10)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert summary["lines_read"] == 100 and summary["events_by_type"] == {"flow": 100}
    assert len(stored(tmp_path)) == 100
    follow = run(tmp_path, "--follow", str(fifo), timeout=30)
    assert follow.returncode != 0 and "cannot be followed" in follow.stderr
    assert "Traceback" not in follow.stderr


def test_a_truncated_gz_keeps_what_it_holds_and_says_it_ends_early(tmp_path: Path) -> None:
    whole = gzip.compress("".join(flow(i) + "\n" for i in range(2000)).encode())
    cut = tmp_path / "eve.json.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    done = run(tmp_path, str(cut))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "Aborted" not in done.stderr
    assert "ends early" in done.stderr
    summary = json.loads(done.stdout)
    assert summary["damaged_inputs"] == 1 and 0 < summary["lines_read"] < 2000
    docs = stored(tmp_path)
    assert len(docs) == summary["lines_read"]
    assert sum(d["event"]["kind"] == "pipeline_error" for d in docs) <= 1  # at most the cut last line


def test_a_plain_file_named_gz_is_read_as_plain_text(tmp_path: Path) -> None:
    plain = tmp_path / "eve.json.gz"
    plain.write_text("".join(flow(i) + "\n" for i in range(50)))
    done = run(tmp_path, str(plain))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert json.loads(done.stdout)["events_by_type"] == {"flow": 50}


def test_one_line_length_cap_for_one_shot_and_follow(tmp_path: Path) -> None:
    log = tmp_path / "eve.json"
    long = '{"event_type":"flow","pad":"' + "x" * (3 * MAX_LINE) + '"}'
    log.write_text(flow(1) + "\n" + long + "\n" + flow(2) + "\n")
    os.utime(log, (1_700_000_000, 1_700_000_000))
    once = run(tmp_path, str(log))
    assert once.returncode == 0, once.stderr[-2000:]
    summary = json.loads(once.stdout)
    assert summary["lines_read"] == 3 and summary["lines_cut"] == 1
    docs = stored(tmp_path)
    assert len(docs) == 3
    [error] = [d for d in docs if d["event"]["kind"] == "pipeline_error"]
    assert len(error["event"]["original"].encode()) <= MAX_ORIGINAL and "cap" in error["error"]["message"]
    # following the same file gives the same three documents (one rule, same ids), not fragments
    follower = subprocess.Popen(
        [sys.executable, "-m", "vigil.cli", "logs", "ingest", "--follow", str(log)],
        env={"VIGIL_DATA_DIR": str(tmp_path / "data2"), "PATH": os.environ.get("PATH", "")},
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "follow.err").open("wb"),  # a pipe nobody reads could fill and block it
        preexec_fn=interruptible,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            db = tmp_path / "data2" / "store" / "vigil.sqlite3"
            if db.exists():
                store = SqliteStore(db)
                try:
                    followed = [h for h in store.search(Kind.events, SearchQuery(size=100)).hits]
                except Exception:
                    followed = []
                finally:
                    store.close()
                if len(followed) >= 3:
                    break
            time.sleep(0.3)
        time.sleep(1)
    finally:
        follower.send_signal(signal.SIGINT)
        follower.wait(timeout=60)
    assert sorted(h.id for h in followed) == sorted(h.id for h in _hits(tmp_path))


def _hits(tmp_path: Path) -> list[Any]:
    store = SqliteStore(tmp_path / "data" / "store" / "vigil.sqlite3")
    try:
        return list(store.search(Kind.events, SearchQuery(size=100)).hits)
    finally:
        store.close()


def test_a_half_written_last_line_is_left_for_the_next_run_not_orphaned(tmp_path: Path) -> None:
    log = tmp_path / "eve.json"
    last = flow(3)
    log.write_text(flow(1) + "\n" + flow(2) + "\n" + last[:40])  # the writer is mid-line
    first = run(tmp_path, str(log))
    assert first.returncode == 0, first.stderr[-2000:]
    assert json.loads(first.stdout)["partial_lines_left"] == 1
    with log.open("a") as handle:
        handle.write(last[40:] + "\n")
    second = run(tmp_path, str(log))
    assert second.returncode == 0, second.stderr[-2000:]
    docs = stored(tmp_path)
    assert sorted(d["event"]["original"] for d in docs) == sorted([flow(1), flow(2), last])
    assert all(d["event"]["kind"] != "pipeline_error" for d in docs)  # no orphan of the half line
