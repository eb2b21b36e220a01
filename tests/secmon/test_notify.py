"""Webhook notifications against a real HTTP receiver on 127.0.0.1: signature, retries, durable outbox."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from core.config import WebhookSettings
from secmon.notify import SIGNATURE_HEADER, WebhookNotifier, verify
from store.models import Incident, Severity
from tests.helpers import free_port

SECRET = "s3cret-for-tests"


class Receiver:
    """A webhook endpoint: records every request; answers `fail_first` requests with HTTP 500."""

    def __init__(self, fail_first: int = 0, port: int = 0) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers), "body": body, "path": self.path})
                failing = len(receiver.requests) <= receiver.fail_first
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def incident(severity: Severity = Severity.high, version: int = 1) -> Incident:
    now = datetime(2026, 10, 10, 6, 0, tzinfo=UTC)
    return Incident(
        id="inc-1",
        rule_id="ssh-brute-force",
        rule_title="SSH brute force",
        severity=severity,
        first_seen=now,
        last_seen=now,
        source_ip="203.0.113.9",
        asset="portal",
        event_count=9,
        version=version,
    )


def notifier(url: str, outbox: Path, min_severity: str = "low", **options: Any) -> WebhookNotifier:
    hook = WebhookSettings.model_validate({"url": url, "secret": SECRET, "min_severity": min_severity})
    return WebhookNotifier([hook], outbox, backoff_base=0.05, **options)


def test_a_signed_json_notification_reaches_the_receiver(tmp_path: Path, receiver: Receiver) -> None:
    sender = notifier(receiver.url, tmp_path / "outbox")
    assert sender.enqueue(incident(), "opened") == 1
    report = sender.deliver()
    sender.close()
    assert (report.sent, report.pending) == (1, 0)
    [request] = receiver.requests
    assert verify(request["body"], SECRET, request["headers"][SIGNATURE_HEADER])
    assert not verify(request["body"], "wrong secret", request["headers"][SIGNATURE_HEADER])
    body = json.loads(request["body"])
    assert body["event"] == "incident.opened"
    assert body["incident"]["id"] == "inc-1" and body["incident"]["severity"] == "high"
    assert request["headers"]["Content-Type"] == "application/json"


def test_failures_are_retried_with_backoff_under_one_delivery_id(tmp_path: Path) -> None:
    server = Receiver(fail_first=2)
    try:
        sender = notifier(server.url, tmp_path / "outbox")
        sender.enqueue(incident(), "opened")
        report = sender.deliver(max_wait=10)
        sender.close()
    finally:
        server.close()
    assert report.sent == 1 and report.pending == 0 and report.retried == 2
    assert len(server.requests) == 3
    assert len({r["headers"]["X-Vigil-Delivery"] for r in server.requests}) == 1


def test_the_outbox_survives_a_restart_while_the_receiver_is_down(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    first = notifier(url, tmp_path / "outbox", max_attempts=20)
    first.enqueue(incident(), "opened")
    report = first.deliver()
    first.close()
    assert report.sent == 0 and report.pending == 1
    [waiting] = list((tmp_path / "outbox").glob("*.json"))
    assert json.loads(waiting.read_text())["attempts"] == 1
    assert SECRET not in waiting.read_text()  # the secret is never written to disk
    server = Receiver(port=port)
    try:
        restarted = notifier(url, tmp_path / "outbox")  # a new process: only the outbox remains
        report = restarted.deliver(max_wait=5)
        restarted.close()
    finally:
        server.close()
    assert report.sent == 1 and report.pending == 0
    assert server.bodies()[0]["incident"]["id"] == "inc-1"


def test_a_message_is_given_up_after_max_attempts(tmp_path: Path) -> None:
    sender = notifier(f"http://127.0.0.1:{free_port()}/hook", tmp_path / "outbox", max_attempts=2)
    sender.enqueue(incident(), "opened")
    report = sender.deliver(max_wait=5)
    sender.close()
    assert report.given_up == 1 and report.pending == 0
    assert len(list((tmp_path / "outbox" / "dead").glob("*.json"))) == 1


def test_min_severity_filters_webhooks(tmp_path: Path, receiver: Receiver) -> None:
    sender = notifier(receiver.url, tmp_path / "outbox", min_severity="critical")
    assert sender.enqueue(incident(Severity.high), "opened") == 0
    assert sender.enqueue(incident(Severity.critical, version=2), "escalated") == 1
    sender.deliver()
    sender.close()
    assert [b["event"] for b in receiver.bodies()] == ["incident.escalated"]


def test_only_one_process_delivers_at_a_time(tmp_path: Path, receiver: Receiver) -> None:
    sender = notifier(receiver.url, tmp_path / "outbox")
    sender.enqueue(incident(), "opened")
    other = notifier(receiver.url, tmp_path / "outbox")  # e.g. `vigil run` beside a CLI ingest
    with other.outbox.lock() as acquired:
        assert acquired
        report = sender.deliver()
        assert (report.sent, report.pending) == (0, 1)
    assert sender.deliver().sent == 1
    sender.close()
    other.close()
    assert len(receiver.requests) == 1
