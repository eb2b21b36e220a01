"""nginx and Apache access logs (combined and common) and error logs → ECS.

Mapped like Elastic's nginx/apache integrations: `source.address/ip`, `user.name`, `http.request.method`,
`url.original/path/query`, `http.version`, `http.response.status_code`, `http.response.body.bytes`,
`http.request.referrer`, `user_agent.original`. The dataset comes from the format the caller chose
(`nginx` → `nginx.access`), because the default combined formats of the two servers are identical.
Lines wrapped in an extra pair of quotes (some published datasets) are unwrapped.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timezone
from typing import Any

from secmon.parsers.ecs import MONTHS, LineError, endpoint, to_int, tz_from_offset

_ACCESS = re.compile(
    r"^(\S+) (\S+) (\S+) \[(\d\d)/(\w{3})/(\d{4}):(\d\d):(\d\d):(\d\d)(?:\.\d+)? ([+-]\d{4})\] "
    r'"((?:[^"\\]|\\.)*)" (\d{3}|-) (\d+|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?(.*)$'
)
_NGINX_ERROR = re.compile(
    r"^(\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d) \[(\w+)\] (\d+)#(\d+): (?:\*(\d+) )?(.*)$"
)
_APACHE_ERROR = re.compile(
    r"^\[(?:\w{3} )?(\w{3}) (\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))? (\d{4})\] \[(?:([\w-]+):)?(\w+)\]"
    r"(?: \[pid (\d+)(?::tid (\d+))?\])?(?: \[client ([^\]]+)\])? ?(.*)$"
)
_NGINX_CLIENT = re.compile(r", client: ([^,]+)")
_NGINX_REQUEST = re.compile(r', request: "([A-Z]+) (\S+)(?: HTTP/([\d.]+))?"')


def _unwrap(line: str) -> str:
    if len(line) > 2 and line[0] == '"' and line[-1] == '"' and line[1] != '"' and line.endswith('""'):
        return line[1:-1]
    return line


def parse_access(line: str, dataset: str) -> tuple[datetime, dict[str, Any]] | None:
    """An access-log line, or None when the line is not in combined/common format."""
    match = _ACCESS.match(_unwrap(line))
    if match is None:
        return None
    (
        client,
        _ident,
        user,
        dd,
        mon,
        yyyy,
        hh,
        mi,
        ss,
        zone,
        request,
        status,
        size,
        referrer,
        agent,
        _extra,
    ) = match.groups()
    month = MONTHS.get(mon)
    if month is None:
        raise LineError(f"unknown month {mon!r} in access log timestamp")
    try:
        stamp = datetime(int(yyyy), month, int(dd), int(hh), int(mi), int(ss), tzinfo=tz_from_offset(zone))
    except ValueError as exc:
        raise LineError(f"bad access log timestamp: {exc}") from None
    event: dict[str, Any] = {
        "kind": "event",
        "category": ["web"],
        "type": ["access"],
        "dataset": dataset,
        "module": dataset.split(".", 1)[0],
    }
    source = endpoint(client)
    source["address"] = client
    doc: dict[str, Any] = {"event": event, "source": source}
    http: dict[str, Any] = {}
    parts = request.split(" ")
    if len(parts) == 3 and parts[0].isalpha():
        method, target, proto = parts
        http["request"] = {"method": method}
        url: dict[str, Any] = {"original": target}
        path, _, query = target.partition("?")
        url["path"] = path
        if query:
            url["query"] = query
        doc["url"] = url
        if proto.startswith("HTTP/"):
            http["version"] = proto[5:]
    elif len(parts) == 2 and parts[0].isalpha():  # HTTP/0.9: "GET /"
        http["request"] = {"method": parts[0]}
        doc["url"] = {"original": parts[1], "path": parts[1].partition("?")[0]}
    elif request not in ("-", ""):
        doc["url"] = {"original": request}
    code = to_int(status)
    response: dict[str, Any] = {}
    if code is not None:
        response["status_code"] = code
        event["outcome"] = "failure" if code >= 400 else "success"
    body = to_int(size)
    if body is not None:
        response["body"] = {"bytes": body}
    http["response"] = response
    if referrer and referrer != "-":
        http.setdefault("request", {})["referrer"] = referrer
    doc["http"] = http
    if user != "-":
        doc["user"] = {"name": user}
    if agent and agent != "-":
        doc["user_agent"] = {"original": agent}
    return stamp, doc


def parse_error(line: str, dataset: str, tz: timezone = UTC) -> tuple[datetime, dict[str, Any]] | None:
    """An nginx or Apache (2.2 and 2.4) error-log line, or None when it is neither."""
    match = _NGINX_ERROR.match(line)
    if match is not None:
        yyyy, mo, dd, hh, mi, ss, level, pid, tid, connection, message = match.groups()
        try:
            stamp = datetime(int(yyyy), int(mo), int(dd), int(hh), int(mi), int(ss), tzinfo=tz)
        except ValueError as exc:
            raise LineError(f"bad error log timestamp: {exc}") from None
        doc = _error_doc(dataset, level, message, pid, tid)
        if connection:
            doc["nginx"] = {"error": {"connection_id": int(connection)}}
        client_match = _NGINX_CLIENT.search(message)
        if client_match:
            doc["source"] = endpoint(client_match.group(1))
        request = _NGINX_REQUEST.search(message)
        if request:
            doc["http"] = {"request": {"method": request.group(1)}}
            if request.group(3):
                doc["http"]["version"] = request.group(3)
            doc["url"] = {"original": request.group(2)}
        return stamp, doc
    match = _APACHE_ERROR.match(line)
    if match is not None:
        mon, dd, hh, mi, ss, frac, yyyy, module, level, pid, tid, client, message = match.groups()
        month = MONTHS.get(mon)
        if month is None:
            raise LineError(f"unknown month {mon!r} in error log timestamp")
        try:
            micro = int((frac or "0").ljust(6, "0")[:6])
            stamp = datetime(int(yyyy), month, int(dd), int(hh), int(mi), int(ss), micro, tzinfo=tz)
        except ValueError as exc:
            raise LineError(f"bad error log timestamp: {exc}") from None
        doc = _error_doc(dataset, level, message, pid, tid)
        if module:
            doc["apache"] = {"error": {"module": module}}
        if client:
            host, sep, port = client.rpartition(":")
            if sep and port.isdigit() and host:
                doc["source"] = {**endpoint(host), "port": int(port)}
            else:
                doc["source"] = endpoint(client)
        return stamp, doc
    return None


def _error_doc(dataset: str, level: str, message: str, pid: str | None, tid: str | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "event": {
            "kind": "event",
            "category": ["web"],
            "type": ["error"],
            "dataset": dataset,
            "module": dataset.split(".", 1)[0],
        },
        "log": {"level": level.lower()},
        "message": message,
    }
    if pid:
        process: dict[str, Any] = {"pid": int(pid)}
        if tid:
            process["thread"] = {"id": int(tid)}
        doc["process"] = process
    return doc


def parse_weblog(line: str, server: str, tz: timezone = UTC) -> tuple[datetime, dict[str, Any]]:
    """An access or error line of `server` ("nginx" or "apache")."""
    parsed = parse_access(line, f"{server}.access")
    if parsed is None:
        parsed = parse_error(line, f"{server}.error", tz)
    if parsed is None:
        raise LineError(f"not a valid {server} access (combined/common) or error log line")
    return parsed
