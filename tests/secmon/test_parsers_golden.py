"""Golden tests: each format quirk has a raw line and the ECS document a person wrote down for it.

Files: tests/data/secmon/golden/<case>.json = {quirk, format, received_at, raw, expected}. `expected` is
the whole document except `event.original` and `log.offset` (checked separately) and, for EVE, the
`suricata.eve` copy of the record (checked to be the record minus the fields moved to ECS).
A pipeline error's reason is checked by prefix (`error.message_prefix`).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from secmon.parsers import parse_line
from store.ids import stable_id

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "secmon" / "golden"
CASES = sorted(GOLDEN.glob("*.json"))
MOVED_TO_ECS = ("timestamp", "src_ip", "src_port", "dest_ip", "dest_port", "proto")


def test_there_is_a_golden_case_per_format() -> None:
    formats = {json.loads(p.read_text())["format"] for p in CASES}
    assert formats == {"eve", "fastlog", "syslog", "nginx", "apache"}
    assert len(CASES) >= 30


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_case(path: Path) -> None:
    case = json.loads(path.read_text())
    raw: str = case["raw"]
    event = parse_line(
        raw,
        case["format"],
        origin="golden",
        offset=7,
        received_at=datetime.fromisoformat(case["received_at"]),
    )
    doc: dict[str, Any] = event.to_document()

    assert event.id == stable_id("golden", "7", raw)
    assert doc["event"].pop("original") == raw
    log = doc.pop("log")
    assert log.pop("offset") == 7
    if log:
        doc["log"] = log

    expected = case["expected"]
    prefix = expected.get("error", {}).get("message_prefix")
    if prefix is not None:
        assert doc["error"]["message"].startswith(prefix), doc["error"]["message"]
        doc["error"] = {"message_prefix": prefix}
    if case["format"] == "eve" and doc["event"]["kind"] != "pipeline_error":
        record = json.loads(raw)
        for key in MOVED_TO_ECS:
            record.pop(key, None)
        assert doc.pop("suricata") == {"eve": record}
    assert doc == expected
