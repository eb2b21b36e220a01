"""The ingest pipeline end to end on real files and each store backend (the `store` and `backend` fixtures
of tests/conftest.py: SQLite, and Elasticsearch over HTTP): follow, restart, re-delivery, threat intel
and suppressions from settings, and the `vigil incidents` CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from core.config import Settings
from secmon.errors import InputError
from secmon.pipeline import Ingester, ingest_paths
from store.models import Incident
from store.protocol import Store
from store.query import Kind, SearchQuery
from store.sqlite import SqliteStore
from tests.conftest import Backend

SSH_FAIL = (
    "Dec 10 06:{m:02d}:{s:02d} gw-portal sshd[2420{i}]: Failed password for {u} from {ip} port {p} ssh2"
)


def failures(ip: str, count: int, start: int = 0, users: tuple[str, ...] = ("root",)) -> list[str]:
    lines = []
    for i in range(count):
        sec = start + i * 3
        lines.append(
            SSH_FAIL.format(m=sec // 60, s=sec % 60, i=i % 10, u=users[i % len(users)], ip=ip, p=40000 + i)
        )
    return lines


def incidents(store: Store) -> list[Incident]:
    store.refresh()
    return [
        Incident.model_validate(h.source) for h in store.search(Kind.incidents, SearchQuery(size=100)).hits
    ]


def event_count(store: Store) -> int:
    store.refresh()
    return store.stats()["events"]


def test_following_a_log_across_a_restart_indexes_each_line_once_and_updates_one_incident(
    tmp_path: Path, store: Store
) -> None:
    log = tmp_path / "auth.log"
    settings = Settings.model_validate(
        {"data_dir": str(tmp_path / "data"), "secmon": {"logs": [{"path": str(log), "format": "syslog"}]}}
    )
    log.write_text("\n".join(failures("203.0.113.9", 8)) + "\n")
    first = Ingester(settings, store)
    summary = first.run_once()
    first.close()
    assert (summary.lines_read, summary.incidents_opened) == (8, 1)
    assert summary.detections_by_rule["ssh-brute-force"] == 1

    with log.open("a") as handle:  # the attack goes on while Vigil restarts
        handle.write("\n".join(failures("203.0.113.9", 8, start=30)) + "\n")
    second = Ingester(settings, store)
    summary = second.run_once()
    assert summary.lines_read == 8  # only the new lines
    assert (summary.incidents_opened, summary.incidents_updated) == (0, 1)
    assert second.run_once().lines_read == 0
    second.close()
    assert event_count(store) == 16
    [incident] = incidents(store)
    assert incident.event_count == 16


def test_ingesting_the_same_file_twice_changes_nothing(tmp_path: Path, store: Store) -> None:
    log = tmp_path / "auth.log"
    log.write_text("\n".join(failures("198.51.100.4", 9)) + "\n")
    settings = Settings(data_dir=tmp_path / "data")
    ingest_paths(settings, store, [str(log)])
    before = incidents(store)
    again = ingest_paths(settings, store, [str(log)])
    assert again.lines_read == 9 and again.incidents_opened == 0 and again.incidents_updated == 0
    after = incidents(store)
    assert [(i.id, i.version, i.event_count) for i in after] == [
        (i.id, i.version, i.event_count) for i in before
    ]
    assert event_count(store) == 9


def test_threat_intel_and_suppressions_come_from_settings(tmp_path: Path, store: Store) -> None:
    intel = tmp_path / "intel.txt"
    intel.write_text("# C2 list\n185.220.101.0/24\n")
    suppressions = tmp_path / "suppressions.yml"
    suppressions.write_text(
        yaml.safe_dump(
            [
                {
                    "rule": "ssh-brute-force",
                    "match": {"source.ip": "10.10.0.0/16"},
                    "expires": "2099-12-31",
                    "reason": "authorised audit by the provincial CERT",
                }
            ]
        )
    )
    log = tmp_path / "auth.log"
    log.write_text("\n".join(failures("10.10.3.3", 8) + failures("185.220.101.77", 1, start=100)) + "\n")
    settings = Settings.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "secmon": {"threat_intel_file": str(intel), "suppressions_file": str(suppressions)},
        }
    )
    summary = ingest_paths(settings, store, [str(log)], fmt="syslog")
    assert summary.suppressed == 1
    assert "ssh-brute-force" not in summary.detections_by_rule
    assert summary.detections_by_rule["threat-intel-match"] == 1
    assert [i.source_ip for i in incidents(store)] == ["185.220.101.77"]


def test_unparsable_lines_are_counted_and_kept_not_dropped(tmp_path: Path, store: Store) -> None:
    log = tmp_path / "eve.json"
    good = (
        '{"timestamp":"2026-10-10T13:00:01.000000+0700","event_type":"dns",'
        '"src_ip":"10.0.0.8","dest_ip":"10.0.0.2"}'
    )
    log.write_text(good + "\n{not json\n")
    summary = ingest_paths(Settings(data_dir=tmp_path / "data"), store, [str(log)], fmt="eve")
    assert summary.lines_read == 2 and summary.parse_errors == 1
    assert summary.events_by_type["pipeline_error"] == 1
    assert event_count(store) == 2


def run_cli(tmp_path: Path, *args: str, backend: Backend | None = None) -> subprocess.CompletedProcess[str]:
    env = {"VIGIL_DATA_DIR": str(tmp_path / "data"), "PATH": os.environ.get("PATH", ""), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "vigil.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, **(backend.env() if backend else {})},
        check=False,
    )


def test_cli_ingest_then_list_and_update_incidents(tmp_path: Path, backend: Backend) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(tmp_path, *args, backend=backend)

    log = tmp_path / "auth.log"
    log.write_text("\n".join(failures("203.0.113.50", 6, users=("a", "b", "c", "d", "e", "f"))) + "\n")
    ingest = cli("logs", "ingest", str(log))
    assert ingest.returncode == 0, ingest.stderr
    assert "ssh-password-spraying" in ingest.stderr and "incidents opened / updated" in ingest.stderr
    listed = cli("incidents", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    [incident] = json.loads(listed.stdout)
    assert incident["rule_id"] == "ssh-password-spraying" and incident["status"] == "new"
    assert incident["entities"]["user.name"] == ["a", "b", "c", "d", "e"]
    changed = cli("incidents", "update", incident["id"], "--actor", "lan", "--status", "acknowledged")
    assert changed.returncode == 0, changed.stderr
    wrong = cli("incidents", "update", incident["id"], "--actor", "lan", "--status", "new")
    assert wrong.returncode == 1 and "can become" in wrong.stderr and "Traceback" not in wrong.stderr
    acked = json.loads(cli("incidents", "list", "--json", "--status", "acknowledged").stdout)
    assert [i["id"] for i in acked] == [incident["id"]]
    shown = json.loads(cli("incidents", "show", incident["id"]).stdout)
    assert [(a["actor"], a["field"], a["new"]) for a in shown["audit"]] == [
        ("vigil", "status", "new"),
        ("lan", "status", "acknowledged"),
    ]
    assert len(shown["event_ids"]) == 5


def test_ingest_paths_follow_picks_up_appended_lines_until_stopped(tmp_path: Path, store: Store) -> None:
    import threading
    import time

    log = tmp_path / "auth.log"
    log.write_text("\n".join(failures("203.0.113.77", 4)) + "\n")
    stop = threading.Event()
    result: dict[str, object] = {}

    def run() -> None:
        settings = Settings(data_dir=tmp_path / "data")
        result["summary"] = ingest_paths(
            settings, store, [str(log)], fmt="syslog", follow=True, stop=stop.is_set, poll_interval=0.05
        )

    worker = threading.Thread(target=run)
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while event_count(store) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        with log.open("a") as handle:
            handle.write("\n".join(failures("203.0.113.77", 5, start=20)) + "\n")
        while event_count(store) < 9 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join(timeout=20)
    summary = result["summary"]
    assert summary.lines_read == 9  # type: ignore[attr-defined]
    assert summary.detections_by_rule["ssh-brute-force"] == 1  # type: ignore[attr-defined]
    with pytest.raises(InputError, match="cannot be followed"):
        ingest_paths(Settings(data_dir=tmp_path / "data"), store, ["-"], follow=True)


class FlakyStore(SqliteStore):
    """A real SQLite store that is unavailable for its first bulk write (e.g. a locked disk)."""

    failures_left = 1

    def index_events(self, events):  # type: ignore[no-untyped-def]
        from store.errors import StoreUnavailable

        if self.failures_left:
            self.failures_left -= 1
            raise StoreUnavailable("disk locked")
        return super().index_events(events)


def test_a_batch_the_store_refused_is_read_again_on_the_next_run(tmp_path: Path) -> None:
    from store.errors import StoreUnavailable

    store = FlakyStore(tmp_path / "flaky.sqlite3")
    store.init()
    log = tmp_path / "auth.log"
    log.write_text("\n".join(failures("203.0.113.90", 5)) + "\n")
    settings = Settings.model_validate(
        {"data_dir": str(tmp_path / "data"), "secmon": {"logs": [{"path": str(log), "format": "syslog"}]}}
    )
    ingester = Ingester(settings, store)
    with pytest.raises(StoreUnavailable):
        ingester.run_once()
    again = ingester.run_once()
    ingester.close()
    assert again.lines_read == 5 and again.events_indexed == 5
    restarted = Ingester(settings, store)
    assert restarted.run_once().lines_read == 0  # the offsets were committed after the store took them
    restarted.close()
    assert event_count(store) == 5
    store.close()


@pytest.mark.parametrize(("zone", "hour_utc"), [("UTC", 10), ("+07:00", 3), ("-0500", 15)])
def test_a_log_source_zone_reads_timestamps_written_without_one(
    tmp_path: Path, store: Store, zone: str, hour_utc: int
) -> None:
    """RFC 3164 syslog carries no zone: a Vietnamese server writes its local time (+07:00)."""
    log = tmp_path / "auth.log"
    log.write_text(
        "Mar  1 10:00:00 gov-web sshd[811]: Failed password for root from 203.0.113.9 port 40000 ssh2\n"
    )
    source = {"path": str(log), "format": "syslog", "timezone": zone}
    settings = Settings.model_validate({"data_dir": str(tmp_path / "data"), "secmon": {"logs": [source]}})
    ingester = Ingester(settings, store)
    assert ingester.run_once().lines_read == 1
    ingester.close()
    store.refresh()
    [hit] = store.search(Kind.events, SearchQuery(size=1)).hits
    stamp = datetime.fromisoformat(hit.source["@timestamp"]).astimezone(UTC)
    assert (stamp.month, stamp.day, stamp.hour, stamp.minute) == (3, 1, hour_utc, 0), stamp


def test_cli_ingest_reads_zone_less_times_in_the_zone_given(tmp_path: Path, backend: Backend) -> None:
    log = tmp_path / "auth.log"
    log.write_text(
        "Mar  1 10:00:00 gov-web sshd[811]: Failed password for root from 203.0.113.9 port 40000 ssh2\n"
    )
    bad = run_cli(tmp_path, "logs", "ingest", "--timezone", "Asia/Hanoi", str(log), backend=backend)
    assert bad.returncode == 2 and "+07:00" in bad.stderr and "Traceback" not in bad.stderr
    ingest = run_cli(tmp_path, "logs", "ingest", "--timezone", "+07:00", str(log), backend=backend)
    assert ingest.returncode == 0, ingest.stderr
    store = backend.open(tmp_path / "data")
    store.refresh()
    [hit] = store.search(Kind.events, SearchQuery(size=1)).hits
    store.close()
    stamp = datetime.fromisoformat(hit.source["@timestamp"]).astimezone(UTC)
    assert (stamp.month, stamp.day, stamp.hour) == (3, 1, 3), stamp
