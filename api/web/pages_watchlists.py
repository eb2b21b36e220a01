"""Watchlists in the web app (press): list with each one's matches and backfill progress, create, change
terms, delete. Every change starts the backfill over the stored articles (api/backfill.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.backfill import read_progress, start_backfill
from api.errors import BadParameter
from api.routes.watchlists import _clean_terms, _slug
from api.web.deps import CheckedForm, PressUser
from api.web.render import page
from nlp.normalize import normalize
from store.protocol import Store
from store.query import Kind, RecordKind, SearchQuery, Term

router = APIRouter(include_in_schema=False)


def _overview(store: Store) -> list[dict[str, Any]]:
    items = []
    for record in sorted(store.list_records(RecordKind.watchlists, limit=10_000), key=lambda r: r["name"]):
        wid = str(record["id"])
        matches = store.count(Kind.articles, SearchQuery(filters=(Term("watchlists", (wid,)),)))
        items.append({**record, "matches": matches, "progress": read_progress(store, wid)})
    return items


@router.get("/theo-doi")
async def watchlists_page(request: Request, session: PressUser, error: str = "") -> Response:
    store: Store = request.app.state.store
    items = await run_in_threadpool(_overview, store)
    return page(
        request,
        "watchlists.html",
        {"session": session, "nav": "watchlists", "items": items, "error": error[:300]},
    )


def _terms(text: str) -> list[str]:
    return _clean_terms([line for line in text.replace(";", "\n").splitlines() if line.strip()][:200])


@router.post("/theo-doi")
async def change_watchlist(request: Request, session: PressUser, form: CheckedForm) -> Response:
    """action=create (name, terms), update (id, terms) or delete (id)."""
    store: Store = request.app.state.store
    action = form.get("action", "")
    message = ""
    try:
        if action == "create":
            name = normalize(form.get("name", ""))[:200]
            if not name:
                raise BadParameter("name", "empty")
            wid = _slug(name)
            if await run_in_threadpool(store.get_record, RecordKind.watchlists, wid) is not None:
                message = f"Đã có danh sách “{name}”; hãy đặt tên khác."
            else:
                record = {"id": wid, "name": name, "terms": _terms(form.get("terms", ""))}
                await run_in_threadpool(store.put_records, RecordKind.watchlists, {wid: record})
                start_backfill(store, wid)
        elif action in ("update", "delete"):
            wid = form.get("id", "")
            stored = await run_in_threadpool(store.get_record, RecordKind.watchlists, wid)
            if stored is None:
                message = "Không có danh sách này (có thể vừa bị xóa)."
            elif action == "update":
                changed = {**stored, "terms": _terms(form.get("terms", ""))}
                await run_in_threadpool(store.put_records, RecordKind.watchlists, {wid: changed})
                start_backfill(store, wid)
            else:
                await run_in_threadpool(store.delete_record, RecordKind.watchlists, wid)
                start_backfill(store, wid)
    except BadParameter as exc:
        message = (
            "Cần tên danh sách."
            if exc.parameter == "name"
            else "Cần ít nhất một từ khóa (mỗi dòng một từ khóa)."
        )
    target = "/theo-doi" + (f"?error={quote(message)}" if message else "")
    return RedirectResponse(target, status_code=303)
