"""Watchlists in the web app (press): the shared ones and the signed-in person's private ones, each with
its matches and backfill progress; create (terms and/or gazetteer entities, shared or private), change,
delete. Every change starts the backfill over the stored articles (api/backfill.py). Another person's
private watchlist is neither shown nor changeable."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.backfill import read_progress, start_backfill
from api.errors import BadParameter
from api.routes.watchlists import (
    UnknownEntity,
    _clean_terms,
    clean_entities,
    visible_to,
    visible_watchlists,
    watchlist_id,
)
from api.web.deps import CheckedForm, PressUser
from api.web.render import page
from nlp.normalize import normalize
from store.protocol import Store
from store.query import Kind, RecordKind, SearchQuery, Term

router = APIRouter(include_in_schema=False)


def _overview(store: Store, user: str) -> list[dict[str, Any]]:
    items = []
    for record in visible_watchlists(store, user):
        wid = str(record["id"])
        matches = store.count(Kind.articles, SearchQuery(filters=(Term("watchlists", (wid,)),)))
        items.append({**record, "matches": matches, "progress": read_progress(store, wid)})
    return items


@router.get("/theo-doi")
async def watchlists_page(request: Request, session: PressUser, error: str = "") -> Response:
    store: Store = request.app.state.store
    items = await run_in_threadpool(_overview, store, session.user.username)
    return page(
        request,
        "watchlists.html",
        {"session": session, "nav": "watchlists", "items": items, "error": error[:300]},
    )


def _lines(text: str) -> list[str]:
    return [line for line in text.replace(";", "\n").splitlines() if line.strip()][:200]


def _contents(form: dict[str, str]) -> tuple[list[str], list[str]]:
    """(terms, entities) of the form; BadParameter when an entity is unknown or both are empty."""
    terms, entities = (
        _clean_terms(_lines(form.get("terms", ""))),
        clean_entities(_lines(form.get("entities", ""))),
    )
    if not terms and not entities:
        raise BadParameter("terms", "empty")
    return terms, entities


def _message(exc: BadParameter) -> str:
    if exc.parameter == "name":
        return "Cần tên danh sách."
    if isinstance(exc, UnknownEntity):
        return (
            f"“{exc.entry}” không có trong danh bạ thực thể (tên chuẩn hoặc tên gọi khác). "
            "Hãy chọn một thực thể trong danh bạ, hoặc ghi nó ở ô từ khóa để khớp đúng như đã viết."
        )
    return "Cần ít nhất một từ khóa hoặc một thực thể (mỗi dòng một mục)."


@router.post("/theo-doi")
async def change_watchlist(request: Request, session: PressUser, form: CheckedForm) -> Response:
    """action=create (name, terms, entities, visibility), update (id, terms, entities, and visibility
    when the signed-in person owns it) or delete (id)."""
    store: Store = request.app.state.store
    user = session.user.username
    action = form.get("action", "")
    message = ""
    try:
        if action == "create":
            name = normalize(form.get("name", ""))[:200]
            if not name:
                raise BadParameter("name", "empty")
            private = form.get("visibility") == "private"
            terms, entities = _contents(form)
            wid = watchlist_id(name, user if private else None)
            if await run_in_threadpool(store.get_record, RecordKind.watchlists, wid) is not None:
                message = f"Đã có danh sách “{name}”; hãy đặt tên khác."
            else:
                record = {
                    "id": wid,
                    "name": name,
                    "terms": terms,
                    "entities": entities,
                    "visibility": "private" if private else "shared",
                    "owner": user,
                }
                await run_in_threadpool(store.put_records, RecordKind.watchlists, {wid: record})
                start_backfill(store, wid)
        elif action in ("update", "delete"):
            wid = form.get("id", "")
            stored = await run_in_threadpool(store.get_record, RecordKind.watchlists, wid)
            if stored is None or not visible_to(stored, user):
                message = "Không có danh sách này (có thể vừa bị xóa)."
            elif action == "update":
                terms, entities = _contents(form)
                changed = {**stored, "terms": terms, "entities": entities}
                if form.get("visibility") in ("shared", "private") and stored.get("owner") == user:
                    changed["visibility"] = form["visibility"]  # only its owner shares it or takes it back
                await run_in_threadpool(store.put_records, RecordKind.watchlists, {wid: changed})
                start_backfill(store, wid)
            else:
                await run_in_threadpool(store.delete_record, RecordKind.watchlists, wid)
                start_backfill(store, wid)
    except BadParameter as exc:
        message = _message(exc)
    target = "/theo-doi" + (f"?error={quote(message)}" if message else "")
    return RedirectResponse(target, status_code=303)
