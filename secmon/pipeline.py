"""The ingest pipeline: lines → ECS events → enrich/tag → detect → store → incidents → notifications.

At-least-once: a batch's input offsets are committed only after the store acknowledged its events
(indexed or durably spooled). Event ids are deterministic and incidents ignore evidence they already
hold, so a batch re-delivered after a crash changes nothing.
"""

from __future__ import annotations

import itertools
import logging
import os
import stat
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timezone
from typing import Any

import orjson

from core.config import Settings
from secmon.assets import AssetIndex
from secmon.deferred import DeferredDetections
from secmon.detect import DetectionEngine, Suppressions, ThreatIntel, load_rules
from secmon.detect.engine import Detection
from secmon.detect.per_source import SourceThresholds
from secmon.errors import InputError
from secmon.incidents import IncidentManager
from secmon.inputs import FileFollower, Line
from secmon.notify import DeliveryThread, WebhookNotifier
from secmon.parsers import ParseState
from secmon.ruleset import VERSION_RECORD, RuleMetadata, metadata_copy_path
from secmon.sources import (
    Sources,
    assign_formats,
    consumed,
    decode,
    read_inputs,
    reason,
    refused_event,
    type_of,
)
from store.errors import StoreError, StoreUnavailable
from store.gcpause import gc_paused
from store.models import SecurityEvent
from store.protocol import Store
from store.query import BulkResult, RecordKind

log = logging.getLogger(__name__)
ONE_SHOT_DELIVERY_SECONDS = 3.0  # at the end of a one-shot ingest, time given to webhook delivery
UNKNOWN_VERSION = "?"  # the ruleset version while the store could not be asked: asked again later
Progress = Callable[[str, int], None]  # (path, bytes consumed)


@dataclass
class IngestSummary:
    """What an ingest run did; printed by `vigil logs ingest` (also as JSON)."""

    lines_read: int = 0
    bytes_read: int = 0
    events_by_dataset: Counter[str] = field(default_factory=Counter)
    events_by_type: Counter[str] = field(default_factory=Counter)
    parse_errors: int = 0
    events_indexed: int = 0
    events_spooled: int = 0
    index_errors: int = 0
    refused: int = 0  # lines the store (or enrichment) refused: stored as pipeline_errors instead
    detection_errors: int = 0  # events stored but a rule failed on them (logged)
    lines_cut: int = 0  # longer than MAX_LINE: stored as pipeline errors with their first bytes
    partial_lines_left: int = 0  # a last line still being written, left for the next run
    damaged_inputs: int = 0  # inputs that ended early (a truncated .gz): what they held was read
    detections_deferred: int = 0  # kept on local disk while the store was unavailable
    detections_reconciled: int = 0  # deferred detections recorded as incidents once it answered
    detections_by_rule: Counter[str] = field(default_factory=Counter)
    suppressed: int = 0
    incidents_opened: int = 0
    incidents_updated: int = 0
    notifications_queued: int = 0
    notifications_sent: int = 0
    notifications_pending: int = 0
    formats: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def detections(self) -> int:
        return sum(self.detections_by_rule.values())

    def merge(self, other: IngestSummary) -> None:
        for name, value in vars(other).items():
            mine = getattr(self, name)
            if isinstance(mine, dict):  # Counter adds, a plain dict replaces
                mine.update(value)
            elif name != "notifications_pending":
                setattr(self, name, mine + value)
        self.notifications_pending = other.notifications_pending

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("events_by_dataset", "events_by_type", "detections_by_rule"):
            data[name] = dict(sorted(getattr(self, name).items()))
        data["detections"] = self.detections
        data["seconds"] = round(self.seconds, 3)
        return data


class Processor:
    """Parse, enrich, tag, detect, store, raise incidents and queue notifications for one batch."""

    def __init__(self, settings: Settings, store: Store, *, notifier: WebhookNotifier | None = None) -> None:
        self.settings = settings
        self.store = store
        rules = load_rules(settings.secmon.rules_dir)
        self.assets = AssetIndex(settings.secmon.assets)
        self.engine = DetectionEngine(
            rules,
            ThreatIntel.from_file(settings.secmon.threat_intel_file),
            self.assets,
            SourceThresholds(settings.secmon.logs, rules),
        )
        self.suppressions = Suppressions.from_file(settings.secmon.suppressions_file)
        self.outage = OutageLog()
        self._metadata_cache = metadata_copy_path(settings)
        self.metadata, self._ruleset_version = self._load_metadata()
        self._checked_at = time.monotonic()
        self.incidents = IncidentManager(store, settings.secmon.incident_window_minutes)
        self.deferred = DeferredDetections(settings.state_path("secmon", "deferred-detections.jsonl"))
        self._reconciled_at = 0.0
        self.parse_state = ParseState()  # multi-line correlation (sshd lines by host and pid)
        self.notifier = notifier
        if self.notifier is None and settings.secmon.webhooks:
            self.notifier = WebhookNotifier.from_settings(settings)
        # delivery runs beside ingestion: handle() only writes to the outbox
        self.delivery = DeliveryThread(self.notifier) if self.notifier is not None else None

    def _stored_ruleset_version(self) -> str | None:
        record = self.store.get_record(RecordKind.state, VERSION_RECORD)
        return str(record.get("version")) if record else None

    def _load_metadata(self) -> tuple[RuleMetadata, str | None]:
        """Rule metadata from the store, kept in a local copy so that a start while the store is
        unavailable (an Elasticsearch outage) enriches alerts with the last one known."""
        try:
            metadata = RuleMetadata.load(self.store)
            version = self._stored_ruleset_version()
        except StoreUnavailable as exc:
            self.outage.down(exc)
            return RuleMetadata.from_copy(self._metadata_cache), UNKNOWN_VERSION
        try:
            self._metadata_cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._metadata_cache.with_name(f".{self._metadata_cache.name}.{os.getpid()}.tmp")
            tmp.write_bytes(orjson.dumps({str(sid): meta for sid, meta in metadata.by_sid.items()}))
            os.replace(tmp, self._metadata_cache)
        except OSError as exc:  # only a copy: enrichment goes on without it
            log.warning("could not keep a local copy of rule metadata in %s: %s", self._metadata_cache, exc)
        return metadata, version

    def refresh_metadata(self, every_seconds: float = 60.0) -> bool:
        """Reload rule metadata when `vigil rules update` stored a new ruleset (for long-running jobs)."""
        if time.monotonic() - self._checked_at < every_seconds:
            return False
        self._checked_at = time.monotonic()
        try:
            version = self._stored_ruleset_version()
        except StoreUnavailable as exc:
            self.outage.down(exc)
            return False
        if version == self._ruleset_version:
            return False
        self.metadata, self._ruleset_version = self._load_metadata()
        return True

    def reconcile(self, summary: IngestSummary, every_seconds: float = 2.0) -> None:
        """After an outage: send what the store spooled and record the detections kept locally.
        Called when idle (a follower with nothing new) and at the start of a run; cheap when there
        is nothing to do, and quiet while the store is still unavailable."""
        if time.monotonic() - self._reconciled_at < every_seconds:
            return
        self._reconciled_at = time.monotonic()
        try:
            replayed = self.store.replay_spool()
        except StoreUnavailable as exc:
            self.outage.down(exc)
            return
        if replayed:
            self.outage.up(f"{replayed} spooled documents sent")
        if self.deferred:
            self.record(summary, [])

    def parse(
        self,
        lines: list[Line],
        formats: dict[str, str],
        summary: IngestSummary,
        zones: Mapping[str, timezone] | None = None,
    ) -> list[SecurityEvent]:
        """Events of `lines` (secmon.sources.decode, as `vigil logs parse` prints them)."""
        return decode(lines, formats, summary, zones, self.parse_state, self.enrich)

    def enrich(self, doc: dict[str, Any]) -> None:
        """Rule metadata (EVE alerts) and the asset an event concerns (called for every line: what is not
        configured costs no call)."""
        if self.metadata.by_sid:
            self.metadata.enrich(doc)
        if self.assets:
            self.assets.tag(doc)

    def handle(
        self,
        lines: list[Line],
        formats: dict[str, str],
        summary: IngestSummary,
        zones: Mapping[str, timezone] | None = None,
    ) -> bool:
        """Process one batch; True when every line is safely stored (safe to commit offsets).

        A line the store cannot take (too deeply nested, an object where an address belongs, a number
        out of range, a document the cluster rejects) is stored as a pipeline_error with its raw text
        (bounded), and every other line of the batch is stored: one bad line never loses a batch nor
        stops ingestion. Raises StoreUnavailable (nothing of the batch committed) when the store is down.

        The cyclic garbage collector is paused for the batch (on again after it, so any cycle made meanwhile
        is still collected): a batch allocates tens of thousands of acyclic dicts and tuples, which set off
        collections, full ones walking the whole heap (~8% of `vigil logs ingest`'s CPU on EVE lines).
        """
        with gc_paused():
            return self._handle(lines, formats, summary, zones)

    def _handle(
        self,
        lines: list[Line],
        formats: dict[str, str],
        summary: IngestSummary,
        zones: Mapping[str, timezone] | None,
    ) -> bool:
        events = self.parse(lines, formats, summary, zones)
        stored = self.store_events(events, lines, summary)
        detections: list[Detection] = []
        for event in stored:
            try:
                detections.extend(self.engine.process(event))
            except Exception as exc:  # a rule must not stop ingestion
                summary.detection_errors += 1
                log.warning("detection failed on event %s: %s", event.id, reason(exc))
        kept = []
        for detection in detections:
            if self.suppressions.match(detection.rule_id, detection.doc):
                summary.suppressed += 1
            else:
                kept.append(detection)
                summary.detections_by_rule[detection.rule_id] += 1
        if kept or self.deferred:
            self.record(summary, kept)
        return True

    def record(self, summary: IngestSummary, detections: list[Detection]) -> None:
        """Turn detections (and any kept during an outage) into incidents; while the store cannot look
        incidents up, keep the new ones on local disk instead (recorded when it answers again)."""
        waiting, length = self.deferred.peek() if self.deferred else ([], 0)
        try:
            changes = self.incidents.record([*waiting, *detections])
        except StoreUnavailable as exc:
            self.deferred.append(detections)
            summary.detections_deferred += len(detections)
            self.outage.down(exc)
            return
        if waiting:
            self.deferred.drop(length)
            summary.detections_reconciled += len(waiting)
            self.outage.up(f"{len(waiting)} detections kept during the outage recorded")
        summary.incidents_opened += len(changes.opened)
        summary.incidents_updated += len(changes.updated)
        if self.notifier is not None:
            for incident in changes.opened:
                summary.notifications_queued += self.notifier.enqueue(incident, "opened")
            for incident in changes.escalated:
                summary.notifications_queued += self.notifier.enqueue(incident, "escalated")
            if self.delivery is not None:
                self.delivery.wake()

    def store_events(
        self, events: list[SecurityEvent], lines: list[Line], summary: IngestSummary
    ) -> list[SecurityEvent]:
        """Store `events` (one per line of `lines`); returns those stored as they are. The ones the
        store refused are found (by halving the batch) and stored as pipeline_errors instead."""
        result, refused = _index_isolating(self.store, events)
        summary.events_indexed += result.indexed
        summary.events_spooled += result.spooled
        if not refused:
            return events
        received = datetime.now(UTC)
        replacements: list[SecurityEvent] = []
        kept: list[SecurityEvent] = []
        for event, line in zip(events, lines, strict=True):
            reason = refused.get(event.id)
            if reason is None:
                kept.append(event)
                continue
            replacements.append(
                refused_event(event, line, f"the store refused this line: {reason}", received)
            )
            summary.events_by_type[type_of(event.doc)] -= 1
            summary.events_by_type["pipeline_error"] += 1
        summary.refused += len(replacements)
        log.warning("%d line(s) refused by the store, kept as pipeline errors", len(replacements))
        again, lost = _index_isolating(self.store, replacements)
        summary.events_indexed += again.indexed
        summary.events_spooled += again.spooled
        if lost:  # even the bare error document was refused: count it, never re-send forever
            summary.index_errors += len(lost)
            for doc_id, reason in lost.items():
                log.error("event %s could not be stored even as a pipeline error: %s", doc_id, reason)
        return kept

    def deliver(self, summary: IngestSummary, max_wait: float | None = None) -> None:
        """Count what the delivery thread sent; with `max_wait` (the end of a one-shot ingest), first
        give it up to that many seconds to send what is due (the rest stays in the outbox)."""
        if self.delivery is None:
            return
        if max_wait:
            self.delivery.drain(max_wait)
        sent, pending = self.delivery.take()
        summary.notifications_sent += sent
        summary.notifications_pending = pending

    def close(self) -> None:
        if self.delivery is not None:
            self.delivery.stop()
        if self.notifier is not None:
            self.notifier.close()


class OutageLog:
    """One log line when the store becomes unavailable and one when it answers again (not one, with a
    library traceback, per request)."""

    def __init__(self) -> None:
        self.down_since: float | None = None

    def down(self, exc: BaseException) -> None:
        if self.down_since is None:
            self.down_since = time.monotonic()
            log.warning(
                "store unavailable (%s): events are spooled and detections kept locally until it answers",
                str(exc).split(" caused by:")[0][:200],
            )

    def up(self, what: str) -> None:
        if self.down_since is not None:
            log.warning("store available again after %.0f s: %s", time.monotonic() - self.down_since, what)
            self.down_since = None
        else:
            log.info("store: %s", what)


def _index_isolating(store: Store, events: list[SecurityEvent]) -> tuple[BulkResult, dict[str, str]]:
    """Index `events`; returns the result and {event id: reason} of the events the store refused.

    A batch that raises (other than for an outage) is halved until the refused events are alone, so
    every other event is stored; refusals the store reports per document (Elasticsearch) come back
    as they are. StoreUnavailable propagates: nothing can be decided while the store is down.
    """
    if not events:
        return BulkResult(), {}
    try:
        result = store.index_events(events)
    except StoreUnavailable:
        raise
    except (Exception, RecursionError) as exc:  # any refusal of its content
        if len(events) == 1:
            return BulkResult(), {events[0].id: reason(exc)}
        middle = len(events) // 2
        first, refused = _index_isolating(store, events[:middle])
        second, more = _index_isolating(store, events[middle:])
        refused.update(more)
        return BulkResult(
            indexed=first.indexed + second.indexed, spooled=first.spooled + second.spooled
        ), refused
    refused = dict(result.errors)
    return BulkResult(indexed=result.indexed, spooled=result.spooled), refused


def ingest_paths(
    settings: Settings,
    store: Store,
    paths: list[str],
    fmt: str = "auto",
    follow: bool = False,
    *,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
    notifier: WebhookNotifier | None = None,
    poll_interval: float = 1.0,
    zone: timezone | None = None,
) -> IngestSummary:
    """Ingest files (or "-" for stdin) once, or follow them (`follow=True`) until `stop()` or Ctrl-C.

    `fmt` and `zone` (of timestamps written without one) override what `secmon.logs` says of a path
    (secmon.sources.Sources); without either, an input not configured is sniffed and read as UTC."""
    if follow and "-" in paths:
        raise InputError("stdin (-) cannot be followed; drop --follow or give file paths")
    if follow:
        for path in paths:
            if os.path.exists(path) and not stat.S_ISREG(os.stat(path).st_mode):
                raise InputError(
                    f"{path} is not a regular file (a FIFO?): it cannot be followed; drop --follow"
                )
    sources = Sources(settings.secmon.logs, fmt, zone)
    started = time.monotonic()
    summary = IngestSummary()
    processor = Processor(settings, store, notifier=notifier)
    batch_size = settings.secmon.batch_lines
    try:
        if follow:
            follower = FileFollower(paths, settings.state_path("secmon", "registry.json"))
            try:
                _follow(processor, follower, sources, summary, batch_size, progress, stop, poll_interval)
            finally:
                follower.close()
        else:
            processor.reconcile(summary, every_seconds=0)  # what an earlier run left from an outage

            def handle(lines: list[Line], formats: dict[str, str], zones: dict[str, timezone]) -> None:
                processor.handle(lines, formats, summary, zones)

            read_inputs(sources, paths, batch_size, handle, summary, progress)
        if not follow:
            processor.deliver(summary, max_wait=ONE_SHOT_DELIVERY_SECONDS)  # the rest stays queued
        else:
            processor.deliver(summary)
    finally:
        processor.close()
    summary.seconds = time.monotonic() - started
    return summary


def process_followed(
    lines: list[Line],
    processor: Processor,
    follower: FileFollower,
    sources: Sources,
    formats: dict[str, str],
    summary: IngestSummary,
) -> bool:
    """One batch a follower read: formats and zones from `sources`, processed, then committed, or
    rewound to be read again (also before a store outage is raised). True when the store took it all."""
    assign_formats(lines, formats, sources)
    summary.formats.update(formats)
    zones = {path: sources.zone_of(path) for path in {line.path for line in lines}}
    try:
        acknowledged = processor.handle(lines, formats, summary, zones)
    except StoreError:
        follower.rewind()  # nothing committed: this batch is read again
        raise
    if acknowledged:
        follower.commit(lines)
    else:
        follower.rewind()
    return acknowledged


def _follow(
    processor: Processor,
    follower: FileFollower,
    sources: Sources,
    summary: IngestSummary,
    batch_size: int,
    progress: Progress | None,
    stop: Callable[[], bool] | None,
    poll_interval: float,
) -> None:
    formats: dict[str, str] = {}
    try:
        while stop is None or not stop():
            lines = follower.poll(batch_size)
            if not lines:
                processor.deliver(summary)
                processor.reconcile(summary)
                if stop is not None and stop():
                    break
                time.sleep(poll_interval)
                continue
            if not process_followed(lines, processor, follower, sources, formats, summary):
                time.sleep(poll_interval)  # the store refused part of the batch: read it again later
            if progress is not None:
                for path, group in itertools.groupby(lines, key=lambda line: line.path):
                    progress(path, consumed(group))
    except KeyboardInterrupt:
        return


class Ingester:
    """Follow `settings.secmon.logs` (used by `vigil run`): call `run_once()` on a schedule."""

    def __init__(self, settings: Settings, store: Store, *, notifier: WebhookNotifier | None = None) -> None:
        self.settings = settings
        self.processor = Processor(settings, store, notifier=notifier)
        self.sources = Sources(settings.secmon.logs)
        self.follower = FileFollower(
            [source.path for source in settings.secmon.logs], settings.state_path("secmon", "registry.json")
        )
        self.formats: dict[str, str] = {}

    def run_once(self, max_batches: int = 100) -> IngestSummary:
        """Read what is new (up to `max_batches` batches), process it, commit, deliver notifications."""
        started = time.monotonic()
        summary = IngestSummary()
        batch_size = self.settings.secmon.batch_lines
        self.processor.refresh_metadata()
        self.processor.reconcile(summary)
        for _ in range(max_batches):
            lines = self.follower.poll(batch_size)
            if not lines:
                break
            if not process_followed(
                lines, self.processor, self.follower, self.sources, self.formats, summary
            ):
                break  # the store refused part of the batch: the next run reads it again
        self.processor.deliver(summary)
        summary.seconds = time.monotonic() - started
        return summary

    def close(self) -> None:
        self.follower.close()
        self.processor.close()
