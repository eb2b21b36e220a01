"""Press alerts (alerts/): the list, and running the rules now (the main job runs them after each crawl).

`POST /alerts/evaluate?at=` runs them as of `at` (default: now), e.g. to replay a past day."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from alerts.email import deliver
from alerts.engine import evaluate, list_alerts
from api.deps import PressKey, SettingsDep, StoreDep
from api.errors import BadParameter

router = APIRouter(prefix="/alerts", tags=["press"])


class AlertPublic(BaseModel):
    """One press alert: deduplicated by `key`, updated as it grows."""

    id: str
    key: str = Field(description="deduplication key: one alert per key")
    kind: str = Field(description="watchlist_match, negative_spike, story_spread or outlet_silent")
    rule_title: str
    subject: str
    title: str
    why: str = Field(description="why it fired, with its figures")
    article_ids: list[str]
    metric: dict[str, Any]
    fired_at: datetime
    updated_at: datetime
    updates: int
    owner: str | None = Field(
        default=None, description="the owner of the private watchlist it is about (None: the office's)"
    )


@router.get("", response_model=list[AlertPublic], summary="Press alerts, latest first")
def get_alerts(
    key: PressKey,
    store: StoreDep,
    kind: str | None = None,
    owner: str | None = None,
    size: int = Query(100, ge=1, le=500),
) -> list[AlertPublic]:
    """The office's alerts, and `owner`'s own (from their private watchlists) when given."""
    found = [a for a in list_alerts(store, limit=10_000, user=owner) if kind is None or a["kind"] == kind]
    return [AlertPublic.model_validate(a) for a in found[:size]]


@router.post("/evaluate", response_model=list[AlertPublic], summary="Run the alert rules now")
async def evaluate_alerts(
    request: Request, key: PressKey, store: StoreDep, settings: SettingsDep, at: datetime | None = None
) -> list[AlertPublic]:
    """The alerts raised or updated by this run; they are mailed to `alerts.email_to` when an SMTP
    server is configured (`[alerts.smtp]`), those of a private watchlist to its owner only."""
    if at is not None and at.tzinfo is None:
        raise BadParameter("at", "give a time zone (e.g. +07:00)", "query")
    moment = at or datetime.now(UTC)
    changed = await run_in_threadpool(evaluate, store, moment)
    if changed:
        await run_in_threadpool(
            deliver, settings.alerts, store, changed, settings.api.public_url or str(request.base_url), moment
        )
    return [AlertPublic.model_validate(a) for a in changed]
