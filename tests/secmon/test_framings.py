"""Syslog framings and web-server variants seen in the wild, and the format registry they are listed in.

Each case (tests/data/secmon/framings.json) is a line as the software writes it and the ECS fields
a person reads off it (written by hand).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

import pytest

from core.config import LogSource
from secmon.fieldpath import getter
from secmon.parsers import FORMATS, REGISTRY, ParseState, detect_format, parse_line

RECEIVED = datetime(2026, 10, 11, 1, 2, 3, tzinfo=UTC)

# (name, format, line, expected fields), written by hand: tests/data/secmon/framings.json
CASES: list[tuple[str, str, str, dict[str, Any]]] = [
    (c["name"], c["format"], c["line"], c["expected"])
    for c in json.loads(
        (Path(__file__).resolve().parents[1] / "data" / "secmon" / "framings.json").read_text()
    )
]


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
