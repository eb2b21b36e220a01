"""`vigil logs parse FILE… [--format …] [--timezone …]`: print each line's ECS event as one JSON line.

The same path as `vigil logs ingest` (secmon.sources: format and zone from the options, else the file's
`secmon.logs` entry; multi-line state; rule metadata and asset tags) with stdout as the sink instead of
the store: what it prints is what ingest stores. stdout carries only the JSON lines; a one-line summary
(lines, pipeline errors) goes to stderr. Registered by secmon/cli.py as `logs_app.command("parse")`.
"""

from __future__ import annotations

import sys
from datetime import timezone

import orjson
import typer

from core.console import console, settings_from
from secmon.parsers import FORMATS
from secmon.parsers.ecs import LineError
from secmon.pipeline import IngestSummary
from secmon.sources import parse_paths, zone_of
from store.models import SecurityEvent

ZONE_HELP = (
    'zone of timestamps written without one (syslog, fast.log, error logs): UTC or e.g. "+07:00"; '
    "default: the file's secmon.logs entry, else UTC"
)


def zone_option(text: str | None) -> timezone | None:
    """The --timezone option's zone (None: what the configuration says of each file)."""
    if text is None:
        return None
    try:
        return zone_of(text)
    except (LineError, ValueError, IndexError):
        raise typer.BadParameter(
            f'{text!r} is not a zone: use UTC or an offset such as "+07:00"', param_hint="--timezone"
        ) from None


def parse_command(
    ctx: typer.Context,
    files: list[str] = typer.Argument(..., help="log files to parse (plain or .gz), or - for stdin"),
    fmt: str = typer.Option(
        "auto", "--format", "-f", help=f"auto or one of: {', '.join(FORMATS)} (see `vigil logs formats`)"
    ),
    zone_text: str | None = typer.Option(None, "--timezone", help=ZONE_HELP),
    pretty: bool = typer.Option(False, "--pretty", help="indent the JSON (one event per block)"),
) -> None:
    """Print the ECS event of every line of FILE as JSON, one per line (what `logs ingest` would store)."""
    zone = zone_option(zone_text)
    option = orjson.OPT_INDENT_2 if pretty else 0
    out = sys.stdout.buffer

    def write(event: SecurityEvent) -> None:
        out.write(orjson.dumps(event.to_document(), option=option) + b"\n")

    summary = IngestSummary()
    parse_paths(settings_from(ctx), files, write, summary, fmt, zone)
    out.flush()
    if not summary.lines_read:
        console.print(f"{', '.join(files)}: no lines")
        return
    formats = ", ".join(sorted(set(summary.formats.values())))
    console.print(f"{summary.lines_read} lines parsed as {formats}, {summary.parse_errors} pipeline errors")
