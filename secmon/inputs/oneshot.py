"""Read a log once, from a file (plain or .gz), a FIFO or stdin, without a registry.

- A line longer than MAX_LINE keeps its first MAX_LINE bytes (`Line.cut` says how long it was), as
  FileFollower does; memory stays bounded whatever the input.
- A last line without its newline is read when the input is complete (stdin, a FIFO, a .gz, a file
  not changed since PARTIAL_GRACE seconds before this process started); a file still being written
  keeps it for the next run (`Reader.partial`), so it never becomes a pipeline error orphaned by its
  completed self.
- A truncated .gz yields what it holds and then `Reader.damaged` says so; a file named .gz that is
  not compressed is read as plain text.
"""

from __future__ import annotations

import gzip
import os
import stat
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from secmon.errors import InputError
from secmon.inputs.follower import _open
from secmon.inputs.line import MAX_LINE, Line
from secmon.inputs.registry import FINGERPRINT_MAX, fingerprint, origin_of

CHUNK = 1 << 16  # bytes read at a time
PARTIAL_GRACE = 2.0  # seconds without change after which an unterminated last line is complete
_GZ_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)
_line = Line._make  # a Line from a tuple of all its fields, without the keyword defaults (one per line)


class Reader:
    """The lines of one input, read once; `partial`/`damaged` tell what was left or cut short."""

    def __init__(self, path_or_dash: str) -> None:
        self.path = path_or_dash
        self.partial = False  # an unterminated last line was left for the next run
        self.damaged = ""  # why reading stopped early (a truncated or corrupt .gz)

    def __iter__(self) -> Iterator[Line]:
        if self.path == "-":
            yield from self._lines(sys.stdin.buffer, "stdin", b"", tail=True)
            return
        try:
            handle = _open(self.path)
            mode = os.fstat(handle.fileno()).st_mode if hasattr(handle, "fileno") else 0
        except OSError as exc:
            raise InputError(f"cannot read {self.path}: {exc.strerror or exc}; check the path") from None
        with handle:
            try:
                head = _read_head(handle)
            except _GZ_ERRORS as exc:
                self.damaged = f"{type(exc).__name__}: {exc}"
                return
            fp = fingerprint(head) or fingerprint(head + b"\n")
            if fp is None:
                return
            compressed = isinstance(handle, gzip.GzipFile)
            tail = compressed or not stat.S_ISREG(mode) or self._idle()
            yield from self._lines(handle, origin_of(fp), head, tail=tail)

    def _idle(self) -> bool:
        try:
            return os.stat(self.path).st_mtime < process_started() - PARTIAL_GRACE
        except OSError:
            return True

    def _lines(self, handle: BinaryIO, origin: str, head: bytes, *, tail: bool) -> Iterator[Line]:
        """Split `head` + the rest of `handle` into lines without seeking (FIFOs, stdin cannot).

        Each chunk read is split at once (a slice per line, not a copy of the rest of the chunk per
        line); only the start of a line whose newline is not read yet is carried to the next chunk."""
        path = self.path
        offset = 0  # of the first byte of `rest`
        rest = b""  # the start of a line whose newline is not read yet (at most MAX_LINE bytes)
        data = head
        while True:
            if data:
                pieces = (rest + data if rest else data).split(b"\n")
                rest = pieces.pop()
                cap = MAX_LINE
                for raw in pieces:
                    size = len(raw)
                    end = offset + size + 1
                    if size > cap:
                        yield Line(_text(raw[:cap]), origin, offset, path, end, cut=size)
                    elif size and raw != b"\r":  # empty lines carry nothing (as FileFollower)
                        text = (raw[:-1] if raw[-1] == 13 else raw).decode("utf-8", "replace")  # 13: \r
                        yield _line((text, origin, offset, path, end, 0))
                    offset = end
                if len(rest) > MAX_LINE:  # longer than the cap: keep its start, read past the rest of it
                    kept, length = rest[:MAX_LINE], len(rest)
                    rest = data = b""
                    ended = False
                    while not ended:
                        chunk = self._read(handle)
                        if not chunk:
                            break
                        newline = chunk.find(b"\n")
                        if newline >= 0:
                            length += newline
                            data = chunk[newline + 1 :]
                            ended = True
                        else:
                            length += len(chunk)
                    if not ended:  # the input ended inside the long line
                        if not (tail or self.damaged):
                            self.partial = True
                            return
                        yield Line(_text(kept), origin, offset, path, offset + length, cut=length)
                        return
                    end = offset + length + 1
                    yield Line(_text(kept), origin, offset, path, end, cut=length)
                    offset = end
                    continue
            data = self._read(handle)
            if not data:
                break
        if rest:  # an unterminated last line
            if not (tail or self.damaged):  # after damage, what was decompressed is all there is
                self.partial = True
                return
            yield Line(_text(rest), origin, offset, path, offset + len(rest))

    def _read(self, handle: BinaryIO) -> bytes:
        """The next chunk, b"" at the end; a damaged .gz ends here too (`damaged` says why)."""
        try:
            return handle.read(CHUNK)
        except _GZ_ERRORS as exc:
            self.damaged = f"{type(exc).__name__}: {exc}"
            return b""


_STARTED: list[float] = []


def process_started() -> float:
    """When this process started (wall clock): before its imports, unlike any time taken in Python."""
    if not _STARTED:
        try:
            ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
            stats = Path("/proc/stat").read_text().splitlines()
            boot = next(float(line.split()[1]) for line in stats if line.startswith("btime "))
            _STARTED.append(boot + ticks / os.sysconf("SC_CLK_TCK"))
        except (OSError, ValueError, IndexError, StopIteration):
            _STARTED.append(time.time())
    return _STARTED[0]


def _text(raw: bytes) -> str:
    return (raw[:-1] if raw[-1:] == b"\r" else raw).decode("utf-8", "replace")


def _read_head(handle: BinaryIO) -> bytes:
    head = b""
    while len(head) < FINGERPRINT_MAX:
        chunk = handle.read(FINGERPRINT_MAX - len(head))
        if not chunk:
            break
        head += chunk
    return head


def read_once(path_or_dash: str) -> Iterator[Line]:
    """Every line of a file, a FIFO or stdin ("-"); see the module docstring for the edge cases.

    A file's origin is its content fingerprint, as in FileFollower, so ingesting a file once and then
    following it yields the same event ids (no duplicates).
    """
    return iter(Reader(path_or_dash))
