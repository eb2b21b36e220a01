"""Incidents tell the truth, on both backends: first_seen is the first evidence event's time (not the
event that crossed the threshold), every incident says why it has its severity, and the alert stream and
webhooks announce a change under the same event name (incident.opened / updated / escalated)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from api.schemas import IncidentPublic
from api.sse import format_event
from core.config import Settings
from secmon.detect.engine import Detection
from secmon.incidents import IncidentEvent, IncidentManager
from secmon.notify import WebhookNotifier
from secmon.pipeline import ingest_paths
from store.models import Incident, Severity
from store.protocol import Store
from store.query import Kind, SearchQuery, SortField

SSH_FAIL = (
    "Dec 10 06:{m:02d}:{s:02d} gw-portal sshd[{pid}]: Failed password for root from {ip} port {port} ssh2"
)


def incidents(store: Store) -> list[Incident]:
    store.refresh()
    return [
        Incident.model_validate(h.source) for h in store.search(Kind.incidents, SearchQuery(size=50)).hits
    ]


def test_first_seen_is_the_first_events_time_and_every_incident_has_a_severity_reason(
    tmp_path: Path, store: Store
) -> None:
    lines = [
        SSH_FAIL.format(m=(i * 20) // 60, s=(i * 20) % 60, pid=24000 + i, ip="203.0.113.9", port=40000 + i)
        for i in range(12)
    ]
    log = tmp_path / "auth.log"
    log.write_text("\n".join(lines) + "\n")
    settings = Settings.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "secmon": {"assets": [{"name": "portal", "agency": "UBND", "criticality": "critical",
                                   "hostnames": ["gw-portal"]}]},
        }
    )  # fmt: skip
    summary = ingest_paths(settings, store, [str(log)], fmt="syslog")
    assert summary.incidents_opened >= 1
    store.refresh()
    first_event = store.search(
        Kind.events, SearchQuery(sort=(SortField("@timestamp", descending=False),), size=1)
    ).hits[0]
    earliest = datetime.fromisoformat(first_event.source["@timestamp"])
    found = incidents(store)
    assert found
    for incident in found:
        assert incident.first_seen == earliest, (incident.rule_id, incident.first_seen, earliest)
        assert incident.first_seen < incident.last_seen
        assert incident.entities.get("severity.reason"), incident.rule_id


def detection(minutes: float, severity: Severity, asset: str | None = None) -> Detection:
    at = datetime(2026, 10, 10, 6, tzinfo=UTC) + timedelta(minutes=minutes)
    return Detection(
        rule_id="ssh-brute-force",
        rule_title="SSH brute force",
        level="medium",
        severity=severity,
        tags=[],
        timestamp=at,
        event_ids=[f"ev-{minutes}"],
        source_ip="203.0.113.9",
        asset=asset,
    )


def test_sse_and_webhooks_use_the_same_event_names(tmp_path: Path, store: Store) -> None:
    manager = IncidentManager(store)
    [opened] = manager.record([detection(0, Severity.medium)]).opened
    updated = manager.record([detection(1, Severity.medium)]).updated[0]
    escalated = manager.record([detection(2, Severity.critical)]).escalated[0]
    assert opened.entities["severity.reason"] == ["rule medium → medium (no asset criticality applies)"]
    stream = [
        format_event(IncidentPublic.model_validate(i.model_dump())) for i in (opened, updated, escalated)
    ]
    named = [next(line[7:] for line in text.splitlines() if line.startswith("event: ")) for text in stream]
    assert named == [IncidentEvent.opened, IncidentEvent.updated, IncidentEvent.escalated]

    settings = Settings.model_validate(
        {"data_dir": str(tmp_path / "data"), "secmon": {"webhooks": [{"url": "http://127.0.0.1:9/hook"}]}}
    )
    notifier = WebhookNotifier.from_settings(settings)
    notifier.enqueue(opened, "opened")
    notifier.enqueue(escalated, "escalated")
    sent = sorted(message.body["event"] for message in notifier.outbox.due())
    notifier.close()
    assert sent == sorted([named[0], named[2]])
