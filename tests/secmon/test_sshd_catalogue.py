"""sshd/PAM lines rendered from the format strings of OpenSSH 5.9–10.2 and Linux-PAM (every log call that
shows an attempt from a remote address), under every program name, prefix and syslog framing.

The cases are made by scripts/render_sshd_catalogue.py from ../shared/data/auth-log-catalogue and
committed in tests/data/secmon/sshd-catalogue/cases.jsonl; their expected fields are the values the
script put into the format strings (never the parser's output). One case = the lines of one connection,
parsed in order with one ParseState (so address-less lines are attributed through the sshd pid).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from secmon.fieldpath import getter
from secmon.parsers import ParseState, parse_line

CASES_FILE = Path(__file__).resolve().parents[1] / "data" / "secmon" / "sshd-catalogue" / "cases.jsonl"
CASES = [json.loads(line) for line in CASES_FILE.read_text(encoding="utf-8").splitlines()]
RECEIVED = datetime(2026, 10, 11, tzinfo=UTC)


def _check(case: dict[str, Any]) -> list[str]:
    state = ParseState()
    problems = []
    for offset, (line, expected) in enumerate(zip(case["lines"], case["expected"], strict=True)):
        doc = parse_line(
            line, "syslog", origin="catalogue", offset=offset, received_at=RECEIVED, state=state
        ).doc
        if expected is None:
            continue
        for field, want in expected.items():
            got = getter(field)(doc)
            if got != want:
                problems.append(f"{line!r}: {field} = {got!r}, expected {want!r}")
    return problems


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_catalogue_line(case: dict[str, Any]) -> None:
    assert not _check(case)


def test_the_catalogue_covers_every_family_program_and_framing() -> None:
    families = {c["family"] for c in CASES}
    assert {
        "failed-password", "failed-invalid", "failed-publickey", "invalid-user", "not-allowed",
        "root-refused",
        "max-attempts", "too-many", "too-many-noaddr", "pam-sshd", "pam-unix", "closed-preauth",
        "closed-after-invalid", "received-disconnect", "no-ident", "bad-version", "kex-then-closed",
        "kex-then-banner", "negotiate", "preauth-timeout", "socket-failed", "dispatch-fatal",
    } <= families  # fmt: skip
    programs = Counter(c["id"].split("/")[2] for c in CASES if c["id"].split("/")[1] != "pam")
    assert {"sshd", "sshd-session", "sshd-auth"} <= set(programs)
    assert sum(1 for c in CASES if c["injection"]) >= 100
    versions = {c["version"] for c in CASES}
    assert {"V_5_9_P1", "V_7_4_P1", "V_9_8_P1", "V_10_2_P1"} <= versions


def test_injected_addresses_never_become_the_source() -> None:
    """A user name, banner, offer or disconnect reason carrying "6.6.6.6" never sets source.ip."""
    injected = [c for c in CASES if c["injection"]]
    for case in injected:
        state = ParseState()
        for offset, line in enumerate(case["lines"]):
            doc = parse_line(
                line, "syslog", origin="inj", offset=offset, received_at=RECEIVED, state=state
            ).doc
            assert (doc.get("source") or {}).get("ip") != "6.6.6.6", line
