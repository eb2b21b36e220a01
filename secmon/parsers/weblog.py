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

from secmon.parsers.ecs import MONTHS, LineError, endpoint, text, to_int, tz_from_offset

_ACCESS = re.compile(
    r"^(\S+) (\S+) (\S+) \[(\d\d)/(\w{3})/(\d{4}):(\d\d):(\d\d):(\d\d)(?:\.\d+)? ([+-]\d{4})\] "
    r'"((?:[^"\\]|\\.)*)" (\d{3}|-) (\d+|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?(.*)$'
)
_NGINX_ERROR = re.compile(
    r"^(\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d) \[(\w+)\] (\d+)#(\d+): (?:\*(\d+) )?(.*)$"
)
_APACHE_ERROR = re.compile(  # 2.2 and 2.4; 2.4 may write an empty module ("[:error]") and [remote …]
    r"^\[(?:\w{3} )?(\w{3}) (\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))? (\d{4})\] \[(?:([\w-]*):)?(\w+)\]"
    r"(?: \[pid (\d+)(?::tid (\d+))?\])?(?: \[remote (\[[^\]]*\](?::\d+)?|[^\]]+)\])?"
    r"(?: \[client (\[[^\]]*\](?::\d+)?|[^\]]+)\])? ?(.*)$"
)
_NGINX_CLIENT = re.compile(r", client: ([^,\s]+), server: ")
_NGINX_TAIL = re.compile(
    r', server: [^,\s]*(?:, request: "[A-Z]+ \S+(?: HTTP/[\d.]+)?")?'
    r'(?:, (?:subrequest|upstream|host|referrer): "[^"]*")*\s*$'
)
# Apache vhost_combined ("%v:%p %h %l %u %t …") and nginx "$host $remote_addr …": the access line after a host
_VHOST = re.compile(r"^([\w.-]+(?::\d+)?) (?=\S+ \S+ \S+ \[)")
# An access/error line carried by syslog (nginx's access_log syslog:…, Apache piped to logger)
_SYSLOG_WRAP = re.compile(
    r"^(?:<\d{1,3}>)?(?:1 )?(?:([A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d)|\d{4}-\d\d-\d\dT\S+) (\S+) "
    r"(?:[\w./-]+(?:\[\d+\])?: |[\w.-]+ \S+ \S+ (?:-|\[.*?\]) )"
)
_APACHE_NO_TIME = re.compile(r"^\[[\w-]*:?\w+\] (?:\[pid |\[client |\[remote )")
# What Apache error messages name as the request: ModSecurity's [uri "…"], "File does not exist: …"
_MODSEC_FIELD = re.compile(r'\[(id|msg|severity|uri|hostname|unique_id|tag|data) "((?:[^"\\]|\\.)*)"\]')
_APACHE_PATH = re.compile(
    r"(?:File does not exist|script not found or unable to stat|client denied by server configuration"
    r"|Directory index forbidden by Options directive|file permissions deny server access): (\S+)"
)
REQUEST_CAP = 2000  # characters of an access line's request kept in its `message` (attack URLs are long)
_NGINX_REQUEST = re.compile(r', request: "([A-Z]+) (\S+)(?: HTTP/([\d.]+))?"')


def _unwrap(line: str) -> str:
    if len(line) > 2 and line[0] == '"' and line[-1] == '"' and line[1] != '"' and line.endswith('""'):
        return line[1:-1]
    return line


def parse_access(line: str, dataset: str) -> tuple[datetime, dict[str, Any]] | None:
    """An access-log line, or None when the line is not in combined/common format."""
    text = _unwrap(line)
    match = _ACCESS.match(text)
    vhost = None
    if match is None:
        prefix = _VHOST.match(text)
        if prefix is None:
            return None
        match = _ACCESS.match(text[prefix.end() :])
        if match is None:
            return None
        vhost = prefix.group(1)
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
    if vhost:
        host, _, port = vhost.partition(":")
        doc.setdefault("url", {})["domain"] = host
        if port:
            doc["destination"] = {"port": int(port)}
    doc["message"] = _access_message(vhost, client, user, request, status, referrer, agent)
    return stamp, doc


def _access_message(
    vhost: str | None,
    client: str,
    user: str,
    request: str,
    status: str,
    referrer: str | None,
    agent: str | None,
) -> str:
    """The access line as an analyst reads it, without the time and byte count:
    `[vhost] client [user] "request" status ["referrer"] ["user agent"]`, each part bounded."""
    parts = [text(vhost, 100)] if vhost else []
    parts.append(text(client, 100))
    if user != "-":
        parts.append(text(user, 100))
    parts.append(f'"{text(request, REQUEST_CAP)}"')
    parts.append(status)
    if referrer and referrer != "-":
        parts.append(f'"{text(referrer, 500)}"')
    if agent and agent != "-":
        parts.append(f'"{text(agent, 500)}"')
    return " ".join(parts)


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
        client = _nginx_client(message)
        if client:
            doc["source"] = endpoint(client)
        request = _NGINX_REQUEST.search(message)
        if request:
            doc["http"] = {"request": {"method": request.group(1)}}
            if request.group(3):
                doc["http"]["version"] = request.group(3)
            doc["url"] = {"original": request.group(2)}
        return stamp, doc
    match = _APACHE_ERROR.match(line)
    if match is not None:
        mon, dd, hh, mi, ss, frac, yyyy, module, level, pid, tid, remote, client, message = match.groups()
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
        if client or remote:
            doc["source"] = _host_port(client or remote or "")
            if client and remote:  # [remote] is the peer (a proxy), [client] the user agent behind it
                doc["client"] = _host_port(remote)
        _apache_request(message, doc)
        return stamp, doc
    return None


def _host_port(text: str) -> dict[str, Any]:
    """`1.2.3.4:5`, `[2001:db8::1]:5`, `2001:db8::1` or a bare address → an ECS endpoint."""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    else:
        host, port = text, ""
    out = endpoint(host)
    if port.isdigit():
        out["port"] = int(port)
    return out


def _nginx_client(message: str) -> str | None:
    """The client nginx names, not one that a path, user name or request line put in the message.

    nginx writes `<what happened>, client: <addr>, server: <name>[, request: "<line>"][, upstream: "…"]
    [, host: "<host>"][, referrer: "…"]` — everything before the client and the quoted values after it
    may come from the client. Read from the end (as fail2ban does): the client is the one whose rest of the
    line is exactly that tail; failing that, the first one outside a quoted string.
    """
    candidates = list(_NGINX_CLIENT.finditer(message))
    for found in reversed(candidates):
        if _NGINX_TAIL.match(message, found.end(1)):
            return found.group(1)
    for found in candidates:
        if message.count('"', 0, found.start()) % 2 == 0:
            return found.group(1)
    return None


def _apache_request(message: str, doc: dict[str, Any]) -> None:
    """ModSecurity's fields ([id "…"] [msg "…"] [uri "…"]) and the path of "File does not exist: …"."""
    if "ModSecurity" in message:
        fields: dict[str, str] = {}
        for key, value in _MODSEC_FIELD.findall(message):
            fields.setdefault(key, value)
        if fields:
            rule: dict[str, Any] = {"ruleset": "modsecurity"}
            if "id" in fields:
                rule["id"] = fields["id"]
            if "msg" in fields:
                rule["name"] = fields["msg"]
            doc["rule"] = rule
            if "uri" in fields:
                doc["url"] = {"original": fields["uri"], "path": fields["uri"].partition("?")[0]}
                if "hostname" in fields:
                    doc["url"]["domain"] = fields["hostname"]
            if "severity" in fields:
                doc["event"]["severity_name"] = fields["severity"].lower()
            doc["event"]["kind"] = "alert"
            doc["event"]["category"] = ["web", "intrusion_detection"]
            doc["modsecurity"] = {k: v for k, v in fields.items() if k in ("id", "msg", "severity", "data")}
        return
    found = _APACHE_PATH.search(message)
    if found:
        doc["url"] = {"original": found.group(1), "path": found.group(1)}


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
    """An access or error line of `server` ("nginx" or "apache"), also when carried by syslog."""
    parsed = _parse_plain(line, server, tz)
    if parsed is None:
        wrapped = _SYSLOG_WRAP.match(line)
        if wrapped is not None:
            rest = line[wrapped.end() :]
            if server == "apache" and _APACHE_NO_TIME.match(rest) and wrapped.group(1):
                # Apache's ErrorLog "syslog:": the error line without its own time, dated by syslog's
                month, day, clock = wrapped.group(1).split()
                rest = f"[{month} {int(day):02d} {clock} {datetime.now(tz).year}] {rest}"
            parsed = _parse_plain(rest, server, tz)
            if parsed is not None:
                parsed[1].setdefault("host", {})["hostname"] = wrapped.group(2)
    if parsed is None:
        raise LineError(f"not a valid {server} access (combined/common) or error log line")
    return parsed


def _parse_plain(line: str, server: str, tz: timezone) -> tuple[datetime, dict[str, Any]] | None:
    parsed = parse_access(line, f"{server}.access")
    if parsed is None:
        parsed = parse_error(line, f"{server}.error", tz)
    return parsed
