"""Watchlists (press officers): named term lists the enrichment tags matching articles with.

Creating, changing or deleting one starts its backfill over the articles already stored
(api/backfill.py); `GET /watchlists/{id}/backfill` tells how far it is."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, Field

from api.backfill import read_progress, start_backfill
from api.deps import PressKey, StoreDep
from api.errors import BadParameter
from api.schemas import WatchlistCreate, WatchlistPublic, WatchlistUpdate
from nlp.normalize import fold, normalize
from store.query import RecordKind

router = APIRouter(prefix="/watchlists", tags=["press"])


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:60] or "watchlist"


def _clean_terms(terms: list[str]) -> list[str]:
    cleaned: list[str] = []
    for term in terms:
        value = normalize(term)
        if value and value not in cleaned:
            cleaned.append(value)
    if not cleaned:
        raise BadParameter("terms", "give at least one non-blank term", "body")
    return cleaned


def _load(store: StoreDep, watchlist_id: str) -> WatchlistPublic:
    record = store.get_record(RecordKind.watchlists, watchlist_id)
    if record is None:
        raise HTTPException(404, f"no watchlist with id {watchlist_id!r}")
    return WatchlistPublic.model_validate({**record, "id": watchlist_id})


@router.get("", response_model=list[WatchlistPublic], summary="List watchlists")
def list_watchlists(key: PressKey, store: StoreDep) -> list[WatchlistPublic]:
    records = store.list_records(RecordKind.watchlists, limit=10_000)
    return sorted((WatchlistPublic.model_validate(r) for r in records), key=lambda w: w.name)


@router.post("", response_model=WatchlistPublic, status_code=201, summary="Create a watchlist")
def create_watchlist(key: PressKey, store: StoreDep, body: WatchlistCreate) -> WatchlistPublic:
    name = normalize(body.name)
    if not name:
        raise BadParameter("name", "must not be blank", "body")
    watchlist_id = _slug(name)
    if store.get_record(RecordKind.watchlists, watchlist_id) is not None:
        raise HTTPException(409, f"a watchlist with id {watchlist_id!r} exists; choose another name")
    watchlist = WatchlistPublic(id=watchlist_id, name=name, terms=_clean_terms(body.terms))
    store.put_records(RecordKind.watchlists, {watchlist_id: watchlist.model_dump()})
    start_backfill(store, watchlist_id)
    return watchlist


class BackfillProgress(BaseModel):
    """How far applying a watchlist to the stored articles has got."""

    watchlist: str
    state: Literal["running", "done", "failed"]
    candidates: int = Field(description="stored articles that may match (found by the terms, or tagged)")
    checked: int
    matched: int = Field(description="articles tagged with the watchlist among the candidates")
    changed: int = Field(description="articles re-indexed because their tags changed")
    started_at: datetime
    finished_at: datetime | None = None
    error: str | None = None


@router.get("/{watchlist_id}/backfill", response_model=BackfillProgress, summary="Backfill progress")
def watchlist_backfill(key: PressKey, store: StoreDep, watchlist_id: str) -> BackfillProgress:
    progress = read_progress(store, watchlist_id)
    if progress is None:
        raise HTTPException(404, f"no backfill of watchlist {watchlist_id!r} has run")
    return BackfillProgress.model_validate(progress)


@router.get("/{watchlist_id}", response_model=WatchlistPublic, summary="One watchlist")
def get_watchlist(key: PressKey, store: StoreDep, watchlist_id: str) -> WatchlistPublic:
    return _load(store, watchlist_id)


@router.patch("/{watchlist_id}", response_model=WatchlistPublic, summary="Rename or change terms")
def update_watchlist(
    key: PressKey, store: StoreDep, watchlist_id: str, body: WatchlistUpdate
) -> WatchlistPublic:
    watchlist = _load(store, watchlist_id)
    if body.name is not None:
        if not normalize(body.name):
            raise BadParameter("name", "must not be blank", "body")
        watchlist.name = normalize(body.name)
    if body.terms is not None:
        watchlist.terms = _clean_terms(body.terms)
    store.put_records(RecordKind.watchlists, {watchlist_id: watchlist.model_dump()})
    if body.terms is not None:
        start_backfill(store, watchlist_id)
    return watchlist


@router.delete("/{watchlist_id}", status_code=204, response_class=Response, summary="Delete a watchlist")
def delete_watchlist(key: PressKey, store: StoreDep, watchlist_id: str) -> Response:
    if not store.delete_record(RecordKind.watchlists, watchlist_id):
        raise HTTPException(404, f"no watchlist with id {watchlist_id!r}")
    start_backfill(store, watchlist_id)  # untags the articles that carried it
    return Response(status_code=204)
