"""No silent death in `vigil run`: each background worker (crawl, logs, notifier) is made to fail by a real
fault; /ready then says not ready and names the worker and the error, /metrics counts the failures and
restarts, an ERROR line is logged, and the worker is restarted with backoff (and is ready again once the
fault is gone)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.auth import Role, create_key
from core.config import Settings
from core.workers import FAILING_AFTER, WorkerBoard, board_path
from store.errors import StoreUnavailable
from store.models import SecurityEvent
from store.query import BulkResult
from store.sqlite import SqliteStore
from tests.api.live import LiveServer
from vigil.main_job import Service
from vigil.supervise import Backoff, Supervisor, Worker

FAST = Backoff(initial=0.05, maximum=0.2)
SSH_FAIL = "Dec 10 06:00:{s:02d} gw sshd[1]: Failed password for root from 203.0.113.9 port {p} ssh2"


class RefusingStore(SqliteStore):
    """A real SQLite store that refuses event writes while `refusing` is set (a full or locked disk)."""

    refusing = True

    def index_events(self, events: Sequence[SecurityEvent]) -> BulkResult:
        if self.refusing:
            raise StoreUnavailable("the store refuses writes (disk full)")
        return super().index_events(events)


def wait_for(check: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


class Running:
    def __init__(self, service: Service, client: httpx.Client) -> None:
        self.service = service
        self.client = client

    def ready(self) -> httpx.Response:
        return self.client.get("/ready")

    def metric(self, name: str, worker: str) -> float:
        for line in self.client.get("/metrics").text.splitlines():
            if line.startswith(f'{name}{{worker="{worker}"}}'):
                return float(line.rsplit(" ", 1)[1])
        raise AssertionError(f"no {name} for {worker}")


@pytest.fixture
def run_service(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    started: list[tuple[Service, LiveServer, httpx.Client]] = []

    def start(settings: Settings, store: SqliteStore, **options: Any) -> Running:
        store.init()
        _, key = create_key(store, name="ops", role=Role.admin)
        service = Service(settings, store, backoff=FAST, **options)
        server = LiveServer(create_app(settings, store)).__enter__()
        client = httpx.Client(base_url=server.base_url, headers={"X-API-Key": key}, timeout=10)
        started.append((service, server, client))
        service.start_background()
        return Running(service, client)

    yield start
    for service, server, client in started:
        client.close()
        service.shutdown()
        server.__exit__(None, None, None)
        service.store.close()


def test_a_log_worker_whose_store_refuses_is_not_ready_counted_logged_and_recovers(
    tmp_path: Path, run_service: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    log = tmp_path / "auth.log"
    log.write_text("\n".join(SSH_FAIL.format(s=i, p=40000 + i) for i in range(3)) + "\n")
    settings = Settings.model_validate(
        {"data_dir": str(tmp_path / "data"), "secmon": {"logs": [{"path": str(log), "format": "syslog"}]}}
    )
    store = RefusingStore(tmp_path / "store.sqlite3")
    with caplog.at_level(logging.ERROR, logger="vigil.run"):
        running = run_service(settings, store, crawl=False)
        wait_for(lambda: running.ready().status_code == 503)
    answer = running.ready()
    assert "logs worker failing" in answer.text and "refuses writes" in answer.text
    assert running.metric("vigil_worker_up", "logs") == 0
    assert running.metric("vigil_worker_failures_total", "logs") >= FAILING_AFTER
    assert running.metric("vigil_worker_restarts_total", "logs") >= FAILING_AFTER
    assert any(
        r.levelno == logging.ERROR and "logs worker failed" in r.getMessage() and r.exc_info
        for r in caplog.records
    )

    store.refusing = False  # the disk has room again: the restarted worker ingests what it could not
    wait_for(lambda: running.ready().status_code == 200)
    assert running.metric("vigil_worker_up", "logs") == 1
    wait_for(lambda: store.stats()["events"] == 3)


def test_a_crawl_worker_that_keeps_failing_is_restarted_with_backoff_and_reported(
    tmp_path: Path, run_service: Callable[..., Running]
) -> None:
    settings = Settings.model_validate(
        {"data_dir": str(tmp_path / "data"), "crawl": {"outlets": ["no-such-outlet"]}}
    )
    running = run_service(settings, SqliteStore(tmp_path / "store.sqlite3"), logs=False)
    wait_for(lambda: running.ready().status_code == 503)
    assert "crawl worker failing" in running.ready().text and "no-such-outlet" in running.ready().text
    first = running.metric("vigil_worker_restarts_total", "crawl")
    wait_for(lambda: running.metric("vigil_worker_restarts_total", "crawl") > first)  # keeps retrying
    assert running.metric("vigil_worker_up", "crawl") == 0


def test_a_notifier_worker_that_cannot_open_its_outbox_is_reported_then_recovers(
    tmp_path: Path, run_service: Callable[..., Running]
) -> None:
    data = tmp_path / "data"
    (data / "secmon").mkdir(parents=True)
    blocker = data / "secmon" / "outbox"
    blocker.write_text("not a directory")  # a file where the outbox directory must be
    settings = Settings.model_validate(
        {"data_dir": str(data), "secmon": {"webhooks": [{"url": "http://127.0.0.1:9/hook"}]}}
    )
    running = run_service(settings, SqliteStore(tmp_path / "store.sqlite3"), crawl=False, logs=False)
    wait_for(lambda: running.ready().status_code == 503)
    assert "notifier worker failing" in running.ready().text
    blocker.unlink()
    wait_for(lambda: running.ready().status_code == 200)
    assert running.metric("vigil_worker_up", "notifier") == 1
    assert (data / "secmon" / "outbox").is_dir()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_worker_thread_that_ends_is_restarted_by_the_watchdog(tmp_path: Path) -> None:
    board = WorkerBoard(board_path(tmp_path))
    stop = threading.Event()
    rounds: list[int] = []

    def step(_state: None) -> float:
        rounds.append(1)
        if len(rounds) == 1:
            raise SystemExit("a library called sys.exit()")  # not an Exception: it ends the thread
        return 0.05

    supervisor = Supervisor(board, stop, FAST)
    supervisor.start([Worker("crawl", setup=lambda: None, step=step)])
    try:
        wait_for(lambda: any(s.state == "dead" for s in board.read()))
        assert board.problems() == ["crawl worker dead after 0 failure(s): its thread ended unexpectedly"]
        wait_for(lambda: len(rounds) > 2)
        wait_for(lambda: not board.problems())
    finally:
        stop.set()
        supervisor.join()
    assert [s.state for s in board.read()] == ["stopped"]
