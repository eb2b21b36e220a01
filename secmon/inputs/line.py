"""`Line`: one complete log line handed from an input to the parsers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Line:
    """A log line without its newline.

    `origin` + `offset` identify it (event id = stable_id(origin, str(offset), text)); `end` is the byte
    offset just past its newline, what `FileFollower.commit` records.
    """

    text: str
    origin: str
    offset: int
    path: str
    end: int = -1
