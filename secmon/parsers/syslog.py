"""Syslog (RFC 3164 and RFC 5424) → ECS, like Elastic's system integration.

RFC 3164 lines carry no year: it is inferred from the time the line was received (see
`ecs.infer_year`), in the zone given (UTC by default). Messages from sshd, sudo, su, login and PAM are
handed to `auth.enrich_auth`, which turns them into `system.auth` authentication events; the rest stay
`system.syslog`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timezone
from typing import Any

from secmon.parsers.auth import enrich_auth, is_auth_program
from secmon.parsers.ecs import MONTHS, LineError, infer_year
from secmon.parsers.state import ParseState

SYSLOG_DATASET = "system.syslog"
AUTH_DATASET = "system.auth"

_PRI = r"(?:<(\d{1,3})>)?"
_PROGRAM = r"([^\s:\[]+(?:\([^)\s]*\))?)"  # sshd, sshd-session, sshd(pam_unix)
_BRACKETED = re.compile(r"^\[([\w.-]+)\]:?$")
_TAG = r"(?:([^\s:\[]+?(?:\([^)\s]*\))?)(?:\[(\d+)\])?: ?)?"  # program[pid]: (optional)
_RFC3164 = re.compile(
    _PRI + r"([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d:\d\d:\d\d(?:\.\d+)?)(?: (\d{4}))? (\S+) " + _TAG + r"(.*)$"
)
_RFC3164_LOCAL = re.compile(  # as syslog(3) sends it to /dev/log: no host name, the tag right after the time
    _PRI + r"([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d:\d\d:\d\d(?:\.\d+)?) " + _PROGRAM + r"\[(\d+)\]: ?(.*)$"
)
_YEAR_FIRST = re.compile(  # syslog-ng templates that start with the year: "2026 Oct 10 13:00:00 host …"
    _PRI + r"(\d{4}) ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d:\d\d:\d\d(?:\.\d+)?) (\S+) " + _TAG + r"(.*)$"
)
_ISO_SYSLOG = re.compile(  # rsyslog's RSYSLOG_FileFormat, journalctl -o short-iso, syslog-ng ISODATE
    _PRI + r"(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?) (\S+) " + _TAG + r"(.*)$"
)
_NO_TIME = (
    re.compile(  # journalctl -o cat/with-unit exports and bare "host prog[pid]: msg" lines: no timestamp
        _PRI + r"(?:([\w.-]+) )?([^\s:\[]+(?:\([^)\s]*\))?)\[(\d+)\]: ?(.*)$"
    )
)
_RFC5424_HEAD = re.compile(r"<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) ")
_SD_PARAM = re.compile(r"([^\s=\]]+)=\"((?:[^\"\\]|\\.)*)\"", re.DOTALL)
_SEVERITIES = ("emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug")


def _syslog_meta(pri: str | None) -> dict[str, Any]:
    if pri is None:
        return {}
    value = int(pri)
    if value > 191:
        raise LineError(f"syslog priority {value} out of range")
    facility, severity = divmod(value, 8)
    return {
        "priority": value,
        "facility": {"code": facility},
        "severity": {"code": severity, "name": _SEVERITIES[severity]},
    }


def _base(
    hostname: str,
    program: str | None,
    pid: str | None,
    message: str,
    syslog: dict[str, Any],
    state: ParseState | None = None,
    raw: str = "",
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "event": {"kind": "event", "dataset": SYSLOG_DATASET, "module": "system"},
        "message": message.strip(),
    }
    if hostname:
        doc["host"] = {"hostname": hostname}
    if program:
        process: dict[str, Any] = {"name": program}
        if pid:
            process["pid"] = int(pid)
        doc["process"] = process
    if syslog:
        doc["log"] = {"syslog": syslog}

    if program and is_auth_program(program, message):
        doc["event"]["dataset"] = AUTH_DATASET
        enrich_auth(
            program,
            doc["message"],
            doc,
            host=hostname,
            pid=int(pid) if pid else None,
            sessions=state.sshd if state is not None else None,
            raw=raw,
        )
    return doc


def _dated(
    month: str, day: str, clock: str, year: str | None, received_at: datetime | None, tz: timezone
) -> datetime:
    """An RFC 3164 date: with its year when the line has one, else the year inferred."""
    month_no = MONTHS.get(month)
    if month_no is None:
        raise LineError(f"unknown month {month!r}")
    try:
        if year is None:
            return infer_year(month_no, int(day), clock, received_at or datetime.now(UTC), tz)
        hh, mm, rest = clock.split(":")
        second, _, frac = rest.partition(".")
        micro = int((frac + "000000")[:6]) if frac else 0
        return datetime(int(year), month_no, int(day), int(hh), int(mm), int(second), micro, tzinfo=tz)
    except ValueError as exc:
        raise LineError(f"bad syslog timestamp: {exc}") from None


def parse_syslog(
    line: str, received_at: datetime | None = None, tz: timezone = UTC, state: ParseState | None = None
) -> tuple[datetime, dict[str, Any]]:
    """One syslog line (RFC 3164 with or without host name, year-first, ISO timestamps, RFC 5424, or a
    journal export without timestamp) → (timestamp, ECS doc)."""
    if line.startswith("<") and ">1 " in line[:6]:
        return _parse_5424(line, state)
    match = _RFC3164_LOCAL.match(line)
    if match is not None:
        pri, month, day, clock, program, pid, message = match.groups()
        return _dated(month, day, clock, None, received_at, tz), _base(
            "", program, pid, message, _syslog_meta(pri), state, line
        )
    match = _RFC3164.match(line)
    if match is not None:
        pri, month, day, clock, year, host, program, pid, message = match.groups()
        bracketed = _BRACKETED.match(host)
        if bracketed is not None and program is None:  # "Mar  3 00:17:22 [sshd]: …": a tag, no host name
            host, program, message = "", bracketed.group(1), (message or "").removeprefix(": ")
        return _dated(month, day, clock, year, received_at, tz), _base(
            host, program, pid, message, _syslog_meta(pri), state, line
        )
    match = _YEAR_FIRST.match(line)
    if match is not None:
        pri, year, month, day, clock, host, program, pid, message = match.groups()
        return _dated(month, day, clock, year, received_at, tz), _base(
            host, program, pid, message, _syslog_meta(pri), state, line
        )
    match = _ISO_SYSLOG.match(line)
    if match is not None:
        pri, iso, host, program, pid, message = match.groups()
        try:
            stamp = datetime.fromisoformat(iso.replace("z", "Z").replace(",", "."))
        except ValueError as exc:
            raise LineError(f"bad syslog timestamp: {exc}") from None
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=tz)
        return stamp, _base(host, program, pid, message, _syslog_meta(pri), state, line)
    match = _NO_TIME.match(line)
    if match is not None:
        pri, host, program, pid, message = match.groups()
        doc = _base(host or "", program, pid, message, _syslog_meta(pri), state, line)
        doc["tags"] = ["timestamp_missing"]  # the line has none: dated when received
        return received_at or datetime.now(UTC), doc
    raise LineError("not an RFC 3164 or RFC 5424 syslog line")


def _structured_data(text: str) -> tuple[dict[str, dict[str, str]], str]:
    r"""RFC 5424 STRUCTURED-DATA at the start of `text` → ({id: {param: value}}, the rest).

    Read with a small scanner, not a regex: inside a quoted value `\]`, `\"` and `\\` are escapes, and an
    unescaped `]` (which some senders write) is still part of the value; an element ends at the first `]`
    outside quotes.
    """
    data: dict[str, dict[str, str]] = {}
    pos = 0
    while pos < len(text) and text[pos] == "[":
        quoted = False
        end = pos + 1
        while end < len(text):
            char = text[end]
            if quoted and char == "\\":
                end += 2
                continue
            if char == '"':
                quoted = not quoted
            elif char == "]" and not quoted:
                break
            end += 1
        if end >= len(text):
            raise LineError("RFC 5424 structured data is not closed")
        element = text[pos + 1 : end]
        sd_id, _, params = element.partition(" ")
        data[sd_id] = {k: re.sub(r"\\(.)", r"\1", v) for k, v in _SD_PARAM.findall(params)}
        pos = end + 1
    return data, text[pos:]


def _parse_5424(line: str, state: ParseState | None = None) -> tuple[datetime, dict[str, Any]]:
    match = _RFC5424_HEAD.match(line)
    if match is None:
        raise LineError("malformed RFC 5424 syslog line")
    pri, stamp_text, host, app, procid, msgid = match.groups()
    rest = line[match.end() :]
    if stamp_text == "-":
        raise LineError("RFC 5424 line without a timestamp")
    try:
        stamp = datetime.fromisoformat(stamp_text)
    except ValueError as exc:
        raise LineError(f"bad RFC 5424 timestamp: {exc}") from None
    if stamp.tzinfo is None:
        raise LineError("RFC 5424 timestamp without a zone")
    structured: dict[str, dict[str, str]] | None = None
    if rest.startswith("-"):
        message = rest[1:]
    elif rest.startswith("["):
        structured, message = _structured_data(rest)
    else:
        raise LineError("RFC 5424 line without structured data or '-'")
    message = message.removeprefix(" ").removeprefix("\ufeff")
    syslog = _syslog_meta(pri)
    syslog["version"] = "1"
    if app != "-":
        syslog["appname"] = app
    if procid != "-":
        syslog["procid"] = procid
    if msgid != "-":
        syslog["msgid"] = msgid
    if structured is not None:
        syslog["structured_data"] = structured
    program = None if app == "-" else app
    pid = procid if procid.isdigit() else None
    return stamp, _base(host if host != "-" else "", program, pid, message, syslog, state, line)
