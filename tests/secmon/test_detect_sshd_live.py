"""A real sshd on 127.0.0.1: wrong passwords, then a key login from the same source → brute force and
"brute force followed by success". sshd writes its log with `-E` (no syslog daemon in a test); each line
gets the syslog prefix rsyslog would add (time, host, `sshd[pid]:`) before it is ingested."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from secmon.pipeline import ingest_paths
from store.models import Incident, Severity
from store.query import Kind, SearchQuery
from tests.conftest import Backend
from tests.secmon.live_sshd import Sshd, needs_sshd, running_sshd

pytestmark = [pytest.mark.slow, *needs_sshd]


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[Sshd]:
    with running_sshd(tmp_path / "sshd", PermitRootLogin="yes", MaxAuthTries=3) as server:
        yield server


def as_syslog(raw: Path, out: Path) -> None:
    """Prefix each sshd line as rsyslog would (the year is left out, as in RFC 3164)."""
    stamp = datetime.now().astimezone().strftime("%b %e %H:%M:%S")
    lines = [
        f"{stamp} gov-portal sshd[4242]: {line}" for line in raw.read_text().splitlines() if line.strip()
    ]
    out.write_text("\n".join(lines) + "\n")


def test_real_sshd_password_guessing_then_key_login_is_a_likely_compromise(
    tmp_path: Path, sshd: Sshd, backend: Backend
) -> None:
    for _ in range(3):  # 3 connections × 3 wrong passwords
        sshd.login("root", "-o", "PreferredAuthentications=password", "-o", "NumberOfPasswordPrompts=3")
    sshd.login("root", "-i", str(sshd.client_key), "-o", "PreferredAuthentications=publickey")
    raw_log = sshd.log
    deadline = time.monotonic() + 10
    while "Accepted publickey" not in raw_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    text = raw_log.read_text()
    assert text.count("Failed password for root from 127.0.0.1") == 9
    assert "Accepted publickey for root from 127.0.0.1" in text

    auth_log = tmp_path / "auth.log"
    as_syslog(raw_log, auth_log)
    settings = backend.settings(
        tmp_path / "data",
        **{
            "secmon": {
                "assets": [
                    {
                        "name": "gov-portal",
                        "agency": "UBND",
                        "criticality": "high",
                        "hostnames": ["gov-portal"],
                    }
                ]
            },
        },
    )
    store = backend.open(tmp_path / "data")
    try:
        summary = ingest_paths(settings, store, [str(auth_log)])
        assert summary.formats[str(auth_log)] == "syslog"
        assert summary.parse_errors == 0
        assert summary.detections_by_rule["ssh-brute-force"] == 1
        assert summary.detections_by_rule["ssh-brute-force-success"] == 1
        store.refresh()
        incidents = [
            Incident.model_validate(h.source) for h in store.search(Kind.incidents, SearchQuery(size=20)).hits
        ]
        # one attacker against one asset: the guessing and the login that followed are one incident (a story)
        [compromise] = [i for i in incidents if "ssh-brute-force-success" in i.entities["vigil.rule"]]
        assert {"ssh-brute-force", "ssh-brute-force-success"} <= set(compromise.entities["vigil.rule"])
        assert compromise.source_ip == "127.0.0.1"
        assert compromise.asset == "gov-portal" and compromise.agency == "UBND"
        assert compromise.severity is Severity.critical  # critical rule on a high asset (clamped)
        assert compromise.entities["user.name"] == ["root"]
    finally:
        store.close()
