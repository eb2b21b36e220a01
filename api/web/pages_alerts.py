"""Notifications (press): the alerts (alerts/) with each reader's read/unread marks, the articles behind
each alert linked, and marking read or unread."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from alerts.engine import is_unread, list_alerts, mark_read, mark_unread, read_marks
from api.web.deps import CheckedForm, PressUser
from api.web.render import page
from store.protocol import Store

router = APIRouter(include_in_schema=False)
MAX_LINKED = 20


def _overview(store: Store, user: str, only_unread: bool) -> dict[str, Any]:
    marks = read_marks(store, user)
    items = []
    for alert in list_alerts(store):
        unread = is_unread(alert, marks)
        if only_unread and not unread:
            continue
        articles = []
        for article_id in alert.get("article_ids", [])[:MAX_LINKED]:
            article = store.get_article(article_id)
            if article is not None:
                articles.append({"id": article_id, "title": article.title, "outlet": article.outlet})
        items.append({**alert, "unread": unread, "articles": articles})
    return {"items": items, "unread": sum(1 for a in items if a["unread"])}


@router.get("/thong-bao")
async def notifications_page(request: Request, session: PressUser, chua_doc: str = "") -> Response:
    store: Store = request.app.state.store
    data = await run_in_threadpool(_overview, store, session.user.username, chua_doc == "1")
    return page(
        request,
        "notifications.html",
        {"session": session, "nav": "notifications", "only_unread": chua_doc == "1", **data},
    )


@router.post("/thong-bao")
async def mark_notifications(request: Request, session: PressUser, form: CheckedForm) -> Response:
    """action=read (id), unread (id) or read-all."""
    store: Store = request.app.state.store
    user = session.user.username
    action = form.get("action", "")
    alerts = await run_in_threadpool(list_alerts, store)
    if action == "read-all":
        await run_in_threadpool(mark_read, store, user, alerts)
    elif action == "read":
        chosen = [a for a in alerts if a["id"] == form.get("id", "")]
        await run_in_threadpool(mark_read, store, user, chosen)
    elif action == "unread":
        await run_in_threadpool(mark_unread, store, user, [form.get("id", "")])
    return RedirectResponse("/thong-bao", status_code=303)
