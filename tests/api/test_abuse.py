"""Issue 11 item 9, over HTTP on a live server: /alerts/stream is capped per key and in all, failed
authentication is limited per address, and unknown keys do not cost a store look-up each."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from store.query import RecordKind
from store.sqlite import SqliteStore
from tests.api.conftest import make_settings
from tests.api.live import LiveServer
from tests.api.seed import seed


class CountingStore(SqliteStore):
    """The real SQLite store, counting key look-ups (what an unknown key costs)."""

    key_reads = 0

    def get_record(self, kind: RecordKind, record_id: str) -> dict[str, Any] | None:
        if kind is RecordKind.api_keys:
            self.key_reads += 1
        return super().get_record(kind, record_id)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], CountingStore]]:
    store = CountingStore(tmp_path / "store.sqlite3")
    store.init()
    keys = seed(store)
    settings = make_settings(tmp_path, failed_auth_per_minute=5, sse_max_clients=3, sse_max_per_key=2)
    with LiveServer(create_app(settings, store)) as live:
        yield live.base_url, keys, store
    store.close()


def test_failed_auth_is_limited_per_address_without_a_store_read_each(
    server: tuple[str, dict[str, str], CountingStore],
) -> None:
    base, keys, store = server
    unknown = "vgl_" + "0" * 12 + "_" + "x" * 40
    with httpx.Client(base_url=base, timeout=10) as client:
        # a key in use from this address keeps working (it is known: no look-up, no limit)
        assert client.get("/incidents", headers={"X-API-Key": keys["security"]}).status_code == 200
        before = store.key_reads
        answers = [client.get("/incidents", headers={"X-API-Key": unknown}).status_code for _ in range(5)]
        assert answers == [401] * 5
        assert store.key_reads - before <= 1  # the same unknown key is looked up once, not five times
        limited = client.get("/incidents", headers={"X-API-Key": "vgl_another_guess"})
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        assert client.get("/incidents").status_code == 429  # a missing key counts too
        assert client.get("/incidents", headers={"X-API-Key": keys["security"]}).status_code == 200
        assert client.get("/health").status_code == 200


def test_alert_streams_are_capped_per_key_and_in_all(
    server: tuple[str, dict[str, str], CountingStore],
) -> None:
    base, keys, _ = server
    with ExitStack() as stack:

        def open_stream(role: str) -> int:
            client = stack.enter_context(httpx.Client(base_url=base, timeout=10))
            response = stack.enter_context(
                client.stream("GET", "/alerts/stream", headers={"X-API-Key": keys[role]})
            )
            return response.status_code  # (reading it through a dropped iterator would close it)

        assert [open_stream("security"), open_stream("security")] == [200, 200]
        third = open_stream("security")
        assert third == 429  # per key
        assert open_stream("admin") == 200  # 3 in all
        assert open_stream("admin") == 429  # the total
        started = time.monotonic()
        with httpx.Client(base_url=base, timeout=10) as plain:
            assert plain.get("/health").status_code == 200
        assert time.monotonic() - started < 2.0
    time.sleep(1.5)  # closed streams give their slots back
    with (
        httpx.Client(base_url=base, timeout=10) as client,
        client.stream("GET", "/alerts/stream", headers={"X-API-Key": keys["security"]}) as again,
    ):
        assert again.status_code == 200
