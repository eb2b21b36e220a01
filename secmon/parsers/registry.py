"""The one list of log formats: name → datasets, parse, sniff.

Everything that names a format derives from `REGISTRY`: `parse_line` dispatches through it, `detect_format`
asks each format's `sniff`, the CLI's `--format` choices and help, `vigil logs formats`, and the config's
allowed values (core/config.py cannot import secmon, so tests/secmon/test_framings.py checks that its
Literal lists exactly these names). Adding a format = one parser module + one `LogFormat` entry here
(see secmon/README.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from secmon.parsers.eve import parse_eve
from secmon.parsers.fastlog import parse_fastlog
from secmon.parsers.state import ParseState
from secmon.parsers.syslog import _NO_TIME, parse_syslog
from secmon.parsers.weblog import (
    _ACCESS,
    _APACHE_ERROR,
    _APACHE_NO_TIME,
    _NGINX_ERROR,
    _SYSLOG_WRAP,
    _VHOST,
    _unwrap,
    parse_weblog,
)


class ParseContext:
    """What a parser may need besides the line: when it was read, the zone of zone-less timestamps, state.

    One is made per line: a plain slotted class (~0.14 us) rather than a frozen dataclass (~0.43 us)."""

    __slots__ = ("received_at", "state", "tz")

    def __init__(self, received_at: datetime | None, tz: timezone, state: ParseState | None) -> None:
        self.received_at = received_at
        self.tz = tz
        self.state = state


Parse = Callable[[str, ParseContext], tuple[datetime, dict[str, Any]]]


@dataclass(frozen=True)
class LogFormat:
    name: str
    datasets: tuple[str, ...]  # the first is the format's own (pipeline errors are filed under it)
    summary: str
    parse: Parse
    sniff: Callable[[str], bool]  # does this (stripped, non-empty) line look like this format?


_FASTLOG = re.compile(r"^\d\d/\d\d/\d{4}-\d\d:\d\d:\d\d(?:\.\d+)?\s+(?:\[\w*Drop\]\s+)?\[\*\*\]")
_SYSLOG = re.compile(
    r"^(?:<\d{1,3}>)?(?:1 \S+ |[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d "
    r"|\d{4} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d |\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\S* )\S+ "
)


def _web_line(line: str) -> str:
    """The access/error line itself: without the syslog header that carried it or an extra pair of quotes."""
    wrapped = _SYSLOG_WRAP.match(line)
    if wrapped is not None:
        line = line[wrapped.end() :]
    return _unwrap(line)


def _is_access(line: str) -> bool:
    text = _web_line(line)
    if _ACCESS.match(text):
        return True
    vhost = _VHOST.match(text)
    return vhost is not None and _ACCESS.match(text[vhost.end() :]) is not None


def _sniff_nginx(line: str) -> bool:
    return _NGINX_ERROR.match(_web_line(line)) is not None


def _sniff_apache(line: str) -> bool:
    text = _web_line(line)
    return _APACHE_ERROR.match(text) is not None or (text != line and _APACHE_NO_TIME.match(text) is not None)


REGISTRY: dict[str, LogFormat] = {
    f.name: f
    for f in (
        LogFormat(
            "eve",
            ("suricata.eve",),
            "Suricata EVE JSON (every event type; alerts, flows, http, dns, tls …)",
            lambda line, ctx: parse_eve(line),
            lambda line: line.startswith("{") and '"event_type"' in line,
        ),
        LogFormat(
            "fastlog",
            ("suricata.fastlog",),
            "Suricata fast.log alerts",
            lambda line, ctx: parse_fastlog(line, ctx.tz),
            lambda line: _FASTLOG.match(line) is not None,
        ),
        LogFormat(
            "syslog",
            ("system.syslog", "system.auth"),
            "syslog: RFC 3164 (with/without host, year-first), ISO/short-iso, RFC 5424, journal lines "
            "without time; sshd/PAM/sudo/su become system.auth",
            lambda line, ctx: parse_syslog(line, ctx.received_at, ctx.tz, ctx.state),
            lambda line: _SYSLOG.match(line) is not None or _NO_TIME.match(line) is not None,
        ),
        LogFormat(
            "nginx",
            ("nginx.access", "nginx.error"),
            "nginx access (combined/common, vhost-prefixed, syslog-wrapped) and error logs",
            lambda line, ctx: parse_weblog(line, "nginx", ctx.tz),
            _sniff_nginx,
        ),
        LogFormat(
            "apache",
            ("apache.access", "apache.error"),
            "Apache access (combined/common, vhost_combined, syslog-wrapped) and error logs (2.2, 2.4, "
            "ModSecurity)",
            lambda line, ctx: parse_weblog(line, "apache", ctx.tz),
            _sniff_apache,
        ),
    )
}
FORMATS: tuple[str, ...] = tuple(REGISTRY)
DATASETS: dict[str, str] = {name: f.datasets[0] for name, f in REGISTRY.items()}


def guess(line: str) -> str | None:
    """The format one line looks like; "access" for an access line (the same from nginx and Apache)."""
    if _is_access(line):
        return "access"
    for name in ("eve", "fastlog", "nginx", "apache", "syslog"):
        if REGISTRY[name].sniff(line):
            return name
    return None


def describe() -> str:
    """One line per format, for --help and `vigil logs formats`."""
    return "\n".join(f"{f.name:8} {', '.join(f.datasets):28} {f.summary}" for f in REGISTRY.values())
