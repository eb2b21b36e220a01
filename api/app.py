"""`create_app(settings, store)`: the FastAPI service, built from settings (nothing at import time).

Tests and `vigil run` pass their own settings and an open store, which they close.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.cache import TtlCache
from api.deps import KeyCache
from api.errors import install_error_handlers
from api.metrics import ApiMetrics, MetricsMiddleware
from api.ratelimit import FailedAuth, RateLimiter, StreamSlots
from api.routes import alerts, gazetteer, keys, ops, press, security, watchlists
from api.schemas import Message
from api.sse import router as sse_router
from api.web.install import install_web
from core import __version__
from core.config import Settings
from nlp.entities import gazetteer_path, use_gazetteer
from store.protocol import Store, Warmable

log = logging.getLogger(__name__)

_AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Message, "description": "missing or unknown API key"},
    403: {"model": Message, "description": "the key's role may not use this route"},
    429: {"model": Message, "description": "rate limit exceeded (see Retry-After)"},
}
_ITEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    **_AUTH_RESPONSES,
    404: {"model": Message, "description": "no such item"},
    409: {"model": Message, "description": "conflicting change"},
    503: {"model": Message, "description": "the store is unavailable"},
}


def _warm_in_background(store: Store) -> None:
    """Let a store that holds data in memory for searches (the embedded one) load it now, beside
    the first requests rather than inside them. A failure here only means a slower first search."""
    if not isinstance(store, Warmable):
        return

    def run() -> None:
        try:
            store.warm()
        except Exception as exc:  # the store closed under it, or is unreachable: searches will say so
            log.info("warming the store's search data failed: %s", exc)

    threading.Thread(target=run, name="vigil-warm-store", daemon=True).start()


def create_app(settings: Settings, store: Store) -> FastAPI:
    """Build the API over an open store, which the caller closes (`with open_store(settings)`)."""
    the_store = store
    edited = gazetteer_path(settings.nlp.gazetteer_file, settings.data_dir)
    if edited is not None:  # the gazetteer a crawl reads, for entity watchlists and their backfill
        use_gazetteer(edited)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _warm_in_background(the_store)
        try:
            yield
        finally:
            app.state.stopping = True

    app = FastAPI(
        title="Vigil",
        version=__version__,
        description=(
            "Press monitoring and information-security monitoring for a provincial IOC. "
            "Send an API key in the `X-API-Key` header (`vigil keys create --role press|security|admin`). "
            "Press keys: articles, outlets, watchlists. Security keys: incidents, events, rules, the alert "
            "stream and /metrics. Admin keys: everything, plus key management."
        ),
        lifespan=lifespan,
        docs_url=None,  # served by api.web from vendored assets (works offline)
        redoc_url=None,
    )
    metrics = ApiMetrics(the_store, settings)
    app.state.settings = settings
    app.state.store = the_store
    app.state.metrics = metrics
    app.state.sse_clients = metrics.sse_clients
    app.state.key_cache = KeyCache()
    app.state.rate_limiter = RateLimiter(settings.api.rate_limit_per_minute)
    app.state.failed_auth = FailedAuth(settings.api.failed_auth_per_minute)
    app.state.sse_slots = StreamSlots(settings.api.sse_max_clients, settings.api.sse_max_per_key)
    app.state.stopping = False
    app.state.stats_cache = TtlCache[bytes](settings.api.stats_cache_seconds)
    # encoded /articles pages keyed by (query, store generation): never stale, so no short TTL
    app.state.search_cache = TtlCache[bytes](ttl=3600, max_entries=1024)

    install_error_handlers(app)
    app.include_router(ops.router, responses=_ITEM_RESPONSES)
    app.include_router(press.router, responses=_ITEM_RESPONSES)
    app.include_router(watchlists.router, responses=_ITEM_RESPONSES)
    app.include_router(alerts.router, responses=_ITEM_RESPONSES)
    app.include_router(security.router, responses=_ITEM_RESPONSES)
    app.include_router(sse_router, responses=_ITEM_RESPONSES)
    app.include_router(keys.router, responses=_ITEM_RESPONSES)
    app.include_router(gazetteer.router, responses=_ITEM_RESPONSES)
    install_web(app)
    if settings.api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["X-API-Key", "Content-Type", "Last-Event-ID"],
        )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app
