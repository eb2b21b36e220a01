"""Webhook notifications for incidents: JSON body, HMAC-SHA256 signature, retries with backoff.

Every notification goes through the persisted outbox first, then is POSTed. The receiver checks
`X-Vigil-Signature: sha256=<hex HMAC-SHA256 of the raw body with the shared secret>` and may
de-duplicate on `X-Vigil-Delivery` (the message id is stable across retries).

Delivery never runs inside the ingest loop: `DeliveryThread` drains the outbox beside it (and
`vigil run` has its own notifier worker). Each destination is sent to in its own thread, with its own
timeout (`timeout_seconds`), and a destination that fails is backed off as a whole: its other
messages wait for the same delay instead of each costing another timeout.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from core.config import Settings, WebhookSettings
from secmon.incidents import incident_summary
from secmon.notify.outbox import Message, Outbox
from store.ids import stable_id
from store.models import SEVERITY_RANK, Incident, Severity

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)
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
        timeout: float | None = None,
    ) -> None:
        """`timeout`: seconds per delivery for every destination (default: each one's timeout_seconds)."""
        self.webhooks = webhooks
        self.outbox = Outbox(outbox_dir, max_attempts=max_attempts)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.timeout = timeout
        self._clients: dict[str, httpx.Client] = {}
        self._clients_lock = threading.Lock()
        self._failing: dict[str, str] = {}  # destination → last error (logged once per state change)

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

    def _timeout(self, url: str) -> float:
        if self.timeout is not None:
            return self.timeout
        for hook in self.webhooks:
            if hook.url == url:
                return hook.timeout_seconds
        return 10.0

    def _client_(self, url: str) -> httpx.Client:
        import httpx  # lazy: start-up time (~60 ms of CPU); only a configured webhook needs it

        with self._clients_lock:
            client = self._clients.get(url)
            if client is None:
                client = self._clients[url] = httpx.Client(timeout=self._timeout(url), follow_redirects=False)
            return client

    def _attempt(self, message: Message) -> str | None:
        """POST once; None on success, else the reason."""
        import httpx  # lazy: start-up time (~60 ms of CPU); only a configured webhook needs it

        body = encode(message.body)
        headers = {"Content-Type": "application/json", DELIVERY_HEADER: message.id, "User-Agent": "Vigil"}
        secret = self._secret(message.url)
        if secret is not None:
            headers[SIGNATURE_HEADER] = sign(body, secret)
        try:
            response = self._client_(message.url).post(message.url, content=body, headers=headers)
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
            by_url: dict[str, list[Message]] = defaultdict(list)
            for message in self.outbox.due():
                by_url[message.url].append(message)
            if len(by_url) == 1:
                [(url, messages)] = by_url.items()
                parts = [self._deliver_to(url, messages)]
            else:  # one thread per destination: a hanging receiver delays only its own messages
                parts = self._in_threads(by_url)
            for part in parts:
                report.sent += part.sent
                report.retried += part.retried
                report.given_up += part.given_up
            waiting = self.outbox.pending()
            if not waiting:
                break
            pause = min(m.next_attempt_at for m in waiting) - time.time()
            if time.monotonic() + max(pause, 0) > deadline:
                break
            time.sleep(max(pause, 0.0))
        report.pending = len(self.outbox)
        return report

    def _in_threads(self, by_url: dict[str, list[Message]]) -> list[DeliveryReport]:
        """Each destination in a daemon thread (an interpreter exiting does not wait for a receiver
        that never answers, as it would for a ThreadPoolExecutor's workers)."""
        parts: list[DeliveryReport] = []

        def run(url: str, messages: list[Message]) -> None:
            parts.append(self._deliver_to(url, messages))

        threads = [
            threading.Thread(target=run, args=item, name="vigil-webhook", daemon=True)
            for item in by_url.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return parts

    def _deliver_to(self, url: str, messages: list[Message]) -> DeliveryReport:
        """Send one destination's due messages in order; after a failure, back the rest off with it."""
        report = DeliveryReport()
        for index, message in enumerate(messages):
            error = self._attempt(message)
            if error is None:
                self.outbox.done(message)
                report.sent += 1
                if url in self._failing:
                    del self._failing[url]
                    log.warning("webhook %s answers again", url)
                continue
            if self._failing.get(url) is None:
                log.warning("webhook %s failing: %s (retried with backoff)", url, error)
            self._failing[url] = error
            delay = min(self.backoff_max, self.backoff_base * 2**message.attempts)
            if self.outbox.failed(message, error, delay):
                report.retried += 1
            else:
                report.given_up += 1
            for later in messages[index + 1 :]:
                self.outbox.postpone(later, message.next_attempt_at)
            break
        return report

    def close(self) -> None:
        with self._clients_lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()


class DeliveryThread:
    """Drains a notifier's outbox beside ingestion: every `interval` seconds, or at once on `wake()`.

    Ingestion only writes to the outbox (a file); a slow or hanging receiver holds up this thread and
    nothing else. Counters are read with `take()`.
    """

    def __init__(self, notifier: WebhookNotifier, interval: float = 1.0) -> None:
        self.notifier = notifier
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Condition()
        self._sent = 0
        self._rounds = 0
        self._thread = threading.Thread(target=self._run, name="vigil-webhooks", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                report = self.notifier.deliver()
            except Exception as exc:  # an unwritable outbox must not kill delivery for good
                log.error("webhook delivery failed: %s", exc)
            else:
                with self._lock:
                    self._sent += report.sent
            with self._lock:
                self._rounds += 1
                self._lock.notify_all()
            self._wake.wait(self.interval)
            self._wake.clear()

    def wake(self) -> None:
        self._wake.set()

    def drain(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for a delivery round that starts after this call."""
        with self._lock:
            target = self._rounds + 2  # the round under way may have started before the last enqueue
        self.wake()
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._rounds < target and self._thread.is_alive():
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._lock.wait(left)
                self._wake.set()

    def take(self) -> tuple[int, int]:
        """(sent since the last call, pending)."""
        with self._lock:
            sent, self._sent = self._sent, 0
        return sent, len(self.notifier.outbox)

    def stop(self, timeout: float = 1.0) -> bool:
        """Ask the thread to end; True when it ended within `timeout` (else it is abandoned: daemon)."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        return not self._thread.is_alive()
