"""Issue 11 item 2: webhook delivery runs beside ingestion. A receiver that accepts the connection and
never answers (a real socket on 127.0.0.1) must not slow ingestion, nor delay another destination."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.config import Settings
from secmon.pipeline import ingest_paths
from store.sqlite import SqliteStore
from tests.secmon.test_detect_pipeline import failures
from tests.secmon.test_notify import Receiver


class Hanging:
    """A TCP server that accepts every connection and never reads nor answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def hanging() -> Iterator[Hanging]:
    server = Hanging()
    yield server
    server.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def attacks(ips: int) -> list[str]:
    """SSH brute force from `ips` sources: each opens an incident, so a notification per destination."""
    lines: list[str] = []
    for n in range(ips):
        lines.extend(failures(f"203.0.113.{10 + n}", 8))
    return lines


QUIET = (
    "Dec 10 07:{m:02d}:{s:02d} gw-portal sshd[3{i:04d}]: "
    "Accepted publickey for ops from 10.0.0.{h} port 5{i:04d} ssh2"
)


def quiet(count: int) -> list[str]:
    return [QUIET.format(m=i // 60 % 60, s=i % 60, i=i, h=i % 200 + 1) for i in range(count)]


def wait_for(predicate: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_hanging_receiver_slows_neither_following_nor_the_other_destination(
    tmp_path: Path, hanging: Hanging, receiver: Receiver
) -> None:
    log = tmp_path / "auth.log"
    log.write_text("\n".join(attacks(3)) + "\n")
    settings = Settings.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "secmon": {
                "webhooks": [
                    {"url": hanging.url, "timeout_seconds": 20},
                    {"url": receiver.url, "timeout_seconds": 5},
                ]
            },
        }
    )
    store = SqliteStore(tmp_path / "store.sqlite3")
    store.init()
    stop = threading.Event()
    result: dict[str, Any] = {}

    def run() -> None:
        result["summary"] = ingest_paths(
            settings, store, [str(log)], fmt="syslog", follow=True, stop=stop.is_set, poll_interval=0.05
        )

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        assert wait_for(lambda: store.stats()["events"] == 24, 20)
        # the healthy destination gets its three incidents although the other one hangs
        assert wait_for(lambda: len(receiver.requests) >= 3, 10), len(receiver.requests)
        assert wait_for(lambda: len(hanging.accepted) >= 1, 5)  # delivery to it is under way, hanging
        started = time.monotonic()
        with log.open("a") as handle:
            handle.write("\n".join(quiet(100)) + "\n")
        assert wait_for(lambda: store.stats()["events"] == 124, 15)
        took = time.monotonic() - started
    finally:
        stop.set()
        worker.join(timeout=30)
        store.close()
    assert not worker.is_alive()  # stopping does not wait for the hanging receiver either
    assert took < 3.0, f"100 lines took {took:.1f} s behind a hanging webhook"
    assert sorted(b["incident"]["source_ip"] for b in receiver.bodies()) == [
        "203.0.113.10",
        "203.0.113.11",
        "203.0.113.12",
    ]
    assert result["summary"].notifications_queued == 6


def test_cli_one_shot_does_not_wait_for_a_hanging_receiver(tmp_path: Path, hanging: Hanging) -> None:
    log = tmp_path / "auth.log"
    log.write_text("\n".join(attacks(3)) + "\n")
    config = tmp_path / "vigil.toml"
    config.write_text(f'[[secmon.webhooks]]\nurl = "{hanging.url}"\ntimeout_seconds = 30\n')
    env = {"VIGIL_DATA_DIR": str(tmp_path / "data"), "PATH": os.environ.get("PATH", ""), "COLUMNS": "200"}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "--config", str(config), "logs", "ingest", "--json", str(log)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert summary["incidents_opened"] == 3 and summary["notifications_queued"] == 3
    assert summary["notifications_sent"] == 0 and summary["notifications_pending"] == 3  # kept for later
    assert took < 15, f"one-shot ingest took {took:.1f} s behind a hanging webhook (timeout 30 s)"
    outbox = tmp_path / "data" / "secmon" / "outbox"
    assert len(list(outbox.glob("*.json"))) == 3
