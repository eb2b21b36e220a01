"""Operations: liveness (no key), readiness and Prometheus metrics.

`/metrics` needs a **security** (or admin) key: it exposes incident counts by severity, which are
security information; give the Prometheus scraper its own security key (sent as `X-API-Key`
through the scrape config's `http_headers`).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.deps import AnyKey, SecurityKey, SettingsDep, StoreDep
from api.schemas import HealthPublic, ReadyPublic
from core import __version__
from core.workers import WorkerBoard, board_path
from store.errors import StoreError

router = APIRouter(tags=["ops"])


@router.get("/health", response_model=HealthPublic, summary="Liveness (no key needed)")
def health() -> HealthPublic:
    return HealthPublic(status="ok", version=__version__)


@router.get(
    "/ready",
    response_model=ReadyPublic,
    responses={503: {"description": "the store does not answer, or a worker of `vigil run` is down"}},
    summary="Readiness: the store answers and every background worker (crawl, logs, notifier) works",
)
def ready(key: AnyKey, store: StoreDep, settings: SettingsDep) -> ReadyPublic:
    try:
        reachable = store.ping()
        documents = store.stats() if reachable else {}
    except StoreError:
        reachable, documents = False, {}
    if not reachable:
        raise HTTPException(503, f"the {settings.store.backend} store does not answer")
    problems = WorkerBoard(board_path(settings.data_dir)).problems()
    if problems:
        raise HTTPException(503, "not ready: " + "; ".join(problems))
    return ReadyPublic(status="ready", backend=settings.store.backend, documents=documents)


@router.get(
    "/metrics",
    response_class=Response,
    response_model=None,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"}},
    summary="Prometheus metrics (security or admin key)",
)
def metrics(key: SecurityKey, request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
