"""Incidents in each store backend (`store` from tests/conftest.py: SQLite, and Elasticsearch over HTTP):
grouping, re-delivery, lifecycle, audit, concurrent changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from secmon.detect import DetectionEngine, load_rules
from secmon.detect.engine import Detection
from secmon.errors import InvalidTransition
from secmon.incidents import IncidentManager, add_note, change_incident
from secmon.parsers import parse_line
from store.errors import Conflict, NotFound
from store.models import Incident, IncidentStatus, Severity
from store.protocol import Store
from store.sqlite import SqliteStore

T0 = datetime(2026, 10, 10, 6, 0, tzinfo=UTC)


def detection(
    minutes: float = 0,
    *,
    rule: str = "ssh-brute-force",
    source: str | None = "203.0.113.9",
    asset: str | None = "portal",
    ids: tuple[str, ...] = (),
    severity: Severity = Severity.high,
    users: tuple[str, ...] = ("root",),
) -> Detection:
    return Detection(
        rule_id=rule,
        rule_title=rule.replace("-", " "),
        level="high",
        severity=severity,
        tags=["attack.t1110.001"],
        timestamp=T0 + timedelta(minutes=minutes),
        event_ids=list(ids or (f"ev-{rule}-{source}-{minutes}",)),
        source_ip=source,
        asset=asset,
        agency="UBND" if asset else None,
        entities={"user.name": list(users)},
    )


def all_incidents(store: Store) -> list[Incident]:
    from store.query import Kind, SearchQuery

    store.refresh()
    return [
        Incident.model_validate(h.source) for h in store.search(Kind.incidents, SearchQuery(size=100)).hits
    ]


def test_detections_of_one_rule_source_and_asset_within_the_window_update_one_incident(
    store: Store,
) -> None:
    manager = IncidentManager(store, window_minutes=60)
    first = manager.record([detection(0, users=("root",))])
    assert len(first.opened) == 1 and not first.updated
    later = manager.record([detection(30, users=("admin",)), detection(50, users=("root",))])
    assert not later.opened and len(later.updated) == 1
    [incident] = all_incidents(store)
    assert incident.event_count == 3
    assert incident.first_seen == T0 and incident.last_seen == T0 + timedelta(minutes=50)
    assert incident.entities["user.name"] == ["root", "admin"]
    assert incident.status is IncidentStatus.new
    assert incident.audit[0].new == IncidentStatus.new


def test_a_new_incident_after_the_window_or_for_another_source_or_asset(store: Store) -> None:
    manager = IncidentManager(store, window_minutes=60)
    manager.record([detection(0)])
    changes = manager.record(
        [
            detection(200),  # past the window
            detection(1, source="198.51.100.1"),
            detection(2, asset="mail"),
        ]
    )
    assert len(changes.opened) == 3
    assert len(all_incidents(store)) == 4


def test_one_attacker_against_one_asset_is_one_incident_whatever_the_rules(store: Store) -> None:
    """An attack story: the port scan, the brute force and the spraying of one source are one incident."""
    manager = IncidentManager(store, window_minutes=60)
    manager.record([detection(0, rule="network-port-scan", severity=Severity.medium)])
    changes = manager.record(
        [detection(3, rule="ssh-brute-force"), detection(5, rule="ssh-password-spraying")]
    )
    assert not changes.opened and len(changes.updated) == 1
    [incident] = all_incidents(store)
    assert incident.entities["vigil.rule"] == [
        "network-port-scan",
        "ssh-brute-force",
        "ssh-password-spraying",
    ]
    assert incident.severity == Severity.high  # the worst of what it collected
    assert incident.event_count == 3
    other_rule_no_source = manager.record([detection(6, rule="sudo-failures", source=None)])
    assert len(other_rule_no_source.opened) == 1  # without an attacker address: grouped by rule


def test_a_fresh_manager_finds_the_open_incident_in_the_store(store: Store) -> None:
    IncidentManager(store, window_minutes=60).record([detection(0)])
    changes = IncidentManager(store, window_minutes=60).record([detection(10)])  # e.g. after a restart
    assert not changes.opened and len(changes.updated) == 1
    assert len(all_incidents(store)) == 1


def test_re_delivered_detections_change_nothing(store: Store) -> None:
    manager = IncidentManager(store, window_minutes=60)
    manager.record([detection(0, ids=("a", "b"))])
    before = all_incidents(store)[0]
    again = IncidentManager(store, window_minutes=60).record([detection(0, ids=("a", "b"))])
    assert not again.opened and not again.updated
    after = all_incidents(store)[0]
    assert after.version == before.version and after.event_count == 2


def test_a_closed_incident_is_not_updated_a_new_one_opens(store: Store) -> None:
    manager = IncidentManager(store, window_minutes=60)
    [opened] = manager.record([detection(0)]).opened
    change_incident(store, opened.id, actor="analyst", status="resolved")
    changes = manager.record([detection(5)])
    assert len(changes.opened) == 1 and changes.opened[0].id != opened.id


def test_severity_escalates_with_an_audit_entry(store: Store) -> None:
    manager = IncidentManager(store, window_minutes=60)
    manager.record([detection(0, severity=Severity.medium)])
    changes = manager.record([detection(1, severity=Severity.critical)])
    assert [i.severity for i in changes.escalated] == [Severity.critical]
    incident = all_incidents(store)[0]
    assert incident.severity is Severity.critical
    assert any(entry.field == "severity" and entry.new == Severity.critical for entry in incident.audit)


def test_lifecycle_assignee_notes_and_audit_trail(store: Store) -> None:
    [incident] = IncidentManager(store).record([detection(0)]).opened
    acked = change_incident(store, incident.id, actor="lan", status="acknowledged", assignee="minh")
    assert acked.status is IncidentStatus.acknowledged and acked.assignee == "minh"
    noted = add_note(store, incident.id, actor="minh", text="Blocked 203.0.113.9 at the firewall")
    resolved = change_incident(store, incident.id, actor="minh", status=IncidentStatus.resolved)
    assert resolved.status is IncidentStatus.resolved
    assert noted.notes[0].author == "minh"
    stored = store.get_incident(incident.id)
    assert stored is not None and stored.version == resolved.version
    trail = [(e.actor, e.field, e.old, e.new) for e in stored.audit[1:]]
    assert trail == [
        ("lan", "status", IncidentStatus.new, IncidentStatus.acknowledged),
        ("lan", "assignee", None, "minh"),
        ("minh", "notes", None, "Blocked 203.0.113.9 at the firewall"),
        ("minh", "status", IncidentStatus.acknowledged, IncidentStatus.resolved),
    ]


@pytest.mark.parametrize(
    ("path", "forbidden"),
    [
        ([], "new"),  # to itself is a no-op, but "new" is never a target from elsewhere
        (["acknowledged"], "new"),
        (["resolved"], "false_positive"),
        (["false_positive"], "resolved"),
    ],
)
def test_forbidden_transitions_raise(store: Store, path: list[str], forbidden: str) -> None:
    [incident] = IncidentManager(store).record([detection(0)]).opened
    for status in path:
        change_incident(store, incident.id, actor="a", status=status)
    current = store.get_incident(incident.id)
    assert current is not None
    if current.status.value == forbidden:
        assert change_incident(store, incident.id, actor="a", status=forbidden).version == current.version
        return
    with pytest.raises(InvalidTransition, match="can become"):
        change_incident(store, incident.id, actor="a", status=forbidden)


def test_a_resolved_incident_can_be_reopened_as_acknowledged(store: Store) -> None:
    [incident] = IncidentManager(store).record([detection(0)]).opened
    change_incident(store, incident.id, actor="a", status="resolved")
    assert (
        change_incident(store, incident.id, actor="b", status="acknowledged").status
        is IncidentStatus.acknowledged
    )


def test_unknown_incident_and_empty_note(store: Store) -> None:
    with pytest.raises(NotFound):
        change_incident(store, "nope", actor="a", status="acknowledged")
    [incident] = IncidentManager(store).record([detection(0)]).opened
    with pytest.raises(InvalidTransition):
        add_note(store, incident.id, actor="a", text="   ")


class RacingStore(SqliteStore):
    """A real SQLite store where another analyst writes just before our first update lands."""

    raced = False

    def update_incident(self, incident: Incident, expected_version: int) -> Incident:
        if not self.raced:
            self.raced = True
            other = self.get_incident(incident.id)
            assert other is not None
            other.assignee = "someone-else"
            super().update_incident(other, expected_version=other.version)
        return super().update_incident(incident, expected_version)


def test_a_lost_race_is_retried_on_the_fresh_copy(tmp_path: Path) -> None:
    store = RacingStore(tmp_path / "race.sqlite3")
    store.init()
    [incident] = IncidentManager(store).record([detection(0)]).opened
    updated = change_incident(store, incident.id, actor="lan", status="acknowledged")
    assert updated.status is IncidentStatus.acknowledged
    assert updated.assignee == "someone-else"  # the other writer's change survived
    assert updated.version == incident.version + 2
    with pytest.raises(Conflict):
        SqliteStore.update_incident(store, incident, expected_version=incident.version)
    store.close()


def test_alerts_to_multicast_or_broadcast_name_no_victim() -> None:
    """SSDP/mDNS/LLMNR/x.x.x.255 destinations are nobody's system: the attacker's incident has no victim."""
    engine = DetectionEngine(load_rules())
    line = (
        '{{"timestamp":"2026-10-10T13:00:{s:02d}.000000+0700","event_type":"alert","src_ip":"192.168.230.133",'
        '"src_port":5000,"dest_ip":"{dst}","dest_port":1900,"proto":"UDP","alert":{{"action":"allowed","gid":1,'
        '"signature_id":200004,"rev":1,"signature":"Zeus SSDP Discovery Traffic Detected","category":"",'
        '"severity":3}}}}'
    )
    found = []
    for dst in ("239.255.255.250", "192.168.230.255", "10.0.0.9"):
        for s in range(10):
            event = parse_line(line.format(s=s, dst=dst), "eve", origin=dst, offset=s)
            found += engine.process(event)
    assert [d.victim for d in found] == [None, None, "10.0.0.9"]
