"""read_once's line splitting on random bytes, with a tiny cap and tiny reads so that every case meets a
chunk boundary: the lines (text, offset, end, cut) and `partial` are those of a plain split of the whole
content, as the oneshot module docstring states them (cap, empty lines, \\r\\n, bad UTF-8, unterminated
last line of a finished file or of one still being written)."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secmon.inputs import Line, oneshot
from secmon.pipeline import IngestSummary
from secmon.sources import Sources, consumed, read_inputs

PIECES = [b"a", b"bc", b"\n", b"\r", b"\r\n", b"\n\n", "é€".encode(), b"\xe2\x82", b"\xff", b"x" * 12]
CAP = 8


def plain(data: bytes, finished: bool) -> tuple[list[tuple[str, int, int, int]], bool]:
    """(text, offset, end, cut) of each line of `data` from one split of all of it; and whether the
    unterminated last line was left for later (`partial`)."""

    def text(raw: bytes) -> str:
        decoded = raw.decode("utf-8", "replace")
        return decoded[:-1] if decoded.endswith("\r") else decoded

    lines, offset = [], 0
    *complete, last = data.split(b"\n")
    for raw in complete:
        end = offset + len(raw) + 1
        if len(raw) > CAP:
            lines.append((text(raw[:CAP]), offset, end, len(raw)))
        elif text(raw):
            lines.append((text(raw), offset, end, 0))
        offset = end
    if last and not finished:
        return lines, True
    if len(last) > CAP:
        lines.append((text(last[:CAP]), offset, offset + len(last), len(last)))
    elif last:
        lines.append((text(last), offset, offset + len(last), 0))
    return lines, False


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(st.sampled_from(PIECES), max_size=40).map(b"".join),
    chunk=st.integers(1, 7),
    head=st.integers(1, 9),
    finished=st.booleans(),
)
def test_lines_are_a_plain_split_whatever_the_reads(
    data: bytes, chunk: int, head: int, finished: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        patch.setattr(oneshot, "MAX_LINE", CAP)
        patch.setattr(oneshot, "CHUNK", chunk)
        patch.setattr(oneshot, "FINGERPRINT_MAX", head)  # the first read: the head the origin comes from
        log = Path(tmp) / "app.log"
        log.write_bytes(data)
        if finished:  # not changed for a while: its unterminated last line is complete
            old = time.time() - 3600
            os.utime(log, (old, old))
        reader = oneshot.Reader(str(log))
        lines = [(line.text, line.offset, line.end, line.cut) for line in reader]
    assert (lines, reader.partial) == plain(data, finished)


def test_progress_reports_the_bytes_of_the_lines_read(tmp_path: Path) -> None:
    """The progress callback gets, per batch, the bytes its lines span (newlines included); empty lines,
    which make no event, are not counted; a line made without an end (-1) counts nothing."""
    log = tmp_path / "app.log"
    log.write_bytes(b"alpha\r\n\nbeta\n" + b"x" * 40 + b"\n\n")
    old = time.time() - 3600
    os.utime(log, (old, old))
    reported: list[int] = []
    read_inputs(
        Sources(fmt="syslog"),
        [str(log)],
        2,
        lambda *batch: None,
        IngestSummary(),
        lambda p, n: reported.append(n),
    )
    assert reported == [7 + 5, 41]
    assert consumed([Line("a", "o", 10, "p")]) == 0
