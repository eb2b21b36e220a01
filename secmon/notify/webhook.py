"""Webhook notifications for incidents: JSON body, HMAC-SHA256 signature, retries with backoff.

Every notification goes through the persisted outbox first, then is POSTed. The receiver checks
`X-Vigil-Signature: sha256=<hex HMAC-SHA256 of the raw body with the shared secret>` and may
de-duplicate on `X-Vigil-Delivery` (the message id is stable across retries).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from core.config import Settings, WebhookSettings
from secmon.incidents import incident_summary
from secmon.notify.outbox import Message, Outbox
from store.ids import stable_id
from store.models import SEVERITY_RANK, Incident, Severity

SIGNATURE_HEADER = "X-Vigil-Signature"
DELIVERY_HEADER = "X-Vigil-Delivery"


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, header: str) -> bool:
    """What a receiver does: constant-time comparison of the signature header."""
    return hmac.compare_digest(sign(body, secret), header)


def encode(body: dict[str, Any]) -> bytes:
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    given_up: int = 0
    pending: int = 0


class WebhookNotifier:
    def __init__(
        self,
        webhooks: list[WebhookSettings],
        outbox_dir: Path,
        *,
        backoff_base: float = 2.0,
        backoff_max: float = 600.0,
        max_attempts: int = 8,
        timeout: float = 10.0,
    ) -> None:
        self.webhooks = webhooks
        self.outbox = Outbox(outbox_dir, max_attempts=max_attempts)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.timeout = timeout
        self._client: httpx.Client | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> WebhookNotifier:
        return cls(settings.secmon.webhooks, settings.state_path("secmon", "outbox", "x").parent, **options)

    def enqueue(self, incident: Incident, event: str) -> int:
        """Queue `incident.<event>` for every webhook whose min_severity it reaches; returns how many."""
        queued = 0
        for hook in self.webhooks:
            if SEVERITY_RANK[incident.severity] < SEVERITY_RANK[Severity(hook.min_severity)]:
                continue
            message_id = stable_id("notify", hook.url, incident.id, event, str(incident.version))
            body = {
                "event": f"incident.{event}",
                "delivery": message_id,
                "incident": incident_summary(incident),
            }
            self.outbox.put(Message(id=message_id, url=hook.url, body=body))
            queued += 1
        return queued

    def _secret(self, url: str) -> str | None:
        for hook in self.webhooks:
            if hook.url == url and hook.secret is not None:
                return hook.secret.get_secret_value()
        return None

    def _client_(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout, follow_redirects=False)
        return self._client

    def _attempt(self, message: Message) -> str | None:
        """POST once; None on success, else the reason."""
        body = encode(message.body)
        headers = {"Content-Type": "application/json", DELIVERY_HEADER: message.id, "User-Agent": "Vigil"}
        secret = self._secret(message.url)
        if secret is not None:
            headers[SIGNATURE_HEADER] = sign(body, secret)
        try:
            response = self._client_().post(message.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"

    def deliver(self, *, max_wait: float = 0.0) -> DeliveryReport:
        """Send what is due; with `max_wait` > 0, keep retrying (with backoff) for up to that long.

        One process delivers at a time (an exclusive lock on the outbox): when `vigil run` and a
        `vigil logs ingest` share a data dir, the other one leaves the queue alone.
        """
        with self.outbox.lock() as acquired:
            if not acquired:
                return DeliveryReport(pending=len(self.outbox))
            return self._deliver(max_wait)

    def _deliver(self, max_wait: float) -> DeliveryReport:
        report = DeliveryReport()
        deadline = time.monotonic() + max_wait
        while True:
            for message in self.outbox.due():
                error = self._attempt(message)
                if error is None:
                    self.outbox.done(message)
                    report.sent += 1
                    continue
                delay = min(self.backoff_max, self.backoff_base * 2**message.attempts)
                if self.outbox.failed(message, error, delay):
                    report.retried += 1
                else:
                    report.given_up += 1
            waiting = self.outbox.pending()
            if not waiting:
                break
            pause = min(m.next_attempt_at for m in waiting) - time.time()
            if time.monotonic() + max(pause, 0) > deadline:
                break
            time.sleep(max(pause, 0.0))
        report.pending = len(self.outbox)
        return report

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
