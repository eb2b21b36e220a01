"""A persisted outbox: every notification is a JSON file under the data dir until it is delivered.

Files are written atomically (temp file + fsync + rename), so a crash or restart loses nothing:
the next `Outbox.due()` finds what was still waiting. After `max_attempts` failures a message
moves to `dead/` for a person to inspect instead of being retried forever.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from secmon.errors import NotificationError


@dataclass
class Message:
    """One notification for one webhook URL (the secret is looked up at delivery, never written to disk)."""

    id: str
    url: str
    body: dict[str, Any]
    attempts: int = 0
    next_attempt_at: float = 0.0
    last_error: str = ""
    created_at: float = field(default_factory=time.time)


class Outbox:
    def __init__(self, directory: Path, max_attempts: int = 8) -> None:
        self.directory = directory
        self.dead = directory / "dead"
        self.max_attempts = max_attempts
        try:
            self.dead.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise NotificationError(f"cannot create the outbox {directory}: {exc.strerror}") from None

    def _path(self, message_id: str) -> Path:
        return self.directory / f"{message_id}.json"

    def put(self, message: Message) -> None:
        path = self._path(message.id)
        temp = path.with_suffix(".tmp")
        try:
            with temp.open("w", encoding="utf-8") as handle:
                json.dump(asdict(message), handle, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except OSError as exc:
            raise NotificationError(f"cannot write to the outbox {self.directory}: {exc.strerror}") from None

    def pending(self) -> list[Message]:
        messages = []
        for path in sorted(self.directory.glob("*.json")):
            try:
                messages.append(Message(**json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, TypeError):
                path.rename(self.dead / path.name)  # unreadable: keep it for inspection, do not loop on it
        return sorted(messages, key=lambda m: (m.created_at, m.id))

    def due(self, now: float | None = None) -> list[Message]:
        moment = time.time() if now is None else now
        return [m for m in self.pending() if m.next_attempt_at <= moment]

    def done(self, message: Message) -> None:
        self._path(message.id).unlink(missing_ok=True)

    def failed(self, message: Message, error: str, delay: float) -> bool:
        """Record a failed attempt; returns False when the message was given up (moved to dead/)."""
        message.attempts += 1
        message.last_error = error[:500]
        message.next_attempt_at = time.time() + delay
        if message.attempts >= self.max_attempts:
            self.put(message)
            os.replace(self._path(message.id), self.dead / f"{message.id}.json")
            return False
        self.put(message)
        return True

    def postpone(self, message: Message, until: float) -> None:
        """Try `message` again at `until` without counting an attempt (its destination is failing)."""
        if message.next_attempt_at < until:
            message.next_attempt_at = until
            self.put(message)

    @contextmanager
    def lock(self) -> Iterator[bool]:
        """Try to become the only deliverer (non-blocking); yields whether it succeeded."""
        with (self.directory / ".lock").open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def __len__(self) -> int:
        return sum(1 for _ in self.directory.glob("*.json"))
