"""Syslog framings and web-server variants seen in the wild, and the format registry they are listed in.

Each case is a line as the software writes it and the ECS fields a person reads off it (written by hand).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, get_args

import pytest

from core.config import LogSource
from secmon.fieldpath import getter
from secmon.parsers import FORMATS, REGISTRY, ParseState, detect_format, parse_line

RECEIVED = datetime(2026, 10, 11, 1, 2, 3, tzinfo=UTC)

CASES: list[tuple[str, str, str, dict[str, Any]]] = [
    # (name, format, line, expected fields)
    ("3164 with host", "syslog", "Oct 10 13:00:00 gw sshd[7]: Failed password for root from 1.2.3.4 port 22 ssh2",
     {"@timestamp": "2026-10-10T13:00:00+00:00", "host.hostname": "gw", "process.pid": 7, "source.ip": "1.2.3.4"}),
    ("3164 without host", "syslog", "Oct 10 13:00:00 sshd[7]: Invalid user bob from 1.2.3.4 port 22",
     {"host.hostname": None, "process.name": "sshd", "user.name": "bob", "source.ip": "1.2.3.4"}),
    ("kernel:[ts]", "syslog", "Oct 10 13:00:00 gw kernel:[12345.678901] eth0: link down",
     {"process.name": "kernel", "message": "[12345.678901] eth0: link down"}),
    ("kernel: [ ts]", "syslog", "Oct 10 13:00:00 gw kernel: [    5.123] usb 1-1: new device",
     {"process.name": "kernel", "message": "[    5.123] usb 1-1: new device"}),
    ("syslog-ng year first", "syslog", "2026 Oct 10 13:00:00 gw sshd-session[9]: Failed none for invalid user x "
     "from 2001:db8::9 port 5 ssh2", {"@timestamp": "2026-10-10T13:00:00+00:00", "process.name": "sshd-session",
                                      "source.ip": "2001:db8::9", "user.name": "x"}),
    ("rsyslog ISO", "syslog", "2026-10-10T13:00:00.123456+07:00 gw sshd[7]: Accepted publickey for an from "
     "::ffff:10.0.0.5 port 22 ssh2: ED25519 SHA256:abc", {"@timestamp": "2026-10-10T13:00:00.123456+07:00",
                                                       "source.ip": "10.0.0.5", "event.outcome": "success"}),
    ("journalctl short-iso", "syslog", "2026-10-10T13:00:00+0700 gw sshd[7]: Connection closed by 1.2.3.4 port 5 "
     "[preauth]", {"@timestamp": "2026-10-10T13:00:00+07:00", "source.ip": "1.2.3.4",
                   "system.auth.ssh.preauth": True}),
    ("journal export without time", "syslog", "gw sshd[7]: Invalid user eve from 1.2.3.4 port 9",
     {"@timestamp": "2026-10-11T01:02:03+00:00", "tags": ["timestamp_missing"], "host.hostname": "gw",
      "source.ip": "1.2.3.4"}),
    ("journal cat without host", "syslog", "sshd[7]: Invalid user eve from 1.2.3.4 port 9",
     {"tags": ["timestamp_missing"], "process.pid": 7, "source.ip": "1.2.3.4"}),
    ("5424 SD escaped ]", "syslog", '<38>1 2026-10-10T13:00:00Z gw sshd 7 - [meta a="x\\]y" b="q\\"r"] Failed '
     "password for root from 1.2.3.4 port 22 ssh2",
     {"log.syslog.structured_data": {"meta": {"a": "x]y", "b": 'q"r'}}, "source.ip": "1.2.3.4"}),
    ("5424 SD unescaped ]", "syslog", '<38>1 2026-10-10T13:00:00Z gw sshd 7 - [meta a="x]y"][two c="1"] Failed '
     "password for root from 1.2.3.4 port 22 ssh2",
     {"log.syslog.structured_data": {"meta": {"a": "x]y"}, "two": {"c": "1"}}, "source.ip": "1.2.3.4",
      "message": "Failed password for root from 1.2.3.4 port 22 ssh2"}),
    ("Solaris [ID]", "syslog", "Oct 10 13:00:00 sol sshd[7]: [ID 800047 auth.info] Failed keyboard-interactive for "
     "root from 1.2.3.4 port 22 ssh2", {"source.ip": "1.2.3.4", "event.outcome": "failure"}),
    ("apache 2.4 empty module", "apache", "[Tue Oct 10 13:00:00.123456 2026] [:error] [pid 12] [client "
     "1.2.3.4:5555] script not found or unable to stat: /var/www/cgi-bin/test.cgi",
     {"source.ip": "1.2.3.4", "source.port": 5555, "log.level": "error", "url.original": "/var/www/cgi-bin/test.cgi"}),
    ("apache client IPv6", "apache", "[Tue Oct 10 13:00:00.123456 2026] [core:error] [pid 12:tid 3] [client "
     "[2001:db8::7]:5555] AH00128: File does not exist: /var/www/html/.env",
     {"source.ip": "2001:db8::7", "source.port": 5555, "url.original": "/var/www/html/.env"}),
    ("apache remote + client", "apache", "[Tue Oct 10 13:00:00.123456 2026] [authz_core:error] [pid 12:tid 3] "
     "[remote 10.0.0.1:80] [client 203.0.113.9:4444] AH01630: client denied by server configuration: /srv/.git",
     {"source.ip": "203.0.113.9", "client.ip": "10.0.0.1", "url.original": "/srv/.git"}),
    ("apache remote only", "apache", "[Tue Oct 10 13:00:00.123456 2026] [ssl:info] [pid 12:tid 3] "
     "[remote 203.0.113.9:4444] AH01964: Connection to child 1 established",
     {"source.ip": "203.0.113.9", "source.port": 4444}),
    ("ModSecurity", "apache", "[Tue Oct 10 13:00:00.123456 2026] [:error] [pid 12] [client 203.0.113.9:5555] "
     "[client 203.0.113.9] ModSecurity: Access denied with code 403 (phase 2). Pattern match at ARGS:id. [file "
     '"/etc/modsecurity/crs/REQUEST-942.conf"] [line "45"] [id "942100"] [msg "SQL Injection Attack Detected via '
     'libinjection"] [severity "CRITICAL"] [hostname "gov.example.vn"] [uri "/news.php"] [unique_id "Zx"]',
     {"event.kind": "alert", "rule.id": "942100", "rule.name": "SQL Injection Attack Detected via libinjection",
      "url.original": "/news.php", "url.domain": "gov.example.vn", "source.ip": "203.0.113.9"}),
    ("apache vhost_combined", "apache", 'gov.example.vn:443 203.0.113.9 - - [10/Oct/2026:13:55:36 +0700] "GET /.env '
     'HTTP/1.1" 404 196 "-" "curl/8.5.0"',
     {"url.domain": "gov.example.vn", "destination.port": 443, "source.ip": "203.0.113.9", "url.original": "/.env"}),
    ("nginx $host prefix", "nginx", 'gov.example.vn 203.0.113.9 - - [10/Oct/2026:13:55:36 +0700] "GET / HTTP/1.1" '
     '200 612 "-" "Mozilla/5.0"', {"url.domain": "gov.example.vn", "source.ip": "203.0.113.9"}),
    ("nginx access via syslog", "nginx", '<190>Oct 10 13:55:36 web01 nginx: 203.0.113.9 - - [10/Oct/2026:13:55:36 '
     '+0700] "GET /wp-login.php HTTP/1.1" 404 153 "-" "Mozilla/5.0"',
     {"host.hostname": "web01", "source.ip": "203.0.113.9", "http.response.status_code": 404}),
    ("nginx error via syslog", "nginx", "Oct 10 13:55:36 web01 nginx: 2026/10/10 13:55:36 [error] 12#12: *5 access "
     'forbidden by rule, client: 203.0.113.51, server: gov, request: "GET /.git/config HTTP/1.1", host: "gov"',
     {"host.hostname": "web01", "source.ip": "203.0.113.51", "url.original": "/.git/config"}),
    ("apache access via logger", "apache", 'Oct 10 13:55:36 web02 apache2[77]: 203.0.113.9 - - [10/Oct/2026:13:55:36 '
     '+0700] "GET / HTTP/1.1" 200 10', {"host.hostname": "web02", "source.ip": "203.0.113.9"}),
    ("nginx client injected in the path", "nginx", '2026/10/10 13:55:36 [error] 12#12: *5 open() "/usr/share/nginx/'
     'html/a, client: 6.6.6.6, server: x" failed (2: No such file or directory), client: 203.0.113.50, server: '
     'gov, request: "GET /a,%20client:%206.6.6.6 HTTP/1.1", host: "gov"', {"source.ip": "203.0.113.50"}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fmt", "line", "expected"), CASES, ids=[c[0] for c in CASES])
def test_framing(name: str, fmt: str, line: str, expected: dict[str, Any]) -> None:
    event = parse_line(line, fmt, origin="framing", offset=0, received_at=RECEIVED, state=ParseState())
    doc = event.to_document()
    assert doc["event"]["kind"] != "pipeline_error", doc.get("error")
    for field, want in expected.items():
        got = doc.get(field) if field in ("@timestamp", "tags", "message") else getter(field)(doc)
        assert got == want, f"{field}: {got!r}"


@pytest.mark.parametrize(("name", "fmt", "line", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_framing_is_recognised_by_format_detection(
    name: str, fmt: str, line: str, expected: dict[str, Any]
) -> None:
    detected = detect_format([line], path="/var/log/nginx/x.log" if fmt == "nginx" else None)
    assert detected == fmt


def test_config_cli_and_detection_name_the_formats_of_the_registry() -> None:
    assert get_args(LogSource.model_fields["format"].annotation) == ("auto", *FORMATS)
    assert FORMATS == tuple(REGISTRY) == ("eve", "fastlog", "syslog", "nginx", "apache")
    for log_format in REGISTRY.values():
        assert log_format.datasets and log_format.summary
