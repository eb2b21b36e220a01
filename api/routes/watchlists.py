"""Watchlists (press officers): named lists of terms and gazetteer entities the enrichment tags matching
articles with; shared by the office or private to one person (its owner).

Creating, changing or deleting one starts its backfill over the articles already stored
(api/backfill.py); `GET /watchlists/{id}/backfill` tells how far it is.

Keys act for the office: `GET /watchlists` lists the shared ones, and with `?owner=<user>` that person's
private ones too (what the person sees in the web app); any watchlist is read or changed by its id."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, Field

from api.backfill import read_progress, start_backfill
from api.deps import PressKey, StoreDep
from api.errors import BadParameter
from api.schemas import WatchlistCreate, WatchlistPublic, WatchlistUpdate
from api.web.users import get_user
from nlp.entities import resolve_entity
from nlp.normalize import fold, normalize
from store.protocol import Store
from store.query import RecordKind

router = APIRouter(prefix="/watchlists", tags=["press"])


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:60] or "watchlist"


def watchlist_id(name: str, owner: str | None) -> str:
    """The id of a watchlist: its name's slug, `<slug>~<owner>` when private (two people may each
    keep a private list of the same name; `~` never occurs in a slug)."""
    return _slug(name) + (f"~{owner}" if owner else "")


def visible_to(record: dict[str, Any], user: str | None) -> bool:
    """Shared watchlists are everyone's; a private one only its owner's."""
    return record.get("visibility", "shared") != "private" or (
        user is not None and record.get("owner") == user
    )


def visible_watchlists(store: Store, user: str | None) -> list[dict[str, Any]]:
    records = store.list_records(RecordKind.watchlists, limit=10_000)
    return sorted((r for r in records if visible_to(r, user)), key=lambda r: str(r["name"]))


def _clean_terms(terms: list[str]) -> list[str]:
    cleaned: list[str] = []
    for term in terms:
        value = normalize(term)
        if value and value not in cleaned:
            cleaned.append(value)
    return cleaned


class UnknownEntity(BadParameter):
    def __init__(self, entry: str) -> None:
        super().__init__(
            "entities",
            f"{entry!r} is not an entity or alias of the gazetteer (GET /gazetteer lists them); "
            "put it under terms to match it as written",
            "body",
        )
        self.entry = entry


def clean_entities(entities: list[str]) -> list[str]:
    """Each entry resolved to its canonical gazetteer entity; BadParameter naming the first unknown one."""
    cleaned: list[str] = []
    for entry in entities:
        if not normalize(entry):
            continue
        found = resolve_entity(entry)
        if found is None:
            raise UnknownEntity(normalize(entry))
        if found[0] not in cleaned:
            cleaned.append(found[0])
    return cleaned


def require_some(terms: list[str], entities: list[str]) -> None:
    if not terms and not entities:
        raise BadParameter("terms", "give at least one non-blank term or gazetteer entity", "body")


def _owner(store: Store, owner: str | None, visibility: str) -> str | None:
    """The owner given, checked: an existing user account, required for a private watchlist."""
    owner = owner.strip().lower() if owner else None
    if visibility == "private" and not owner:
        raise BadParameter("owner", "a private watchlist needs its owner (a user account)", "body")
    if owner and get_user(store, owner) is None:
        raise BadParameter("owner", f"no user account {owner!r} (vigil users create makes one)", "body")
    return owner


def _load(store: StoreDep, watchlist_id: str) -> WatchlistPublic:
    record = store.get_record(RecordKind.watchlists, watchlist_id)
    if record is None:
        raise HTTPException(404, f"no watchlist with id {watchlist_id!r}")
    return WatchlistPublic.model_validate({**record, "id": watchlist_id})


@router.get("", response_model=list[WatchlistPublic], summary="List watchlists")
def list_watchlists(key: PressKey, store: StoreDep, owner: str | None = None) -> list[WatchlistPublic]:
    """The shared watchlists, and `owner`'s private ones when given."""
    return [WatchlistPublic.model_validate(r) for r in visible_watchlists(store, owner)]


@router.post("", response_model=WatchlistPublic, status_code=201, summary="Create a watchlist")
def create_watchlist(key: PressKey, store: StoreDep, body: WatchlistCreate) -> WatchlistPublic:
    name = normalize(body.name)
    if not name:
        raise BadParameter("name", "must not be blank", "body")
    owner = _owner(store, body.owner, body.visibility)
    terms, entities = _clean_terms(body.terms), clean_entities(body.entities)
    require_some(terms, entities)
    private = body.visibility == "private"
    new_id = watchlist_id(name, owner if private else None)
    if store.get_record(RecordKind.watchlists, new_id) is not None:
        raise HTTPException(409, f"a watchlist with id {new_id!r} exists; choose another name")
    watchlist = WatchlistPublic(
        id=new_id, name=name, terms=terms, entities=entities, visibility=body.visibility, owner=owner
    )
    store.put_records(RecordKind.watchlists, {new_id: watchlist.model_dump()})
    start_backfill(store, new_id)
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


@router.patch(
    "/{watchlist_id}",
    response_model=WatchlistPublic,
    summary="Rename, change terms/entities, share or make private",
)
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
    if body.entities is not None:
        watchlist.entities = clean_entities(body.entities)
    if body.visibility is not None or body.owner is not None:
        visibility = body.visibility or watchlist.visibility
        watchlist.owner = _owner(store, body.owner or watchlist.owner, visibility)
        watchlist.visibility = visibility
    require_some(watchlist.terms, watchlist.entities)
    store.put_records(RecordKind.watchlists, {watchlist_id: watchlist.model_dump()})
    if body.terms is not None or body.entities is not None:
        start_backfill(store, watchlist_id)
    return watchlist


@router.delete("/{watchlist_id}", status_code=204, response_class=Response, summary="Delete a watchlist")
def delete_watchlist(key: PressKey, store: StoreDep, watchlist_id: str) -> Response:
    if not store.delete_record(RecordKind.watchlists, watchlist_id):
        raise HTTPException(404, f"no watchlist with id {watchlist_id!r}")
    start_backfill(store, watchlist_id)  # untags the articles that carried it
    return Response(status_code=204)
