"""`vigil logs parse` as a user runs it, the shipped samples, and parse_line's never-raise promise."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from secmon.parsers import FORMATS, detect_format, parse_line
from secmon.samples import SAMPLES, sample_path

ROOT = Path(__file__).resolve().parents[2]


def vigil(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", "from vigil.cli import main; main()", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )


def test_logs_parse_prints_one_ecs_event_per_line() -> None:
    sample = sample_path("suricata-verify-fast.log")
    result = vigil("logs", "parse", str(sample))
    assert result.returncode == 0, result.stderr.decode()
    events = [json.loads(line) for line in result.stdout.splitlines()]
    raw = [line for line in sample.read_text().splitlines() if line.strip()]
    assert [e["event"]["original"] for e in events] == raw
    assert {e["event"]["dataset"] for e in events} == {"suricata.fastlog"}
    assert events[0]["rule"]["id"] == "2100498" and events[0]["source"]["ip"] == "82.165.177.154"
    assert b"0 pipeline errors" in result.stderr


def test_logs_parse_reads_stdin_with_an_explicit_format() -> None:
    line = b'127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /etc/passwd HTTP/1.0" 404 12 "-" "curl/8.0"\n'
    result = vigil("logs", "parse", "-", "--format", "nginx", stdin=line)
    assert result.returncode == 0, result.stderr.decode()
    (event,) = [json.loads(x) for x in result.stdout.splitlines()]
    assert event["event"]["dataset"] == "nginx.access" and event["url"]["path"] == "/etc/passwd"


def test_logs_parse_rejects_an_unknown_format_without_a_traceback() -> None:
    result = vigil("logs", "parse", str(sample_path("loghub-linux-1k.log")), "--format", "cef")
    assert result.returncode != 0
    assert b"unknown format 'cef'" in result.stderr and b"Traceback" not in result.stderr


def test_shipped_samples_parse_without_errors_in_their_detected_format() -> None:
    for name, fmt in SAMPLES.items():
        lines = [x for x in sample_path(name).read_text().splitlines() if x.strip()]
        assert detect_format(lines[:50]) == fmt, name
        kinds = {parse_line(x, fmt, origin=name, offset=i).doc["event"]["kind"] for i, x in enumerate(lines)}
        assert "pipeline_error" not in kinds, name
    assert sample_path(name).parent.joinpath("PROVENANCE.md").exists()


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=300), fmt=st.sampled_from(FORMATS))
def test_parse_line_never_raises(text: str, fmt: str) -> None:
    event = parse_line(text, fmt, origin="fuzz", offset=0, received_at=datetime(2026, 1, 5, tzinfo=UTC))
    assert event.doc["event"]["original"] == text
    assert event.timestamp.tzinfo is not None


NEAR_MISSES = [
    '{"timestamp":"2026-01-05T00:00:00+0000","event_type":"alert"',
    "<13>",
    "Dec 10 ",
    "[Sun Dec 04 04:47:44 2005] ",
    '1.2.3.4 - - [17/May/2015:10:05:03 +0000] "',
]


@settings(max_examples=100, deadline=None)
@given(prefix=st.sampled_from(NEAR_MISSES), tail=st.text(max_size=120), fmt=st.sampled_from(FORMATS))
def test_parse_line_never_raises_on_near_misses(prefix: str, tail: str, fmt: str) -> None:
    event = parse_line(prefix + tail, fmt, origin="fuzz", offset=3)
    assert event.doc["event"]["kind"] in ("event", "alert", "metric", "pipeline_error")


def test_parsed_event_behaves_like_a_validated_model() -> None:
    from store.models import SecurityEvent

    line = sample_path("suricata-verify-eve.json").read_text().splitlines()[0]
    event = parse_line(line, "eve", origin="o", offset=0)
    again = SecurityEvent.model_validate(event.model_dump())
    assert again == event and again.model_dump_json() == event.model_dump_json()
    copy = event.model_copy(update={"id": "other"})
    assert copy.id == "other" and copy.doc is event.doc and event.id != "other"
    assert event.get("rule.id") == "2100498"


def test_events_share_no_mutable_state() -> None:
    lines = sample_path("suricata-verify-eve.json").read_text().splitlines()
    first, second = (parse_line(x, "eve", origin="o", offset=i) for i, x in enumerate(lines[:2]))
    first.doc["event"]["category"].append("tampered")
    first.doc["event"]["type"].append("tampered")
    again = parse_line(lines[0], "eve", origin="o", offset=0)
    assert "tampered" not in again.doc["event"]["category"] + again.doc["event"]["type"]
    assert "tampered" not in second.doc["event"]["category"]


def test_logs_parse_on_an_empty_input_prints_nothing() -> None:
    result = vigil("logs", "parse", "-", stdin=b"")
    assert result.returncode == 0 and result.stdout == b"" and b"no lines" in result.stderr
