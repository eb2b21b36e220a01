"""The `message` of parsed events: what an analyst reads, and what text search finds once `event.original`
is kept but no longer indexed (ECS: "event.original ... is not indexed").

Golden messages come from real Suricata EVE lines already in this repository (suricata-verify outputs:
tests/data/real/suricata-verify-outputs, secmon/samples); each expected message was written by hand from
the line's content. Then the hostile side: odd JSON types, huge fields, control and bidi characters,
decomposed Vietnamese, and the pipeline_error of a line that does not parse.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from secmon.parsers import parse_line
from secmon.parsers.ecs import ERROR_TEXT_CAP, MESSAGE_CAP, VALUE_CAP, text
from secmon.parsers.weblog import REQUEST_CAP

ROOT = Path(__file__).resolve().parents[2]
VERIFY = ROOT / "tests" / "data" / "real" / "suricata-verify-outputs"
SAMPLE = ROOT / "secmon" / "samples" / "suricata-verify-eve.json"
LOOPBACK = ROOT / "tests" / "data" / "secmon" / "eve-loopback" / "eve.json"  # Suricata 7 on our own traffic
REAL_EVE = [*sorted(VERIFY.rglob("*.json")), SAMPLE, LOOPBACK]


def real_line(relative: str, event_type: str, index: int = 0) -> str:
    """The `index`-th line of `event_type` in a real EVE file of the repository."""
    path = ROOT / relative
    lines = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and json.loads(line).get("event_type") == event_type
    ]
    return lines[index]


def message_of(line: str, fmt: str = "eve") -> str:
    event = parse_line(line, fmt, origin="t", offset=0)
    message = event.doc["message"]
    assert isinstance(message, str)
    return message


V = "tests/data/real/suricata-verify-outputs"
GOLDEN = [
    # (file, event type, index, the message an analyst should read)
    (
        f"{V}/alert-testmyids/expected/eve.json",
        "alert",
        0,
        "GPL ATTACK_RESPONSE id check returned root 82.165.177.154:80 -> 10.16.1.11:54186 TCP "
        "[Potentially Bad Traffic]",
    ),
    (
        f"{V}/tls-fingerprint-alert/expected/eve.json",
        "alert",
        0,
        "TLS FINGERPRINT TEST 24.244.4.23:443 -> 10.16.1.11:54684 TCP",
    ),
    (
        f"{V}/single-dns-request/expected/eve.json",
        "dns",
        0,
        "dns query suricon.net A 10.16.1.11:55487 -> 10.16.1.1:53",
    ),
    (
        f"{V}/single-dns-request/expected/eve.json",
        "dns",
        1,
        "dns answer suricon.net A NOERROR 181.224.138.142 10.16.1.1:53 -> 10.16.1.11:55487",
    ),
    (
        f"{V}/eve-dns/expected/eve.json",
        "dns",
        4,
        "dns answer block.dropbox.com CNAME NOERROR block.g1.dropbox.com 10.16.1.1:53 -> 10.16.1.11:49697",
    ),
    (
        f"{V}/dns-tcp-www-google-com/expected/eve.json",
        "dns",
        0,
        "dns query www.google.com A 10.16.1.11:38195 -> 8.8.4.4:53",
    ),
    (
        f"{V}/tests/engine-state/detect-engine-state-03/output/eve.json",
        "http",
        0,
        # this record has no method, status or user agent (the flow timed out): host and URL only
        "http www.server.lan/upload.cgi 127.0.0.1:60118 -> 127.0.0.1:8080",
    ),
    (
        f"{V}/tls-json-output-ids/expected/eve.json",
        "tls",
        0,
        "tls www.google.com TLS 1.2 C=US, ST=California, L=Mountain View, O=Google Inc, CN=www.google.com "
        "10.16.1.11:54684 -> 24.244.4.23:443",
    ),
    (
        f"{V}/output-eve-fileinfo/expected/eve.json",
        "fileinfo",
        0,
        "file eicar.com www.eicar.org 188.40.238.250:80 -> 10.16.1.11:59908",
    ),
    (
        f"{V}/dns-tcp-www-google-com/expected/eve.json",
        "flow",
        0,
        "flow TCP dns 10.16.1.11:38195 -> 8.8.4.4:53 closed (shutdown)",
    ),
    (
        f"{V}/tests/detect-ldap-operation/eve.json",
        "flow",
        0,
        "flow TCP ldap 1.1.1.1:5555 -> 2.2.2.2:389 established (shutdown) alerted",
    ),
    (
        f"{V}/tests/detect-ldap-operation/eve.json",
        "alert",
        2,
        "Test LDAP search result entry 2.2.2.2:389 -> 1.1.1.1:5555 TCP",
    ),
    (f"{V}/tests/detect-ldap-operation/eve.json", "ldap", 0, "ldap 1.1.1.1:5555 -> 2.2.2.2:389"),
    (f"{V}/dnp3/expected/eve.json", "dnp3", 0, "dnp3 127.0.0.1:59602 -> 127.0.0.1:20000"),
    (f"{V}/tests/engine-state/detect-engine-state-03/output/eve.json", "stats", 0, "stats uptime 1 s"),
    (
        f"{V}/tests/test-bad-byte-extract-rule-3/eve.json",
        "engine",
        0,
        "This is Suricata version 4.1.0-dev (rev 32990c9ad)",
    ),
]


L = "tests/data/secmon/eve-loopback/eve.json"
GOLDEN += [
    (L, "ssh", 0, "ssh client libssh_0.9.6 server OpenSSH_9.2p1 127.0.0.1:60884 -> 127.0.0.1:22404"),
    (
        L,
        "alert",
        0,
        "LOCAL Nmap NSE user agent (Vigil sample) 127.0.0.1:33298 -> 127.0.0.1:22405 TCP "
        "[Web Application Attack]",
    ),
    (
        L,
        "http",
        0,
        "GET cong-thong-tin.example.vn/wp-login.php?redirect_to=%2Fwp-admin 404 Mozilla/5.0 (compatible; "
        "Nmap Scripting Engine; https://nmap.org/book/nse.html) 127.0.0.1:33298 -> 127.0.0.1:22405",
    ),
    (L, "http", 1, "POST cong-thong-tin.example.vn/cgi-bin/upload 127.0.0.1:33304 -> 127.0.0.1:22405"),
    (L, "fileinfo", 0, "file /wp-login.php cong-thong-tin.example.vn 127.0.0.1:22405 -> 127.0.0.1:33298"),
    # Suricata wrote these two with the server as src (the direction of the packet that completed the request)
    (
        L,
        "anomaly",
        0,
        "anomaly applayer http REQUEST_FIELD_MISSING_COLON 127.0.0.1:22405 -> 127.0.0.1:33304 TCP",
    ),
    (
        L,
        "anomaly",
        1,
        "anomaly applayer http INVALID_REQUEST_CHUNK_LEN 127.0.0.1:22405 -> 127.0.0.1:33304 TCP",
    ),
    (L, "flow", 0, "flow TCP ssh 127.0.0.1:60884 -> 127.0.0.1:22404 closed (shutdown)"),
    (L, "flow", 2, "flow TCP http 127.0.0.1:33298 -> 127.0.0.1:22405 closed (shutdown) alerted"),
]


def case_id(case: tuple[str, str, int, str]) -> str:
    folder = Path(case[0]).parent
    name = folder.parent.name if folder.name in ("expected", "output") else folder.name
    return f"{name}-{case[1]}-{case[2]}"


@pytest.mark.parametrize(
    ("relative", "event_type", "index", "expected"), GOLDEN, ids=[case_id(g) for g in GOLDEN]
)
def test_real_eve_line_message(relative: str, event_type: str, index: int, expected: str) -> None:
    assert message_of(real_line(relative, event_type, index)) == expected


def test_the_golden_lines_cover_every_event_type_of_the_repository() -> None:
    present = {
        json.loads(line)["event_type"]
        for path in REAL_EVE
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    assert present == {g[1] for g in GOLDEN}


@pytest.mark.parametrize("path", REAL_EVE, ids=[str(p.relative_to(ROOT)) for p in REAL_EVE])
def test_every_real_eve_line_gets_a_short_one_line_message(path: Path) -> None:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines
    for line in lines:
        message = message_of(line)
        assert message and len(message) <= MESSAGE_CAP
        assert message.isprintable(), message
        assert message == message.strip()
        assert "None" not in message and "[]" not in message


# -- the documented EVE shapes of types the repository has no real line of ------------------------------
# Lines laid out like Suricata 7 writes them (field names from its EVE schema, tests/data/real/
# suricata-eve-realruns/suricata-eve-schema.json); values invented.


def eve(event_type: str, body: dict[str, Any], **top: Any) -> str:
    record: dict[str, Any] = {
        "timestamp": "2026-01-05T08:00:00.000000+0700",
        "flow_id": 1,
        "event_type": event_type,
        "src_ip": "203.0.113.7",
        "src_port": 51000,
        "dest_ip": "192.0.2.10",
        "dest_port": 22,
        "proto": "TCP",
    }
    record.update(top)
    record.update(body)
    return json.dumps(record, ensure_ascii=False)


SHAPES = [
    (
        eve(
            "ssh",
            {
                "ssh": {
                    "client": {"proto_version": "2.0", "software_version": "libssh_0.9.6"},
                    "server": {"proto_version": "2.0", "software_version": "OpenSSH_8.2p1"},
                }
            },
        ),
        "ssh client libssh_0.9.6 server OpenSSH_8.2p1 203.0.113.7:51000 -> 192.0.2.10:22",
    ),
    (
        eve(
            "anomaly",
            {
                "app_proto": "http",
                "anomaly": {"app_proto": "http", "type": "applayer", "event": "REQUEST_HEADER_INVALID"},
            },
            dest_port=80,
        ),
        "anomaly applayer http REQUEST_HEADER_INVALID 203.0.113.7:51000 -> 192.0.2.10:80 TCP",
    ),
    (
        eve(
            "anomaly",
            {"anomaly": {"type": "decode", "event": "decoder.ipv4.trunc_pkt"}},
            src_port=None,
            dest_port=None,
            proto=None,
        ),
        "anomaly decode decoder.ipv4.trunc_pkt 203.0.113.7 -> 192.0.2.10",
    ),
    (
        eve(
            "http",
            {
                "http": {
                    "hostname": "portal.example.vn",
                    "url": "/wp-login.php?redirect=1",
                    "http_user_agent": "sqlmap/1.7.2#stable (https://sqlmap.org)",
                    "http_method": "POST",
                    "protocol": "HTTP/1.1",
                    "status": 403,
                    "length": 0,
                }
            },
            dest_port=80,
        ),
        "POST portal.example.vn/wp-login.php?redirect=1 403 sqlmap/1.7.2#stable (https://sqlmap.org) "
        "203.0.113.7:51000 -> 192.0.2.10:80",
    ),
    (
        eve(
            "http",
            {"http": {"hostname": "proxy.example", "url": "http://evil.example/a.sh", "http_method": "GET"}},
            dest_port=3128,
        ),
        "GET http://evil.example/a.sh 203.0.113.7:51000 -> 192.0.2.10:3128",
    ),
    (
        eve(
            "smb",
            {
                "smb": {
                    "id": 3,
                    "dialect": "3.11",
                    "command": "SMB2_COMMAND_CREATE",
                    "filename": "secret.docx",
                }
            },
            dest_port=445,
        ),
        "smb SMB2_COMMAND_CREATE secret.docx 203.0.113.7:51000 -> 192.0.2.10:445",
    ),
    (
        eve(
            "netflow",
            {"app_proto": "tls", "netflow": {"pkts": 9, "bytes": 4000, "start": "x", "end": "y", "age": 1}},
            dest_port=443,
        ),
        "netflow TCP tls 203.0.113.7:51000 -> 192.0.2.10:443",
    ),
    (
        eve(
            "dhcp",
            {
                "dhcp": {
                    "type": "reply",
                    "id": 7,
                    "client_mac": "08:00:27:a4:6d:fb",
                    "assigned_ip": "10.0.0.59",
                    "dhcp_type": "ack",
                    "hostname": "may-ke-toan",
                }
            },
            proto="UDP",
            src_port=67,
            dest_port=68,
        ),
        "dhcp ack 10.0.0.59 may-ke-toan 08:00:27:a4:6d:fb 203.0.113.7:67 -> 192.0.2.10:68",
    ),
    (
        eve(
            "drop",
            {
                "drop": {"len": 60, "ttl": 64},
                "alert": {"action": "blocked", "signature_id": 9, "signature": "LOCAL drop telnet"},
            },
            dest_port=23,
        ),
        "drop LOCAL drop telnet 203.0.113.7:51000 -> 192.0.2.10:23 TCP",
    ),
    (
        eve(
            "dns",
            {
                "dns": {
                    "version": 2,
                    "type": "answer",
                    "id": 1,
                    "rrname": "c2.example",
                    "rrtype": "A",
                    "rcode": "NOERROR",
                    "answers": [
                        {"rrname": "c2.example", "rrtype": "A", "ttl": 60, "rdata": "198.51.100.1"},
                        {"rrname": "c2.example", "rrtype": "A", "ttl": 60, "rdata": "198.51.100.2"},
                    ],
                }
            },
            proto="UDP",
            src_port=53,
            dest_port=40000,
        ),
        "dns answer c2.example A NOERROR 198.51.100.1, 198.51.100.2 203.0.113.7:53 -> 192.0.2.10:40000",
    ),
    (
        eve(
            "dns",
            {
                "dns": {
                    "version": 2,
                    "type": "answer",
                    "id": 2,
                    "rrname": "www.example.vn",
                    "rrtype": "CNAME",
                    "rcode": "NOERROR",
                    "grouped": {"CNAME": ["web.example.vn"], "A": ["198.51.100.9", "198.51.100.10"]},
                }
            },
            proto="UDP",
            src_port=53,
            dest_port=40001,
        ),
        "dns answer www.example.vn CNAME NOERROR web.example.vn, 198.51.100.9, 198.51.100.10 "
        "203.0.113.7:53 -> 192.0.2.10:40001",
    ),
    (
        eve(
            "alert",
            {
                "alert": {
                    "action": "allowed",
                    "signature_id": 5,
                    "signature": "IPv6 probe",
                    "category": "Misc",
                }
            },
            src_ip="2001:db8::7",
            dest_ip="2001:db8::1",
        ),
        "IPv6 probe [2001:db8::7]:51000 -> [2001:db8::1]:22 TCP [Misc]",
    ),
]


@pytest.mark.parametrize(("line", "expected"), SHAPES, ids=[json.loads(s[0])["event_type"] for s in SHAPES])
def test_documented_eve_shapes_message(line: str, expected: str) -> None:
    assert message_of(line) == expected


# -- hostile and odd values --------------------------------------------------------------------------------


def test_vietnamese_text_stays_intact_and_is_nfc() -> None:
    signature = unicodedata.normalize("NFD", "Tấn công dò mật khẩu SSH vào máy chủ Huế")
    line = eve("alert", {"alert": {"signature": signature, "category": "Tấn công", "signature_id": 1}})
    assert "\\u" not in line and signature in line  # the decomposed text is really in the line
    assert message_of(line) == (
        "Tấn công dò mật khẩu SSH vào máy chủ Huế 203.0.113.7:51000 -> 192.0.2.10:22 TCP [Tấn công]"
    )
    escaped = json.dumps(json.loads(line))  # the same text as \\u escapes
    assert message_of(escaped) == message_of(line)


def test_control_and_bidi_characters_never_reach_the_message() -> None:
    agent = "Mozilla/5.0\r\nX-Injected: 1\x1b[31m\u202egnp.exe\x7f"
    line = eve(
        "http",
        {"http": {"hostname": "a.example", "url": "/\tx", "http_method": "GET", "http_user_agent": agent}},
    )
    message = message_of(line)
    assert message.isprintable()
    assert (
        message
        == "GET a.example/ x Mozilla/5.0 X-Injected: 1 [31m gnp.exe 203.0.113.7:51000 -> 192.0.2.10:22"
    )


def test_huge_fields_are_cut_value_by_value_and_as_a_whole() -> None:
    huge = "A" * 1_000_000
    line = eve(
        "alert", {"alert": {"signature": huge, "category": "B" * 5000, "signature_id": 1}}, proto="P" * 9000
    )
    message = message_of(line)
    assert len(message) <= MESSAGE_CAP
    assert message.startswith("A" * (VALUE_CAP - 1) + "\u2026 203.0.113.7:51000 -> 192.0.2.10:22 ")
    dns = eve("dns", {"dns": {"type": "answer", "rrname": "x" * 50, "answers": [{"rdata": "y" * 100}] * 50}})
    assert (
        message_of(dns)
        == f"dns answer {'x' * 50} {', '.join(['y' * 100] * 3)} 203.0.113.7:51000 -> 192.0.2.10:22"
    )


ODD_VALUES: list[Any] = [None, [], ["a", "b"], {}, {"x": 1}, True, 12345, 1.5e300, -7, "", " ", "\u0000"]


@pytest.mark.parametrize("odd", ODD_VALUES, ids=[repr(v)[:12] for v in ODD_VALUES])
def test_odd_types_anywhere_never_crash_and_never_print_python(odd: Any) -> None:
    """Each value of each real line (and each record object) replaced by an odd one, one at a time."""
    lines = [
        line for path in REAL_EVE for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    for line in lines[::7]:
        record = json.loads(line)
        for path in _paths(record):
            mutated = json.loads(line)
            _set(mutated, path, odd)
            event = parse_line(json.dumps(mutated), "eve", origin="t", offset=0)
            message = event.doc["message"]
            assert isinstance(message, str) and len(message) <= max(MESSAGE_CAP, ERROR_TEXT_CAP)
            assert message.isprintable()
            assert "None" not in message and "True" not in message and "{'" not in message, (path, message)


def _paths(record: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path of a record, stopping one level into lists (depth 3 at most: enough, and quick)."""
    found: list[tuple[Any, ...]] = []
    if isinstance(record, dict) and len(prefix) < 3:
        for key, value in record.items():
            if key == "timestamp" and not prefix:
                continue
            found.append((*prefix, key))
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(record, list) and record and len(prefix) < 3:
        found.append((*prefix, 0))
        found.extend(_paths(record[0], (*prefix, 0)))
    return found


def _set(record: Any, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        record = record[part]
    record[path[-1]] = value


def test_a_number_where_a_string_belongs_is_printed_and_a_list_is_left_out() -> None:
    line = eve(
        "dns", {"dns": {"type": "query", "rrname": ["a.example", "b.example"], "rrtype": 28}}, src_port="80"
    )
    assert message_of(line) == "dns query 28 203.0.113.7 -> 192.0.2.10:22"


def test_text_helper_edges() -> None:
    assert text(None) == "" and text(True) == "" and text([1]) == "" and text({"a": 1}) == ""
    assert text(443) == "443" and text(0.5) == "0.5"
    assert text("x" * 10, cap=5) == "xxxx\u2026"
    assert text("a\nb") == "a b"
    assert text("\u202eabc") == "abc"
    assert text("Hu\u0065\u0302\u0301") == "Hu\u1ebf"  # e + circumflex + acute -> ế


# -- the other families and the pipeline_error -----------------------------------------------------------


def test_a_garbled_line_keeps_its_text_in_the_message() -> None:
    line = '{"timestamp":"2026-01-05T08:00:00+0700","event_type":"alert","alert":{"signature":"Dò quét cổng'
    event = parse_line(line, "eve", origin="t", offset=0)
    assert event.doc["event"]["kind"] == "pipeline_error"
    assert event.doc["message"] == line
    assert event.doc["error"]["message"].startswith("not valid JSON")


def test_a_huge_binary_garbled_line_has_a_bounded_printable_message() -> None:
    line = "\x00\x01GET /" + "\x1b" * 10 + "é" * 2_000_000
    event = parse_line(line, "nginx", origin="t", offset=0)
    assert event.doc["event"]["kind"] == "pipeline_error"
    message = event.doc["message"]
    assert len(message) == ERROR_TEXT_CAP and message.isprintable()
    assert message.startswith("GET /") and message.endswith("é\u2026")


def test_unknown_format_error_has_the_line_as_message() -> None:
    event = parse_line("??? nothing like a log line", "auto", origin="t", offset=0)
    assert event.doc["event"]["kind"] == "pipeline_error"
    assert event.doc["message"] == "??? nothing like a log line"


FAMILIES = [
    # (format, real-shaped line, the message an analyst should read)
    (
        "syslog",
        "Dec 10 06:55:46 LabSZ sshd[24200]: Failed password for invalid user webmaster from 173.234.31.186 "
        "port 38926 ssh2",
        "Failed password for invalid user webmaster from 173.234.31.186 port 38926 ssh2",
    ),
    (
        "syslog",
        '<34>1 2026-01-05T08:00:00.000+07:00 web01 nginx 2211 ID47 [meta sequenceId="1"] upstream timed out',
        "upstream timed out",
    ),
    (
        "syslog",
        "web01 systemd[1]: Started Session 12 of user root.",
        "Started Session 12 of user root.",
    ),
    (
        "nginx",
        '2026/01/05 08:00:01 [error] 2211#2211: *7 open() "/usr/share/nginx/html/.env" failed (2: No such '
        'file or directory), client: 203.0.113.9, server: _, request: "GET /.env HTTP/1.1", '
        'host: "portal.example.vn"',
        'open() "/usr/share/nginx/html/.env" failed (2: No such file or directory), client: 203.0.113.9, '
        'server: _, request: "GET /.env HTTP/1.1", host: "portal.example.vn"',
    ),
    (
        "apache",
        "[Mon Jan 05 08:00:02.123456 2026] [security2:error] [pid 1:tid 2] [client 203.0.113.9:5000] "
        '[client 203.0.113.9] ModSecurity: Access denied with code 403 (phase 2). [id "942100"] '
        '[msg "SQL Injection Attack Detected via libinjection"] [uri "/index.php"]',
        '[client 203.0.113.9] ModSecurity: Access denied with code 403 (phase 2). [id "942100"] '
        '[msg "SQL Injection Attack Detected via libinjection"] [uri "/index.php"]',
    ),
    (
        "apache",
        '203.0.113.9 - - [05/Jan/2026:08:00:03 +0700] "GET /cgi-bin/.%2e/.%2e/etc/passwd HTTP/1.1" 400 226 '
        '"-" "() { :; }; echo; /bin/bash -c id"',
        '203.0.113.9 "GET /cgi-bin/.%2e/.%2e/etc/passwd HTTP/1.1" 400 "() { :; }; echo; /bin/bash -c id"',
    ),
    (
        "nginx",
        'portal.example.vn 203.0.113.9 - admin [05/Jan/2026:08:00:04 +0700] "GET /quan-tri HTTP/2.0" 401 0 '
        '"https://portal.example.vn/" "Mozilla/5.0"',
        'portal.example.vn 203.0.113.9 admin "GET /quan-tri HTTP/2.0" 401 "https://portal.example.vn/" '
        '"Mozilla/5.0"',
    ),
    (
        "fastlog",
        "01/05/2026-08:00:05.000001  [**] [1:2001219:20] ET SCAN Potential SSH Scan [**] [Classification: "
        "Attempted Information Leak] [Priority: 2] {TCP} 203.0.113.9:40000 -> 192.0.2.10:22",
        "ET SCAN Potential SSH Scan 203.0.113.9:40000 -> 192.0.2.10:22 TCP [Attempted Information Leak]",
    ),
]


@pytest.mark.parametrize(
    ("fmt", "line", "expected"), FAMILIES, ids=[f"{f[0]}-{i}" for i, f in enumerate(FAMILIES)]
)
def test_every_family_sets_the_meaningful_text_as_message(fmt: str, line: str, expected: str) -> None:
    event = parse_line(line, fmt, origin="t", offset=0)
    assert event.doc["event"]["kind"] != "pipeline_error", event.doc.get("error")
    assert event.doc["message"] == expected


def test_an_access_line_with_a_huge_request_has_a_bounded_message() -> None:
    request = "GET /?q=" + "%27%20OR%201=1" * 5000 + " HTTP/1.1"
    line = f'203.0.113.9 - - [05/Jan/2026:08:00:03 +0700] "{request}" 414 0 "-" "curl/8.0"'
    message = message_of(line, "nginx")
    assert message.startswith('203.0.113.9 "GET /?q=%27%20OR%201=1')
    assert message.endswith('\u2026" 414 "curl/8.0"')
    assert len(message) < REQUEST_CAP + 100
