"""Dependencies shared by the routes, declared once as `Annotated` aliases.

The ONE role check is `RoleChecker`: `PressKey`, `SecurityKey`, `AdminKey` and `AnyKey` are it with
different allowed roles (admin always passes). A missing or unknown key is 401; a valid key whose
role may not use the route is 403; a key over its rate limit is 429.
"""

from __future__ import annotations

import hashlib
import time
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader
from starlette.concurrency import run_in_threadpool

from api.auth import ApiKey, Role, authenticate
from api.ratelimit import FailedAuth, RateLimiter
from core.config import Settings
from store.protocol import Store

API_KEY_HEADER = "X-API-Key"
_AUTH_CACHE_SECONDS = 5.0

api_key_header = APIKeyHeader(
    name=API_KEY_HEADER, auto_error=False, description="An API key made with `vigil keys create`."
)


# The dependencies are `async def` although they do not await (except on a key-cache miss): FastAPI
# runs a plain `def` dependency in its thread pool, one thread hand-off per dependency per request,
# which cost more than these few microseconds of work. Blocking work stays in the thread pool.


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]


class KeyCache:
    """Recently verified keys (by hash of the raw key), so each request does not hit the store.

    Revocation through the API clears the cache at once; a key revoked from the CLI stops working
    within `_AUTH_CACHE_SECONDS`.
    """

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, ApiKey]] = {}

    def get(self, raw: str) -> ApiKey | None:
        entry = self._entries.get(raw)
        if entry is None or time.monotonic() - entry[0] > _AUTH_CACHE_SECONDS:
            return None
        return entry[1]

    def put(self, raw: str, key: ApiKey) -> None:
        if len(self._entries) > 10_000:
            self._entries.clear()
        self._entries[raw] = (time.monotonic(), key)

    def clear(self) -> None:
        self._entries.clear()


async def get_current_key(
    request: Request, store: StoreDep, raw: Annotated[str | None, Security(api_key_header)]
) -> ApiKey:
    """The caller's key (401 when missing or unknown), after its rate limit (429).

    Failed attempts are limited per client address (429 once `api.failed_auth_per_minute` are used,
    before any look-up), and an unknown key is remembered for a minute: guessing costs no store read.
    """
    failures: FailedAuth = request.app.state.failed_auth
    address = request.client.host if request.client else "?"
    cache: KeyCache = request.app.state.key_cache
    key = cache.get(raw) if raw else None
    if key is None:
        wait = failures.blocked(address)
        if wait:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"too many requests without a valid API key from {address}; retry in {wait:.0f} s",
                headers={"Retry-After": f"{wait:.0f}"},
            )
    if not raw:
        failures.failed(address)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"missing API key: send it in the {API_KEY_HEADER} header (create one with `vigil keys create`)",
            headers={"WWW-Authenticate": "APIKey"},
        )
    if key is None:
        digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
        if not failures.known_unknown(digest):
            key = await run_in_threadpool(authenticate, store, raw)  # a store read
        if key is None:
            failures.failed(address)
            failures.remember_unknown(digest)
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "unknown or revoked API key",
                headers={"WWW-Authenticate": "APIKey"},
            )
        cache.put(raw, key)
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.check(key.id)
    if wait:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"rate limit exceeded for key {key.id}; retry in {wait:.0f} s",
            headers={"Retry-After": f"{wait:.0f}"},
        )
    request.state.api_key = key
    return key


CurrentKey = Annotated[ApiKey, Depends(get_current_key)]


class RoleChecker:
    """The role check: lets `roles` (and admin) through, 403 for the others."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset((*roles, Role.admin))

    async def __call__(self, key: CurrentKey) -> ApiKey:
        if key.role not in self.roles:
            allowed = ", ".join(sorted(self.roles))
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"a {key.role} key may not use this route (allowed: {allowed})"
            )
        return key


PressKey = Annotated[ApiKey, Depends(RoleChecker(Role.press))]
SecurityKey = Annotated[ApiKey, Depends(RoleChecker(Role.security))]
AdminKey = Annotated[ApiKey, Depends(RoleChecker())]
AnyKey = Annotated[ApiKey, Depends(RoleChecker(Role.press, Role.security))]
