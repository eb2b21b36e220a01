"""A local append-only spool for write batches the cluster could not take; replayed when it is back.

Files in the spool directory:
- `batches.jsonl`: one JSON line per batch (`{"id", "kind", "actions"}`), appended and fsynced
  before the write call returns, so an acknowledged batch survives a crash.
- `done.txt`: ids of batches replayed successfully, appended and fsynced after the cluster
  acknowledged them; a batch is "done" atomically by that one line.
- `.spool.lock`, `.replay.lock`: advisory locks (fcntl), so several processes can share a spool.

A crash between sending a batch and marking it done re-sends it later; that is harmless because every
document has a deterministic id. When every batch is done the files are removed (compaction).
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SpooledBatch:
    id: str
    kind: str
    actions: list[dict[str, Any]]


class Spool:
    """Batches waiting for the cluster, in the order they were spooled."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.batches_path = self.directory / "batches.jsonl"
        self.done_path = self.directory / "done.txt"

    @contextmanager
    def locked(self, name: str = "spool") -> Iterator[None]:
        """Exclusive across threads and processes: "spool" guards file changes, "replay" a replay run."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / f".{name}.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def append(self, kind: str, actions: list[dict[str, Any]]) -> str:
        """Store a batch durably; returns its id."""
        batch_id = uuid.uuid4().hex
        line = json.dumps({"id": batch_id, "kind": kind, "actions": actions}, ensure_ascii=False)
        with self.locked():
            _append_line(self.batches_path, line)
        return batch_id

    def pending(self) -> list[SpooledBatch]:
        """Batches not yet done (a line torn by a crash is ignored: it was never acknowledged)."""
        done = set(_lines(self.done_path))
        batches: list[SpooledBatch] = []
        for line in _lines(self.batches_path):
            try:
                raw = json.loads(line)
            except json.JSONDecodeError:
                continue
            if raw["id"] not in done:
                batches.append(SpooledBatch(id=raw["id"], kind=raw["kind"], actions=raw["actions"]))
        return batches

    def mark_done(self, batch_id: str) -> None:
        with self.locked():
            _append_line(self.done_path, batch_id)

    def compact(self) -> None:
        """Remove the files once every batch is done (re-checked under the lock)."""
        with self.locked():
            if self.pending():
                return
            # batches first: a crash in between leaves only stale done ids, which match nothing
            self.batches_path.unlink(missing_ok=True)
            self.done_path.unlink(missing_ok=True)

    def pending_documents(self) -> int:
        return sum(len(batch.actions) for batch in self.pending())


def _lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    lines = text.split("\n")
    # only newline-terminated lines are complete
    return [line for line in lines[:-1] if line]


def _append_line(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as handle:
        if handle.tell() > 0:
            with path.open("rb") as reader:
                reader.seek(-1, os.SEEK_END)
                if reader.read(1) != b"\n":
                    handle.write(b"\n")  # seal a line torn by a crash
        handle.write(line.encode("utf-8") + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
