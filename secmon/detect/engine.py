"""The detection engine: stateless selections, then per-group counting (threshold, distinct count)
and ordered sequences, over ECS events in time order.

Rules are indexed by `event.dataset`, so an event only meets the rules that can read it. Counting
state is bounded: entries leave their window, and a rule keeps at most `MAX_GROUPS` groups.
"""

from __future__ import annotations

import ipaddress
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from secmon.assets import AssetIndex, severity_for
from secmon.detect.intel import ThreatIntel
from secmon.detect.matchers import Predicate, compile_condition, compile_selection
from secmon.detect.per_source import Scope, SourceThresholds
from secmon.detect.schema import DetectionRule
from secmon.fieldpath import Doc, Getter, getter
from store.models import SecurityEvent, Severity

MAX_GROUPS = 50_000
MAX_EVIDENCE = 50
RECENT_IDS = 20_000  # more than a batch (secmon.batch_lines ≤ 10,000): a re-read batch is recognised


@dataclass
class Detection:
    """One firing of one rule: the evidence events and who/what it concerns."""

    rule_id: str
    rule_title: str
    level: str
    severity: Severity
    tags: list[str]
    timestamp: datetime
    event_ids: list[str]
    source_ip: str | None = None
    source_domain: str | None = None  # the attacker's host name (vigil.attacker) when no IP names it
    asset: str | None = None
    agency: str | None = None
    entities: dict[str, list[str]] = field(default_factory=dict)
    doc: dict[str, Any] = field(default_factory=dict, repr=False)
    victim: str | None = None  # the asset, else destination.ip, else host.hostname: incidents group by it
    severity_reason: str | None = None  # "rule medium × asset critical → critical" when an asset weighs in
    first_event_at: datetime | None = None  # the earliest evidence event's time: the incident's first_seen


_SCOPED = object()  # marks the group keys of an input counted with its own threshold
# One counted match: (epoch seconds, event id, values of the rule's entity fields)
_Entry = tuple[float, str, tuple[Any, ...]]


class _SeqState:
    __slots__ = ("entries", "stage", "stage_count", "start")

    def __init__(self) -> None:
        self.stage = 0
        self.stage_count = 0
        self.start = 0.0
        self.entries: deque[_Entry] = deque()


class CompiledRule:
    """A rule turned into predicates and a counting state machine."""

    def __init__(self, rule: DetectionRule, intel: ThreatIntel) -> None:
        self.rule = rule
        self.selections: dict[str, Predicate] = {
            name: compile_selection(sel, intel) for name, sel in rule.detection.selections.items()
        }
        self.condition: Predicate | None = (
            compile_condition(rule.detection.condition, self.selections) if rule.detection.condition else None
        )
        # what process() tests before calling matched(); None: evaluate() decides (a sequence)
        self.test: Predicate | None = self.condition if rule.sequence is None else None
        self.group_getters: list[Getter] = [getter(f) for f in rule.group_by]
        self.field_getters: list[tuple[str, Getter]] = [(f, getter(f)) for f in rule.fields]
        self.value_getters: list[Getter] = [g for _, g in self.field_getters]
        self.stateful = rule.threshold is not None or rule.sequence is not None
        self.distinct: Getter | None = _distinct_getter(rule.threshold.distinct if rule.threshold else None)
        self.counts: dict[tuple[Any, ...], deque[_Entry]] = {}
        self.distincts: dict[tuple[Any, ...], dict[Any, _Entry]] = {}
        self.sequences: dict[tuple[Any, ...], _SeqState] = {}
        self.source_ip = getter("source.ip")
        self.attacker = getter("vigil.attacker")
        self.destination_ip = getter("destination.ip")
        self.hostname = getter("host.hostname")

    def reset(self) -> None:
        self.counts.clear()
        self.distincts.clear()
        self.sequences.clear()

    def _key(self, doc: Doc) -> tuple[Any, ...]:
        return _hashables(self.group_getters, doc)

    def _values(self, doc: Doc) -> tuple[Any, ...]:
        return tuple([g(doc) for g in self.value_getters])

    def evaluate(self, doc: Doc, event_id: str, ts: float, scope: Scope | None = None) -> list[_Entry] | None:
        """The evidence when this event makes the rule fire, else None. `scope`: the event's input has
        thresholds of its own (per_source.py); if one is this rule's, it counts apart with it."""
        if self.rule.sequence is not None:
            return self._sequence(doc, event_id, ts)
        assert self.condition is not None
        if not self.condition(doc):
            return None
        return self.matched(doc, event_id, ts, scope)

    def matched(self, doc: Doc, event_id: str, ts: float, scope: Scope | None = None) -> list[_Entry] | None:
        """`evaluate` once the condition of a rule without a sequence holds for this event."""
        rule = self.rule
        entry = (ts, event_id, self._values(doc))
        threshold = rule.threshold
        if threshold is None:
            return [entry]
        key = self._key(doc)
        if scope is not None and rule.id in scope[1]:
            threshold = scope[1][rule.id]
            key = (_SCOPED, scope[0], *key)
        horizon = ts - threshold.window_seconds
        if self.distinct is not None:
            value = self.distinct(doc)
            if value is None:
                return None
            seen = self.distincts.pop(key, None) or {}
            self.distincts[key] = seen  # re-insert: most recently used last
            if type(value) is list:  # one event may stand for several (e.g. "message repeated 5 times")
                for item in value:
                    seen[_hashable(item)] = entry
            else:
                seen[value] = entry
            if len(seen) >= threshold.count:
                for stale in [v for v, e in seen.items() if e[0] < horizon]:
                    del seen[stale]
            if len(seen) >= threshold.count:
                del self.distincts[key]
                return sorted(seen.values())
            if len(self.distincts) > MAX_GROUPS:
                _bound(self.distincts)
            return None
        window = self.counts.pop(key, None) or deque()
        self.counts[key] = window
        window.append(entry)
        while window and window[0][0] < horizon:
            window.popleft()
        if len(window) >= threshold.count:
            del self.counts[key]
            return list(window)
        if len(self.counts) > MAX_GROUPS:
            _bound(self.counts)
        return None

    def _sequence(self, doc: Doc, event_id: str, ts: float) -> list[_Entry] | None:
        sequence = self.rule.sequence
        assert sequence is not None
        steps = sequence.steps
        matched = [self.selections[s.selection](doc) for s in steps]
        if not any(matched):
            return None
        key = self._key(doc)
        state = self.sequences.get(key)
        if state is not None and state.stage > 0 and ts - state.start > sequence.window_seconds:
            state = None
            del self.sequences[key]
        if state is None:
            state = _SeqState()
        entry = (ts, event_id, self._values(doc))
        stage = state.stage
        if matched[stage]:
            if stage == 0:
                state.entries.append(entry)
                horizon = ts - sequence.window_seconds
                while state.entries and state.entries[0][0] < horizon:
                    state.entries.popleft()
                state.stage_count = len(state.entries)
                state.start = state.entries[0][0]
            else:
                state.entries.append(entry)
                state.stage_count += 1
            if state.stage_count >= steps[stage].min_count:
                state.stage += 1
                state.stage_count = 0
                if state.stage == len(steps):
                    self.sequences.pop(key, None)
                    return list(state.entries)
        elif any(matched[:stage]):
            # More of an earlier step (e.g. more failures before the success): keep as evidence.
            state.entries.append(entry)
        else:
            return None
        while len(state.entries) > MAX_EVIDENCE:
            state.entries.popleft()
        self.sequences[key] = state
        _bound(self.sequences)
        return None


def _intel_only(rule: DetectionRule) -> bool:
    """True when the rule needs one selection whose every map needs a threat-intel match: the condition
    is that selection, alone or and-ed with more ("indicator and not answer")."""
    condition = (rule.detection.condition or "").strip()
    first, _, rest = condition.partition(" and ")
    if rest and any(word in rest.split() for word in ("or", "of")):
        return False
    selection = rule.detection.selections.get(first.strip())
    if selection is None or rule.sequence is not None:
        return False
    maps = selection if isinstance(selection, list) else [selection]
    return all(any("|intel" in key for key in mapping) for mapping in maps)


def _group_address(text: str) -> bool:
    """Multicast and broadcast addresses (mDNS, SSDP, LLMNR, x.x.x.255) are nobody's system: no victim."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return address.is_multicast or (address.version == 4 and text.endswith(".255"))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _distinct_getter(spec: str | list[str] | None) -> Getter | None:
    """The value a threshold counts distinct occurrences of: one field, or a tuple of several."""
    if spec is None:
        return None
    if isinstance(spec, str):
        return getter(spec)
    getters = [getter(f) for f in spec]

    def combined(doc: Doc) -> Any:
        values = _hashables(getters, doc)
        for value in values:
            if value is None:
                return None
        return values

    return combined


def _hashables(getters: list[Getter], doc: Doc) -> tuple[Any, ...]:
    """The values the getters read, a list as a tuple (a group key or a distinct value: one per event)."""
    values = []
    for get in getters:
        value = get(doc)
        values.append(tuple(value) if isinstance(value, list) else value)
    return tuple(values)


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _bound(groups: dict[Any, Any]) -> None:
    if len(groups) > MAX_GROUPS:
        for key in list(groups)[: MAX_GROUPS // 10]:
            del groups[key]


class DetectionEngine:
    """Run every loaded rule over events; returns the detections each event completes."""

    def __init__(
        self,
        rules: Iterable[DetectionRule],
        intel: ThreatIntel | None = None,
        assets: AssetIndex | None = None,
        thresholds: SourceThresholds | None = None,
    ) -> None:
        self.intel = intel or ThreatIntel()
        self.assets = assets
        self.thresholds = thresholds or None  # per-input thresholds (secmon.logs[].thresholds)
        # Without indicators, an intel-only rule can never fire: leave it out of the hot path.
        self.rules = [CompiledRule(rule, self.intel) for rule in rules if self.intel or not _intel_only(rule)]
        self._cache: dict[tuple[Any, Any], tuple[list[CompiledRule], bool]] = {}
        # Ids of recent events: an event delivered twice (a batch re-read after a store error) is
        # counted once, so re-delivery cannot push a threshold over its count.
        self._seen: set[str] = set()
        self._seen_before: set[str] = set()  # the previous generation: memory stays ≤ 2 × RECENT_IDS

    def rules_for(self, dataset: Any, event_type: Any = None) -> list[CompiledRule]:
        """The rules that can match events of this dataset and EVE event type."""
        return self._candidates(dataset, event_type)[0]

    def _candidates(self, dataset: Any, event_type: Any) -> tuple[list[CompiledRule], bool]:
        """(rules, whether any of them counts over time), cached per (dataset, event type)."""
        key = (dataset, event_type)
        found = self._cache.get(key)
        if found is None:
            rules = []
            for compiled in self.rules:
                source = compiled.rule.logsource
                if source.datasets and dataset not in source.datasets:
                    continue
                if source.event_types and event_type is not None and event_type not in source.event_types:
                    continue
                rules.append(compiled)
            found = (rules, any(compiled.stateful for compiled in rules))
            if len(self._cache) < 10_000:
                self._cache[key] = found
        return found

    def process(self, event: SecurityEvent) -> list[Detection]:
        doc = event.doc
        meta = doc.get("event")
        dataset = meta.get("dataset") if type(meta) is dict else None
        suricata = doc.get("suricata")
        eve = suricata.get("eve") if type(suricata) is dict else None
        event_type = eve.get("event_type") if type(eve) is dict else None
        found = self._cache.get((dataset, event_type))
        candidates, stateful = found if found is not None else self._candidates(dataset, event_type)
        if not candidates:  # no rule reads it (it would meet none again): not remembered as seen either
            return []
        event_id = event.id
        if event_id in self._seen_before:
            return []
        seen = self._seen
        size = len(seen)
        seen.add(event_id)
        if len(seen) == size:  # seen already
            return []
        if size + 1 >= RECENT_IDS:
            self._seen_before, self._seen = seen, set()
        detections: list[Detection] = []
        ts = event.timestamp.timestamp() if stateful else 0.0  # only counting rules need the time
        scope = self.thresholds.of(doc) if self.thresholds is not None and stateful else None
        for compiled in candidates:
            test = compiled.test
            if test is None:
                evidence = compiled.evaluate(doc, event_id, ts, scope)
            elif test(doc):  # most events match no rule: test the condition without a method call
                evidence = compiled.matched(doc, event_id, ts, scope)
            else:
                continue
            if evidence is not None:
                detections.append(self._detection(compiled, evidence, doc, event.timestamp))
        return detections

    def process_many(self, events: Iterable[SecurityEvent]) -> list[Detection]:
        found: list[Detection] = []
        for event in events:
            found.extend(self.process(event))
        return found

    def reset(self) -> None:
        self._seen.clear()
        self._seen_before.clear()
        for compiled in self.rules:
            compiled.reset()

    def _detection(self, compiled: CompiledRule, evidence: list[_Entry], doc: Doc, at: datetime) -> Detection:
        rule = compiled.rule
        asset_doc = (doc.get("vigil") or {}).get("asset") if isinstance(doc.get("vigil"), dict) else None
        if asset_doc is None and self.assets:
            found = self.assets.resolve(doc)
            asset_doc = found.as_doc() if found else None
        entities: dict[str, list[str]] = {}
        for index, (name, _) in enumerate(compiled.field_getters):
            values: dict[str, None] = {}  # distinct, in the order first seen
            for entry in evidence:
                value = entry[2][index]
                for item in value if isinstance(value, list | tuple) else [value]:
                    if item is not None:
                        values[str(item)] = None
            if values:
                entities[name] = list(values)[:MAX_EVIDENCE]
        source_ip = compiled.source_ip(doc)
        attacker = compiled.attacker(doc) if source_ip is None else None
        criticality = asset_doc.get("criticality") if asset_doc else None
        severity = severity_for(rule.level, criticality)
        victim = asset_doc.get("name") if asset_doc else None
        if victim is None:  # the system attacked: its asset, else the destination address or the logging host
            destination = _text(compiled.destination_ip(doc))
            victim = None if destination is None or _group_address(destination) else destination
            victim = victim or _text(compiled.hostname(doc))
        return Detection(
            rule_id=rule.id,
            rule_title=rule.title,
            level=rule.level,
            severity=severity,
            tags=list(rule.tags),
            timestamp=at if at.tzinfo else at.replace(tzinfo=UTC),
            first_event_at=datetime.fromtimestamp(min(entry[0] for entry in evidence), tz=UTC)
            if evidence
            else None,
            event_ids=[entry[1] for entry in evidence][-MAX_EVIDENCE:],
            source_ip=str(source_ip) if source_ip is not None else None,
            source_domain=str(attacker) if attacker is not None else None,
            asset=asset_doc.get("name") if asset_doc else None,
            agency=asset_doc.get("agency") if asset_doc else None,
            entities=entities,
            doc=doc,
            victim=victim,
            severity_reason=f"rule {rule.level} × asset {criticality} → {severity.value}"
            if criticality
            else None,
        )
