"""Open the configured backend."""

from __future__ import annotations

from core.config import Settings
from store.protocol import Store


def open_store(settings: Settings) -> Store:
    """The embedded SQLite store by default; Elasticsearch when `store.backend = "elasticsearch"`."""
    if settings.store.backend == "elasticsearch":
        from store.elastic import ElasticStore

        return ElasticStore.from_settings(settings)
    from store.sqlite import SqliteStore

    return SqliteStore(settings.state_path("store", "vigil.sqlite3"))
