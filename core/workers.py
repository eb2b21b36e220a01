"""The health board of `vigil run`'s background workers (crawl, logs, notifier), shared between processes.

The supervisor (vigil/main_job.py) writes each worker's state to `<data dir>/run/workers.json`; every
API process of the deployment reads it for `/ready` and `/metrics`, so a worker that died or keeps
failing shows whichever process answers. Entries of a process that no longer exists (killed -9) are
ignored, so a stale file never reports a dead deployment as healthy or a healthy one as dead.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# Consecutive failures after which a worker counts as failing (/ready says not ready): one failed
# crawl or log batch is retried quietly, three in a row are an outage someone must look at.
FAILING_AFTER = 3


@dataclass
class WorkerStatus:
    name: str
    state: str = "starting"  # starting | running | restarting | failing | dead | stopped
    reason: str | None = None  # the last error, while failing or restarting
    failures: int = 0  # consecutive
    failures_total: int = 0
    restarts: int = 0
    since: float = 0.0  # when it entered this state (epoch seconds)
    pid: int = 0

    @property
    def healthy(self) -> bool:
        """Ready: its thread lives and it has not failed FAILING_AFTER times in a row (one failure is
        a restart, e.g. a batch the store refused once; it counts in the metrics but is no outage)."""
        return self.state != "dead" and self.failures < FAILING_AFTER

    def describe(self) -> str:
        return f"{self.name} worker {self.state} after {self.failures} failure(s): {self.reason}"


def board_path(data_dir: Path) -> Path:
    return data_dir / "run" / "workers.json"


class WorkerBoard:
    """Read and write the board; writes are atomic (temp file + rename) and serialised in-process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._mine: dict[str, WorkerStatus] = {}

    def update(self, name: str, **changes: Any) -> WorkerStatus:
        """Change this process's entry for worker `name` and publish the board."""
        with self._lock:
            status = self._mine.setdefault(name, WorkerStatus(name=name, pid=os.getpid(), since=time.time()))
            if "state" in changes and changes["state"] != status.state:
                status.since = time.time()
            for key, value in changes.items():
                setattr(status, key, value)
            self._publish()
            return WorkerStatus(**asdict(status))

    def clear(self) -> None:
        """Remove this process's entries (a clean stop)."""
        with self._lock:
            self._mine.clear()
            self._publish()

    def _publish(self) -> None:
        others = {key: value for key, value in self._read_raw().items() if value.get("pid") != os.getpid()}
        entries = {**others, **{f"{s.pid}:{s.name}": asdict(s) for s in self._mine.values()}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(entries, indent=1), encoding="utf-8")
        os.replace(temporary, self.path)

    def _read_raw(self) -> dict[str, dict[str, Any]]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return raw if isinstance(raw, dict) else {}

    def read(self) -> list[WorkerStatus]:
        """The workers of live processes, by name."""
        out = []
        for value in self._read_raw().values():
            try:
                status = WorkerStatus(**value)
            except TypeError:
                continue
            if _alive(status.pid):
                out.append(status)
        return sorted(out, key=lambda s: (s.name, s.pid))

    def problems(self) -> list[str]:
        """One line per worker that is dead, restarting or failing (empty: all well)."""
        return [status.describe() for status in self.read() if not status.healthy]


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
