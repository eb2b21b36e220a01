"""`vigil rules update`: suricata-update offline, conf filters, `suricata -T`, rollback, metadata (indexed
in each store backend: the `store` fixture of tests/conftest.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import Settings
from secmon.errors import RulesetError
from secmon.ruleset import VERSION_RECORD, RuleMetadata, RulesetPaths, current_version, update_ruleset
from store.protocol import Store
from store.query import RecordKind
from tests.realdata import COPIED

DATA = Path(__file__).resolve().parents[1] / "data" / "secmon" / "suricata"
ET_SNAPSHOT = COPIED / "suricata-rules" / "suricata-update-tests" / "emerging.rules.tar.gz"
HAS_SURICATA = shutil.which("suricata") is not None
needs_suricata = pytest.mark.skipif(not HAS_SURICATA, reason="the suricata binary is not installed")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def rules_text(settings: Settings) -> str:
    return (RulesetPaths.from_settings(settings).current / "suricata.rules").read_text()


def test_the_bundled_et_open_subset_builds_and_its_metadata_is_indexed(
    settings: Settings, store: Store
) -> None:
    record = update_ruleset(settings, store)
    assert record.rules_enabled > 1000
    assert record.tested_with == (f"suricata {record.tested_with.split()[-1]}" if HAS_SURICATA else None)  # type: ignore[union-attr]
    assert current_version(RulesetPaths.from_settings(settings)) == record
    text = rules_text(settings)
    assert "sid:2006446;" in text  # ET WEB_SERVER Possible SQL Injection Attempt UNION SELECT
    meta = store.get_record(RecordKind.rules, "sid:2006446")
    assert meta is not None
    assert meta["msg"] == "ET WEB_SERVER Possible SQL Injection Attempt UNION SELECT"
    assert meta["classtype"] == "web-application-attack"
    assert meta["priority"] == 1  # from classification.config
    assert meta["ruleset"] == record.version
    assert (
        any("doc.emergingthreats.net" in ref or "2006446" in ref for ref in meta["references"])
        or meta["references"] == []
    )
    assert store.get_record(RecordKind.state, VERSION_RECORD)["sha256"] == record.sha256  # type: ignore[index]


def test_conf_files_outside_the_rules_disable_and_modify(settings: Settings, tmp_path: Path) -> None:
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "disable.conf").write_text("2006446\n")
    (conf / "modify.conf").write_text(
        '2006445 "classtype:web-application-attack" "classtype:attempted-admin"\n'
    )
    update_ruleset(settings, conf_dir=conf, suricata=None)
    lines = {
        line for line in rules_text(settings).splitlines() if "sid:2006446;" in line or "sid:2006445;" in line
    }
    disabled = next(line for line in lines if "sid:2006446;" in line)
    modified = next(line for line in lines if "sid:2006445;" in line)
    assert disabled.startswith("# alert")
    assert "classtype:attempted-admin" in modified and modified.startswith("alert")


def test_alerts_are_enriched_from_the_indexed_metadata(settings: Settings, store: Store) -> None:
    update_ruleset(settings, store, local=[DATA / "local.rules"], suricata=None)
    metadata = RuleMetadata.load(store)
    doc = {"rule": {"id": "9100001", "name": "VIGIL LOCAL WEB path traversal in raw URI"}}
    assert metadata.enrich(doc)
    assert doc["rule"]["category"] == "web-application-attack"
    assert doc["threat"]["technique"]["id"] == ["T1190"]  # type: ignore[index]
    assert doc["threat"]["tactic"]["id"] == ["TA0001"]  # type: ignore[index]
    assert doc["vigil"]["signature_severity"] == "Major"  # type: ignore[index]
    assert not metadata.enrich({"rule": {"id": "123456789"}})


@needs_suricata
@pytest.mark.suricata
def test_a_ruleset_suricata_rejects_is_not_promoted(settings: Settings) -> None:
    good = update_ruleset(settings)
    with pytest.raises(RulesetError, match="previous ruleset is kept"):
        update_ruleset(settings, local=[DATA / "broken.rules"])
    paths = RulesetPaths.from_settings(settings)
    assert current_version(paths) == good
    assert "sid:9100099;" not in rules_text(settings)


def test_an_unreadable_source_keeps_the_previous_ruleset(settings: Settings, tmp_path: Path) -> None:
    good = update_ruleset(settings, suricata=None)
    with pytest.raises(RulesetError, match="suricata-update failed"):
        update_ruleset(settings, sources=[(tmp_path / "missing.tar.gz").as_uri()], suricata=None)
    assert current_version(RulesetPaths.from_settings(settings)) == good


@needs_suricata
@pytest.mark.suricata
@pytest.mark.slow
def test_the_full_2017_et_open_snapshot_builds_with_the_shipped_conf(
    settings: Settings, store: Store
) -> None:
    record = update_ruleset(settings, store, sources=[ET_SNAPSHOT.as_uri()])
    assert record.rules_enabled > 19_000
    assert record.tested_with is not None
    assert store.get_record(RecordKind.rules, "sid:2011540") is not None  # seen in the real EVE runs
    # more than Elasticsearch's 10,000 result window: read back page by page, every one of them
    assert len(RuleMetadata.load(store).by_sid) >= record.rules_enabled


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vigil.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={"VIGIL_DATA_DIR": str(tmp_path / "data"), "PATH": os.environ.get("PATH", ""), "COLUMNS": "200"},
        check=False,
    )


def test_cli_rules_update_then_list(tmp_path: Path) -> None:
    updated = run_cli(tmp_path, "rules", "update", "--no-test")
    assert updated.returncode == 0, updated.stderr
    listed = run_cli(tmp_path, "rules", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert data["suricata_ruleset"]["version"] in updated.stderr
    assert data["suricata_ruleset"]["rules_enabled"] > 1000
    assert {r["id"] for r in data["rules"]} >= {"ssh-brute-force", "web-sql-injection"}
    broken = run_cli(
        tmp_path, "rules", "update", "--no-test", "--source", (tmp_path / "nope.tar.gz").as_uri()
    )
    assert broken.returncode == 1
    assert "previous ruleset is kept" in broken.stderr and "Traceback" not in broken.stderr


def test_a_running_ingester_picks_up_a_new_ruleset(settings: Settings, store: Store) -> None:
    from secmon.pipeline import Processor

    processor = Processor(settings, store)
    doc = {"rule": {"id": "9100002"}}
    assert not processor.metadata.enrich(doc)
    update_ruleset(settings, store, local=[DATA / "local.rules"], suricata=None)
    assert processor.refresh_metadata(every_seconds=0)
    assert processor.metadata.enrich(doc)
    assert doc["rule"]["category"] == "web-application-attack"
    assert not processor.refresh_metadata(every_seconds=0)  # same version: nothing to reload
