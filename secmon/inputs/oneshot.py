"""Read a log once, from a file (plain or .gz) or from stdin, without a registry."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import BinaryIO

from secmon.errors import InputError
from secmon.inputs.follower import _open
from secmon.inputs.line import Line
from secmon.inputs.registry import fingerprint, origin_of


def read_once(path_or_dash: str) -> Iterator[Line]:
    """Every line of a file, or of stdin for "-"; the last line may lack its newline.

    A file's origin is its content fingerprint, as in FileFollower, so ingesting a file once and then
    following it yields the same event ids (no duplicates).
    """
    if path_or_dash == "-":
        yield from _lines(sys.stdin.buffer, "stdin", "-")
        return
    try:
        handle = _open(path_or_dash)
    except OSError as exc:
        raise InputError(f"cannot read {path_or_dash}: {exc.strerror or exc}; check the path") from None
    with handle:
        head = handle.read(1024)
        fp = fingerprint(head) or fingerprint(head + b"\n")
        if fp is None:
            return
        handle.seek(0)
        yield from _lines(handle, origin_of(fp), path_or_dash)


def _lines(handle: BinaryIO, origin: str, path: str) -> Iterator[Line]:
    offset = 0
    for raw in handle:
        end = offset + len(raw)
        text = raw.rstrip(b"\n").decode("utf-8", "replace")
        if text.endswith("\r"):
            text = text[:-1]
        if text:  # empty lines carry nothing (as FileFollower)
            yield Line(text, origin, offset, path, end)
        offset = end
