"""Reads of unbounded sets page through the store (search_after over a point in time on Elasticsearch),
never asking for one huge page: Elasticsearch refuses `from + size` beyond 10,000 ("Result window is
too large"), which stopped log ingestion at start on the Elasticsearch backend."""

from __future__ import annotations

from typing import Any

import pytest

from secmon.ruleset import RuleMetadata
from store.query import Kind, RecordKind, SearchQuery


def test_rule_metadata_loads_from_either_backend(store: Any) -> None:
    store.put_records(
        RecordKind.rules, {f"sid:{sid}": {"sid": sid, "msg": f"rule {sid}"} for sid in (1, 2, 3)}
    )
    metadata = RuleMetadata.load(store)
    assert sorted(metadata.by_sid) == [1, 2, 3]


def test_listing_more_records_than_one_page_returns_every_one_in_id_order(store: Any) -> None:
    if hasattr(store, "page_size"):
        store.page_size = 4  # several pages on Elasticsearch with few documents
    records = {f"w{n:02d}": {"id": f"w{n:02d}", "n": n} for n in range(11)}
    store.put_records(RecordKind.watchlists, records)
    assert [r["id"] for r in store.list_records(RecordKind.watchlists, limit=1_000_000)] == sorted(records)
    assert [r["id"] for r in store.list_records(RecordKind.watchlists, limit=6)] == sorted(records)[:6]


def test_a_page_as_large_as_the_result_window_is_served(store: Any) -> None:
    store.put_records(RecordKind.watchlists, {"a": {"id": "a"}})
    page = store.search(Kind.incidents, SearchQuery(size=10_000))
    assert page.hits == [] and page.total == 0 and page.next_cursor is None


@pytest.mark.parametrize("offset", [9_990, 10_000])
def test_an_offset_beyond_the_result_window_is_a_clear_invalid_query(store: Any, offset: int) -> None:
    from store.errors import InvalidQuery

    try:
        page = store.search(Kind.incidents, SearchQuery(size=20, offset=offset))
    except InvalidQuery as exc:
        assert "cursor" in str(exc)
    else:
        assert page.hits == []
