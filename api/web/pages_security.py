"""The security team's triage pages: incidents with filters, one incident with its events as a
timeline, and the assign / status / note forms (audited under the signed-in person's name)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.querying import terms
from api.web.deps import CheckedForm, SecurityUser
from api.web.press_query import day_filter
from api.web.render import SEVERITY_VI, STATUS_VI, page
from core.errors import VigilError
from secmon.detect import load_rules
from secmon.incidents import TRANSITIONS, add_note, change_incident
from store.models import Incident, IncidentStatus
from store.protocol import Store
from store.query import Filter, Kind, SearchQuery, SortField

router = APIRouter(include_in_schema=False)
MAX_EVENTS = 200


@router.get("/security")
async def incidents_page(request: Request, session: SecurityUser) -> Response:
    params = request.query_params
    status = [s for s in params.getlist("status") if s in STATUS_VI]
    severity = [s for s in params.getlist("severity") if s in SEVERITY_VI]
    assignee = params.get("assignee", "").strip()[:200]
    since, until = params.get("since", "").strip(), params.get("until", "").strip()
    filters: list[Filter] = [*terms("status", status), *terms("severity", severity)]
    if assignee:
        filters.extend(terms("assignee", [assignee]))
    days, errors = day_filter("last_seen", since, until)
    filters.extend(days)
    store: Store = request.app.state.store
    items: list[dict[str, Any]] = []
    total = 0
    if not errors:
        found = await run_in_threadpool(
            store.search,
            Kind.incidents,
            SearchQuery(filters=tuple(filters), sort=(SortField("last_seen"),), size=100),
        )
        items = [{**hit.source, "id": hit.id} for hit in found.hits]
        total = found.total
    return page(
        request,
        "incidents.html",
        {
            "session": session,
            "nav": "security",
            "items": items,
            "total": total,
            "errors": errors,
            "chosen": {
                "status": status,
                "severity": severity,
                "assignee": assignee,
                "since": since,
                "until": until,
            },
        },
        status_code=422 if errors else 200,
    )


def _rule_of(request: Request, rule_id: str) -> Any:
    rules = {str(rule.id): rule for rule in load_rules(request.app.state.settings.secmon.rules_dir)}
    return rules.get(rule_id)


_REASON = re.compile(r"^rule (\w+) × asset (\w+) → (\w+)$")
_REASON_NO_ASSET = re.compile(r"^rule (\w+) → (\w+) \(no asset criticality applies\)$")


def severity_reason(incident: Incident, rule: Any) -> str:
    """Why the incident has its severity: the rule's level, weighed by the asset's criticality when the
    detector recorded that (entities["severity.reason"]), then what the rule detects."""
    level = SEVERITY_VI.get(incident.severity.value, incident.severity.value)
    rule_level = str(getattr(rule, "level", "") or "")
    title = str(getattr(rule, "title", "") or incident.rule_title or incident.rule_id)
    recorded = (incident.entities.get("severity.reason") or [""])[-1]
    weighed = _REASON.match(recorded)
    if weighed:
        by_rule, criticality, _ = weighed.groups()
        head = (
            f"Mức {level}: quy tắc “{title}” ở mức {SEVERITY_VI.get(by_rule, by_rule)}, nâng/hạ theo độ quan "
            f"trọng của hệ thống bị nhắm ({SEVERITY_VI.get(criticality, criticality)})"
        )
    elif plain := _REASON_NO_ASSET.match(recorded):
        by_rule = plain.group(1)
        head = (
            f"Mức {level}: theo mức của quy tắc “{title}” ({SEVERITY_VI.get(by_rule, by_rule)}); "
            "hệ thống bị nhắm không có mức quan trọng riêng"
        )
    elif recorded:
        head = f"Mức {level}: {recorded}"
    else:
        head = f"Mức {level}: theo mức của quy tắc “{title}”" + (
            f" ({SEVERITY_VI.get(rule_level, rule_level)})" if rule_level else ""
        )
    description = str(getattr(rule, "description", "") or "").strip().rstrip(".")
    return f"{head}. {description + '. ' if description else ''}{incident.event_count} sự kiện."


@router.get("/security/incident/{incident_id}")
async def incident_page(
    request: Request, session: SecurityUser, incident_id: str, error: str = ""
) -> Response:
    store: Store = request.app.state.store

    def load() -> tuple[Incident | None, list[dict[str, Any]]]:
        incident = store.get_incident(incident_id)
        if incident is None:
            return None, []
        events = []
        for event_id in incident.event_ids[-MAX_EVENTS:]:
            event = store.get_event(event_id)
            if event is not None:
                events.append({"id": event.id, "timestamp": event.timestamp, "doc": event.to_document()})
        return incident, sorted(events, key=lambda e: e["timestamp"])

    incident, events = await run_in_threadpool(load)
    if incident is None:
        return page(
            request,
            "error.html",
            {
                "session": session,
                "heading": "Không tìm thấy sự cố",
                "message": f"Không có sự cố mã {incident_id}.",
            },
            status_code=404,
        )
    rule = await run_in_threadpool(_rule_of, request, incident.rule_id)
    return page(
        request,
        "incident.html",
        {
            "session": session,
            "nav": "security",
            "incident": incident,
            "events": events,
            "reason": severity_reason(incident, rule),
            "statuses": [s.value for s in IncidentStatus],
            "error": error[:300],
        },
    )


@router.post("/security/incident/{incident_id}")
async def triage(request: Request, session: SecurityUser, form: CheckedForm, incident_id: str) -> Response:
    """One form for status and assignee, one for a note; the audit trail names the person."""
    store: Store = request.app.state.store
    actor = session.user.label
    target = f"/security/incident/{incident_id}"
    message = ""
    if form.get("action") == "note":
        note = form.get("note", "").strip()[:5000]
        if not note:
            message = "Ghi chú cần có nội dung."
        else:
            await run_in_threadpool(lambda: add_note(store, incident_id, actor=actor, text=note))
    else:
        status = form.get("status") or None
        current = await run_in_threadpool(store.get_incident, incident_id)
        if current is None:
            message = f"Không có sự cố mã {incident_id}."
        elif status is not None and status not in STATUS_VI:
            message = "Trạng thái không hợp lệ."
        elif (
            status is not None
            and status != current.status.value
            and IncidentStatus(status) not in TRANSITIONS[current.status]
        ):
            allowed = ", ".join(
                v for k, v in STATUS_VI.items() if IncidentStatus(k) in TRANSITIONS[current.status]
            )
            message = (
                f"Không thay đổi được: sự cố đang ở trạng thái “{STATUS_VI[current.status.value]}”, "
                f"chỉ có thể chuyển sang: {allowed}."
            )
        else:
            try:
                await run_in_threadpool(
                    lambda: change_incident(
                        store,
                        incident_id,
                        actor=actor,
                        status=status,
                        assignee=form.get("assignee", "").strip()[:200],
                    )
                )
            except VigilError as exc:  # changed by someone else meanwhile (conflict, transition)
                message = f"Không thay đổi được: {exc}. Hãy tải lại trang."
    if message:
        return RedirectResponse(f"{target}?error={quote(message)}", status_code=303)
    return RedirectResponse(target, status_code=303)
