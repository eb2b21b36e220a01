"""Rule scenarios and the benign baseline, end to end with the default configuration.

tests/data/secmon/scenarios/<name>/ holds a log (`input.*`), `threat-intel.txt` (an indicator list)
where the rule needs one, and `expected.json`: the incidents a security analyst expects from it (attacker,
the rules that saw it, severity) — written by hand, like the rule-test folders of rule hubs. Each log goes
through `ingest_paths` (parse → detect → incidents) into a fresh store of each backend (the `backend`
fixture: the embedded SQLite store, and Elasticsearch over HTTP), with the bundled rules, no assets, nothing
tuned: a scenario must raise the same incidents on both. tests/data/secmon/baseline/ holds real benign logs
(see PROVENANCE.md there) on which no incident may be raised, on either backend.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.config import Settings
from secmon.detect import load_rules
from secmon.pipeline import ingest_paths
from store.models import Incident
from store.query import Kind, SearchQuery
from tests.conftest import Backend
from tests.realdata import real
from tests.secmon.eve_schema import violations

DATA = Path(__file__).resolve().parents[1] / "data" / "secmon"
REAL = Path(__file__).resolve().parents[1] / "data" / "real"
SCENARIOS = sorted(p for p in (DATA / "scenarios").iterdir() if p.is_dir())
BASELINE = sorted(p for p in (DATA / "baseline").iterdir() if p.suffix in (".gz", ".json", ".log"))


def _incidents(tmp_path: Path, backend: Backend, log: Path, fmt: str = "auto") -> list[Incident]:
    """Incidents of `log` in a fresh store of `backend` with the default configuration; a
    `threat-intel.txt` beside it is the indicator list (`secmon.threat_intel_file`), which the default
    configuration does not have."""
    config: dict[str, Any] = {}
    if (log.parent / "threat-intel.txt").exists():
        config["secmon"] = {"threat_intel_file": str(log.parent / "threat-intel.txt")}
    settings: Settings = backend.settings(tmp_path / "data", **config)
    store = backend.open(tmp_path / "data")
    try:
        summary = ingest_paths(settings, store, [str(log)], fmt)
        assert summary.parse_errors == 0
        store.refresh()
        return [
            Incident.model_validate(h.source)
            for h in store.search(Kind.incidents, SearchQuery(size=100)).hits
        ]
    finally:
        store.close()


def _seen(incident: Incident) -> dict[str, Any]:
    seen = {
        "source_ip": incident.source_ip,
        "rules": sorted(incident.entities.get("vigil.rule", [incident.rule_id])),
        "severity": incident.severity.value,
    }
    if incident.source_domain:  # an attacker known only by its host name (sshd/PAM with UseDNS)
        seen["source_domain"] = incident.source_domain
    return seen


def _attacker(seen: dict[str, Any]) -> str:
    return str(seen["source_ip"] or seen.get("source_domain"))


@pytest.mark.parametrize("folder", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_scenario_raises_exactly_the_expected_incidents(
    tmp_path: Path, backend: Backend, folder: Path
) -> None:
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    [log] = folder.glob("input.*")
    got = sorted((_seen(i) for i in _incidents(tmp_path, backend, log, expected["format"])), key=_attacker)
    want = sorted(({**e, "rules": sorted(e["rules"])} for e in expected["incidents"]), key=_attacker)
    assert got == want


@pytest.mark.parametrize("log", BASELINE, ids=[p.name for p in BASELINE])
def test_benign_baseline_raises_no_incident(tmp_path: Path, backend: Backend, log: Path) -> None:
    assert [_seen(i) for i in _incidents(tmp_path, backend, log)] == []


def test_every_scenario_says_what_it_is() -> None:
    assert len(SCENARIOS) >= 10
    for folder in SCENARIOS:
        assert json.loads((folder / "expected.json").read_text(encoding="utf-8"))["what"]


def test_every_bundled_rule_has_a_scenario_that_raises_it() -> None:
    raised = {
        rule
        for folder in SCENARIOS
        for incident in json.loads((folder / "expected.json").read_text(encoding="utf-8"))["incidents"]
        for rule in incident["rules"]
    }
    assert sorted({rule.id for rule in load_rules(None)} - raised) == []


# The real Suricata runs of the shared data (no licence: read there, never copied; skipped in a clone
# without it, a failure in CI): the attacker of each is the source of the run's own attack signature.
REAL_RUNS = [
    ("muntaha-nmap-custom-rules", "Nmap SYN Port Scan"),
    ("chala-ids-lab", "escaneo de vulnerabilidades"),
    ("zeus-malware-pcap", "Zeus"),
]


@pytest.mark.parametrize(("run", "signature"), REAL_RUNS, ids=[r for r, _ in REAL_RUNS])
def test_each_real_attack_run_raises_an_incident_naming_its_attacker(
    tmp_path: Path, backend: Backend, run: str, signature: str
) -> None:
    path = real(f"suricata-eve-realruns/{run}/eve.json")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    attackers = {
        r["src_ip"]
        for r in records
        if r.get("event_type") == "alert" and signature in r["alert"]["signature"]
    }
    assert attackers
    named = {incident.source_ip for incident in _incidents(tmp_path, backend, path, "eve")}
    assert attackers <= named


def test_the_real_background_run_raises_no_incident(tmp_path: Path, backend: Backend) -> None:
    path = real("suricata-eve-realruns/magnc-flow-ssh-tls/eve.json")
    assert [_seen(i) for i in _incidents(tmp_path, backend, path, "eve")] == []


def test_scenario_eve_lines_are_what_suricata_writes() -> None:
    """Every hand-written EVE record declares only fields of Suricata's own EVE schema, with their types."""
    schema = json.loads(
        (REAL / "suricata-eve-realruns" / "suricata-eve-schema.json").read_text(encoding="utf-8")
    )
    inputs = sorted((DATA / "scenarios").glob("*/input.json"))
    assert inputs
    for path in inputs:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert violations(json.loads(line), schema, schema) == [], f"{path.parent.name}:{number}"
