"""Follow many log files like Filebeat: resume after restart, survive rotation, lose nothing.

- Each file is identified by the hash of its first line (see registry.fingerprint), so it is
  recognised after a rename, a copy or compression into `.gz`, and by its dev:inode: two live files
  that start with the same line (a banner, a header) are two files; the second gets the key
  `fp~<hash of dev:inode>` (see `_identity`), so banner-headed rename rotation loses nothing.
- Rename rotation: the open handle keeps reading the old inode to its end while the new file at the
  path is picked up.
- copytruncate: a file shorter than what we read (or whose first line changed) was truncated; its
  tail lives in the copy, found by fingerprint and read from where we were; the truncated file
  starts anew.
- Rotated neighbours (`app.log.1`, `app.log.2.gz`, …) are looked at on start and whenever the
  directory or a followed path changes: one already in the registry resumes at its committed offset;
  an unknown one is read from its start if it was seen at a followed path in this process or changed
  since following began (so a file rotated while we were down, or between two polls, is not lost).
- `.gz` files are read once (decompressed), never followed.
- A partial last line waits for its newline; offsets move only on `commit(lines)`, to be called after
  the store acknowledged the events (at-least-once; ids are deterministic so re-delivery is harmless).
"""

from __future__ import annotations

import contextlib
import glob
import gzip
import hashlib
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, cast

from secmon.inputs.line import MAX_LINE, Line
from secmon.inputs.registry import FINGERPRINT_MAX, Entry, Registry, fingerprint, origin_of

CHUNK = 1 << 16
GZ_MAGIC = b"\x1f\x8b"


def _is_gz(path: str) -> bool:
    return path.endswith(".gz")


def _open(path: str) -> BinaryIO:
    """The file's content: decompressed when it is gzip (by its first bytes: a plain file named .gz
    is read as it is). Not a regular file (a FIFO): opened without blocking for a writer."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        mode = 0
    if mode and not stat.S_ISREG(mode):
        return open(path, "rb")  # a FIFO or a device: a stream, never sniffed (that would eat data)
    if _is_gz(path):
        with open(path, "rb") as probe:
            if probe.read(2) == GZ_MAGIC:
                return cast(BinaryIO, gzip.open(path, "rb"))
    return open(path, "rb")


def _content(key: str) -> str:
    """The content fingerprint part of a registry key (`fp` or `fp~inode`)."""
    return key.split("~", 1)[0]


def _suffixed(fp: str, inode: tuple[int, int]) -> str:
    return f"{fp}~{hashlib.sha256(f'{inode[0]}:{inode[1]}'.encode()).hexdigest()[:12]}"


def _regular(path: str) -> bool:
    """Only regular files are followed (a FIFO cannot be re-read nor resumed: `ingest_paths` refuses it)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def read_head(path: str) -> bytes:
    """The first bytes of a file's (uncompressed) content, enough to fingerprint it."""
    with _open(path) as handle:
        try:
            return handle.read(FINGERPRINT_MAX)
        except (EOFError, gzip.BadGzipFile):  # a .gz still being written
            return b""


@dataclass
class _Harvester:
    """An open file being read: the read position runs ahead of the committed offset."""

    fp: str
    path: str
    dev: int
    ino: int
    handle: BinaryIO
    position: int  # file offset of buffer[cursor], the first byte not yet delivered
    gz: bool
    buffer: bytes = b""
    cursor: int = 0  # start of the unread part of `buffer`
    eof: bool = False
    rotated: bool = False
    seen_size: int = -1  # found among the siblings: an older file, read before current ones
    skipping: int = 0  # bytes so far of a line longer than MAX_LINE (0: none)
    kept: bytes = b""  # that line's first MAX_LINE bytes
    last_data: float = field(default_factory=time.monotonic)

    @property
    def origin(self) -> str:
        return origin_of(self.fp)

    @property
    def consumed(self) -> int:
        """Bytes of the file read so far (delivered lines + the pending partial line)."""
        return self.position + self.skipping + len(self.buffer) - self.cursor

    def read(self, limit: int, out: list[Line]) -> None:
        """Append up to `limit` complete lines to `out` (a cursor avoids re-copying the buffer).

        A line longer than MAX_LINE keeps its first MAX_LINE bytes and is delivered once its newline
        comes, spanning all its bytes (`Line.cut`); what lies between is read past, never held.
        """
        produced = 0
        buffer, cursor = self.buffer, self.cursor
        while produced < limit:
            if self.skipping:
                newline = buffer.find(b"\n", cursor)
                if newline >= 0:
                    length = self.skipping + newline - cursor
                    start = self.position
                    self.position += length + 1
                    out.append(self._line(self.kept, start, self.position, cut=length))
                    produced += 1
                    self.skipping, self.kept = 0, b""
                    cursor = newline + 1
                    continue
                self.skipping += len(buffer) - cursor
                buffer, cursor = b"", 0
            else:
                newline = buffer.find(b"\n", cursor)
                if newline >= 0:
                    start = self.position
                    self.position += newline + 1 - cursor
                    if newline > cursor and buffer[cursor:newline] != b"\r":  # empty lines carry nothing
                        out.append(self._line(buffer[cursor:newline], start, self.position))
                        produced += 1
                    cursor = newline + 1
                    continue
                buffer, cursor = buffer[cursor:], 0
                if len(buffer) > MAX_LINE:  # a runaway line: keep its head, read past the rest
                    self.kept, self.skipping = buffer[:MAX_LINE], len(buffer)
                    buffer = b""
            try:
                chunk = self.handle.read(CHUNK)
            except (EOFError, gzip.BadGzipFile, OSError):
                chunk = b""  # a truncated .gz: keep what we have, try again later
            if chunk:
                buffer += chunk
                self.last_data = time.monotonic()
                continue
            self.eof = True
            if self.gz and (buffer or self.skipping):  # a compressed file is complete: so is its last line
                start = self.position
                if self.skipping:
                    self.position += self.skipping
                    out.append(self._line(self.kept, start, self.position, cut=self.skipping))
                    self.skipping, self.kept = 0, b""
                else:
                    self.position += len(buffer)
                    out.append(self._line(buffer, start, self.position))
                buffer = b""
            self.buffer, self.cursor = buffer, 0
            return
        self.buffer, self.cursor = buffer, cursor
        self.eof = False

    def _line(self, raw: bytes, start: int, end: int, cut: int = 0) -> Line:
        text = raw.decode("utf-8", "replace")
        if text.endswith("\r"):
            text = text[:-1]
        return Line(text, self.origin, start, self.path, end, cut)


class FileFollower:
    """Follows the files matching `paths` (literal paths or globs); see the module docstring."""

    def __init__(self, paths: list[str], registry_path: Path, *, close_rotated_after: float = 2.0) -> None:
        self.patterns = [str(p) for p in paths]
        self.registry = Registry.load(Path(registry_path))
        self.close_rotated_after = close_rotated_after
        self._open: dict[str, _Harvester] = {}  # by fingerprint
        self._detached: dict[str, int] = {}  # key → read position of a truncated file's harvester
        self._detached_inode: dict[str, tuple[int, int]] = {}  # key → dev, inode of that truncated file
        self._gz_done: dict[str, int] = {}  # fp → length of a compressed file read to its end
        self._fp_cache: dict[tuple[int, int], tuple[int, int, str | None]] = {}  # inode → size, mtime, fp
        self._scan_siblings = True
        self._at_path: dict[str, tuple[int, int, int]] = {}  # followed path → dev, inode, size seen
        self._dir_mtimes: dict[str, int] = {}  # directory of a pattern → mtime at the last sibling scan
        self._seen: set[tuple[int, int]] = set()  # inodes seen at a followed path (this process)
        # Rotated files changed after this moment may hold lines never delivered (see _sibling_wanted):
        # the last save of the registry, or now when following begins.
        if not self.registry.path.exists():
            self.registry.save()
        self._since = self.registry.path.stat().st_mtime

    # -- public API -------------------------------------------------------------------------------
    def poll(self, max_lines: int = 10_000) -> list[Line]:
        """New complete lines, oldest files first (rotated before current), at most `max_lines`."""
        self._discover()
        lines: list[Line] = []
        for harvester in sorted(
            self._open.values(), key=lambda h: (h.gz, not (h.rotated or self._rotated(h)), h.path)
        ):
            if len(lines) >= max_lines:
                break
            harvester.read(max_lines - len(lines), lines)
        self._close_finished()
        return lines

    def commit(self, lines: list[Line]) -> None:
        """Persist that `lines` (as returned by poll, in order) are safely stored."""
        ends: dict[str, int] = {}
        paths: dict[str, str] = {}
        for line in lines:
            if not line.origin.startswith("file:"):
                continue
            fp = line.origin[5:]
            if line.end > ends.get(fp, -1):
                ends[fp] = line.end
                paths[fp] = line.path
        if not ends:
            return
        now = time.time()
        for fp, end in ends.items():
            entry = self.registry.entries.setdefault(fp, Entry())
            entry.offset = max(entry.offset, end)
            entry.path = paths[fp]
            entry.updated = now
            harvester = self._open.get(fp)
            if harvester is not None:
                entry.dev, entry.ino = harvester.dev, harvester.ino
            if fp in self._gz_done:
                entry.eof_offset = self._gz_done[fp]
        self.registry.save(live=set(self._open))

    def rewind(self) -> None:
        """Forget uncommitted reads (e.g. the store refused a batch): the next poll re-reads them."""
        self.close()
        self._detached.clear()
        self._detached_inode.clear()
        self._gz_done.clear()
        self._scan_siblings = True

    def close(self) -> None:
        for harvester in self._open.values():
            with contextlib.suppress(OSError):
                harvester.handle.close()
        self._open.clear()

    # -- discovery --------------------------------------------------------------------------------
    def _expand(self) -> list[str]:
        found: list[str] = []
        for pattern in self.patterns:
            if glob.has_magic(pattern):
                found.extend(sorted(glob.glob(pattern)))
            elif os.path.exists(pattern):
                found.append(pattern)
        return [path for path in found if _regular(path)]

    def _discover(self) -> None:
        for open_file in list(self._open.values()):  # by handle: a rotated file may be truncated too
            if not open_file.gz:
                try:
                    replaced = self._replaced(open_file, os.fstat(open_file.handle.fileno()))
                except OSError:
                    replaced = True
                if replaced:
                    self._detach(open_file)  # copytruncate: the tail we have not read is in the copy
        by_inode = {(h.dev, h.ino): h for h in self._open.values()}
        fresh: list[tuple[str, os.stat_result]] = []
        paths = self._expand()
        for gone in set(self._at_path) - set(paths):
            del self._at_path[gone]
            self._scan_siblings = True  # renamed away (or deleted): look for it beside the path
        if any(not glob.has_magic(p) and p not in paths for p in self.patterns):
            self._scan_siblings = True  # missing (between rotation and re-creation): watch beside it
        for directory in {os.path.dirname(p) or "." for p in self.patterns}:
            try:
                mtime = os.stat(directory).st_mtime_ns
            except OSError:
                continue
            if self._dir_mtimes.get(directory) != mtime:  # a file was created, renamed or removed there
                self._dir_mtimes[directory] = mtime
                self._scan_siblings = True
        for path in paths:
            try:
                st = os.stat(path)
            except OSError:
                continue
            inode = (st.st_dev, st.st_ino)
            before = self._at_path.get(path)
            if before is None or before[:2] != inode or st.st_size < before[2]:
                self._scan_siblings = True  # new, rotated or truncated: old lines may sit beside it
            self._at_path[path] = (st.st_dev, st.st_ino, st.st_size)
            if len(self._seen) > 100_000:
                self._seen.clear()
            self._seen.add(inode)
            harvester = by_inode.get(inode)
            if harvester is None:
                fresh.append((path, st))
            else:
                harvester.path = path
        for path, st in fresh:
            self._start(path, st, known_only=False)
        if self._scan_siblings:
            self._scan_siblings = False
            for path in self._siblings():
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                if (st.st_dev, st.st_ino) not in {(h.dev, h.ino) for h in self._open.values()}:
                    self._start(path, st, known_only=True)

    def _siblings(self) -> list[str]:
        """Rotated neighbours of the followed files (`app.log.1`, `app.log-20250101.gz`, …)."""
        names: set[str] = set()
        for pattern in self.patterns:
            directory, base = os.path.split(pattern)
            stem = base.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0]
            try:
                entries = os.listdir(directory or ".")
            except OSError:
                continue
            for name in entries:
                if name.startswith(stem) and name != base:
                    names.add(os.path.join(directory, name))
        return sorted(names)

    def _identity(self, fp: str, st: os.stat_result, *, followed: bool) -> str:
        """The registry key of the file `st` whose first line hashes to `fp`.

        Content identifies a copy or a compressed file (same key, so same event ids); the inode tells
        apart two live files that start with the same line (a banner, a header): a new inode at a
        followed path whose fingerprint another file holds gets its own key, `fp~<dev:inode hash>`.
        """
        inode = (st.st_dev, st.st_ino)
        family = [k for k in {*self._open, *self.registry.entries, *self._detached} if _content(k) == fp]
        for key in family:  # the key this inode already has
            held = self._open.get(key)
            if held is not None and (held.dev, held.ino) == inode:
                return key
        for key in family:
            if self._detached_inode.get(key) == inode:  # the truncated original: it starts anew
                return _suffixed(fp, inode) if key == fp else key
        for key in family:
            entry = self.registry.entries.get(key)
            if entry is not None and (entry.dev, entry.ino) == inode and key not in self._detached:
                if followed and st.st_size < entry.offset and key == fp:
                    # truncated while we were stopped (copytruncate): its old tail is in the copy
                    self._detached[key] = entry.offset
                    self._detached_inode[key] = inode
                    return _suffixed(fp, inode)
                return key
        for key in family:
            if key in self._detached:  # the copy of a truncated file: continue it under its key
                return key
        if not followed or (fp not in self._open and fp not in self.registry.entries):
            return fp  # rotated names, compressed copies: by content, as before
        return _suffixed(fp, inode)

    def _start(self, path: str, st: os.stat_result, *, known_only: bool) -> None:
        """Open a newly seen file at its committed offset (siblings only if already in the registry)."""
        gz = _is_gz(path)
        content = self._fingerprint(path, st)
        if content is None:
            return  # first line incomplete
        fp = self._identity(content, st, followed=not known_only and not gz)
        if gz and fp in self._gz_done:
            return  # read to its end in this process (committed or in the caller's hands)
        if fp in self._open:
            return  # the same content is already being read (a copy)
        entry = self.registry.entries.get(fp)
        if known_only and entry is None and fp not in self._detached and not self._sibling_wanted(st):
            return
        start = max(entry.offset if entry else 0, self._detached.get(fp, 0))
        if entry is not None and gz and 0 <= entry.eof_offset <= entry.offset:
            return  # a compressed file already delivered in full
        if known_only and not gz and st.st_size <= start:
            return  # an old rotated file already delivered in full
        if not gz and st.st_size < start:
            if entry is not None and (entry.dev, entry.ino) == (st.st_dev, st.st_ino):
                start = 0  # truncated and rewritten with the same first line
            else:
                return  # a copy still being written: look again next poll
        try:
            handle = _open(path)
            handle.seek(start)
        except (OSError, EOFError, gzip.BadGzipFile):
            return
        self._detached.pop(fp, None)
        self._detached_inode.pop(fp, None)
        self._open[fp] = _Harvester(fp, path, st.st_dev, st.st_ino, handle, start, gz, rotated=known_only)

    def _replaced(self, harvester: _Harvester, st: os.stat_result) -> bool:
        """Was this inode truncated (and maybe rewritten) since we opened it?

        Shorter than what we read means truncated; a size change is also checked against the first
        line's fingerprint, which catches a truncated file that has already grown past our offset.
        """
        if st.st_size < harvester.consumed:
            return True
        if st.st_size == harvester.seen_size:
            return False
        harvester.seen_size = st.st_size
        try:
            head = os.pread(harvester.handle.fileno(), FINGERPRINT_MAX, 0)
        except OSError:
            return True
        return fingerprint(head) != _content(harvester.fp)

    def _sibling_wanted(self, st: os.stat_result) -> bool:
        """An unknown rotated file is read from its start only when it was seen at a followed path in
        this process, or changed (written, renamed: ctime) since following began — else old history
        beside the log would be re-read on every start."""
        if (st.st_dev, st.st_ino) in self._seen:
            return True
        return max(st.st_mtime, st.st_ctime) >= self._since

    def _fingerprint(self, path: str, st: os.stat_result) -> str | None:
        """The file's fingerprint, cached per inode while its size and mtime are unchanged."""
        key = (st.st_dev, st.st_ino)
        cached = self._fp_cache.get(key)
        if cached is not None and cached[:2] == (st.st_size, st.st_mtime_ns):
            return cached[2]
        try:
            fp = fingerprint(read_head(path))
        except OSError:
            return None
        if len(self._fp_cache) > 10_000:
            self._fp_cache.clear()
        self._fp_cache[key] = (st.st_size, st.st_mtime_ns, fp)
        return fp

    def _detach(self, harvester: _Harvester) -> None:
        self._detached[harvester.fp] = harvester.position
        self._detached_inode[harvester.fp] = (harvester.dev, harvester.ino)
        with contextlib.suppress(OSError):
            harvester.handle.close()
        del self._open[harvester.fp]
        self._scan_siblings = True

    # -- closing ----------------------------------------------------------------------------------
    def _rotated(self, harvester: _Harvester) -> bool:
        """True when no followed path names this file any more (renamed away or deleted)."""
        try:
            st = os.stat(harvester.path)
        except OSError:
            return True
        return (st.st_dev, st.st_ino) != (harvester.dev, harvester.ino)

    def _close_finished(self) -> None:
        now = time.monotonic()
        for fp, harvester in list(self._open.items()):
            done_gz = harvester.gz and harvester.eof and harvester.consumed == harvester.position
            idle_rotated = (
                harvester.eof
                and now - harvester.last_data > self.close_rotated_after
                and not self._followed(harvester)
            )
            if done_gz:
                self._gz_done[fp] = harvester.position
            if done_gz or idle_rotated:
                with contextlib.suppress(OSError):
                    harvester.handle.close()
                del self._open[fp]

    def _followed(self, harvester: _Harvester) -> bool:
        """True while one of the followed paths still names this harvester's file."""
        for path in self._expand():
            try:
                st = os.stat(path)
            except OSError:
                continue
            if (st.st_dev, st.st_ino) == (harvester.dev, harvester.ino):
                return True
        return False
