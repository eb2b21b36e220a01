"""The input registry: how far each log file has been delivered, persisted atomically.

Keyed by the file's content fingerprint (hash of its first line), so a file is recognised after a
rename, a copy (copytruncate) or compression; `dev`/`ino`/`path` are kept as hints. It is written to a
temporary file, fsynced and `os.replace`d, so a crash leaves either the old or the new registry.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson

from secmon.errors import InputError

FINGERPRINT_MAX = 1024
REGISTRY_VERSION = 1


def fingerprint(head: bytes) -> str | None:
    """Identity of a log file: a hash of its first line (capped at 1 KiB).

    None while the first line is still incomplete: such a file is not read yet, since its identity
    (and so its event ids) would change once the line grows.
    """
    newline = head.find(b"\n", 0, FINGERPRINT_MAX)
    if newline < 0:
        if len(head) < FINGERPRINT_MAX:
            return None
        newline = FINGERPRINT_MAX - 1
    return hashlib.sha256(head[: newline + 1]).hexdigest()[:32]


def origin_of(fp: str) -> str:
    """The `origin` of every line of a file: stable across restarts, renames, copies and compression."""
    return f"file:{fp}"


@dataclass
class Entry:
    """Committed progress of one file (offset = bytes of its uncompressed content delivered)."""

    offset: int = 0
    path: str = ""
    dev: int = 0
    ino: int = 0
    eof_offset: int = -1
    updated: float = 0.0


class Registry:
    """fingerprint → Entry, loaded from and saved to one JSON file."""

    def __init__(self, path: Path, entries: dict[str, Entry] | None = None) -> None:
        self.path = Path(path)
        self.entries: dict[str, Entry] = entries or {}

    @classmethod
    def load(cls, path: Path) -> Registry:
        path = Path(path)
        if not path.exists():
            return cls(path)
        try:
            data = orjson.loads(path.read_bytes())
            if data.get("version") != REGISTRY_VERSION:
                raise ValueError(f"version {data.get('version')!r}")
            entries = {fp: Entry(**raw) for fp, raw in data["files"].items()}
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise InputError(
                f"the input registry {path} is unreadable ({exc}); move it away to re-read every log "
                "from the start (events are de-duplicated by id)"
            ) from None
        return cls(path, entries)

    def save(self, keep_seconds: float = 7 * 86400, live: set[str] | frozenset[str] = frozenset()) -> None:
        """Write atomically; forget files not touched for `keep_seconds` unless still `live`."""
        now = time.time()
        self.entries = {
            fp: e for fp, e in self.entries.items() if fp in live or now - e.updated < keep_seconds
        }
        payload = {"version": REGISTRY_VERSION, "files": {fp: asdict(e) for fp, e in self.entries.items()}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            handle.write(orjson.dumps(payload))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        with contextlib.suppress(OSError):  # directory fsync: not supported everywhere
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
