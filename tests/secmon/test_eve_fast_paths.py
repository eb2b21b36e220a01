"""The shortcuts of the EVE hot path give exactly what the long way gives: the last timestamp reused,
is_ip's answers kept per string (bounded)."""

from __future__ import annotations

import ipaddress
import json

import pytest

from secmon.parsers import ecs, parse_line
from secmon.parsers.ecs import is_ip


def eve_line(timestamp: object) -> str:
    return json.dumps({"timestamp": timestamp, "event_type": "stats", "stats": {"uptime": 1}})


def test_a_repeated_timestamp_gives_the_same_instant_and_a_bad_one_still_fails() -> None:
    first = parse_line(eve_line("2026-01-05T08:00:00.000001+0700"), "eve", origin="t", offset=0)
    again = parse_line(eve_line("2026-01-05T08:00:00.000001+0700"), "eve", origin="t", offset=1)
    assert first.timestamp == again.timestamp
    assert first.timestamp.isoformat() == "2026-01-05T08:00:00.000001+07:00"
    for bad in ("", "2026-01-05T08:00:00", "2026-01-05T08:00:00", "not a time", None, 5):
        event = parse_line(eve_line(bad), "eve", origin="t", offset=2)
        assert event.doc["event"]["kind"] == "pipeline_error", bad
    other = parse_line(eve_line("2026-01-05T08:00:01-04:00"), "eve", origin="t", offset=3)
    assert other.timestamp.isoformat() == "2026-01-05T08:00:01-04:00"


TRICKY = [
    "10.0.0.1",
    "010.0.0.1",
    "256.0.0.1",
    "1.2.3",
    " 1.2.3.4",
    "1.2.3.4\n",
    "::ffff:1.2.3.4",
    "fe80::1%eth0",
    "2620:002d:4000:0001:0000:0000:0000:0040",
    "2001:db8::g",
    "١.٢.٣.٤",  # Arabic-Indic digits
    "example.com",
    "",
    "9" * 1000,
]


def reference(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("text", TRICKY, ids=[repr(t)[:20] for t in TRICKY])
def test_is_ip_answers_as_ipaddress_does_also_when_asked_again(text: str) -> None:
    assert is_ip(text) is reference(text)
    assert is_ip(text) is reference(text)


def test_is_ip_keeps_a_bounded_number_of_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ecs, "IP_CACHE", 4)
    monkeypatch.setattr(ecs, "_IP_ANSWERS", {})
    for n in range(50):
        assert is_ip(f"10.0.0.{n}")
        assert len(ecs._IP_ANSWERS) <= 4
    assert not is_ip("x" * 100_000)
    assert all(len(key) <= 64 for key in ecs._IP_ANSWERS)
