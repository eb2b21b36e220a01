"""An incident's events are paged with their total (all of them, not the last 200 it keeps), on both
backends: GET /incidents/{id}/events?offset=&size=."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import secmon.incidents
from secmon.detect.engine import Detection
from secmon.incidents import MAX_EVENT_IDS, IncidentManager
from store.models import SecurityEvent, Severity
from tests.api.conftest import Api

T0 = datetime(2026, 9, 1, 3, tzinfo=UTC)


def test_every_event_of_an_incident_is_paged_with_the_total(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(secmon.incidents, "EVIDENCE_CHUNK", 64)  # several evidence records
    count = MAX_EVENT_IDS + 50
    events = [
        SecurityEvent(
            id=f"paged-{n:04d}",
            timestamp=T0 + timedelta(seconds=n),
            doc={"event": {"kind": "event"}, "source": {"ip": "198.51.100.77"}, "message": f"try {n}"},
        )
        for n in range(count)
    ]
    assert api.store.index_events(events).ok
    api.store.refresh()
    manager = IncidentManager(api.store)
    for start in range(0, count, 25):  # detections arrive batch after batch
        batch = events[start : start + 25]
        manager.record(
            [
                Detection(
                    rule_id="ssh-brute-force",
                    rule_title="SSH brute force",
                    level="high",
                    severity=Severity.high,
                    tags=[],
                    timestamp=batch[-1].timestamp,
                    event_ids=[e.id for e in batch],
                    source_ip="198.51.100.77",
                )
            ]
        )
    api.store.refresh()
    with api.client("security") as client:
        listed = client.get("/incidents", params={"size": 50}).json()["items"]
        [incident] = [i for i in listed if i["source_ip"] == "198.51.100.77"]
        assert incident["event_count"] == count
        seen: list[str] = []
        offset: int | None = 0
        while offset is not None:
            page = client.get(f"/incidents/{incident['id']}/events", params={"offset": offset, "size": 100})
            assert page.status_code == 200, page.text
            body = page.json()
            assert body["total"] == count
            seen.extend(item["id"] for item in body["items"])
            offset = body["next_offset"]
    assert seen == [e.id for e in events]  # every one, oldest first, none twice
