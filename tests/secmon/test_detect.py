"""The detection engine over hand-built ECS documents: modifiers, conditions, counting, intel, assets."""

from __future__ import annotations

import ipaddress
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from core.config import AssetSettings
from secmon.assets import AssetIndex, severity_for
from secmon.detect import DetectionEngine, DetectionRule, Suppressions, ThreatIntel, load_rules
from secmon.detect import engine as engine_module
from secmon.errors import RuleError
from store.models import SecurityEvent, Severity

T0 = datetime(2026, 10, 10, 6, 0, tzinfo=UTC)
SERIAL = itertools.count()
TESTS = {"format": "syslog", "fire": ["x"], "quiet": ["y"]}


def rule(**fields: Any) -> DetectionRule:
    base: dict[str, Any] = {"id": "test-rule", "title": "t", "level": "medium", "tests": TESTS}
    base.update(fields)
    return DetectionRule.model_validate(base)


def simple(selection: dict[str, Any] | list[dict[str, Any]], **extra: Any) -> DetectionRule:
    return rule(detection={"selections": {"sel": selection}, "condition": "sel"}, **extra)


def event(doc: dict[str, Any], seconds: float = 0, eid: str | None = None) -> SecurityEvent:
    return SecurityEvent(
        id=eid or f"e{seconds}-{id(doc)}", timestamp=T0 + timedelta(seconds=seconds), doc=doc
    )


def fires(r: DetectionRule, doc: dict[str, Any], intel: ThreatIntel | None = None) -> bool:
    return bool(DetectionEngine([r], intel).process(event(doc)))


WEB = {"url": {"original": "/a?q=%27%20UNION%20SELECT%201--"}, "http": {"request": {"method": "GET"}}}


@pytest.mark.parametrize(
    ("selection", "doc", "expected"),
    [
        ({"http.request.method": "get"}, WEB, True),  # equals is case-insensitive
        ({"http.request.method": ["POST", "PUT"]}, WEB, False),  # a list is "any of"
        ({"url.original|contains": "union"}, WEB, True),  # encoded spaces: contains sees "%20UNION"
        ({"url.original|urldecode|contains": "union select"}, WEB, True),
        ({"url.original|contains": "union select"}, WEB, False),  # not decoded
        ({"url.original|startswith": "/a?"}, WEB, True),
        ({"url.original|endswith": "--"}, WEB, True),
        ({"url.original|contains|all": ["union", "select"]}, WEB, True),
        ({"url.original|contains|all": ["union", "insert"]}, WEB, False),
        ({"url.original|urldecode|re": r"'\s+UNION"}, WEB, True),
        ({"source.ip|cidr": "10.0.0.0/8"}, {"source": {"ip": "10.2.3.4"}}, True),
        ({"source.ip|cidr": ["10.0.0.0/8", "fd00::/8"]}, {"source": {"ip": "fd00::1"}}, True),
        ({"source.ip|cidr": "10.0.0.0/8"}, {"source": {"ip": "not-an-ip"}}, False),
        ({"event.severity|lte": 2}, {"event": {"severity": 1}}, True),
        ({"event.severity|gt": 2}, {"event": {"severity": 1}}, False),
        ({"user.name|exists": True}, {"user": {"name": "root"}}, True),
        ({"user.name|exists": False}, {"user": {"name": "root"}}, False),
        ({"event.category": "authentication"}, {"event": {"category": ["network", "authentication"]}}, True),
        ({"destination.port": 22}, {"destination": {"port": 22}}, True),  # numbers compare as text
        ({"source.ip": "1.2.3.4"}, {"source.ip": "1.2.3.4"}, True),  # literal dotted keys also read
        ({"a": 1, "b": 2}, {"a": 1, "b": 3}, False),  # a map is AND
        ([{"a": 1}, {"b": 2}], {"a": 0, "b": 2}, True),  # a list of maps is OR
    ],
)
def test_selection_modifiers(selection: Any, doc: dict[str, Any], expected: bool) -> None:
    assert fires(simple(selection), doc) is expected


def test_conditions_combine_selections_with_and_or_not_and_of() -> None:
    selections = {"web": {"a": 1}, "web_post": {"b": 2}, "noise": {"c": 3}}
    doc_hit = {"a": 1, "b": 0, "c": 0}
    doc_noise = {"a": 1, "b": 0, "c": 3}
    for condition, doc, expected in [
        ("web and not noise", doc_hit, True),
        ("web and not noise", doc_noise, False),
        ("(web_post or noise) and web", doc_noise, True),
        ("1 of web*", {"b": 2}, True),
        ("all of web*", {"a": 1, "b": 2}, True),
        ("all of web*", {"a": 1}, False),
        ("not (web or noise)", {"z": 1}, True),
    ]:
        r = rule(detection={"selections": selections, "condition": condition})
        assert fires(r, doc) is expected, condition


@pytest.mark.parametrize(
    "bad",
    [
        {"detection": {"selections": {"s": {"a|nosuch": 1}}, "condition": "s"}},
        {"detection": {"selections": {"s": {"a": 1}}, "condition": "s and"}},
        {"detection": {"selections": {"s": {"a": 1}}, "condition": "t"}},
        {"detection": {"selections": {"s": {"a|re": "(unclosed"}}, "condition": "s"}},
        {"detection": {"selections": {"s": {"a|cidr": "10.0.0.0/33"}}, "condition": "s"}},
        {"detection": {"selections": {"s": {"a": 1}}}},  # no condition and no sequence
        {"id": "Bad Id", "detection": {"selections": {"s": {"a": 1}}, "condition": "s"}},
        {"tags": ["t1110"], "detection": {"selections": {"s": {"a": 1}}, "condition": "s"}},
    ],
)
def test_invalid_rules_are_rejected_at_load_time(tmp_path: Path, bad: dict[str, Any]) -> None:
    doc: dict[str, Any] = {"id": "bad-rule", "title": "t", "level": "low", "tests": TESTS}
    doc.update(bad)
    path = tmp_path / f"{doc['id']}.yml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(RuleError):
        load_rules(tmp_path)


def test_rule_id_must_match_file_name(tmp_path: Path) -> None:
    doc = {"id": "right-name", "title": "t", "level": "low", "tests": TESTS}
    doc["detection"] = {"selections": {"s": {"a": 1}}, "condition": "s"}
    (tmp_path / "wrong-name.yml").write_text(yaml.safe_dump(doc))
    with pytest.raises(RuleError, match="file name"):
        load_rules(tmp_path)


FAIL = {"event": {"dataset": "system.auth", "category": ["authentication"], "outcome": "failure"}}


def failure(ip: str, user: str = "root") -> dict[str, Any]:
    return {**FAIL, "source": {"ip": ip}, "user": {"name": user}}


def brute_force(count: int = 8, window: int = 120) -> DetectionRule:
    return simple(
        {"event.outcome": "failure"},
        threshold={"count": count, "window_seconds": window, "group_by": ["source.ip"]},
        fields=["user.name"],
    )


def test_threshold_fires_once_when_count_is_reached_within_the_window() -> None:
    engine = DetectionEngine([brute_force()])
    found = []
    for i in range(16):
        found += engine.process(event(failure("203.0.113.9"), seconds=i * 5, eid=f"e{i}"))
    # 16 failures → two detections of 8 each (state restarts after a firing)
    assert len(found) == 2
    assert found[0].event_ids == [f"e{i}" for i in range(8)]
    assert found[0].source_ip == "203.0.113.9"
    assert found[0].entities == {"user.name": ["root"]}


def test_threshold_groups_by_source_and_forgets_old_matches() -> None:
    engine = DetectionEngine([brute_force()])
    found = []
    for i in range(8):  # 8 failures, but split over two sources
        found += engine.process(event(failure(f"203.0.113.{i % 2}"), seconds=i))
    for i in range(8):  # 8 failures of one source, 20 s apart: never 8 within 120 s
        found += engine.process(event(failure("198.51.100.1"), seconds=100 + i * 20))
    assert found == []


def test_distinct_count_detects_spraying_not_repetition() -> None:
    spray = simple(
        {"event.outcome": "failure"},
        threshold={"count": 4, "window_seconds": 600, "group_by": ["source.ip"], "distinct": "user.name"},
        fields=["user.name"],
    )
    engine = DetectionEngine([spray])
    same_user = [engine.process(event(failure("192.0.2.1", "root"), seconds=i)) for i in range(10)]
    assert not any(same_user)
    found = []
    for i, user in enumerate(["admin", "oracle", "test", "git"]):
        found += engine.process(event(failure("192.0.2.2", user), seconds=i))
    assert len(found) == 1
    assert found[0].entities["user.name"] == ["admin", "oracle", "test", "git"]


def sequence_rule(window: int = 600) -> DetectionRule:
    return rule(
        detection={
            "selections": {"failure": {"event.outcome": "failure"}, "success": {"event.outcome": "success"}}
        },
        sequence={
            "window_seconds": window,
            "group_by": ["source.ip"],
            "steps": [{"selection": "failure", "min_count": 5}, {"selection": "success"}],
        },
    )


def success(ip: str) -> dict[str, Any]:
    return {"event": {"dataset": "system.auth", "outcome": "success"}, "source": {"ip": ip}}


def test_sequence_brute_force_then_success_from_the_same_source() -> None:
    engine = DetectionEngine([sequence_rule()])
    found = []
    for i in range(6):
        found += engine.process(event(failure("203.0.113.5"), seconds=i, eid=f"f{i}"))
    found += engine.process(event(success("198.51.100.7"), seconds=7))  # another source: no
    assert found == []
    found += engine.process(event(success("203.0.113.5"), seconds=8, eid="ok"))
    assert len(found) == 1
    assert found[0].event_ids[-1] == "ok"
    assert len(found[0].event_ids) == 7


def test_sequence_needs_enough_failures_and_the_window() -> None:
    engine = DetectionEngine([sequence_rule(window=60)])
    found = []
    for i in range(4):  # only 4 failures
        found += engine.process(event(failure("203.0.113.6"), seconds=i))
    found += engine.process(event(success("203.0.113.6"), seconds=5))
    for i in range(5):  # 5 failures, success too late
        found += engine.process(event(failure("203.0.113.7"), seconds=i))
    found += engine.process(event(success("203.0.113.7"), seconds=200))
    assert found == []


def test_threat_intel_matches_ips_cidrs_and_parent_domains() -> None:
    intel = ThreatIntel(
        ["# comment", "198.51.100.7  # C2", "185.220.101.0/24", "evil.example", "2001:db8::/32"]
    )
    assert intel.has_ip("198.51.100.7")
    assert intel.has_ip("185.220.101.200")
    assert not intel.has_ip("185.220.102.1")
    assert intel.has_ip("2001:db8::5")
    assert intel.has_domain("a.b.evil.example")
    assert intel.has_domain("EVIL.example.")
    assert not intel.has_domain("notevil.example")
    r = simple([{"destination.ip|intel": "ip"}, {"dns.question.name|intel": "domain"}])
    assert fires(r, {"destination": {"ip": "185.220.101.3"}}, intel)
    assert fires(r, {"dns": {"question": {"name": "x.evil.example"}}}, intel)
    assert not fires(r, {"destination": {"ip": "8.8.8.8"}}, intel)


def test_threat_intel_rejects_a_bad_cidr() -> None:
    with pytest.raises(RuleError, match="CIDR"):
        ThreatIntel(["10.0.0.0/40"])


def test_rules_are_indexed_by_dataset_and_event_type() -> None:
    web = simple({"a": 1}, logsource={"datasets": ["nginx.access"]})
    flows = simple({"a": 1}, logsource={"datasets": ["suricata.eve"], "event_types": ["flow"]})
    engine = DetectionEngine([web, flows])
    assert engine.rules_for("nginx.access")[0].rule is web
    assert engine.rules_for("system.auth") == []
    assert engine.rules_for("suricata.eve", "alert") == []
    assert engine.rules_for("suricata.eve", "flow")[0].rule is flows
    doc = {"a": 1, "event": {"dataset": "system.auth"}}
    assert engine.process(event(doc)) == []


def test_counting_state_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "MAX_GROUPS", 100)
    engine = DetectionEngine([brute_force()])
    for i in range(1000):
        engine.process(event(failure(f"10.0.{i // 250}.{i % 250}"), seconds=i))
    assert len(engine.rules[0].counts) <= 101


def test_severity_is_rule_level_times_asset_criticality() -> None:
    assert severity_for("medium", None) is Severity.medium
    assert severity_for("medium", "medium") is Severity.medium
    assert severity_for("medium", "high") is Severity.high
    assert severity_for("medium", "critical") is Severity.critical
    assert severity_for("high", "critical") is Severity.critical  # clamped
    assert severity_for("medium", "low") is Severity.low
    assert severity_for("low", "low") is Severity.low  # clamped


def test_assets_tag_events_by_most_specific_cidr_and_hostname() -> None:
    assets = AssetIndex(
        [
            AssetSettings(name="dc-net", agency="Sở TT&TT", criticality="medium", cidrs=["10.20.0.0/16"]),
            AssetSettings(name="portal", agency="UBND", criticality="critical", cidrs=["10.20.1.5/32"]),
            AssetSettings(name="mail", agency="UBND", criticality="high", hostnames=["mail.gov.example"]),
        ]
    )
    doc: dict[str, Any] = {"source": {"ip": "45.1.1.1"}, "destination": {"ip": "10.20.1.5"}}
    assert assets.tag(doc) is not None
    assert doc["vigil"]["asset"] == {"name": "portal", "agency": "UBND", "criticality": "critical"}
    assert assets.resolve({"destination": {"ip": "10.20.9.9"}}).name == "dc-net"  # type: ignore[union-attr]
    assert assets.resolve({"host": {"name": "smtp.mail.gov.example"}}).name == "mail"  # type: ignore[union-attr]
    assert assets.resolve({"source": {"ip": "10.20.3.3"}, "destination": {"ip": "8.8.8.8"}}).name == "dc-net"  # type: ignore[union-attr]
    assert assets.resolve({"destination": {"ip": "8.8.8.8"}}) is None


def test_detection_severity_uses_the_asset_of_the_event() -> None:
    assets = AssetIndex(
        [AssetSettings(name="portal", agency="UBND", criticality="critical", cidrs=["10.0.0.0/8"])]
    )
    engine = DetectionEngine([simple({"a": 1})], assets=assets)
    [found] = engine.process(event({"a": 1, "destination": {"ip": "10.1.1.1"}, "source": {"ip": "1.1.1.1"}}))
    assert (found.severity, found.asset, found.agency) == (Severity.critical, "portal", "UBND")


def test_suppressions_apply_until_they_expire(tmp_path: Path) -> None:
    path = tmp_path / "suppressions.yml"
    path.write_text(
        yaml.safe_dump(
            [
                {
                    "rule": "ssh-brute-force",
                    "match": {"source.ip": "10.0.0.0/8"},
                    "expires": "2099-01-01",
                    "reason": "internal pentest",
                },
                {"rule": "*", "match": {"user.name": "scanner"}, "expires": "2020-01-01", "reason": "old"},
            ]
        )
    )
    suppressions = Suppressions.from_file(path)
    assert suppressions.match("ssh-brute-force", {"source": {"ip": "10.9.9.9"}}) is not None
    assert suppressions.match("ssh-brute-force", {"source": {"ip": "11.9.9.9"}}) is None
    assert suppressions.match("web-xss", {"source": {"ip": "10.9.9.9"}}) is None
    assert suppressions.match("web-xss", {"user": {"name": "scanner"}}) is None  # expired
    before = datetime(2019, 6, 1, tzinfo=UTC)
    assert suppressions.match("web-xss", {"user": {"name": "scanner"}}, at=before) is not None


def test_a_suppression_without_reason_or_expiry_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.yml"
    path.write_text(yaml.safe_dump([{"rule": "x", "match": {"a": 1}, "reason": "forever"}]))
    with pytest.raises(RuleError, match="entry 1"):
        Suppressions.from_file(path)


def test_intel_only_rules_are_left_out_when_no_indicator_is_configured() -> None:
    intel_rule = simple([{"source.ip|intel": "ip"}, {"dns.question.name|intel": "domain"}])
    other = rule(id="other-rule", detection={"selections": {"s": {"a": 1}}, "condition": "s"})
    assert [c.rule.id for c in DetectionEngine([intel_rule, other]).rules] == ["other-rule"]
    with_intel = DetectionEngine([intel_rule, other], ThreatIntel(["198.51.100.7"]))
    assert len(with_intel.rules) == 2
    assert with_intel.process(event({"source": {"ip": "198.51.100.7"}}))


def test_a_bundled_intel_rule_with_an_exclusion_is_left_out_too() -> None:
    """threat-intel-match is "indicator and not answer": still nothing to run without indicators."""
    bundled = [r for r in load_rules(None) if r.id == "threat-intel-match"]
    assert len(bundled) == 1 and " and not " in (bundled[0].detection.condition or "")
    assert DetectionEngine(bundled).rules == []
    either = rule(
        id="either",
        detection={
            "selections": {"i": {"source.ip|intel": "ip"}, "s": {"a": 1}},
            "condition": "i and s or s",
        },
    )
    assert len(DetectionEngine([either]).rules) == 1  # "s" alone can fire it


def test_an_event_delivered_twice_is_counted_once() -> None:
    engine = DetectionEngine([brute_force()])
    found = []
    for _ in range(2):  # the same 7 failures re-delivered: still 7, below the threshold of 8
        for i in range(7):
            found += engine.process(event(failure("203.0.113.8"), seconds=i, eid=f"same-{i}"))
    assert found == []
    found += engine.process(event(failure("203.0.113.8"), seconds=8, eid="new"))
    assert len(found) == 1 and len(found[0].event_ids) == 8


def test_recent_ids_are_remembered_for_two_generations(monkeypatch: pytest.MonkeyPatch) -> None:
    """With room for 3 ids per generation: 5 events fire once each, all 5 re-delivered fire nothing (the
    first 3 are in the previous generation); once a third generation starts, the oldest are forgotten."""
    monkeypatch.setattr(engine_module, "RECENT_IDS", 3)
    engine = DetectionEngine([simple({"a": 1})])

    def fired(*ids: str) -> int:
        return sum(len(engine.process(event({"a": 1}, eid=eid))) for eid in ids)

    first = [f"e{i}" for i in range(5)]
    assert fired(*first) == 5
    assert fired(*first) == 0
    assert fired("e5") == 1  # e3, e4, e5 fill a generation: e0-e2 are forgotten
    assert fired("e3", "e4", "e5") == 0
    assert fired("e0") == 1


def test_cidr_answers_repeated_and_evicted_addresses_as_plain_ipaddress(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """|cidr keeps answers per address (addresses repeat); with a cache of 3 that keeps starting again,
    every answer is still the plain ipaddress one, for IPv4, IPv6, text that is no address and numbers."""
    from secmon.detect import matchers

    monkeypatch.setattr(matchers, "CIDR_CACHE", 3)
    networks = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8")]
    test = matchers.compile_field("source.ip|cidr", [str(n) for n in networks], ThreatIntel())
    values: list[Any] = ["10.1.1.1", "11.1.1.1", "fd00::1", "fe00::1", "not-an-ip", 167772161, "10.1.1.1"]
    for value in values * 3 + list(reversed(values)):
        try:
            plain = any(ipaddress.ip_address(str(value)) in n for n in networks)
        except ValueError:
            plain = False
        assert test({"source": {"ip": value}}) is plain, value


def test_rule_files_read_by_libyaml_equal_the_pure_python_parser() -> None:
    """Rule files are read by libyaml (fast); every bundled rule (and its test lines) comes out the same."""
    from secmon.detect import loader

    for path in sorted(loader.BUNDLED_RULES.rglob("*.yml")):
        text = path.read_text(encoding="utf-8")
        assert loader._yaml(text) == yaml.safe_load(text), path


def test_a_rule_file_that_is_not_yaml_names_the_line_with_a_caret(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yml"
    bad.write_text("id: broken\ndetection: [a, b\ntitle: t\n", encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_rules(tmp_path)
    message = str(caught.value)
    assert f"rule file {bad} is not valid YAML" in message
    assert "detection: [a, b\n" in message and "^" in message  # the line itself, as PyYAML's parser shows it


NAMES = ("a", "b", "c")
CONDITIONS = st.recursive(
    st.sampled_from(NAMES),
    lambda inner: st.one_of(
        inner.map(lambda x: f"not {x}"),
        inner.map(lambda x: f"({x})"),
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(" ".join),
    ),
    max_leaves=8,
)


def constant(value: bool) -> Any:
    return lambda doc: value


@settings(max_examples=300, deadline=None)
@given(condition=CONDITIONS, truth=st.tuples(st.booleans(), st.booleans(), st.booleans()))
def test_conditions_combine_as_python_booleans(condition: str, truth: tuple[bool, bool, bool]) -> None:
    """A condition (not > and > or, parentheses) is true exactly when the same words are in Python."""
    from secmon.detect.matchers import compile_condition

    values = dict(zip(NAMES, truth, strict=True))
    selections = {name: constant(value) for name, value in values.items()}
    expected = eval(condition, {}, values)  # the test's own generated words
    assert bool(compile_condition(condition, selections)({})) is expected
