"""Supervision of `vigil run`'s background workers (crawl, logs, notifier): no silent death.

Each worker is a setup (e.g. open an Ingester) and a step repeated on a schedule. A worker whose setup
or step raises is logged at ERROR with the traceback, counted, torn down and started afresh after an
exponential backoff; its state is published on the worker board (core.workers), which `/ready` and
`/metrics` read: after `FAILING_AFTER` failures in a row, or when its thread has ended, the service is
not ready and says which worker and why. A watchdog restarts a worker whose thread ended anyway.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.workers import FAILING_AFTER, WorkerBoard

log = logging.getLogger("vigil.run")

WATCH_SECONDS = 1.0


@dataclass
class Worker:
    """A background activity: `setup()` makes its state, `step(state)` does one round and returns the
    seconds to wait before the next, `teardown(state)` releases it (also after a failure)."""

    name: str
    setup: Callable[[], Any]
    step: Callable[[Any], float]
    teardown: Callable[[Any], None] = lambda state: None
    first_wait: float = 0.0
    grace_seconds: float = 60.0  # how long a stop waits for the current step


@dataclass(frozen=True)
class Backoff:
    """Seconds before restart n (1-based): initial · 2^(n-1), at most `maximum`."""

    initial: float = 1.0
    maximum: float = 60.0

    def delay(self, failures: int) -> float:
        return float(min(self.maximum, self.initial * 2 ** max(0, failures - 1)))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip().rstrip(":")[:300]


class Supervisor:
    """Runs workers in threads, restarts them with backoff, publishes their health."""

    def __init__(self, board: WorkerBoard, stop: threading.Event, backoff: Backoff | None = None) -> None:
        self.board = board
        self.stop = stop
        self.backoff = backoff or Backoff()
        self.workers: dict[str, Worker] = {}
        self.threads: dict[str, threading.Thread] = {}
        self._deaths: dict[str, int] = {}
        self._watchdog: threading.Thread | None = None

    def start(self, workers: list[Worker]) -> None:
        for worker in workers:
            self.workers[worker.name] = worker
            self.board.update(worker.name, state="starting")
            self._launch(worker, worker.first_wait)
        if workers:
            self._watchdog = threading.Thread(target=self._watch, name="vigil-watchdog", daemon=True)
            self._watchdog.start()

    def _launch(self, worker: Worker, first_wait: float) -> None:
        thread = threading.Thread(
            target=self._run, args=(worker, first_wait), name=f"vigil-{worker.name}", daemon=True
        )
        self.threads[worker.name] = thread
        thread.start()

    def _run(self, worker: Worker, first_wait: float) -> None:
        failures = 0
        total = 0
        restarts = 0
        state: Any = None
        ready = running = False
        wait = first_wait
        while not self.stop.wait(wait):
            try:
                if not ready:
                    state = worker.setup()
                    ready = True
                wait = worker.step(state)
            except Exception as exc:
                failures += 1
                total += 1
                restarts += 1
                wait = self.backoff.delay(failures)
                reason = _reason(exc)
                log.error(
                    "%s worker failed (%d in a row): %s; restarting it in %.1f s",
                    worker.name,
                    failures,
                    reason,
                    wait,
                    exc_info=True,
                )
                self.board.update(
                    worker.name,
                    state="failing" if failures >= FAILING_AFTER else "restarting",
                    reason=reason,
                    failures=failures,
                    failures_total=total,
                    restarts=restarts,
                )
                if ready:
                    self._teardown(worker, state)
                ready = running = False
                state = None
                continue
            if not running:
                if failures:
                    log.warning("%s worker recovered after %d failure(s)", worker.name, failures)
                failures = 0
                running = True
                self.board.update(worker.name, state="running", reason=None, failures=0)
        if ready:
            self._teardown(worker, state)
        self.board.update(worker.name, state="stopped", reason=None)

    def _teardown(self, worker: Worker, state: Any) -> None:
        try:
            worker.teardown(state)
        except Exception as exc:  # a broken state is replaced anyway; say so and go on
            log.error("%s worker: cleaning up after a failure failed too: %s", worker.name, _reason(exc))

    def _watch(self) -> None:
        """Restart a worker whose thread ended while the service runs (its loop never returns otherwise)."""
        while not self.stop.wait(WATCH_SECONDS):
            for name, thread in list(self.threads.items()):
                if thread.is_alive() or self.stop.is_set():
                    continue
                deaths = self._deaths[name] = self._deaths.get(name, 0) + 1
                delay = self.backoff.delay(deaths)
                log.error("%s worker thread ended unexpectedly; restarting it in %.1f s", name, delay)
                self.board.update(name, state="dead", reason="its thread ended unexpectedly")
                self._launch(self.workers[name], delay)

    def join(self) -> None:
        for name, thread in self.threads.items():
            grace = self.workers[name].grace_seconds
            thread.join(timeout=grace)
            if thread.is_alive():
                log.warning("%s still busy after %.0f s; exiting anyway", thread.name, grace)
        if self._watchdog is not None:
            self._watchdog.join(timeout=5)

    def alive(self) -> list[str]:
        return [name for name, thread in self.threads.items() if thread.is_alive()]
