"""The ingest pipeline: lines → ECS events → enrich/tag → detect → store → incidents → notifications.

At-least-once: a batch's input offsets are committed only after the store acknowledged its events
(indexed or durably spooled). Event ids are deterministic and incidents ignore evidence they already
hold, so a batch re-delivered after a crash changes nothing.
"""

from __future__ import annotations

import fnmatch
import itertools
import logging
import os
import stat
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timezone
from typing import Any

import orjson

from core.config import LogSource, Settings
from secmon.assets import AssetIndex
from secmon.deferred import DeferredDetections
from secmon.detect import DetectionEngine, Suppressions, ThreatIntel, load_rules
from secmon.detect.engine import Detection
from secmon.errors import InputError
from secmon.incidents import IncidentManager
from secmon.inputs import FileFollower, Line
from secmon.inputs.line import MAX_LINE
from secmon.inputs.oneshot import Reader
from secmon.notify import DeliveryThread, WebhookNotifier
from secmon.parsers import DATASETS, FORMATS, ParseState, detect_format, parse_line
from secmon.parsers.ecs import error_event, tz_from_offset
from secmon.ruleset import VERSION_RECORD, RuleMetadata
from store.errors import StoreError, StoreUnavailable
from store.models import MAX_ORIGINAL, SecurityEvent, pipeline_error_doc
from store.protocol import Store
from store.query import BulkResult, RecordKind

log = logging.getLogger(__name__)
SNIFF_LINES = 50
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


def _type_of(doc: dict[str, Any]) -> str:
    """The EVE event type (alert, flow, dns…), else the ECS action (ssh_login…), else the event kind."""
    suricata = doc.get("suricata")
    if isinstance(suricata, dict):
        eve = suricata.get("eve")
        if isinstance(eve, dict) and eve.get("event_type"):
            return str(eve["event_type"])
    meta = doc.get("event") or {}
    if meta.get("kind") == "pipeline_error":
        return "pipeline_error"
    return str(meta.get("action") or meta.get("kind") or "event")


class Processor:
    """Parse, enrich, tag, detect, store, raise incidents and queue notifications for one batch."""

    def __init__(self, settings: Settings, store: Store, *, notifier: WebhookNotifier | None = None) -> None:
        self.settings = settings
        self.store = store
        rules = load_rules(settings.secmon.rules_dir)
        self.assets = AssetIndex(settings.secmon.assets)
        self.engine = DetectionEngine(
            rules, ThreatIntel.from_file(settings.secmon.threat_intel_file), self.assets
        )
        self.suppressions = Suppressions.from_file(settings.secmon.suppressions_file)
        self.outage = OutageLog()
        self._metadata_cache = settings.state_path("secmon", "rule-metadata.json")
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
            try:
                cached = orjson.loads(self._metadata_cache.read_bytes())
                return RuleMetadata({int(sid): meta for sid, meta in cached.items()}), UNKNOWN_VERSION
            except (OSError, ValueError, TypeError, AttributeError):
                return RuleMetadata({}), UNKNOWN_VERSION
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
        """Events of `lines`; `zones` (by path) reads the timestamps that carry no zone (default UTC)."""
        received = datetime.now(UTC)
        events = []
        for line in lines:
            if line.cut:
                summary.lines_cut += 1
                event = error_event(
                    line.text[:MAX_ORIGINAL],
                    DATASETS.get(formats[line.path], "unknown"),
                    f"line of {line.cut:,} bytes is longer than the {MAX_LINE:,}-byte cap: its first "
                    f"{MAX_ORIGINAL:,} bytes are kept",
                    origin=line.origin,
                    offset=line.offset,
                    received_at=received,
                    path=line.path,
                )
                summary.events_by_dataset[str(event.doc["event"]["dataset"])] += 1
                summary.events_by_type["pipeline_error"] += 1
                summary.lines_read += 1
                summary.bytes_read += line.end - line.offset
                events.append(event)
                continue
            event = parse_line(
                line.text,
                formats[line.path],
                origin=line.origin,
                offset=line.offset,
                received_at=received,
                tz=zones.get(line.path, UTC) if zones else UTC,
                state=self.parse_state,
            )
            doc = event.doc
            meta = doc.get("event") or {}
            if meta.get("kind") == "pipeline_error":
                summary.parse_errors += 1
            else:
                try:
                    self.metadata.enrich(doc)
                    self.assets.tag(doc)
                except Exception as exc:  # an odd value in a parsed line must not stop ingestion
                    event = refused_event(event, line, f"enrichment failed: {_reason(exc)}", received)
                    doc, meta = event.doc, event.doc["event"]
                    summary.refused += 1
            summary.events_by_dataset[str(meta.get("dataset") or "unknown")] += 1
            summary.events_by_type[_type_of(doc)] += 1
            summary.lines_read += 1
            summary.bytes_read += (line.end - line.offset) if line.end >= 0 else len(line.text) + 1
            events.append(event)
        return events

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
        """
        events = self.parse(lines, formats, summary, zones)
        stored = self.store_events(events, lines, summary)
        detections: list[Detection] = []
        for event in stored:
            try:
                detections.extend(self.engine.process(event))
            except Exception as exc:  # a rule must not stop ingestion
                summary.detection_errors += 1
                log.warning("detection failed on event %s: %s", event.id, _reason(exc))
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
            summary.events_by_type[_type_of(event.doc)] -= 1
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


def _reason(exc: BaseException) -> str:
    text = str(exc)[:500]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


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
            return BulkResult(), {events[0].id: _reason(exc)}
        middle = len(events) // 2
        first, refused = _index_isolating(store, events[:middle])
        second, more = _index_isolating(store, events[middle:])
        refused.update(more)
        return BulkResult(
            indexed=first.indexed + second.indexed, spooled=first.spooled + second.spooled
        ), refused
    refused = dict(result.errors)
    return BulkResult(indexed=result.indexed, spooled=result.spooled), refused


def refused_event(event: SecurityEvent, line: Line, reason: str, received: datetime) -> SecurityEvent:
    """A pipeline_error in place of an event that cannot be stored: same id (re-delivery replaces it),
    the line's raw text (its first MAX_ORIGINAL bytes), where it came from and why."""
    meta = event.doc.get("event")
    dataset = meta.get("dataset") if isinstance(meta, dict) else None
    raw = line.text.encode("utf-8", "surrogatepass")
    log_doc: dict[str, Any] = {"offset": line.offset}
    if line.path:
        log_doc["file"] = {"path": line.path}
    doc = pipeline_error_doc(line.text, raw, reason, dataset) | {"log": log_doc}
    return SecurityEvent.model_construct(id=event.id, timestamp=received, doc=doc)


def _sniff(lines: Iterator[Line], fmt: str, path: str) -> tuple[str, Iterator[Line]]:
    if fmt != "auto":
        if fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r}; use auto or one of {', '.join(FORMATS)}")
        return fmt, lines
    head = list(itertools.islice(lines, SNIFF_LINES))
    detected = (
        detect_format([line.text for line in head], None if path == "-" else path) if head else "syslog"
    )
    return detected, itertools.chain(head, lines)


def _batches(lines: Iterable[Line], size: int) -> Iterator[list[Line]]:
    iterator = iter(lines)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


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
    zone: timezone = UTC,
) -> IngestSummary:
    """Ingest files (or "-" for stdin) once, or follow them (`follow=True`) until `stop()` or Ctrl-C;
    `zone` reads the timestamps the lines write without one."""
    if follow and "-" in paths:
        raise InputError("stdin (-) cannot be followed; drop --follow or give file paths")
    if follow:
        for path in paths:
            if os.path.exists(path) and not stat.S_ISREG(os.stat(path).st_mode):
                raise InputError(
                    f"{path} is not a regular file (a FIFO?): it cannot be followed; drop --follow"
                )
    started = time.monotonic()
    summary = IngestSummary()
    processor = Processor(settings, store, notifier=notifier)
    batch_size = settings.store.batch_size
    try:
        if follow:
            follower = FileFollower(paths, settings.state_path("secmon", "registry.json"))
            try:
                _follow(
                    processor, follower, fmt, summary, batch_size, progress, stop, poll_interval, zone=zone
                )
            finally:
                follower.close()
        else:
            processor.reconcile(summary, every_seconds=0)  # what an earlier run left from an outage
            for path in paths:
                reader = Reader(path)
                chosen, lines = _sniff(iter(reader), fmt, path)
                summary.formats[path] = chosen
                for batch in _batches(lines, batch_size):
                    processor.handle(batch, {path: chosen}, summary, {path: zone})
                    if progress is not None:
                        progress(path, sum(max(0, line.end - line.offset) for line in batch))
                if reader.partial:
                    summary.partial_lines_left += 1
                    log.warning(
                        "%s: its last line has no newline yet (still being written): left for the next run",
                        path,
                    )
                if reader.damaged:
                    summary.damaged_inputs += 1
                    log.warning(
                        "%s ends early (%s): the lines before the damage were read", path, reader.damaged
                    )
        if not follow:
            processor.deliver(summary, max_wait=ONE_SHOT_DELIVERY_SECONDS)  # the rest stays queued
        else:
            processor.deliver(summary)
    finally:
        processor.close()
    summary.seconds = time.monotonic() - started
    return summary


def _follow(
    processor: Processor,
    follower: FileFollower,
    fmt: str,
    summary: IngestSummary,
    batch_size: int,
    progress: Progress | None,
    stop: Callable[[], bool] | None,
    poll_interval: float,
    format_for: Callable[[str], str] | None = None,
    zone: timezone = UTC,
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
            _assign_formats(lines, formats, format_for or (lambda _path: fmt))
            summary.formats.update(formats)
            try:
                acknowledged = processor.handle(lines, formats, summary, {line.path: zone for line in lines})
            except StoreError:
                follower.rewind()
                raise
            if acknowledged:
                follower.commit(lines)
            else:
                follower.rewind()  # the store refused part of the batch: read it again later
                time.sleep(poll_interval)
            if progress is not None:
                for path, group in itertools.groupby(lines, key=lambda line: line.path):
                    progress(path, sum(max(0, line.end - line.offset) for line in group))
    except KeyboardInterrupt:
        return


def _assign_formats(lines: list[Line], formats: dict[str, str], configured: Callable[[str], str]) -> None:
    for path in {line.path for line in lines} - set(formats):
        wanted = configured(path)
        if wanted != "auto":
            formats[path] = wanted
            continue
        sample = [line.text for line in lines if line.path == path][:SNIFF_LINES]
        formats[path] = detect_format(sample, path)


class Ingester:
    """Follow `settings.secmon.logs` (used by `vigil run`): call `run_once()` on a schedule."""

    def __init__(self, settings: Settings, store: Store, *, notifier: WebhookNotifier | None = None) -> None:
        self.settings = settings
        self.processor = Processor(settings, store, notifier=notifier)
        self.sources = settings.secmon.logs
        self.follower = FileFollower(
            [source.path for source in self.sources], settings.state_path("secmon", "registry.json")
        )
        self.formats: dict[str, str] = {}
        self.zones: dict[str, timezone] = {}

    def _source(self, path: str) -> LogSource | None:
        for source in self.sources:
            if path == source.path or fnmatch.fnmatch(path, source.path):
                return source
        return None

    def _configured(self, path: str) -> str:
        source = self._source(path)
        return source.format if source else "auto"

    def _zones(self, lines: list[Line]) -> dict[str, timezone]:
        """The configured zone of each path (for timestamps written without one)."""
        for path in {line.path for line in lines} - set(self.zones):
            source = self._source(path)
            self.zones[path] = tz_from_offset(source.timezone.replace("UTC", "Z")) if source else UTC
        return self.zones

    def run_once(self, max_batches: int = 100) -> IngestSummary:
        """Read what is new (up to `max_batches` batches), process it, commit, deliver notifications."""
        started = time.monotonic()
        summary = IngestSummary()
        batch_size = self.settings.store.batch_size
        self.processor.refresh_metadata()
        self.processor.reconcile(summary)
        for _ in range(max_batches):
            lines = self.follower.poll(batch_size)
            if not lines:
                break
            _assign_formats(lines, self.formats, self._configured)
            summary.formats.update(self.formats)
            try:
                acknowledged = self.processor.handle(lines, self.formats, summary, self._zones(lines))
            except StoreError:
                self.follower.rewind()  # nothing committed: the next run reads this batch again
                raise
            if acknowledged:
                self.follower.commit(lines)
            else:
                self.follower.rewind()
                break
        self.processor.deliver(summary)
        summary.seconds = time.monotonic() - started
        return summary

    def close(self) -> None:
        self.follower.close()
        self.processor.close()
