"""Prometheus metrics: what Vigil holds and does (read from the store at scrape time) and HTTP traffic.

Each app has its own registry (tests build several apps in one process). Gauges read from the store
describe the whole deployment — documents ingested by every crawler and ingester — not just this API
process; request counters and latencies describe this process.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.config import Settings
from core.workers import WorkerBoard, board_path
from store.errors import StoreError
from store.protocol import Spooling, Store
from store.query import Kind, SearchQuery, Term, TermsAgg


class StoreCollector(Collector):
    """Documents per kind, incidents by severity and status, pipeline errors, queue depths."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def queue_depths(self) -> dict[str, int]:
        """Work accepted but not yet done: the ES spool (documents) and the webhook outbox (messages)."""
        depths: dict[str, int] = {}
        if isinstance(self.store, Spooling):
            depths["store_spool_documents"] = self.store.pending_documents()
        outbox = self.settings.data_dir / "secmon" / "outbox"
        depths["notification_outbox"] = len(list(outbox.glob("*.json"))) if outbox.is_dir() else 0
        dead = outbox / "dead"
        depths["notification_dead_letters"] = len(list(dead.glob("*.json"))) if dead.is_dir() else 0
        return depths

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("vigil_store_up", "1 when the store answered this scrape")
        try:
            stats = self.store.stats()
            aggs = self.store.aggregate(
                Kind.incidents,
                SearchQuery(size=0),
                [TermsAgg("severity", "severity", size=10), TermsAgg("status", "status", size=10)],
            )
            errors = self.store.count(
                Kind.events, SearchQuery(filters=(Term("event.kind", ("pipeline_error",)),))
            )
        except StoreError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        documents = GaugeMetricFamily("vigil_documents", "documents in the store by kind", labels=["kind"])
        queues = GaugeMetricFamily(
            "vigil_queue_depth", "items waiting to be processed, by queue", labels=["queue"]
        )
        for kind, count in stats.items():
            documents.add_metric([kind], count)
        for queue, depth in self.queue_depths().items():
            queues.add_metric([queue], depth)
        yield documents
        yield queues
        yield GaugeMetricFamily("vigil_articles", "articles indexed", value=stats.get(Kind.articles.value, 0))
        yield GaugeMetricFamily(
            "vigil_events_ingested", "security events ingested", value=stats.get(Kind.events.value, 0)
        )
        yield GaugeMetricFamily(
            "vigil_pipeline_errors",
            "log lines that could not be parsed (event.kind=pipeline_error)",
            value=errors,
        )
        by_severity = GaugeMetricFamily("vigil_incidents", "incidents by severity", labels=["severity"])
        for bucket in aggs["severity"].buckets:
            by_severity.add_metric([bucket.key], bucket.count)
        yield by_severity
        by_status = GaugeMetricFamily("vigil_incidents_by_status", "incidents by status", labels=["status"])
        for bucket in aggs["status"].buckets:
            by_status.add_metric([bucket.key], bucket.count)
        yield by_status


class WorkerCollector(Collector):
    """The background workers of `vigil run` (core.workers board): up, consecutive failures, restarts."""

    def __init__(self, settings: Settings) -> None:
        self.board = WorkerBoard(board_path(settings.data_dir))

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        up = GaugeMetricFamily(
            "vigil_worker_up", "1 while the worker runs without failing", labels=["worker"]
        )
        failing = GaugeMetricFamily(
            "vigil_worker_consecutive_failures", "failures since it last worked", labels=["worker"]
        )
        failures = CounterMetricFamily("vigil_worker_failures", "failures of the worker", labels=["worker"])
        restarts = CounterMetricFamily("vigil_worker_restarts", "restarts of the worker", labels=["worker"])
        for status in self.board.read():
            up.add_metric([status.name], 1 if status.healthy else 0)
            failing.add_metric([status.name], status.failures)
            failures.add_metric([status.name], status.failures_total)
            restarts.add_metric([status.name], status.restarts)
        yield from (up, failing, failures, restarts)


class ApiMetrics:
    """The registry of one app and its request instruments."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(StoreCollector(store, settings))
        self.registry.register(WorkerCollector(settings))
        self.requests = Counter(
            "vigil_http_requests", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "vigil_http_request_duration_seconds",
            "HTTP request latency",
            ["route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.errors = Counter("vigil_http_errors", "HTTP 5xx responses", ["route"], registry=self.registry)
        self.sse_clients = Gauge(
            "vigil_sse_clients", "open /alerts/stream connections", registry=self.registry
        )


class MetricsMiddleware:
    """Counts requests by route template (not raw path, to bound label cardinality) and status."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route: Any = scope.get("route")
            name = getattr(route, "path", "unmatched")
            self.metrics.requests.labels(scope["method"], name, str(status)).inc()
            if name != "/alerts/stream":
                self.metrics.latency.labels(name).observe(time.perf_counter() - start)
            if status >= 500:
                self.metrics.errors.labels(name).inc()
