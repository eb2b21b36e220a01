"""The ingest pipeline: lines → ECS events → enrich/tag → detect → store → incidents → notifications.

At-least-once: a batch's input offsets are committed only after the store acknowledged its events
(indexed or durably spooled). Event ids are deterministic and incidents ignore evidence they already
hold, so a batch re-delivered after a crash changes nothing.
"""

from __future__ import annotations

import fnmatch
import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timezone
from typing import Any

from core.config import LogSource, Settings
from secmon.assets import AssetIndex
from secmon.detect import DetectionEngine, Suppressions, ThreatIntel, load_rules
from secmon.detect.engine import Detection
from secmon.errors import InputError
from secmon.incidents import IncidentManager
from secmon.inputs import FileFollower, Line, read_once
from secmon.notify import WebhookNotifier
from secmon.parsers import FORMATS, ParseState, detect_format, parse_line
from secmon.parsers.ecs import tz_from_offset
from secmon.ruleset import VERSION_RECORD, RuleMetadata
from store.errors import StoreError
from store.models import SecurityEvent
from store.protocol import Store
from store.query import RecordKind

SNIFF_LINES = 50
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
        self.metadata = RuleMetadata.load(store)
        self._ruleset_version = self._stored_ruleset_version()
        self._checked_at = time.monotonic()
        self.incidents = IncidentManager(store, settings.secmon.incident_window_minutes)
        self.parse_state = ParseState()  # multi-line correlation (sshd lines by host and pid)
        self.notifier = notifier
        if self.notifier is None and settings.secmon.webhooks:
            self.notifier = WebhookNotifier.from_settings(settings)

    def _stored_ruleset_version(self) -> str | None:
        record = self.store.get_record(RecordKind.state, VERSION_RECORD)
        return str(record.get("version")) if record else None

    def refresh_metadata(self, every_seconds: float = 60.0) -> bool:
        """Reload rule metadata when `vigil rules update` stored a new ruleset (for long-running jobs)."""
        if time.monotonic() - self._checked_at < every_seconds:
            return False
        self._checked_at = time.monotonic()
        version = self._stored_ruleset_version()
        if version == self._ruleset_version:
            return False
        self.metadata = RuleMetadata.load(self.store)
        self._ruleset_version = version
        return True

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
                self.metadata.enrich(doc)
                self.assets.tag(doc)
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
        """Process one batch; True when the store acknowledged every event (safe to commit offsets)."""
        events = self.parse(lines, formats, summary, zones)
        detections: list[Detection] = []
        for event in events:
            detections.extend(self.engine.process(event))
        result = self.store.index_events(events)
        summary.events_indexed += result.indexed
        summary.events_spooled += result.spooled
        summary.index_errors += len(result.errors)
        kept = []
        for detection in detections:
            if self.suppressions.match(detection.rule_id, detection.doc):
                summary.suppressed += 1
            else:
                kept.append(detection)
                summary.detections_by_rule[detection.rule_id] += 1
        if kept:
            changes = self.incidents.record(kept)
            summary.incidents_opened += len(changes.opened)
            summary.incidents_updated += len(changes.updated)
            if self.notifier is not None:
                for incident in changes.opened:
                    summary.notifications_queued += self.notifier.enqueue(incident, "opened")
                for incident in changes.escalated:
                    summary.notifications_queued += self.notifier.enqueue(incident, "escalated")
        return not result.errors

    def deliver(self, summary: IngestSummary, max_wait: float = 0.0) -> None:
        if self.notifier is None:
            return
        report = self.notifier.deliver(max_wait=max_wait)
        summary.notifications_sent += report.sent
        summary.notifications_pending = report.pending

    def close(self) -> None:
        if self.notifier is not None:
            self.notifier.close()


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
            for path in paths:
                chosen, lines = _sniff(read_once(path), fmt, path)
                summary.formats[path] = chosen
                for batch in _batches(lines, batch_size):
                    processor.handle(batch, {path: chosen}, summary, {path: zone})
                    if progress is not None:
                        progress(path, sum(max(0, line.end - line.offset) for line in batch))
        processor.deliver(summary, max_wait=0.0)
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
