"""API key management (admin only). The raw key is returned once, at creation."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response

from api.auth import create_key, list_keys, revoke_key
from api.deps import AdminKey, StoreDep
from api.schemas import KeyCreate, KeyCreated, KeyPublic

router = APIRouter(prefix="/keys", tags=["admin"])


@router.post("", response_model=KeyCreated, status_code=201, summary="Create a key (shown once)")
def create(key: AdminKey, store: StoreDep, body: KeyCreate) -> KeyCreated:
    record, raw = create_key(store, name=body.name, role=body.role)
    return KeyCreated(id=record.id, name=record.name, role=record.role, created_at=record.created_at, key=raw)


@router.get("", response_model=list[KeyPublic], summary="List keys (never the keys themselves)")
def list_all(key: AdminKey, store: StoreDep) -> list[KeyPublic]:
    return [KeyPublic(id=r.id, name=r.name, role=r.role, created_at=r.created_at) for r in list_keys(store)]


@router.delete("/{key_id}", status_code=204, response_class=Response, summary="Revoke a key")
def revoke(key: AdminKey, store: StoreDep, request: Request, key_id: str) -> Response:
    if not revoke_key(store, key_id):
        raise HTTPException(404, f"no key with id {key_id!r}")
    request.app.state.key_cache.clear()
    return Response(status_code=204)
