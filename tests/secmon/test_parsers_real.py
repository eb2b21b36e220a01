"""Real logs parse: Suricata EVE runs and suricata-verify outputs (checked against the EVE schema),
fast.log, loghub OpenSSH/Linux/Apache samples, real Apache access logs. Expected counts come from the
raw files themselves (grep-like checks written independently of the parsers)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from secmon.parsers import detect_format, parse_line
from tests.realdata import COPIED, SHARED, real, real_files
from tests.secmon.eve_schema import violations

SCHEMA = json.loads((COPIED / "suricata-eve-realruns" / "suricata-eve-schema.json").read_text())
EVE_FILES = [
    p
    for folder in ("suricata-eve-realruns", "suricata-verify-outputs")
    for p in real_files(folder, "*.json")
    if p.name != "suricata-eve-schema.json"
]
FAST_FILES = real_files("suricata-eve-realruns", "fast.log") + real_files(
    "suricata-verify-outputs", "fast.log"
)


def _id(path: Path) -> str:
    return str(path.relative_to(COPIED if path.is_relative_to(COPIED) else SHARED))


def _known_schema_gap(problem: str) -> bool:
    """Differences between the recorded Suricata versions and the (newer) schema, not parser faults:
    stats counters are renamed between versions, and DNS logs before v2 put rdata/ttl on the record."""
    return problem.startswith("stats.") or problem.split(":")[0] in ("dns.rdata", "dns.ttl")


def _parse_file(path: Path, fmt: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for offset, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines()):
        if line.strip():
            out.append((line, parse_line(line, fmt, origin=str(path), offset=offset).to_document()))
    return out


@pytest.mark.parametrize("path", EVE_FILES, ids=[_id(p) for p in EVE_FILES])
def test_real_eve_parses_without_errors_and_matches_the_schema(path: Path) -> None:
    parsed = _parse_file(path, "eve")
    assert parsed
    for line, doc in parsed:
        record = json.loads(line)
        assert doc["event"]["kind"] != "pipeline_error", doc.get("error")
        eve = doc["suricata"]["eve"]
        assert eve["event_type"] == record["event_type"]
        # the parser adds no field the schema does not declare, and changes no type
        introduced = set(violations(eve, SCHEMA, SCHEMA)) - set(violations(record, SCHEMA, SCHEMA))
        assert not introduced, introduced
        assert all(_known_schema_gap(p) for p in violations(record, SCHEMA, SCHEMA))
        # addressing and alert fields land in ECS
        assert doc.get("source", {}).get("ip") == record.get("src_ip")
        assert doc.get("destination", {}).get("port") == record.get("dest_port")
        if record["event_type"] == "alert":
            assert doc["event"]["kind"] == "alert"
            assert doc["rule"]["id"] == str(record["alert"]["signature_id"])
            assert doc["event"]["severity"] == record["alert"]["severity"]
        if record["event_type"] == "dns":
            assert doc["dns"]["question"]["name"]
        assert doc["@timestamp"][:19] == record["timestamp"][:19]


def test_eve_runs_keep_every_event_type_count() -> None:
    """Counts from PROVENANCE.md: nothing dropped, nothing re-labelled."""
    path = real("suricata-eve-realruns/chala-ids-lab/eve.json")
    kinds = Counter(doc["suricata"]["eve"]["event_type"] for _, doc in _parse_file(path, "eve"))
    assert kinds == {
        "stats": 254, "flow": 226, "dns": 185, "alert": 30, "http": 24, "fileinfo": 18, "tls": 11, "dhcp": 3,
    }  # fmt: skip


def test_every_event_type_of_the_schema_is_kept() -> None:
    """A minimal record of each event type of the schema parses and keeps its payload."""
    objects = [k for k, v in SCHEMA["properties"].items() if v.get("type") == "object"]
    assert {
        "alert",
        "anomaly",
        "dns",
        "drop",
        "fileinfo",
        "flow",
        "http",
        "netflow",
        "smb",
        "ssh",
        "stats",
    } <= set(objects)
    for event_type in objects:
        record = {
            "timestamp": "2026-01-05T01:02:03.000004+0000",
            "event_type": event_type,
            "src_ip": "10.1.1.1",
            "src_port": 1234,
            "dest_ip": "10.2.2.2",
            "dest_port": 80,
            "proto": "TCP",
            event_type: {},
        }
        doc = parse_line(json.dumps(record), "eve", origin="t", offset=0).to_document()
        assert doc["event"]["kind"] != "pipeline_error", (event_type, doc.get("error"))
        assert doc["suricata"]["eve"]["event_type"] == event_type
        assert doc["suricata"]["eve"][event_type] == {}
        assert doc["source"] == {"ip": "10.1.1.1", "port": 1234}


@pytest.mark.parametrize("path", FAST_FILES, ids=[_id(p) for p in FAST_FILES])
def test_real_fastlog_parses(path: Path) -> None:
    parsed = _parse_file(path, "fastlog")
    assert parsed
    for line, doc in parsed:
        assert doc["event"]["kind"] == "alert", doc.get("error")
        sid = re.search(r"\[\d+:(\d+):\d+\]", line)
        assert sid is not None and doc["rule"]["id"] == sid.group(1)


def test_fastlog_and_eve_of_one_run_agree() -> None:
    run = real("suricata-eve-realruns/muntaha-nmap-custom-rules")
    fast = Counter(doc["rule"]["id"] for _, doc in _parse_file(run / "fast.log", "fastlog"))
    eve = Counter(doc["rule"]["id"] for _, doc in _parse_file(run / "eve.json", "eve") if "rule" in doc)
    assert fast == eve and sum(fast.values()) == 59


def test_loghub_openssh_parses_into_authentication_events() -> None:
    path = real("loghub-openssh/OpenSSH_2k.log")
    parsed = _parse_file(path, "syslog")
    assert len(parsed) == 2000
    assert not [line for line, doc in parsed if doc["event"]["kind"] == "pipeline_error"]
    assert all(doc["event"]["dataset"] == "system.auth" for _, doc in parsed)
    failed = [doc for line, doc in parsed if re.search(r"\]: Failed (password|none) for ", line)]
    assert failed and all(
        d["event"]["outcome"] == "failure" and d["user"]["name"] and d["source"]["ip"] for d in failed
    )
    accepted = [doc for line, doc in parsed if "]: Accepted password for " in line]
    assert accepted and all(d["event"]["outcome"] == "success" for d in accepted)
    logins = Counter(d["event"]["outcome"] for _, d in parsed if d["event"].get("action") == "ssh_login")
    assert logins == {"failure": len(failed) + _repeated_failures(path), "success": len(accepted)}
    invalid = [
        line
        for line, _ in parsed
        if re.search(r"\]: (Invalid user .* from |input_userauth_request: invalid user )", line)
    ]
    assert len(invalid) == sum(1 for _, d in parsed if d["event"].get("action") == "invalid_user")


def _repeated_failures(path: Path) -> int:
    return sum(1 for line in path.read_text().splitlines() if "message repeated" in line and "Failed" in line)


def test_loghub_linux_parses_with_pam_failures() -> None:
    path = real("loghub-linux/Linux_2k.log")
    parsed = _parse_file(path, "syslog")
    assert not [line for line, doc in parsed if doc["event"]["kind"] == "pipeline_error"]
    pam_failures = [
        line for line, _ in parsed if re.search(r"\(pam_unix\)\[\d+\]: authentication failure", line)
    ]
    outcome_failures = [d for _, d in parsed if d["event"].get("action") == "pam_authentication_failure"]
    assert len(pam_failures) == len(outcome_failures) > 0


def test_loghub_apache_error_log_parses() -> None:
    parsed = _parse_file(real("loghub-apache/Apache_2k.log"), "apache")
    assert len(parsed) == 2000
    assert {d["event"]["dataset"] for _, d in parsed} == {"apache.error"}
    levels = Counter(d["log"]["level"] for _, d in parsed)
    assert set(levels) <= {"notice", "error", "warn"} and levels["error"] > 0


@pytest.mark.parametrize(
    ("relative", "expected_lines"),
    [
        ("elastic-examples-apache-access/apache_logs", 10_000),
        ("apache-scanner-access-logs/w3af.txt", None),
        ("apache-scanner-access-logs/netsparker.txt", None),
    ],
)
def test_real_access_logs_parse(relative: str, expected_lines: int | None) -> None:
    path = real(relative)
    parsed = _parse_file(path, "apache")
    errors = [line for line, doc in parsed if doc["event"]["kind"] == "pipeline_error"]
    assert not errors, errors[:3]
    if expected_lines is not None:
        assert len(parsed) == expected_lines
    for line, doc in parsed:
        status = re.search(r'" (\d{3}) ', line)
        assert status is not None and doc["http"]["response"]["status_code"] == int(status.group(1))
        assert line.lstrip('"').startswith(doc["source"]["address"] + " ")


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("suricata-eve-realruns/zeus-malware-pcap/eve.json", "eve"),
        ("suricata-eve-realruns/muntaha-nmap-custom-rules/fast.log", "fastlog"),
        ("loghub-openssh/OpenSSH_2k.log", "syslog"),
        ("loghub-linux/Linux_2k.log", "syslog"),
        ("loghub-apache/Apache_2k.log", "apache"),
        ("elastic-examples-apache-access/apache_logs", "apache"),
        ("apache-scanner-access-logs/acunetix.txt", "apache"),
    ],
)
def test_detect_format_on_real_files(relative: str, expected: str) -> None:
    head = real(relative).read_text(errors="replace").splitlines()[:50]
    assert detect_format(head) == expected
