"""Security team's routes: incidents (list, detail with evidence, triage, notes), events, rules."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import Field

from api.deps import SecurityKey, SettingsDep, StoreDep
from api.errors import BadParameter
from api.querying import ip_filter, parse_user_query, terms, time_range
from api.schemas import (
    DetectionRulePublic,
    EventPage,
    EventPublic,
    IncidentDetail,
    IncidentEventPage,
    IncidentPage,
    IncidentPublic,
    IncidentUpdate,
    NoteCreate,
    RulesPublic,
    SuricataRulePublic,
)
from secmon.detect import load_rules
from secmon.incidents import add_note, change_incident, evidence_page
from store.models import Incident, IncidentStatus, Severity
from store.query import Filter, Kind, RecordKind, SearchQuery, SortField, Term

router = APIRouter(tags=["security"])

MAX_CURSOR_CHARS = 4096
MAX_EVIDENCE = 200
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS, description="from `next_cursor`")]
Size = Annotated[int, Query(ge=1, le=200)]
Port = Annotated[int, Field(ge=0, le=65535)]
HttpStatus = Annotated[int, Field(ge=100, le=599)]


def incident_public(source: dict[str, Any]) -> IncidentPublic:
    return IncidentPublic.model_validate(source)


@router.get("/incidents", response_model=IncidentPage, summary="List incidents, newest activity first")
def list_incidents(
    key: SecurityKey,
    store: StoreDep,
    status: Annotated[list[IncidentStatus] | None, Query()] = None,
    severity: Annotated[list[Severity] | None, Query()] = None,
    asset: Annotated[list[str] | None, Query(description="asset name(s) from vigil.toml")] = None,
    rule: Annotated[list[str] | None, Query(description="detection rule id(s)")] = None,
    source_ip: Annotated[str | None, Query(description="an IP or CIDR network")] = None,
    source_domain: Annotated[
        str | None, Query(max_length=255, description="an attacker known only by its host name")
    ] = None,
    assignee: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[
        str | None, Query(description="last activity at or after (date or ISO datetime)")
    ] = None,
    until: Annotated[str | None, Query(description="last activity at or before")] = None,
    size: Size = 50,
    cursor: Cursor = None,
) -> IncidentPage:
    filters: list[Filter] = [
        *terms("status", [s.value for s in status or []]),
        *terms("severity", [s.value for s in severity or []]),
        *terms("asset", asset),
        *terms("rule_id", rule),
        *ip_filter("source_ip", source_ip),
        *terms("source_domain", [source_domain] if source_domain else None),
        *terms("assignee", [assignee] if assignee else None),
        *time_range("last_seen", since, until),
    ]
    page = store.search(
        Kind.incidents,
        SearchQuery(filters=tuple(filters), sort=(SortField("last_seen"),), size=size, cursor=cursor or None),
    )
    return IncidentPage(
        total=page.total,
        items=[incident_public({**hit.source, "id": hit.id}) for hit in page.hits],
        next_cursor=page.next_cursor,
    )


def _load_incident(store: StoreDep, incident_id: str) -> Incident:
    incident = store.get_incident(incident_id)
    if incident is None:
        raise HTTPException(404, f"no incident with id {incident_id!r}")
    return incident


@router.get("/incidents/{incident_id}", response_model=IncidentDetail, summary="One incident and its events")
def get_incident(key: SecurityKey, store: StoreDep, incident_id: str) -> IncidentDetail:
    incident = _load_incident(store, incident_id)
    events = []
    for event_id in incident.event_ids[-MAX_EVIDENCE:]:
        event = store.get_event(event_id)
        if event is not None:
            events.append(EventPublic(id=event.id, timestamp=event.timestamp, doc=event.to_document()))
    return IncidentDetail.model_validate({**incident.model_dump(mode="json"), "events": events})


@router.get(
    "/incidents/{incident_id}/events",
    response_model=IncidentEventPage,
    summary="Every event of one incident, page by page (oldest first), with the total",
)
def incident_events(
    key: SecurityKey,
    store: StoreDep,
    incident_id: str,
    offset: Annotated[int, Query(ge=0, description="events to skip (next_offset of the previous page)")] = 0,
    size: Annotated[int, Query(ge=1, le=500)] = 100,
) -> IncidentEventPage:
    incident = _load_incident(store, incident_id)
    ids, total = evidence_page(store, incident, offset, size)
    found: dict[str, EventPublic] = {}
    if ids:
        page = store.search(Kind.events, SearchQuery(filters=(Term("id", tuple(ids)),), size=len(ids)))
        for hit in page.hits:
            found[hit.id] = EventPublic(id=hit.id, timestamp=hit.source.get("@timestamp"), doc=hit.source)  # type: ignore[arg-type]
    following = offset + len(ids)
    return IncidentEventPage(
        total=total,
        offset=offset,
        items=[found[event_id] for event_id in ids if event_id in found],
        next_offset=following if following < total else None,
    )


@router.patch("/incidents/{incident_id}", response_model=IncidentPublic, summary="Triage: status, assignee")
def update_incident(
    key: SecurityKey, store: StoreDep, incident_id: str, body: IncidentUpdate
) -> IncidentPublic:
    if body.status is None and "assignee" not in body.model_fields_set:
        raise BadParameter("status", "give a status and/or an assignee to change", "body")
    _load_incident(store, incident_id)
    incident = change_incident(
        store,
        incident_id,
        actor=f"{key.name} (key {key.id})",
        status=body.status,
        assignee=body.assignee if "assignee" in body.model_fields_set else None,
    )
    return incident_public(incident.model_dump(mode="json"))


@router.post(
    "/incidents/{incident_id}/notes", response_model=IncidentPublic, status_code=201, summary="Add a note"
)
def add_incident_note(
    key: SecurityKey, store: StoreDep, incident_id: str, body: NoteCreate
) -> IncidentPublic:
    _load_incident(store, incident_id)
    incident = add_note(store, incident_id, actor=f"{key.name} (key {key.id})", text=body.text)
    return incident_public(incident.model_dump(mode="json"))


@router.get("/events", response_model=EventPage, summary="Search security events (ECS)")
def search_events(
    key: SecurityKey,
    store: StoreDep,
    q: Annotated[
        str | None,
        Query(
            max_length=500,
            description=(
                "words in the message or the rule name (event.original, the raw line, is kept but "
                "not searched, as ECS defines it)"
            ),
        ),
    ] = None,
    event_kind: Annotated[list[str] | None, Query(alias="event.kind")] = None,
    event_dataset: Annotated[list[str] | None, Query(alias="event.dataset")] = None,
    event_category: Annotated[list[str] | None, Query(alias="event.category")] = None,
    event_outcome: Annotated[list[str] | None, Query(alias="event.outcome")] = None,
    source_ip: Annotated[str | None, Query(alias="source.ip", description="IP or CIDR")] = None,
    destination_ip: Annotated[str | None, Query(alias="destination.ip", description="IP or CIDR")] = None,
    destination_port: Annotated[list[Port] | None, Query(alias="destination.port")] = None,
    user_name: Annotated[list[str] | None, Query(alias="user.name")] = None,
    host_name: Annotated[list[str] | None, Query(alias="host.name")] = None,
    rule_name: Annotated[list[str] | None, Query(alias="rule.name")] = None,
    url_path: Annotated[list[str] | None, Query(alias="url.path")] = None,
    status_code: Annotated[list[HttpStatus] | None, Query(alias="http.response.status_code")] = None,
    since: str | None = None,
    until: str | None = None,
    size: Size = 50,
    cursor: Cursor = None,
) -> EventPage:
    parsed = parse_user_query(q)
    filters: list[Filter] = [
        *terms("event.kind", event_kind),
        *terms("event.dataset", event_dataset),
        *terms("event.category", event_category),
        *terms("event.outcome", event_outcome),
        *ip_filter("source.ip", source_ip),
        *ip_filter("destination.ip", destination_ip),
        *terms("user.name", user_name),
        *terms("host.name", host_name),
        *terms("rule.name", rule_name),
        *terms("url.path", url_path),
        *time_range("@timestamp", since, until),
    ]
    if destination_port:
        filters.append(Term("destination.port", tuple(destination_port)))
    if status_code:
        filters.append(Term("http.response.status_code", tuple(status_code)))
    page = store.search(
        Kind.events,
        SearchQuery(
            text=parsed.to_text(),
            filters=tuple(filters),
            sort=(SortField("@timestamp"),),
            size=size,
            cursor=cursor or None,
        ),
    )
    items = []
    for hit in page.hits:
        doc = hit.source
        items.append(EventPublic(id=hit.id, timestamp=doc.get("@timestamp"), doc=doc))  # type: ignore[arg-type]
    return EventPage(total=page.total, items=items, next_cursor=page.next_cursor)


@router.get("/rules", response_model=RulesPublic, summary="Detection rules and Suricata rule metadata")
def list_rules(
    key: SecurityKey,
    store: StoreDep,
    settings: SettingsDep,
    suricata_limit: Annotated[int, Query(ge=0, le=5000, description="Suricata rules to list (by id)")] = 200,
) -> RulesPublic:
    detection = [
        DetectionRulePublic(
            id=str(rule.id),
            title=str(getattr(rule, "title", "")),
            level=str(getattr(rule, "level", "") or ""),
            description=str(getattr(rule, "description", "") or ""),
            tags=[str(t) for t in getattr(rule, "tags", []) or []],
        )
        for rule in load_rules(settings.secmon.rules_dir)
    ]
    suricata = []
    for record in store.list_records(RecordKind.rules, limit=suricata_limit) if suricata_limit else []:
        sid = record.get("sid", record.get("id", ""))
        suricata.append(SuricataRulePublic(sid=str(sid), msg=str(record.get("msg", "")), details=record))
    return RulesPublic(detection=detection, suricata=suricata)
