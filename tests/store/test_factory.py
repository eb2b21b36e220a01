"""`open_store` and the optional abilities: which backend has which, and that the store is closed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.config import load_settings
from store.factory import open_store
from store.models import Article
from store.protocol import Generational, Spooling, Store, Warmable
from store.query import Kind, SearchQuery
from store.sqlite import SqliteStore


def test_open_store_prepares_the_store_and_closes_it_even_on_error(tmp_path: Path) -> None:
    settings = load_settings(None, data_dir=tmp_path)
    with pytest.raises(RuntimeError), open_store(settings) as store:
        assert isinstance(store, SqliteStore)
        store.index_articles([Article(url="https://a.vn/1", outlet="a", title="Huế", body="Mưa ở Huế.")])
        assert store.count(Kind.articles, SearchQuery()) == 1  # init() ran: the tables exist
        raise RuntimeError("the caller fails")
    assert not store.conns._all  # every connection this process opened is closed


def test_each_backend_declares_the_abilities_it_has(store: Any) -> None:
    assert isinstance(store, Store)
    if isinstance(store, SqliteStore):
        assert isinstance(store, Warmable) and isinstance(store, Generational)
        assert not isinstance(store, Spooling)
    else:  # Elasticsearch: spools during outages, holds nothing in memory, no cheap write counter
        assert isinstance(store, Spooling) and store.pending_documents() == 0
        assert not isinstance(store, Warmable) and not isinstance(store, Generational)


def test_the_generation_changes_with_every_write(tmp_path: Path) -> None:
    settings = load_settings(None, data_dir=tmp_path)
    with open_store(settings) as store:
        assert isinstance(store, Generational)
        before = store.generation()
        with open_store(settings) as other:  # another writer, as the crawl process is
            other.index_articles([Article(url="https://a.vn/2", outlet="a", title="T", body="B")])
        assert store.generation() != before
