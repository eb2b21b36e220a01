"""The one way lines become events, shared by `vigil logs ingest`, `vigil logs parse` and `vigil run`.

- `Sources`: what is known of an input path — its format and the zone of timestamps written without one —
  from the command line (--format, --timezone) first, else the `secmon.logs` entry whose path or glob
  matches it, else "auto" (sniffed from its first lines) and UTC.
- `read_inputs`: read files (or stdin) once, choose each one's format once, hand its lines on in batches.
- `decode`: lines → ECS events (parse with the input's format and zone, cut lines and parse errors as
  pipeline_error events, rule metadata and asset tags added), counted in an `IngestSummary`.

The ingester (secmon/pipeline.py) stores and detects what `decode` makes; `vigil logs parse` prints it.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timezone
from typing import TYPE_CHECKING, Any

from core.config import LogSource, Settings
from secmon.assets import AssetIndex
from secmon.detect.per_source import source_for
from secmon.errors import InputError
from secmon.inputs import Line
from secmon.inputs.line import MAX_LINE
from secmon.inputs.oneshot import Reader
from secmon.parsers import DATASETS, FORMATS, ParseState, detect_format, parse_line
from secmon.parsers.ecs import error_event, tz_from_offset
from secmon.ruleset import RuleMetadata, metadata_copy_path
from store.models import MAX_ORIGINAL, SecurityEvent, pipeline_error_doc

if TYPE_CHECKING:
    from secmon.pipeline import IngestSummary

log = logging.getLogger(__name__)
SNIFF_LINES = 50
Batch = Callable[[list[Line], dict[str, str], dict[str, timezone]], None]  # (lines, formats, zones)


def zone_of(text: str) -> timezone:
    """The zone of a `timezone` setting or option: "UTC" or an offset such as "+07:00"."""
    return tz_from_offset("Z" if text.strip().upper() == "UTC" else text.strip())


class Sources:
    """Format and zone of each input path: the command line's choice, else its `secmon.logs` entry."""

    def __init__(
        self, configured: Iterable[LogSource] = (), fmt: str = "auto", zone: timezone | None = None
    ) -> None:
        if fmt != "auto" and fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r}; use auto or one of {', '.join(FORMATS)}")
        self.configured = list(configured)
        self.fmt = fmt
        self.zone = zone
        self._found: dict[str, LogSource | None] = {}

    def source(self, path: str) -> LogSource | None:
        """The `secmon.logs` entry of `path` (its exact path first, then the first glob that matches)."""
        if path not in self._found:
            found = source_for(self.configured, path)
            self._found[path] = found[1] if found else None
        return self._found[path]

    def format_of(self, path: str) -> str:
        """The format to read `path` with ("auto": sniff it)."""
        if self.fmt != "auto":
            return self.fmt
        source = self.source(path)
        return source.format if source else "auto"

    def zone_of(self, path: str) -> timezone:
        if self.zone is not None:
            return self.zone
        source = self.source(path)
        return zone_of(source.timezone) if source else UTC

    def choose(self, path: str, head: list[str]) -> str:
        """The format of `path`, sniffed from `head` (its first lines) when nothing says."""
        wanted = self.format_of(path)
        if wanted != "auto":
            return wanted
        return detect_format(head, None if path == "-" else path) if head else "syslog"


def read_inputs(
    sources: Sources,
    paths: list[str],
    batch_size: int,
    on_batch: Batch,
    summary: IngestSummary,
    progress: Callable[[str, int], None] | None = None,
) -> None:
    """Read each path once (a file, a .gz, or "-" for stdin) and hand its lines to `on_batch`."""
    for path in paths:
        reader = Reader(path)
        lines = iter(reader)
        head = list(itertools.islice(lines, SNIFF_LINES))
        chosen = sources.choose(path, [line.text for line in head])
        summary.formats[path] = chosen
        formats, zones = {path: chosen}, {path: sources.zone_of(path)}
        for batch in _batches(itertools.chain(head, lines), batch_size):
            on_batch(batch, formats, zones)
            if progress is not None:
                progress(path, consumed(batch))
        if reader.partial:
            summary.partial_lines_left += 1
            log.warning(
                "%s: its last line has no newline yet (still being written): left for the next run", path
            )
        if reader.damaged:
            summary.damaged_inputs += 1
            log.warning("%s ends early (%s): the lines before the damage were read", path, reader.damaged)


def consumed(lines: Iterable[Line]) -> int:
    """Bytes of input the lines span (for a progress bar), in one comprehension: it runs for every line."""
    return sum([size if (size := line.end - line.offset) > 0 else 0 for line in lines])


def assign_formats(lines: list[Line], formats: dict[str, str], sources: Sources) -> None:
    """Choose the format of each path of `lines` not seen before (followed inputs), once."""
    for path in {line.path for line in lines} - set(formats):
        formats[path] = sources.choose(path, [line.text for line in lines if line.path == path][:SNIFF_LINES])


def _batches(lines: Iterable[Line], size: int) -> Iterator[list[Line]]:
    iterator = iter(lines)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def decode(
    lines: list[Line],
    formats: Mapping[str, str],
    summary: IngestSummary,
    zones: Mapping[str, timezone] | None,
    state: ParseState,
    enrich: Callable[[dict[str, Any]], None],
) -> list[SecurityEvent]:
    """Events of `lines` (one each); `zones` (by path) reads timestamps that carry none (default UTC);
    `enrich` adds rule metadata and asset tags to a parsed event (an exception makes it a pipeline_error).

    Runs for every line: the format and zone are looked up once per run of lines of one path, and the
    line and byte counts are added to `summary` once per call (also when a line raises)."""
    received = datetime.now(UTC)
    events = []
    by_dataset, by_type = summary.events_by_dataset, summary.events_by_type
    path: str | None = None
    fmt, tz = "", UTC
    read = size = 0
    try:
        for line in lines:
            if line.path != path:
                path = line.path
                fmt = formats[path]
                tz = zones.get(path, UTC) if zones else UTC
            if line.cut:
                summary.lines_cut += 1
                event = error_event(
                    line.text[:MAX_ORIGINAL],
                    DATASETS.get(fmt, "unknown"),
                    f"line of {line.cut:,} bytes is longer than the {MAX_LINE:,}-byte cap: its first "
                    f"{MAX_ORIGINAL:,} bytes are kept",
                    origin=line.origin,
                    offset=line.offset,
                    received_at=received,
                    path=path,
                )
                by_dataset[str(event.doc["event"]["dataset"])] += 1
                by_type["pipeline_error"] += 1
                read += 1
                size += line.end - line.offset
                events.append(event)
                continue
            event = parse_line(
                line.text,
                fmt,
                origin=line.origin,
                offset=line.offset,
                received_at=received,
                path=path,
                tz=tz,
                state=state,
            )
            doc = event.doc
            meta = doc.get("event") or {}
            if meta.get("kind") == "pipeline_error":
                summary.parse_errors += 1
            else:
                try:
                    enrich(doc)
                except Exception as exc:  # an odd value in a parsed line must not stop ingestion
                    event = refused_event(event, line, f"enrichment failed: {reason(exc)}", received)
                    doc, meta = event.doc, event.doc["event"]
                    summary.refused += 1
            by_dataset[str(meta.get("dataset") or "unknown")] += 1
            by_type[type_of(doc)] += 1
            read += 1
            size += (line.end - line.offset) if line.end >= 0 else len(line.text) + 1
            events.append(event)
    finally:
        summary.lines_read += read
        summary.bytes_read += size
    return events


def type_of(doc: dict[str, Any]) -> str:
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


def reason(exc: BaseException) -> str:
    text = str(exc)[:500]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def refused_event(event: SecurityEvent, line: Line, why: str, received: datetime) -> SecurityEvent:
    """A pipeline_error in place of an event that cannot be stored: same id (re-delivery replaces it),
    the line's raw text (its first MAX_ORIGINAL bytes), where it came from and why."""
    meta = event.doc.get("event")
    dataset = meta.get("dataset") if isinstance(meta, dict) else None
    raw = line.text.encode("utf-8", "surrogatepass")
    log_doc: dict[str, Any] = {"offset": line.offset}
    if line.path:
        log_doc["file"] = {"path": line.path}
    doc = pipeline_error_doc(line.text, raw, why, dataset) | {"log": log_doc}
    return SecurityEvent.model_construct(id=event.id, timestamp=received, doc=doc)


def parse_paths(
    settings: Settings,
    paths: list[str],
    write: Callable[[SecurityEvent], None],
    summary: IngestSummary,
    fmt: str = "auto",
    zone: timezone | None = None,
) -> None:
    """What `ingest_paths` would store, handed to `write` instead (`vigil logs parse`): the same reading,
    format, zone, multi-line state, rule metadata (the ingester's local copy) and asset tags; no store.
    `summary` counts what was read."""
    sources = Sources(settings.secmon.logs, fmt, zone)
    metadata = RuleMetadata.from_copy(metadata_copy_path(settings))
    assets = AssetIndex(settings.secmon.assets)
    state = ParseState()

    def enrich(doc: dict[str, Any]) -> None:
        metadata.enrich(doc)
        assets.tag(doc)

    def emit(lines: list[Line], formats: dict[str, str], zones: dict[str, timezone]) -> None:
        for event in decode(lines, formats, summary, zones, state, enrich):
            write(event)

    read_inputs(sources, paths, settings.secmon.batch_lines, emit, summary)
