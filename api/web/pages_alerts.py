"""Notifications (press): the alerts (alerts/) with each reader's read/unread marks, the articles behind
each alert linked, and marking read or unread."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from alerts.engine import is_unread, list_alerts, mark_read, mark_unread, read_marks, read_prefs, save_prefs
from api.ratelimit import StreamSlots
from api.sse import poll_events
from api.web.deps import CheckedForm, PressUser
from api.web.render import page
from store.protocol import Store

router = APIRouter(include_in_schema=False)
MAX_LINKED = 20


def _overview(store: Store, user: str, only_unread: bool) -> dict[str, Any]:
    marks = read_marks(store, user)
    items = []
    for alert in list_alerts(store, user=user):
        unread = is_unread(alert, marks)
        if only_unread and not unread:
            continue
        articles = []
        for article_id in alert.get("article_ids", [])[:MAX_LINKED]:
            article = store.get_article(article_id)
            if article is not None:
                articles.append({"id": article_id, "title": article.title, "outlet": article.outlet})
        items.append({**alert, "unread": unread, "articles": articles})
    return {"items": items, "unread": sum(1 for a in items if a["unread"]), "prefs": read_prefs(store, user)}


@router.get("/thong-bao")
async def notifications_page(
    request: Request, session: PressUser, chua_doc: str = "", loi: str = ""
) -> Response:
    store: Store = request.app.state.store
    data = await run_in_threadpool(_overview, store, session.user.username, chua_doc == "1")
    return page(
        request,
        "notifications.html",
        {
            "session": session,
            "nav": "notifications",
            "only_unread": chua_doc == "1",
            "error": "Địa chỉ e-mail không hợp lệ." if loi == "email" else "",
            **data,
        },
    )


@router.post("/thong-bao")
async def mark_notifications(request: Request, session: PressUser, form: CheckedForm) -> Response:
    """action=read (id), unread (id) or read-all."""
    store: Store = request.app.state.store
    user = session.user.username
    action = form.get("action", "")
    alerts = await run_in_threadpool(list_alerts, store, 500, user)
    if action == "read-all":
        await run_in_threadpool(mark_read, store, user, alerts)
    elif action == "read":
        chosen = [a for a in alerts if a["id"] == form.get("id", "")]
        await run_in_threadpool(mark_read, store, user, chosen)
    elif action == "unread":
        await run_in_threadpool(mark_unread, store, user, [form.get("id", "")])
    elif action == "prefs":
        email = form.get("email", "").strip()[:200]
        if email and not EMAIL.match(email):
            return RedirectResponse("/thong-bao?loi=email", status_code=303)
        hours = [_hour(form.get("quiet_from", "")), _hour(form.get("quiet_to", ""))]
        quiet = hours if None not in hours else [None, None]
        await run_in_threadpool(
            save_prefs, store, user, email, form.get("email_on") == "1" and bool(email), *quiet
        )
    return RedirectResponse("/thong-bao", status_code=303)


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _hour(value: str) -> int | None:
    return int(value) if value.strip().isdigit() and 0 <= int(value) <= 23 else None


# -- live: the open notifications page hears new and updated alerts (Server-Sent Events) -------------

POLL_SECONDS = 1.0


def stored_at(alert: dict[str, Any]) -> str:
    """When the alert record was last written (older records: their `updated_at`)."""
    return str(alert.get("stored_at") or alert.get("updated_at", ""))


def alert_event(alert: dict[str, Any]) -> str:
    """One SSE message: `alert.opened` for a new alert, `alert.updated` when it grew; the id is
    `<stored_at>|<alert id>` (a reconnecting browser resumes after it)."""
    name = "alert.opened" if not alert.get("updates") else "alert.updated"
    data = {k: alert.get(k) for k in ("id", "kind", "rule_title", "title", "why", "updated_at", "updates")}
    body = json.dumps(data, ensure_ascii=False)
    return f"id: {stored_at(alert)}|{alert['id']}\nevent: {name}\ndata: {body}\n\n"


def fresh_alerts(
    store: Store, since: str, seen: set[tuple[str, str]], user: str | None = None
) -> list[dict[str, Any]]:
    """Alerts `user` may see written at or after `since` not yet sent (by id and stored_at), oldest
    first. By the time they were written, not their `updated_at`: an evaluation replayed for a past
    moment is heard live too."""
    found = [a for a in list_alerts(store, 10_000, user) if stored_at(a) >= since]
    found = [a for a in found if (a["id"], stored_at(a)) not in seen]
    return sorted(found, key=stored_at)


@router.get("/thong-bao/stream")
async def notifications_stream(
    request: Request,
    session: PressUser,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=200)] = None,
) -> Response:
    store: Store = request.app.state.store
    since = (last_event_id or "").split("|")[0] or datetime.now(UTC).isoformat()
    seen: set[tuple[str, str]] = set()
    if last_event_id and "|" in last_event_id:
        stamp, alert_id = last_event_id.split("|", 1)
        seen.add((alert_id, stamp))
    slots: StreamSlots = request.app.state.sse_slots
    refused = slots.take(f"web:{session.key}")
    if refused is not None:
        return Response(f"{refused}", status_code=429, headers={"Retry-After": "30"})

    def poll() -> list[dict[str, Any]]:
        nonlocal since
        fresh = fresh_alerts(store, since, seen, session.user.username)
        for alert in fresh:
            seen.add((alert["id"], stored_at(alert)))
            since = max(since, stored_at(alert))
        return fresh

    async def events() -> AsyncIterator[str]:
        try:
            async for chunk in poll_events(
                request, poll, alert_event, repoll_after_delivery=False, poll_seconds=POLL_SECONDS
            ):
                yield chunk
        finally:
            slots.give(f"web:{session.key}")

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
