"""The bundled detection rules: their own fire/quiet lines, a benign baseline, real scanner and sshd logs."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from secmon.detect import BUNDLED_RULES, DetectionEngine, load_rules
from secmon.detect.engine import Detection
from secmon.detect.testing import run_rule_tests
from secmon.parsers import parse_line
from store.models import SEVERITY_RANK, Severity
from tests.realdata import real

BASELINE = "elastic-examples-apache-access/apache_logs"
SCANNERS = "apache-scanner-access-logs"
OPENSSH = "loghub-openssh/OpenSSH_2k.log"
RULES = load_rules()
WEB_ATTACK_RULES = {r.id for r in RULES if r.id.startswith("web-")}
REQUIRED = {
    "ssh-brute-force",
    "ssh-brute-force-success",
    "ssh-password-spraying",
    "web-sql-injection",
    "web-xss",
    "web-path-traversal",
    "web-command-injection",
    "web-scanner-user-agent",
    "network-port-scan",
    "suricata-alert-high",
    "suricata-alert-medium",
    "suricata-alert-repeated",
    "ssh-slow-brute-force",
    "ssh-scanner",
    "threat-intel-match",
}


def need(relative: str) -> Path:
    return real(relative)


def detect_file(path: Path, fmt: str) -> list[Detection]:
    engine = DetectionEngine(RULES)
    found: list[Detection] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for offset, line in enumerate(handle):
            event = parse_line(line.rstrip("\n"), fmt, origin=path.name, offset=offset)
            found += engine.process(event)
    return found


def test_the_issue_rules_are_all_shipped_one_per_file() -> None:
    assert {r.id for r in RULES} >= REQUIRED
    assert len(list(BUNDLED_RULES.glob("*.yml"))) == len(RULES)
    for r in RULES:
        assert r.tags, f"{r.id} has no ATT&CK tag"
        assert r.falsepositives, f"{r.id} documents no false positives"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_fires_on_its_fire_lines_and_not_on_its_quiet_lines(rule: object) -> None:
    result = run_rule_tests(rule)  # type: ignore[arg-type]
    assert result.ok, result.problems
    assert result.fired_on_fire >= 1
    assert result.fired_on_quiet == 0


def test_benign_baseline_raises_no_web_attack_above_low() -> None:
    found = detect_file(need(BASELINE), "apache")
    loud = [
        d
        for d in found
        if d.rule_id in WEB_ATTACK_RULES and SEVERITY_RANK[d.severity] > SEVERITY_RANK[Severity.low]
    ]
    assert loud == [], [(d.rule_id, d.doc.get("url", {}).get("original")) for d in loud[:5]]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("acunetix.txt", {"web-sql-injection", "web-xss", "web-path-traversal", "web-command-injection"}),
        (
            "netsparker.txt",
            {
                "web-sql-injection",
                "web-xss",
                "web-path-traversal",
                "web-command-injection",
                "web-forced-browsing",
            },
        ),
        ("w3af.txt", {"web-scanner-user-agent", "web-forced-browsing"}),
    ],
)
def test_real_scanner_logs_raise_web_attack_detections(name: str, expected: set[str]) -> None:
    path = need(f"{SCANNERS}/{name}")
    found = detect_file(path, "apache")
    by_rule = Counter(d.rule_id for d in found)
    assert expected <= set(by_rule), by_rule
    clients = set(re.findall(r'^"?(\d+\.\d+\.\d+\.\d+) ', path.read_text(errors="replace"), re.MULTILINE))
    assert {d.source_ip for d in found} <= clients


def test_loghub_openssh_sample_raises_ssh_brute_force_for_the_hammering_sources() -> None:
    path = need(OPENSSH)
    failures = Counter(re.findall(r"Failed password for (?:invalid user )?\S+ from (\S+)", path.read_text()))
    worst_ip, worst_count = failures.most_common(1)[0]
    assert worst_count >= 8
    found = detect_file(path, "syslog")
    sources = {d.source_ip for d in found if d.rule_id == "ssh-brute-force"}
    assert worst_ip in sources
    assert sources <= set(failures)  # only sources that really failed to log in
    assert any(d.rule_id == "ssh-password-spraying" for d in found)


def test_vigil_rules_test_command_passes_on_the_bundled_rules(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "rules", "test"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"VIGIL_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"{len(RULES)} rule(s) passed" in result.stderr


def test_vigil_rules_test_command_fails_on_a_rule_whose_quiet_lines_fire(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    text = (BUNDLED_RULES / "web-xss.yml").read_text()
    (rules / "web-xss.yml").write_text(
        text.replace("/tin-tuc/chinh-sach", "/tin-tuc/<script>alert(1)</script>")
    )
    config = tmp_path / "vigil.toml"
    config.write_text(f'[secmon]\nrules_dir = "{rules}"\n')
    result = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "--config", str(config), "rules", "test"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"VIGIL_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
        check=False,
    )
    assert result.returncode == 1
    assert "web-xss" in result.stderr and "quiet" in result.stderr


EVE_RUNS = "suricata-eve-realruns"


def test_a_real_nmap_syn_scan_in_eve_flows_raises_port_scan_for_the_scanner_only() -> None:
    path = need(f"{EVE_RUNS}/muntaha-nmap-custom-rules/eve.json")
    events = [
        parse_line(line, "eve", origin="nmap", offset=i)
        for i, line in enumerate(path.read_text().splitlines())
    ]
    scanners = {e.get("source.ip") for e in events if "Nmap" in str(e.get("rule.name") or "")}
    assert scanners  # the author's own Suricata rule saw the scan
    engine = DetectionEngine(RULES)
    found = [d for e in events for d in engine.process(e)]
    assert {d.source_ip for d in found if d.rule_id == "network-port-scan"} == scanners


def test_a_real_background_traffic_run_raises_nothing() -> None:
    found = detect_file(need(f"{EVE_RUNS}/magnc-flow-ssh-tls/eve.json"), "eve")
    assert found == []


def test_fast_log_alerts_raise_incidents_by_severity_and_asset_criticality_raises_it() -> None:
    """Priority 1 → high, 2 → medium, 3 → nothing; a critical asset lifts the severity and says why."""
    from core.config import AssetSettings
    from secmon.assets import AssetIndex

    assets = AssetIndex(
        [AssetSettings(name="portal", agency="UBND", criticality="critical", cidrs=["10.20.0.0/24"])]
    )
    engine = DetectionEngine(RULES, assets=assets)
    line = (
        "10/10/2026-13:00:01.123456  [**] [1:2006446:5] ET WEB_SERVER Possible SQL Injection Attempt "
        "UNION SELECT [**] [Classification: Web Application Attack] [Priority: {p}] "
        "{{TCP}} 45.77.1.9:51000 -> {dst}:80"
    )
    found = []
    cases = [(1, "10.20.0.5"), (2, "10.20.0.5"), (3, "10.20.0.5"), (1, "10.99.0.5"), (2, "10.99.0.5")]
    for offset, (priority, dst) in enumerate(cases):
        event = parse_line(line.format(p=priority, dst=dst), "fastlog", origin="fast", offset=offset)
        assert event.get("event.kind") == "alert"
        assets.tag(event.doc)
        found += [d for d in engine.process(event) if d.rule_id.startswith("suricata-alert-")]
    assert [(d.rule_id, d.asset, d.severity.value, d.severity_reason) for d in found] == [
        ("suricata-alert-high", "portal", "critical", "rule high × asset critical → critical"),
        ("suricata-alert-medium", "portal", "critical", "rule medium × asset critical → critical"),
        ("suricata-alert-high", None, "high", None),
        ("suricata-alert-medium", None, "medium", None),
    ]
    assert {d.source_ip for d in found} == {"45.77.1.9"}
