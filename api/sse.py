"""`GET /alerts/stream`: new and updated incidents as Server-Sent Events, resumable.

Each event's id is `<updated_at µs since epoch>:<incident id>:<version>`. A client that reconnects
with `Last-Event-ID` receives every incident changed at or after that moment that it has not seen;
a fresh client receives changes from the moment it connects. The stream polls the store (whatever
process wrote the incident: the ingester, the CLI, another API replica), so it works across processes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar

import anyio
from fastapi import APIRouter, Header, HTTPException, Request, status
from fastapi.responses import StreamingResponse

from api.deps import SecurityKey, StoreDep
from api.errors import BadParameter
from api.ratelimit import StreamSlots
from api.schemas import IncidentPublic
from secmon.incidents import event_name
from store.protocol import Store
from store.query import Kind, Range, SearchQuery, SortField

router = APIRouter(tags=["security"])

POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0
BATCH = 200
T = TypeVar("T")


async def poll_events(
    request: Request,
    poll: Callable[[], list[T]],
    format_event: Callable[[T], str],
    *,
    repoll_after_delivery: bool,
    poll_seconds: float = POLL_SECONDS,
    keepalive_seconds: float = KEEPALIVE_SECONDS,
) -> AsyncIterator[str]:
    """The body of a polling Server-Sent Events stream, shared by the incidents' and the press alerts'
    streams: the reconnection delay first, then until the client goes or the service stops: `poll()`
    (in a thread: it reads the store) and one formatted event per item; right after a delivery, poll
    again at once when `repoll_after_delivery` (a batch may have been cut at its size), else wait
    `poll_seconds` as after an empty poll; a keep-alive comment after `keepalive_seconds` of silence
    (proxies close idle connections)."""
    yield "retry: 2000\n\n"
    idle = 0.0
    while not await request.is_disconnected():
        fresh = await anyio.to_thread.run_sync(poll)
        for item in fresh:
            yield format_event(item)
        if fresh and repoll_after_delivery:
            idle = 0.0
            continue
        if idle >= keepalive_seconds:
            idle = 0.0
            yield ": keep-alive\n\n"
        if getattr(request.app.state, "stopping", False):
            return
        await asyncio.sleep(poll_seconds)
        idle += poll_seconds


def event_id(incident: IncidentPublic) -> str:
    micros = int(incident.updated_at.timestamp() * 1_000_000)
    return f"{micros}:{incident.id}:{incident.version}"


def parse_event_id(value: str) -> tuple[datetime, str, int]:
    try:
        micros, incident_id, version = value.rsplit(":", 2)
        moment = datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC)
        return moment, incident_id, int(version)
    except (ValueError, OverflowError, OSError):
        raise BadParameter(
            "Last-Event-ID", f"{value!r} is not an id this stream sent; reconnect without it"
        ) from None


def format_event(incident: IncidentPublic) -> str:
    kind = event_name(incident.last_change, incident.version).value  # as webhooks name it
    data = json.dumps(incident.model_dump(mode="json"), ensure_ascii=False)
    return f"id: {event_id(incident)}\nevent: {kind}\ndata: {data}\n\n"


class IncidentFeed:
    """Reads incidents changed since a moment, never yielding the same (id, version) twice.

    Only changes at the current `since` moment are remembered (older ones cannot match the
    `updated_at >= since` query again), so a stream open for weeks keeps a small memory.
    """

    def __init__(self, store: Store, since: datetime, seen: set[tuple[str, int]] | None = None) -> None:
        self.store = store
        self.since = since
        self.seen = seen or set()

    def poll(self) -> list[IncidentPublic]:
        page = self.store.search(
            Kind.incidents,
            SearchQuery(
                filters=(Range("updated_at", gte=self.since),),
                sort=(SortField("updated_at", descending=False),),
                size=BATCH,
            ),
        )
        fresh = []
        for hit in page.hits:
            incident = IncidentPublic.model_validate({**hit.source, "id": hit.id})
            if (incident.id, incident.version) in self.seen:
                continue
            fresh.append(incident)
        fresh.sort(key=lambda i: (i.updated_at, i.id))
        if fresh and fresh[-1].updated_at > self.since:
            self.since = fresh[-1].updated_at
            self.seen = {(i.id, i.version) for i in fresh if i.updated_at == self.since}
        else:
            self.seen.update((i.id, i.version) for i in fresh)
        return fresh


@router.get(
    "/alerts/stream",
    response_class=StreamingResponse,
    response_model=None,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "incident.opened / incident.updated / incident.escalated (the webhooks' names)",
        }
    },
    summary="Live stream of new and updated incidents (Server-Sent Events)",
)
async def alert_stream(
    request: Request,
    key: SecurityKey,
    store: StoreDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=200)] = None,
) -> StreamingResponse:
    if last_event_id:
        since, seen_id, seen_version = parse_event_id(last_event_id)
        feed = IncidentFeed(store, since, {(seen_id, seen_version)})
    else:
        feed = IncidentFeed(store, datetime.now(UTC))
    stream_gauge = request.app.state.sse_clients
    slots: StreamSlots = request.app.state.sse_slots
    refused = slots.take(key.id)
    if refused is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"{refused}; close one or retry later",
            headers={"Retry-After": "30"},
        )

    async def events() -> AsyncIterator[str]:
        stream_gauge.inc()
        try:
            async for chunk in poll_events(request, feed.poll, format_event, repoll_after_delivery=True):
                yield chunk
        finally:
            stream_gauge.dec()
            slots.give(key.id)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
