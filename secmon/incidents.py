"""Detections become incidents: one per attacker (+ victim) within a window, collecting every rule that saw it
(an attack story), updated rather than repeated; detections without a source address group by rule + asset.

Lifecycle: new → acknowledged → resolved | false_positive (a closed incident can be re-opened to
acknowledged). Every change records who changed what in `audit`; writes go through
`store.update_incident` (optimistic concurrency: a lost race re-reads and retries).
Re-delivered detections (same evidence event ids) leave an incident unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from secmon.detect.engine import Detection
from secmon.errors import InvalidTransition
from store.errors import Conflict, NotFound
from store.ids import stable_id
from store.models import SEVERITY_RANK, AuditEntry, Incident, IncidentStatus, Note, Severity, utcnow
from store.protocol import Store
from store.query import Kind, RecordKind, SearchQuery, SortField, Term


class IncidentEvent(StrEnum):
    """What a change did to an incident: one name for the alert stream (SSE) and for webhooks."""

    opened = "incident.opened"
    updated = "incident.updated"
    escalated = "incident.escalated"


def event_name(last_change: str | None, version: int) -> IncidentEvent:
    """The event an incident's version is announced as (its `last_change`; inferred for older records)."""
    if last_change:
        return IncidentEvent(last_change)
    return IncidentEvent.opened if version == 1 else IncidentEvent.updated


MAX_EVENT_IDS = 200
MAX_ENTITY_VALUES = 50
SYSTEM_ACTOR = "vigil"
OPEN = (IncidentStatus.new, IncidentStatus.acknowledged)
TRANSITIONS: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    IncidentStatus.new: frozenset(
        {IncidentStatus.acknowledged, IncidentStatus.resolved, IncidentStatus.false_positive}
    ),
    IncidentStatus.acknowledged: frozenset({IncidentStatus.resolved, IncidentStatus.false_positive}),
    IncidentStatus.resolved: frozenset({IncidentStatus.acknowledged}),
    IncidentStatus.false_positive: frozenset({IncidentStatus.acknowledged}),
}


@dataclass
class IncidentChanges:
    opened: list[Incident] = field(default_factory=list)
    updated: list[Incident] = field(default_factory=list)
    escalated: list[Incident] = field(default_factory=list, repr=False)


ATTACKER = "attacker"  # first element of the key of incidents grouped by attacker (an attack story)
ATTACKER_NAME = "attacker:name"  # … by an attacker known only by a host name (no rule id has a colon)
_ATTACKER_FIELDS = {ATTACKER: "source_ip", ATTACKER_NAME: "source_domain"}  # the incident field each keys on
NAME_NOTE = (
    "the attacker is known only by the host name the log gives (sshd/PAM resolve the client by reverse DNS "
    "when UseDNS is on: PAM rhost=, 'from <name>'); no IP was logged and Vigil has not verified the name"
)


def _key(detection: Detection) -> tuple[str, str, str]:
    """What an incident groups: one attacker against one victim (its asset, else the destination of an IDS
    alert, else everything it did) whatever the rules that saw it — an attack story; detections with no
    source address stay grouped by rule (and asset)."""
    if detection.source_ip:
        return (ATTACKER, detection.source_ip, detection.victim or detection.asset or "")
    if detection.source_domain:
        return (ATTACKER_NAME, detection.source_domain, detection.victim or detection.asset or "")
    return (detection.rule_id, "", detection.asset or "")


def _merge_entities(target: dict[str, list[str]], extra: dict[str, list[str]]) -> None:
    for name, values in extra.items():
        kept = target.setdefault(name, [])
        for value in values:
            if value not in kept and len(kept) < MAX_ENTITY_VALUES:
                kept.append(value)


def _absorb(incident: Incident, detection: Detection) -> bool:
    """Add a detection's evidence to an incident; False when it brings nothing new (re-delivery).

    Another rule that saw the same events (a path-traversal line that is also a CVE probe) is news: the
    incident records the rule (entities["vigil.rule"]) even though it brings no new event."""
    known = set(incident.event_ids)
    fresh = [eid for eid in detection.event_ids if eid not in known]
    if not fresh and detection.rule_id in incident.entities.get("vigil.rule", [incident.rule_id]):
        return False
    incident.event_ids = (incident.event_ids + fresh)[-MAX_EVENT_IDS:]
    incident.event_count += len(fresh)
    incident.first_seen = min(incident.first_seen, first_event(detection))
    incident.last_seen = max(incident.last_seen, detection.timestamp)
    if SEVERITY_RANK[detection.severity] > SEVERITY_RANK[incident.severity]:
        incident.audit.append(
            AuditEntry(actor=SYSTEM_ACTOR, field="severity", old=incident.severity, new=detection.severity)
        )
        incident.severity = detection.severity
    _merge_entities(incident.entities, detection.entities)
    _merge_entities(incident.entities, {"vigil.rule": [detection.rule_id]})
    if detection.victim:
        _merge_entities(incident.entities, {"victim": [detection.victim]})
    _merge_entities(incident.entities, {"severity.reason": [severity_reason(detection)]})
    for tag in detection.tags:
        if tag not in incident.tags:
            incident.tags.append(tag)
    incident.updated_at = utcnow()
    return True


def first_event(detection: Detection) -> datetime:
    """When the attack began: the earliest evidence event, not the one that crossed the threshold."""
    first = detection.first_event_at
    return min(first, detection.timestamp) if first is not None else detection.timestamp


def severity_reason(detection: Detection) -> str:
    """Why the detection has its severity: the rule's level, weighed by the asset's criticality if any."""
    return detection.severity_reason or (
        f"rule {detection.level} → {detection.severity.value} (no asset criticality applies)"
    )


def _new_incident(detection: Detection) -> Incident:
    group, source, victim = _key(detection)
    incident = Incident(
        id=stable_id("incident", group, source, victim, detection.timestamp.isoformat()),
        rule_id=detection.rule_id,
        rule_title=detection.rule_title,
        severity=detection.severity,
        first_seen=first_event(detection),
        last_seen=detection.timestamp,
        source_ip=detection.source_ip,
        source_domain=detection.source_domain if not detection.source_ip else None,
        asset=detection.asset,
        agency=detection.agency,
        tags=list(detection.tags),
        audit=[AuditEntry(actor=SYSTEM_ACTOR, field="status", old=None, new=IncidentStatus.new)],
        last_change=IncidentEvent.opened.value,
    )
    if incident.source_domain:
        incident.entities["attacker.note"] = [NAME_NOTE]
    _absorb(incident, detection)
    return incident


class IncidentManager:
    """Group detections into incidents in the store."""

    def __init__(self, store: Store, window_minutes: int = 60) -> None:
        self.store = store
        self.window = timedelta(minutes=window_minutes)
        self._open: dict[tuple[str, str, str], str] = {}  # key → id of the latest open incident

    def _find_open(self, key: tuple[str, str, str], at: datetime) -> Incident | None:
        cached = self._open.get(key)
        if cached is not None:
            incident = self.store.get_incident(cached)
            if incident is not None and self._fits(incident, at):
                return incident
        attacker_field = _ATTACKER_FIELDS.get(key[0])
        by = Term(attacker_field, (key[1],)) if attacker_field else Term("rule_id", (key[0],))
        page = self.store.search(
            Kind.incidents,
            SearchQuery(
                filters=(by, Term("status", tuple(s.value for s in OPEN))),
                sort=(SortField("last_seen", True),),
                size=50,
            ),
        )
        for hit in page.hits:
            incident = Incident.model_validate(hit.source)
            if _key_of(incident) == key and self._fits(incident, at):
                self._open[key] = incident.id
                return incident
        return None

    def _fits(self, incident: Incident, at: datetime) -> bool:
        return (
            incident.status in OPEN
            and incident.first_seen - self.window <= at <= incident.last_seen + self.window
        )

    def record(self, detections: Iterable[Detection]) -> IncidentChanges:
        """Open or update incidents for these detections (one store write per incident touched)."""
        changes = IncidentChanges()
        touched: dict[str, tuple[Incident, int | None, Severity]] = {}  # id → (incident, stored version)
        evidence: dict[str, list[str]] = {}  # id → event ids new to it, for its evidence log
        for detection in sorted(detections, key=lambda d: d.timestamp):
            key = _key(detection)
            incident: Incident | None = None
            for pending, _, _ in touched.values():
                if _key_of(pending) == key and self._fits(pending, detection.timestamp):
                    incident = pending
                    break
            if incident is None:
                found = self._find_open(key, detection.timestamp)
                if found is not None:
                    incident = touched.get(found.id, (found, found.version, found.severity))[0]
                    touched.setdefault(found.id, (found, found.version, found.severity))
            if incident is None:
                fresh = _new_incident(detection)
                existing = self.store.get_incident(fresh.id)
                if existing is not None:  # the same first detection re-delivered
                    incident = existing
                    touched.setdefault(existing.id, (existing, existing.version, existing.severity))
                    _collect(evidence, existing, detection)
                    _absorb(existing, detection)
                else:
                    touched[fresh.id] = (fresh, None, fresh.severity)
                    evidence.setdefault(fresh.id, []).extend(fresh.event_ids)
                    self._open[key] = fresh.id
                continue
            _collect(evidence, incident, detection)
            _absorb(incident, detection)
        new_docs = [inc for inc, version, _ in touched.values() if version is None]
        if new_docs:
            self.store.index_incidents(new_docs)
            changes.opened.extend(new_docs)
        for incident, version, severity in touched.values():
            if version is None:
                continue
            stored = self.store.get_incident(incident.id)
            if (
                stored is not None
                and stored.version == version
                and stored.model_dump() == incident.model_dump()
            ):
                continue  # re-delivered evidence only: nothing changed
            escalated = SEVERITY_RANK[incident.severity] > SEVERITY_RANK[severity]
            incident.last_change = (IncidentEvent.escalated if escalated else IncidentEvent.updated).value
            saved = _save(self.store, incident, version, _replay_onto(incident))
            changes.updated.append(saved)
            if SEVERITY_RANK[saved.severity] > SEVERITY_RANK[severity]:
                changes.escalated.append(saved)
        for incident_id, event_ids in evidence.items():
            append_evidence(self.store, incident_id, event_ids)
        return changes


def _collect(evidence: dict[str, list[str]], incident: Incident, detection: Detection) -> None:
    """Note the event ids `detection` adds to `incident` (before `_absorb` merges them)."""
    known = set(incident.event_ids) | set(evidence.get(incident.id, ()))
    evidence.setdefault(incident.id, []).extend(eid for eid in detection.event_ids if eid not in known)


EVIDENCE_CHUNK = 1000  # event ids per evidence record


def _evidence_head(incident_id: str) -> str:
    return f"evidence:{incident_id}"


def append_evidence(store: Store, incident_id: str, event_ids: list[str]) -> None:
    """Add event ids to an incident's full evidence log (records of EVIDENCE_CHUNK ids; the incident
    itself keeps only the latest MAX_EVENT_IDS), so its events can all be paged, with a total."""
    if not event_ids:
        return
    head_key = _evidence_head(incident_id)
    head = store.get_record(RecordKind.state, head_key) or {"chunks": 0, "count": 0}
    chunk = max(0, int(head["chunks"]) - 1)
    key = f"{head_key}:{chunk:06d}"
    current = (store.get_record(RecordKind.state, key) or {"ids": []}) if head["chunks"] else {"ids": []}
    writes: dict[str, dict[str, Any]] = {}
    ids = list(current["ids"])
    for event_id in event_ids:
        if len(ids) == EVIDENCE_CHUNK:
            writes[key] = {"ids": ids}
            chunk += 1
            key, ids = f"{head_key}:{chunk:06d}", []
        ids.append(event_id)
    writes[key] = {"ids": ids}
    writes[head_key] = {"chunks": chunk + 1, "count": int(head["count"]) + len(event_ids)}
    store.put_records(RecordKind.state, writes)


def evidence_page(store: Store, incident: Incident, offset: int, size: int) -> tuple[list[str], int]:
    """(event ids offset..offset+size of the incident's evidence, oldest first; how many there are).

    Incidents recorded before the evidence log existed page through the ids they kept."""
    head_key = _evidence_head(incident.id)
    head = store.get_record(RecordKind.state, head_key)
    if head is None:
        return incident.event_ids[offset : offset + size], len(incident.event_ids)
    total = int(head["count"])
    ids: list[str] = []
    first, last = offset // EVIDENCE_CHUNK, (offset + size - 1) // EVIDENCE_CHUNK
    for chunk in range(first, min(last, int(head["chunks"]) - 1) + 1):
        record = store.get_record(RecordKind.state, f"{head_key}:{chunk:06d}") or {"ids": []}
        ids.extend(record["ids"])
    start = offset - first * EVIDENCE_CHUNK
    return ids[start : start + size], total


def _key_of(incident: Incident) -> tuple[str, str, str]:
    if incident.source_ip:
        victims = incident.entities.get("victim") or [incident.asset or ""]
        return (ATTACKER, incident.source_ip, victims[0])
    if incident.source_domain:
        victims = incident.entities.get("victim") or [incident.asset or ""]
        return (ATTACKER_NAME, incident.source_domain, victims[0])
    return (incident.rule_id, "", incident.asset or "")


def _replay_onto(updated: Incident) -> Callable[[Incident], Incident]:
    """On a lost race, apply our evidence to the fresh copy instead of overwriting the other writer."""

    def apply(current: Incident) -> Incident:
        merged = current.model_copy(deep=True)
        known = set(merged.event_ids)
        fresh = [eid for eid in updated.event_ids if eid not in known]
        merged.event_ids = (merged.event_ids + fresh)[-MAX_EVENT_IDS:]
        merged.event_count += len(fresh)
        merged.first_seen = min(merged.first_seen, updated.first_seen)  # both already the first events
        merged.last_seen = max(merged.last_seen, updated.last_seen)
        merged.last_change = IncidentEvent.updated.value
        if SEVERITY_RANK[updated.severity] > SEVERITY_RANK[merged.severity]:
            merged.severity = updated.severity
            merged.last_change = IncidentEvent.escalated.value
        _merge_entities(merged.entities, updated.entities)
        merged.updated_at = utcnow()
        return merged

    return apply


def _save(store: Store, incident: Incident, version: int, redo: Callable[[Incident], Incident]) -> Incident:
    for _ in range(5):
        try:
            return store.update_incident(incident, expected_version=version)
        except Conflict:
            current = store.get_incident(incident.id)
            if current is None:
                raise NotFound(f"incident {incident.id} disappeared during an update") from None
            incident, version = redo(current), current.version
    raise Conflict(f"incident {incident.id}: too many concurrent updates, retry later")


def _change(store: Store, incident_id: str, edit: Callable[[Incident], Incident | None]) -> Incident:
    """Apply `edit` to the latest copy, retrying when another writer got there first."""
    for _ in range(5):
        current = store.get_incident(incident_id)
        if current is None:
            raise NotFound(f"no incident {incident_id} (list them with `vigil incidents list`)")
        edited = edit(current.model_copy(deep=True))
        if edited is None:
            return current
        try:
            return store.update_incident(edited, expected_version=current.version)
        except Conflict:
            continue
    raise Conflict(f"incident {incident_id}: too many concurrent updates, retry later")


def change_incident(
    store: Store,
    incident_id: str,
    *,
    actor: str,
    status: IncidentStatus | str | None = None,
    assignee: str | None = None,
) -> Incident:
    """Change status and/or assignee, audited; raises InvalidTransition for a forbidden status change.

    Setting the status or assignee it already has is a no-op (no audit entry).
    An empty assignee string un-assigns.
    """
    target = IncidentStatus(status) if status is not None else None

    def edit(incident: Incident) -> Incident | None:
        changed = False
        if target is not None and target != incident.status:
            if target not in TRANSITIONS[incident.status]:
                allowed = ", ".join(sorted(s.value for s in TRANSITIONS[incident.status]))
                raise InvalidTransition(
                    f"incident {incident.id} is {incident.status.value}; it can become: {allowed}"
                )
            incident.audit.append(AuditEntry(actor=actor, field="status", old=incident.status, new=target))
            incident.status = target
            changed = True
        if assignee is not None:
            new_assignee = assignee or None
            if new_assignee != incident.assignee:
                incident.audit.append(
                    AuditEntry(actor=actor, field="assignee", old=incident.assignee, new=new_assignee)
                )
                incident.assignee = new_assignee
                changed = True
        if not changed:
            return None
        incident.updated_at = utcnow()
        incident.last_change = IncidentEvent.updated.value
        return incident

    return _change(store, incident_id, edit)


def add_note(store: Store, incident_id: str, *, actor: str, text: str) -> Incident:
    """Append a note (audited)."""
    body = text.strip()
    if not body:
        raise InvalidTransition("a note needs some text")

    def edit(incident: Incident) -> Incident:
        incident.notes.append(Note(author=actor, text=body))
        incident.audit.append(AuditEntry(actor=actor, field="notes", old=None, new=body[:200]))
        incident.updated_at = utcnow()
        incident.last_change = IncidentEvent.updated.value
        return incident

    return _change(store, incident_id, edit)


SHORT_ID = 12  # the id prefix `vigil incidents list` shows; 48 bits, unique in practice
MIN_PREFIX = 4


def short_id(incident_id: str) -> str:
    return incident_id[:SHORT_ID]


def find_incident(store: Store, given: str) -> Incident:
    """The incident whose id is `given`, or the only one whose id starts with it (ids as listed)."""
    given = given.strip()
    exact = store.get_incident(given) if given else None
    if exact is not None:
        return exact
    if len(given) < MIN_PREFIX:
        raise NotFound(
            f"no incident {given!r}: give its id, or at least {MIN_PREFIX} of its first characters "
            "(as `vigil incidents list` shows them)"
        )
    matches: list[str] = []
    query = SearchQuery(sort=(SortField("id", False),), size=1000)
    while True:
        page = store.search(Kind.incidents, query)
        matches.extend(hit.id for hit in page.hits if hit.id.startswith(given))
        if not page.next_cursor or len(matches) > 1:
            break
        query = replace(query, cursor=page.next_cursor)
    if not matches:
        raise NotFound(f"no incident {given!r} (list them with `vigil incidents list`)")
    if len(matches) > 1:
        raise NotFound(
            f"{given!r} is the start of several incidents ({', '.join(matches[:5])}); give more of it"
        )
    found = store.get_incident(matches[0])
    if found is None:
        raise NotFound(f"incident {matches[0]} disappeared meanwhile")
    return found


def incident_summary(incident: Incident) -> dict[str, Any]:
    """The compact JSON a notification or `incidents list` shows."""
    return {
        "id": incident.id,
        "rule_id": incident.rule_id,
        "title": incident.rule_title,
        "severity": incident.severity.value,
        "status": incident.status.value,
        "source_ip": incident.source_ip,
        "source_domain": incident.source_domain,
        "asset": incident.asset,
        "agency": incident.agency,
        "first_seen": incident.first_seen.isoformat(),
        "last_seen": incident.last_seen.isoformat(),
        "event_count": incident.event_count,
        "assignee": incident.assignee,
        "tags": incident.tags,
        "entities": incident.entities,
        "version": incident.version,
    }
