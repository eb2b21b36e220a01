"""Open the configured backend: `with open_store(settings) as store:` opens, prepares and closes it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from core.config import Settings
from store.protocol import Store
from store.sqlite import SqliteStore


def make_store(settings: Settings) -> Store:
    """The configured backend, not yet prepared: the embedded SQLite store by default,
    Elasticsearch when `store.backend = "elasticsearch"`. Prefer `open_store`."""
    if settings.store.backend == "elasticsearch":
        from store.elastic import ElasticStore  # lazy: the client costs ~0.4 s to import, SQLite needs none

        return ElasticStore.from_settings(settings)
    return SqliteStore(settings.state_path("store", "vigil.sqlite3"))


@contextmanager
def open_store(settings: Settings) -> Iterator[Store]:
    """The configured store, prepared (`init()`: tables, templates; idempotent) and closed on exit."""
    store = make_store(settings)
    try:
        store.init()
        yield store
    finally:
        store.close()
