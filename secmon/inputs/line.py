"""`Line`: one complete log line handed from an input to the parsers."""

from __future__ import annotations

from typing import NamedTuple


class Line(NamedTuple):
    """A log line without its newline (immutable; a NamedTuple because one is built per line).

    `origin` + `offset` identify it (event id = stable_id(origin, str(offset), text)); `end` is the byte
    offset just past its newline, what `FileFollower.commit` records.
    """

    text: str
    origin: str
    offset: int
    path: str
    end: int = -1
    cut: int = 0  # a line longer than MAX_LINE: its length in bytes (`text` holds its first MAX_LINE)


MAX_LINE = 1 << 20  # one cap for one-shot and follow: the rest of a longer line is read past, not kept
