"""Elasticsearch-only behaviour, over HTTP against the stand-in: templates, analyzer, per-item errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from store.elastic import ElasticStore
from store.models import SecurityEvent
from store.query import Kind, SearchQuery

pytestmark = pytest.mark.elastic


@pytest.fixture
def elastic(es_url: str, es_prefix: str, tmp_path: Path) -> Iterator[ElasticStore]:
    store = ElasticStore(hosts=[es_url], index_prefix=es_prefix, spool_dir=tmp_path / "spool")
    store.init()
    yield store
    store.drop_indices()
    store.close()


def test_templates_are_installed_idempotently_with_the_folding_analyzer(elastic: ElasticStore) -> None:
    elastic.init()  # a second start changes nothing and does not fail
    prefix = elastic.layout.prefix
    names = {
        item["name"]
        for item in elastic.client.indices.get_index_template(name=f"{prefix}-*")["index_templates"]
    }
    assert {f"{prefix}-articles", f"{prefix}-events", f"{prefix}-incidents", f"{prefix}-records"} <= names
    analyzed = elastic.client.indices.analyze(
        index=f"{prefix}-articles", analyzer="vigil_folding", text="Thừa Thiên Huế, ĐÀ NẴNG"
    )
    assert [token["token"] for token in analyzed["tokens"]] == ["thua", "thien", "hue", "da", "nang"]
    mapping = elastic.client.indices.get_mapping(index=f"{prefix}-articles")[f"{prefix}-articles"]["mappings"]
    assert mapping["properties"]["title"]["fields"]["keyword"]["type"] == "keyword"


def test_events_go_to_dated_indices_when_data_streams_are_missing(elastic: ElasticStore) -> None:
    assert elastic.data_streams is False  # the stand-in has neither data streams nor ILM
    stamp = datetime(2024, 6, 3, 12, tzinfo=UTC)
    elastic.index_events([SecurityEvent(id="e1", timestamp=stamp, doc={"event": {"kind": "event"}})])
    elastic.refresh()
    assert elastic.client.indices.exists(index=f"{elastic.layout.prefix}-events-2024.06")
    stored = elastic.get_event("e1")
    assert stored is not None and "vigil" not in stored.doc and stored.timestamp == stamp


def test_a_rejected_document_is_reported_and_the_rest_indexed(elastic: ElasticStore) -> None:
    stamp = datetime(2024, 6, 3, 12, tzinfo=UTC)
    good = [SecurityEvent(id=f"ok{i}", timestamp=stamp, doc={"source": {"port": 22 + i}}) for i in range(3)]
    bad = SecurityEvent(id="bad", timestamp=stamp, doc={"source": {"port": "not-a-port"}})
    result = elastic.index_events([*good, bad])
    assert result.indexed == 3 and result.spooled == 0
    assert [doc_id for doc_id, _reason in result.errors] == ["bad"]
    assert result.errors[0][1].startswith("400")
    elastic.refresh()
    assert elastic.count(Kind.events, SearchQuery()) == 3


def test_from_settings_spools_under_the_data_dir(es_url: str, es_prefix: str, tmp_path: Path) -> None:
    from core.config import load_settings

    settings = load_settings(
        None,
        data_dir=tmp_path / "state",
        store={"elasticsearch": {"hosts": [es_url], "index_prefix": es_prefix}},
    )
    store = ElasticStore.from_settings(settings)
    store.init()
    try:
        assert store.ping() is True
        assert store.spool.directory == tmp_path / "state" / "spool" / "elasticsearch"
        assert store.layout.index("articles") == f"{es_prefix}-articles"
    finally:
        store.drop_indices()
        store.close()


@pytest.mark.requires_real_es
def test_events_use_a_data_stream_on_a_real_cluster(es_url: str, es_prefix: str, tmp_path: Path) -> None:
    store = ElasticStore(hosts=[es_url], index_prefix=es_prefix, spool_dir=tmp_path / "spool")
    store.init()
    if not store.data_streams:
        pytest.skip("this cluster has no data streams (the stand-in): events use dated indices")
    try:
        event = SecurityEvent(
            id="ds1", timestamp=datetime(2024, 6, 3, tzinfo=UTC), doc={"event": {"kind": "alert"}}
        )
        assert store.index_events([event]).indexed == 1
        assert store.index_events([event]).indexed == 1  # create → 409 on the same _id: still one document
        store.refresh()
        assert store.count(Kind.events, SearchQuery()) == 1
        streams = store.client.indices.get_data_stream(name=f"{es_prefix}-events")["data_streams"]
        assert streams and streams[0]["name"] == f"{es_prefix}-events"
    finally:
        store.client.options(ignore_status=404).indices.delete_data_stream(name=f"{es_prefix}-events")
        store.drop_indices()
        store.close()
