"""Run the lines each rule ships (`tests.fire` must raise it, `tests.quiet` must not).

Test lines go through the real parsers, so a rule is tested on the ECS fields it will really see;
a test line that does not parse fails the test (otherwise a quiet test would pass vacuously).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from core.config import AssetSettings
from secmon.assets import AssetIndex
from secmon.detect.engine import DetectionEngine
from secmon.detect.intel import ThreatIntel
from secmon.detect.schema import DetectionRule
from secmon.parsers import ParseState, parse_line


@dataclass
class RuleTestResult:
    rule_id: str
    fired_on_fire: int = 0
    fired_on_quiet: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _run(rule: DetectionRule, lines: list[str], label: str, result: RuleTestResult) -> int:
    assets = AssetIndex([AssetSettings.model_validate(a) for a in rule.tests.assets])
    engine = DetectionEngine([rule], ThreatIntel(rule.tests.threat_intel), assets)
    received = datetime(2026, 12, 31, tzinfo=UTC)
    fired = 0
    state = ParseState()
    for offset, line in enumerate(lines):
        event = parse_line(
            line,
            rule.tests.format,
            origin=f"rule-test:{rule.id}:{label}",
            offset=offset,
            received_at=received,
            state=state,
        )
        if event.get("event.kind") == "pipeline_error":
            result.problems.append(f"{label} line {offset + 1} does not parse: {event.get('error.message')}")
            continue
        assets.tag(event.doc)
        fired += sum(1 for d in engine.process(event) if d.rule_id == rule.id)
    return fired


def run_rule_tests(rule: DetectionRule) -> RuleTestResult:
    result = RuleTestResult(rule.id)
    result.fired_on_fire = _run(rule, rule.tests.fire, "fire", result)
    result.fired_on_quiet = _run(rule, rule.tests.quiet, "quiet", result)
    if result.fired_on_fire == 0:
        result.problems.append("the 'fire' lines raised no detection")
    if result.fired_on_quiet:
        result.problems.append(f"the 'quiet' lines raised {result.fired_on_quiet} detection(s)")
    return result
