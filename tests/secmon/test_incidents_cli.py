"""`vigil incidents list` shows ids that `vigil incidents show` / `update` accept, in a narrow terminal too:
full ids or a unique prefix (as listed); an ambiguous or too short prefix is a clear error."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from store.models import Incident, Severity
from tests.conftest import Backend

IDS = ["3f2a9c01" + "0" * 24, "3f2a9c01" + "1" * 24, "7b00ee55" + "2" * 24]


def cli(tmp_path: Path, backend: Backend, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VIGIL_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "80", **backend.env()}
    return subprocess.run(
        [sys.executable, "-m", "vigil.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_listed_ids_are_accepted_by_show_and_update(tmp_path: Path, backend: Backend) -> None:
    store = backend.open(tmp_path / "data")
    at = datetime(2026, 10, 10, 6, tzinfo=UTC)
    store.index_incidents(
        [
            Incident(id=i, rule_id="ssh-brute-force", severity=Severity.high, first_seen=at, last_seen=at)
            for i in IDS
        ]
    )
    store.close()
    listed = cli(tmp_path, backend, "incidents", "list")
    assert listed.returncode == 0, listed.stderr
    shown_ids = re.findall(r"^│ (\S+)\s+│", listed.stderr, flags=re.M)  # the table goes to stderr
    assert len(shown_ids) == 3, listed.stderr
    for shown in shown_ids:
        answer = cli(tmp_path, backend, "incidents", "show", shown)
        assert answer.returncode == 0, answer.stderr
        assert json.loads(answer.stdout)["id"] in IDS and json.loads(answer.stdout)["id"].startswith(shown)
    full = cli(tmp_path, backend, "incidents", "show", IDS[2])
    assert full.returncode == 0 and json.loads(full.stdout)["id"] == IDS[2]
    short = cli(
        tmp_path, backend, "incidents", "update", "7b00", "--actor", "lan", "--status", "acknowledged"
    )
    assert short.returncode == 0 and IDS[2] in short.stderr, short.stderr
    ambiguous = cli(tmp_path, backend, "incidents", "show", "3f2a9c")
    assert (
        ambiguous.returncode != 0 and "several incidents" in ambiguous.stderr and IDS[0] in ambiguous.stderr
    )
    too_short = cli(tmp_path, backend, "incidents", "show", "3f")
    assert (
        too_short.returncode != 0 and "at least 4" in too_short.stderr and "Traceback" not in too_short.stderr
    )
