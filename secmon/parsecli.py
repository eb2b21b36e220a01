"""`vigil logs parse FILE [--format …]`: print each line's ECS event as one JSON line (no store).

For debugging a parser on a sample: stdout carries only the JSON lines, a one-line summary (lines,
pipeline errors) goes to stderr. Registered by secmon/cli.py as `logs_app.command("parse")(parse_command)`.
"""

from __future__ import annotations

import itertools
import sys
from collections import Counter
from datetime import UTC, datetime

import orjson
import typer

from core.console import console
from secmon.errors import UnknownFormat
from secmon.inputs import Line, read_once
from secmon.parsers import FORMATS, ParseState, detect_format, parse_line

_SNIFF_LINES = 50


def parse_command(
    file: str = typer.Argument(..., help="log file to parse (plain or .gz), or - for stdin"),
    fmt: str = typer.Option(
        "auto", "--format", "-f", help=f"auto or one of: {', '.join(FORMATS)} (see `vigil logs formats`)"
    ),
    pretty: bool = typer.Option(False, "--pretty", help="indent the JSON (one event per block)"),
) -> None:
    """Print the ECS event of every line of FILE as JSON, one per line."""
    if fmt != "auto" and fmt not in FORMATS:
        raise UnknownFormat(f"unknown format {fmt!r}; use auto or one of {', '.join(FORMATS)}")
    lines = read_once(file)
    head: list[Line] = list(itertools.islice(lines, _SNIFF_LINES))
    if not head:
        console.print(f"{file}: no lines")
        return
    if fmt == "auto":
        fmt = detect_format([line.text for line in head], None if file == "-" else file)
    received_at = datetime.now(UTC)
    option = orjson.OPT_INDENT_2 if pretty else 0
    counts: Counter[str] = Counter()
    state = ParseState()
    out = sys.stdout.buffer
    for line in itertools.chain(head, lines):
        if not line.text.strip():
            continue
        event = parse_line(
            line.text,
            fmt,
            origin=line.origin,
            offset=line.offset,
            received_at=received_at,
            path=line.path,
            state=state,
        )
        counts["lines"] += 1
        if event.doc["event"].get("kind") == "pipeline_error":
            counts["errors"] += 1
        out.write(orjson.dumps(event.to_document(), option=option) + b"\n")
    out.flush()
    console.print(f"{counts['lines']} lines parsed as {fmt}, {counts['errors']} pipeline errors")
