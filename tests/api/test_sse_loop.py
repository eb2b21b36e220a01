"""The one SSE poll loop (api.sse.poll_events) both streams use: the incidents' (re-polls at once after
a delivery) and the press alerts' page (waits its poll interval). The end-to-end behaviour of each
stream is in tests/api/test_sse.py and tests/web/test_alerts.py; this pins the loop's own rules."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from typing import Any

from api.sse import poll_events


class _Client:
    """What the loop reads of a request: whether the client left, and the app's `stopping` flag."""

    def __init__(self) -> None:
        self.app = SimpleNamespace(state=SimpleNamespace(stopping=False))
        self.gone = False

    async def is_disconnected(self) -> bool:
        return self.gone


def _run(
    batches: list[list[int]], repoll: bool, wanted: int, keepalive: float = 15.0
) -> tuple[list[str], list[float]]:
    client = _Client()
    calls: list[float] = []

    def poll() -> list[int]:
        calls.append(time.monotonic())
        return batches.pop(0) if batches else []

    async def main() -> list[str]:
        out: list[str] = []
        stream = poll_events(
            client,  # type: ignore[arg-type]
            poll,
            lambda n: f"data: {n}\n\n",
            repoll_after_delivery=repoll,
            poll_seconds=0.3,
            keepalive_seconds=keepalive,
        )
        async for chunk in stream:
            out.append(chunk)
            if len(out) >= wanted:
                client.gone = True
        return out

    return asyncio.run(main()), calls


def test_the_incident_stream_polls_again_at_once_after_a_delivery() -> None:
    chunks, calls = _run([[1], [2]], repoll=True, wanted=3)
    assert chunks == ["retry: 2000\n\n", "data: 1\n\n", "data: 2\n\n"]
    assert calls[1] - calls[0] < 0.2


def test_the_alert_page_waits_its_interval_after_a_delivery_too() -> None:
    chunks, calls = _run([[1], [2]], repoll=False, wanted=3)
    assert chunks == ["retry: 2000\n\n", "data: 1\n\n", "data: 2\n\n"]
    assert calls[1] - calls[0] >= 0.3


def test_silence_sends_keep_alives_and_a_stopping_service_ends_the_stream() -> None:
    chunks, _ = _run([], repoll=True, wanted=2, keepalive=0.5)
    assert chunks == ["retry: 2000\n\n", ": keep-alive\n\n"]
    client = _Client()
    client.app.state.stopping = True

    async def main() -> list[Any]:
        return [c async for c in poll_events(client, lambda: [], str, repoll_after_delivery=False)]  # type: ignore[arg-type]

    assert asyncio.run(main()) == ["retry: 2000\n\n"]
