"""Parsers from raw log lines to ECS `SecurityEvent`s.

`parse_line` never raises on bad input: a line that does not parse becomes an event with
`event.kind: pipeline_error`, `error.message` and `event.original`, so nothing is dropped silently.
`detect_format` picks a format from a file's first lines (raises `UnknownFormat` when it cannot).
The formats themselves are listed once, in `registry.REGISTRY` (name → datasets, parse, sniff):

    eve.py      Suricata EVE JSON              suricata.eve
    fastlog.py  Suricata fast.log              suricata.fastlog
    syslog.py   syslog framings                system.syslog (sshd.py/auth.py → system.auth)
    weblog.py   nginx / Apache access + error  nginx.access|error, apache.access|error
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timezone

from secmon.errors import UnknownFormat
from secmon.parsers.ecs import LineError, error_event, make_event
from secmon.parsers.registry import DATASETS, FORMATS, REGISTRY, ParseContext, describe, guess
from secmon.parsers.state import ParseState
from store.models import SecurityEvent

__all__ = ["DATASETS", "FORMATS", "REGISTRY", "ParseState", "describe", "detect_format", "parse_line"]


def parse_line(
    line: str,
    fmt: str,
    *,
    origin: str,
    offset: int,
    received_at: datetime | None = None,
    path: str | None = None,
    tz: timezone = UTC,
    state: ParseState | None = None,
) -> SecurityEvent:
    """Parse one line (without its newline) of format `fmt` into an ECS event; never raises on bad input.

    `received_at` dates pipeline errors and anchors the year of syslog lines; `tz` is the zone of formats
    whose timestamps carry none (RFC 3164 syslog, fast.log, error logs). `path` fills `log.file.path`.
    `state` (one per stream of lines, e.g. per ingester) lets multi-line families be correlated: sshd
    lines without an address get it from earlier lines of the same host and pid.
    An unknown `fmt` is a caller bug and raises UnknownFormat.
    """
    if fmt == "auto":
        try:
            fmt = detect_format([line])
        except UnknownFormat:
            return error_event(
                line,
                "unknown",
                "format not recognised",
                origin=origin,
                offset=offset,
                received_at=received_at,
                path=path,
            )
    log_format = REGISTRY.get(fmt)
    if log_format is None:
        raise UnknownFormat(f"unknown log format {fmt!r}; use one of {', '.join(FORMATS)} or auto")
    try:
        timestamp, doc = log_format.parse(line, ParseContext(received_at, tz, state))
    except LineError as exc:
        return error_event(
            line, DATASETS[fmt], str(exc), origin=origin, offset=offset, received_at=received_at, path=path
        )
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        # A parser bug on an odd line must not stop ingestion: keep the line and say what broke.
        return error_event(
            line,
            DATASETS[fmt],
            f"parser failed: {type(exc).__name__}: {exc}",
            origin=origin,
            offset=offset,
            received_at=received_at,
            path=path,
        )
    return make_event(line, timestamp, doc, origin=origin, offset=offset, path=path)


def detect_format(lines: list[str], path: str | None = None) -> str:
    """The most common recognisable format among `lines` (a file's first lines).

    Access logs look the same from nginx and Apache: they are reported as "nginx" when `path` or an
    error line says nginx, else "apache". Raises UnknownFormat when no line is recognised.
    """
    votes = Counter(g for g in (guess(line.strip("\r\n")) for line in lines if line.strip()) if g)
    if not votes:
        raise UnknownFormat(
            f"could not recognise the log format from its first lines; pass --format ({', '.join(FORMATS)})"
        )
    best = votes.most_common(1)[0][0]
    if best == "access":
        nginx = votes["nginx"] > 0 or (path is not None and "nginx" in path.lower())
        return "nginx" if nginx else "apache"
    return best
