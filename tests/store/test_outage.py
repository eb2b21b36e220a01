"""Outage and replay: stop a real stand-in server mid-stream, keep writing, restart, nothing lost or doubled.

Uses its own noida-db instance (own port and data dir) so stopping it never disturbs other tests.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from store import elastic_bulk
from store.elastic import ElasticStore
from store.errors import StoreUnavailable
from store.models import Article, SecurityEvent
from store.query import Kind, SearchQuery, TermsAgg
from tests.conftest import noida_down, noida_up

pytestmark = [pytest.mark.elastic, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir, self.port = data_dir, port
        self.url = f"http://127.0.0.1:{port}"

    def up(self) -> None:
        noida_up(self.data_dir, self.port)

    def down(self) -> None:
        noida_down(self.data_dir)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    instance = Server(tmp_path / "noida", free_port())
    instance.up()
    try:
        yield instance
    finally:
        instance.down()


def open_store(server: Server, spool: Path) -> ElasticStore:
    return ElasticStore(
        hosts=[server.url], index_prefix="outage", spool_dir=spool, request_timeout=5.0, max_retries=0
    )


def articles(start: int, stop: int) -> list[Article]:
    return [
        Article(url=f"https://baomoi.example/{i}", outlet="hue", title=f"Bài {i} về Thừa Thiên Huế")
        for i in range(start, stop)
    ]


def events(start: int, stop: int) -> list[SecurityEvent]:
    base = datetime(2024, 6, 1, tzinfo=UTC)
    return [
        SecurityEvent(
            id=f"e{i}",
            timestamp=base + timedelta(days=i % 40),
            doc={"event": {"kind": "event"}, "message": f"m {i}"},
        )
        for i in range(start, stop)
    ]


def id_counts(store: ElasticStore) -> dict[str, int]:
    result = store.aggregate(Kind.articles, SearchQuery(), [TermsAgg("ids", "id", size=5000)])
    return {bucket.key: bucket.count for bucket in result["ids"].buckets}


def test_outage_spools_then_replays_each_document_exactly_once(server: Server, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    store = open_store(server, spool)
    store.init()
    assert store.index_articles(articles(0, 300)).indexed == 300
    assert store.index_events(events(0, 100)).indexed == 100

    # a big batch in flight while the server goes down: either it lands or it is spooled whole
    in_flight: dict[str, int] = {}

    def send() -> None:
        result = store.index_articles(articles(300, 1300))
        in_flight.update(indexed=result.indexed, spooled=result.spooled, errors=len(result.errors))

    sender = threading.Thread(target=send)
    sender.start()
    server.down()
    sender.join(timeout=60)
    assert in_flight["errors"] == 0
    assert in_flight["indexed"] + in_flight["spooled"] == 1000

    # the server is down: writes spool (no exception), reads say so
    down = store.index_articles(articles(1300, 1600))
    assert (down.indexed, down.spooled, down.errors) == (0, 300, [])
    again = store.index_articles(articles(0, 100))  # re-sent documents: must not be doubled
    assert again.spooled == 100
    assert store.index_events(events(100, 200)).spooled == 100
    with pytest.raises(StoreUnavailable):
        store.count(Kind.articles, SearchQuery())
    with pytest.raises(StoreUnavailable):
        store.replay_spool()
    pending = store.spool.pending_documents()
    assert pending == 300 + 100 + 100 + in_flight["spooled"]
    store.close()

    # a new process (new store object, same spool) replays after the restart
    server.up()
    restarted = open_store(server, spool)
    assert restarted.replay_spool() == pending
    assert restarted.spool.pending() == []
    assert not restarted.spool.batches_path.exists()
    assert restarted.replay_spool() == 0

    restarted.refresh()
    counts = id_counts(restarted)
    expected = {article.id for article in articles(0, 1600)}
    assert set(counts) == expected
    assert all(count == 1 for count in counts.values())
    assert restarted.count(Kind.articles, SearchQuery()) == 1600
    assert restarted.count(Kind.events, SearchQuery()) == 200
    assert restarted.count(Kind.articles, SearchQuery(text="thua thien hue")) == 1600
    restarted.close()


def test_next_write_replays_the_spool_first(server: Server, tmp_path: Path) -> None:
    store = open_store(server, tmp_path / "spool")
    store.init()
    server.down()
    assert store.index_articles(articles(0, 50)).spooled == 50
    server.up()
    result = store.index_articles(articles(50, 60))
    assert result.indexed == 10 and result.spooled == 0
    assert not store.spool.batches_path.exists()
    store.refresh()
    assert store.count(Kind.articles, SearchQuery()) == 60
    store.close()


def test_starting_while_the_cluster_is_down(server: Server, tmp_path: Path) -> None:
    server.down()
    store = open_store(server, tmp_path / "spool")
    store.init()  # warns, does not fail: a long-running job must start and spool
    assert store.ping() is False
    assert store.index_articles(articles(0, 20)).spooled == 20
    server.up()
    assert store.replay_spool() == 20  # installs the templates first, then sends
    store.refresh()
    assert store.count(Kind.articles, SearchQuery(text="thua thien hue")) == 20
    store.close()


def test_a_large_batch_goes_in_bounded_requests_and_is_spooled_as_such_while_down(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch of log lines (secmon.batch_lines, up to 10,000) is sent in _bulk requests of at most
    BULK_ACTIONS documents (and ~BULK_BYTES): Elasticsearch refuses requests over 100 MB. While the cluster
    is down, the requests not sent are spooled one batch each, so a replay sends bounded requests too."""
    monkeypatch.setattr(elastic_bulk, "BULK_ACTIONS", 100)
    store = open_store(server, tmp_path / "spool")
    store.init()
    sizes: list[int] = []
    bulk = store.client.bulk

    def counted(*args: Any, **kwargs: Any) -> Any:
        sizes.append(len(kwargs["operations"]) // 2)
        return bulk(*args, **kwargs)

    monkeypatch.setattr(store.client, "bulk", counted)
    assert store.index_events(events(0, 450)).indexed == 450
    assert sizes == [100, 100, 100, 100, 50]

    server.down()
    down = store.index_events(events(450, 900))
    assert (down.indexed, down.spooled) == (0, 450)
    assert [len(batch.actions) for batch in store.spool.pending()] == [100, 100, 100, 100, 50]
    server.up()
    sizes.clear()
    assert store.replay_spool() == 450
    assert sizes == [100, 100, 100, 100, 50]
    store.refresh()
    assert store.count(Kind.events, SearchQuery()) == 900
    store.close()


def test_bulk_requests_are_bounded_by_size_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """~BULK_BYTES of documents per request; one document larger than that goes alone."""
    monkeypatch.setattr(elastic_bulk, "BULK_BYTES", 10_000)
    docs = [{"event": {"original": "x" * size}} for size in (3_000, 3_000, 3_000, 25_000, 10, 9_000, 2_000)]
    actions = [elastic_bulk.action("index", "i", str(n), doc) for n, doc in enumerate(docs)]
    parts = elastic_bulk.requests(actions)
    assert [[int(item["action"]["index"]["_id"]) for item in part] for part in parts] == [
        [0, 1, 2],
        [3],
        [4, 5],
        [6],
    ]
