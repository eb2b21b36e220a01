"""Log inputs that lose nothing: follow files like Filebeat, or read one-shot from a file or stdin.

`FileFollower` keeps a registry of (file identity, offset) persisted atomically; offsets move only
when `commit(lines)` is called after the store acknowledged the events (at-least-once delivery).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Line:
    """One complete log line (without its newline) and where it came from."""

    text: str
    origin: str
    offset: int
    path: str


class FileFollower:
    """Follows many files across restarts and rotations (stub: real code lands shortly)."""

    def __init__(self, paths: list[str], registry_path: Path) -> None:
        self.paths = list(paths)
        self.registry_path = Path(registry_path)

    def poll(self, max_lines: int = 10_000) -> list[Line]:
        return []

    def commit(self, lines: list[Line]) -> None:
        return None

    def close(self) -> None:
        return None


def read_once(path_or_dash: str) -> Iterator[Line]:
    """Every line of a file (plain or .gz) or of stdin when `path_or_dash` is "-"."""
    import sys

    stream = sys.stdin if path_or_dash == "-" else open(path_or_dash, encoding="utf-8", errors="replace")  # noqa: SIM115
    offset = 0
    with stream:
        for raw in stream:
            text = raw.rstrip("\n")
            yield Line(text, path_or_dash, offset, path_or_dash)
            offset += len(raw.encode("utf-8"))
