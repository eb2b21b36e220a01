"""`/alerts/stream`: a connected client receives a new incident within 2 s; Last-Event-ID resumes."""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from datetime import UTC, datetime

import httpx

from store.models import Incident, Severity
from tests.api.conftest import Api


def _incident(status_note: str = "") -> Incident:
    now = datetime.now(UTC)
    return Incident(
        id=f"sse-{uuid.uuid4().hex[:8]}",
        rule_id="ssh-brute-force",
        rule_title="SSH brute force" + status_note,
        severity=Severity.high,
        first_seen=now,
        last_seen=now,
        updated_at=now,
        source_ip="203.0.113.50",
    )


def _listen(api: Api, out: queue.Queue, stop: threading.Event, last_event_id: str | None = None) -> None:
    headers = {"X-API-Key": api.keys["security"]}
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    with (
        httpx.Client(base_url=api.base_url, timeout=httpx.Timeout(10, read=30)) as client,
        client.stream("GET", "/alerts/stream", headers=headers) as response,
    ):
        out.put(("status", response.status_code, time.monotonic()))
        event: dict[str, str] = {}
        for line in response.iter_lines():
            if stop.is_set():
                return
            if not line:
                if "data" in event:
                    out.put(("event", event, time.monotonic()))
                event = {}
                continue
            name, _, value = line.partition(":")
            event[name] = value.strip()


def _next_event(out: queue.Queue, timeout: float) -> tuple[dict[str, str], float]:
    deadline = time.monotonic() + timeout
    while True:
        kind, payload, at = out.get(timeout=max(0.01, deadline - time.monotonic()))
        if kind == "event":
            return payload, at


def test_client_receives_a_new_incident_within_two_seconds(api: Api) -> None:
    out: queue.Queue = queue.Queue()
    stop = threading.Event()
    listener = threading.Thread(target=_listen, args=(api, out, stop), daemon=True)
    listener.start()
    kind, status, _ = out.get(timeout=10)
    assert (kind, status) == ("status", 200)
    time.sleep(0.3)  # the stream is established
    incident = _incident()
    created_at = time.monotonic()
    assert api.store.index_incidents([incident]).ok
    event, received_at = _next_event(out, timeout=5)
    stop.set()
    assert event["event"] == "incident.opened"  # as webhooks name it
    assert json.loads(event["data"])["id"] == incident.id
    assert received_at - created_at < 2.0


def test_resume_with_last_event_id_replays_missed_incidents(api: Api) -> None:
    sqlite_api = api  # each backend (the name kept from when this ran on SQLite only)
    first, second = _incident(" 1"), _incident(" 2")
    assert sqlite_api.store.index_incidents([first]).ok
    out: queue.Queue = queue.Queue()
    stop = threading.Event()
    threading.Thread(target=_listen, args=(sqlite_api, out, stop), daemon=True).start()
    out.get(timeout=10)
    time.sleep(0.3)
    assert sqlite_api.store.index_incidents([_incident(" marker")]).ok
    marker, _ = _next_event(out, timeout=5)
    stop.set()
    # While disconnected, an incident is created and one is updated.
    time.sleep(0.05)
    second = second.model_copy(update={"updated_at": datetime.now(UTC)})
    assert sqlite_api.store.index_incidents([second]).ok
    updated = sqlite_api.store.update_incident(
        first.model_copy(update={"assignee": "lan", "updated_at": datetime.now(UTC)}), expected_version=1
    )
    resumed: queue.Queue = queue.Queue()
    stop2 = threading.Event()
    threading.Thread(target=_listen, args=(sqlite_api, resumed, stop2, marker["id"]), daemon=True).start()
    got = [_next_event(resumed, timeout=5)[0] for _ in range(2)]
    stop2.set()
    assert {(json.loads(e["data"])["id"], e["event"]) for e in got} == {
        (second.id, "incident.opened"),
        (updated.id, "incident.updated"),
    }


def test_bad_last_event_id_is_422(sqlite_api: Api) -> None:
    with sqlite_api.client("security") as client:
        response = client.get("/alerts/stream", headers={"Last-Event-ID": "garbage"})
    assert response.status_code == 422
    assert "reconnect without it" in response.text
