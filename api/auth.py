"""API keys: high-entropy random keys, stored only as their SHA-256, looked up by a public prefix id.

A key reads `vgl_<id>_<secret>`: `<id>` (10 hex chars) names the store record (RecordKind.api_keys),
`<secret>` carries 256 bits of randomness. Only `sha256(key)` is stored, so a leaked store does not
leak usable keys; a fast hash is enough because the key is random, not a password.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from store.protocol import Store
from store.query import RecordKind

KEY_PREFIX = "vgl"
_KEY_RE = re.compile(r"^vgl_([0-9a-f]{10})_([A-Za-z0-9_-]{20,})$")


class Role(StrEnum):
    """What a key may see: press officers, the security team, or administrators (everything + keys)."""

    press = "press"
    security = "security"
    admin = "admin"


class ApiKey(BaseModel):
    """A stored key record (never holds the key itself)."""

    id: str
    name: str
    role: Role
    key_hash: str
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_key(store: Store, *, name: str, role: Role) -> tuple[ApiKey, str]:
    """Make and store a new key; returns the record and the raw key (shown once, never stored)."""
    key_id = secrets.token_hex(5)
    raw = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    record = ApiKey(id=key_id, name=name, role=role, key_hash=hash_key(raw))
    store.put_records(RecordKind.api_keys, {key_id: record.model_dump(mode="json")})
    return record, raw


def authenticate(store: Store, raw: str) -> ApiKey | None:
    """The key's record when `raw` is a valid, unrevoked key; None otherwise (constant-time compare)."""
    match = _KEY_RE.match(raw.strip())
    if match is None:
        return None
    stored = store.get_record(RecordKind.api_keys, match.group(1))
    if stored is None:
        return None
    record = ApiKey.model_validate(stored)
    if not hmac.compare_digest(record.key_hash, hash_key(raw.strip())):
        return None
    return record


def list_keys(store: Store) -> list[ApiKey]:
    records = [ApiKey.model_validate(r) for r in store.list_records(RecordKind.api_keys, limit=10_000)]
    return sorted(records, key=lambda r: r.created_at)


def revoke_key(store: Store, key_id: str) -> bool:
    """Delete the key record: the key stops working at its next request."""
    return store.delete_record(RecordKind.api_keys, key_id)
