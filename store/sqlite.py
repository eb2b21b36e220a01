"""The embedded store: one SQLite file (standard-library sqlite3, WAL, FTS5), same semantics as Elasticsearch.

Several processes may use the file at once (the crawler writes from a child process while the API
reads): WAL lets readers run beside one writer, writes take the lock up front (BEGIN IMMEDIATE) and
wait up to `busy_timeout` for it. Each thread (and each forked process) gets its own connection.
The table layout is described in `store.sqlite_query`; connections are `store.sqlite_conn`, reads
(searches, counts, aggregations) `store.sqlite_search`, writes `store.sqlite_write`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from store.documents import (
    article_document,
    article_from,
    event_document,
    event_from,
    incident_document,
    incident_from,
)
from store.errors import Conflict, NotFound
from store.gcpause import gc_paused
from store.models import Article, Incident, SecurityEvent
from store.query import Aggregation, AggResult, BulkResult, Kind, RecordKind, SearchPage, SearchQuery
from store.sqlite_conn import Connections
from store.sqlite_schema import prepare
from store.sqlite_search import Searcher
from store.sqlite_write import ToDocument, delete_documents, write_documents


class SqliteStore:
    """The `Store` protocol over one SQLite file (also `Warmable` and `Generational`); call `init()`
    once after opening, or use `store.factory.open_store`."""

    def __init__(
        self,
        path: str | Path,
        busy_timeout_ms: int = 30_000,
        rank_window: int = 1000,
        hold_columns: bool = True,
    ) -> None:
        """`rank_window`: a text query sorted by relevance that matches more documents ranks the most
        recently indexed `rank_window` of them (deeper offsets widen it; cursors stop at its end, like
        Elasticsearch's max_result_window); the total stays exact. 0 ranks every match (slower).
        `hold_columns`: answer the queries it can from time and facets held in memory
        (`store.sqlite_fast`); False runs every query in SQL (same results, slower)."""
        self.path = Path(path)
        self.conns = Connections(self.path, busy_timeout_ms)
        self.searcher = Searcher(self.conns, rank_window, hold_columns)

    # -- lifecycle -----------------------------------------------------------------------------

    def init(self) -> None:
        """Create the layout, or upgrade an older Vigil's file (see `store.sqlite_schema`)."""
        with self.conns.write() as conn:
            prepare(conn, self.path)

    def ping(self) -> bool:
        return self.conns.ping()

    def generation(self) -> int:
        """A number that changes whenever any connection, in this process or another, commits a write
        (see `Connections.generation`): callers cache answers under it."""
        return self.conns.generation()

    def warm(self) -> None:
        """Load what article searches hold in memory now (see `Searcher.warm`)."""
        self.searcher.warm()

    def close(self) -> None:
        self.conns.close()

    def refresh(self) -> None:
        """Nothing to do: a committed write is visible at once."""

    def replay_spool(self) -> int:
        """Nothing is ever spooled: SQLite writes either commit or raise."""
        return 0

    # -- writes --------------------------------------------------------------------------------

    def index_articles(self, articles: Sequence[Article]) -> BulkResult:
        # the document carries the id: derived once per article (it is a sha256), not three times
        with gc_paused():  # as while writing: the documents are acyclic (see write_documents)
            return self._index(Kind.articles, list(map(article_document, articles)), _ready)

    def index_events(self, events: Sequence[SecurityEvent]) -> BulkResult:
        return self._index(Kind.events, [(event.id, event) for event in events], event_document)

    def index_incidents(self, incidents: Sequence[Incident]) -> BulkResult:
        return self._index(
            Kind.incidents, [(incident.id, incident) for incident in incidents], incident_document
        )

    def _index(self, kind: Kind, items: list[tuple[str, Any]], to_doc: ToDocument) -> BulkResult:
        """Insert or replace documents by id: re-indexing the same id leaves one document."""
        if not items:
            return BulkResult()
        with self.conns.write() as conn:
            count = write_documents(conn, kind, items, to_doc)
        return BulkResult(indexed=count)

    def delete_matching(self, kind: Kind, query: SearchQuery) -> int:
        """Delete every document matching `query` (filters only); returns how many (retention)."""
        ids: list[str] = []
        page_query = replace(query, size=1000, sort=(), highlight=False)
        while True:
            page = self.search(kind, page_query)
            ids.extend(hit.id for hit in page.hits)
            if not page.next_cursor:
                break
            page_query = replace(page_query, cursor=page.next_cursor)
        if not ids:
            return 0
        with self.conns.write() as conn:
            return delete_documents(conn, kind, ids)

    def update_incident(self, incident: Incident, expected_version: int) -> Incident:
        """Store `incident` as version `expected_version + 1` if the stored one is `expected_version`."""
        with self.conns.write() as conn:
            row = conn.execute("SELECT version FROM incidents WHERE id = ?", (incident.id,)).fetchone()
            if row is None:
                raise NotFound(f"no incident {incident.id}")
            if row[0] != expected_version:
                raise Conflict(
                    f"incident {incident.id} is at version {row[0]}, not {expected_version}: reload and retry"
                )
            updated = incident.model_copy(update={"version": expected_version + 1})
            write_documents(conn, Kind.incidents, [(updated.id, updated)], incident_document)
        return updated

    # -- reads ---------------------------------------------------------------------------------

    def _get(self, kind: Kind, doc_id: str) -> dict[str, Any] | None:
        k = kind.value
        rows = self.conns.read(
            f"SELECT d.doc FROM {k} t JOIN {k}_doc d ON d.rid = t.rid WHERE t.id = ?", (doc_id,)
        )
        return json.loads(rows[0][0]) if rows else None

    def get_article(self, article_id: str) -> Article | None:
        doc = self._get(Kind.articles, article_id)
        return article_from(doc) if doc is not None else None

    def get_event(self, event_id: str) -> SecurityEvent | None:
        doc = self._get(Kind.events, event_id)
        return event_from(event_id, doc) if doc is not None else None

    def get_incident(self, incident_id: str) -> Incident | None:
        doc = self._get(Kind.incidents, incident_id)
        return incident_from(doc) if doc is not None else None

    def count(self, kind: Kind, query: SearchQuery) -> int:
        return self.searcher.count(kind, query)

    def search(self, kind: Kind, query: SearchQuery) -> SearchPage:
        return self.searcher.search(kind, query)

    def aggregate(
        self, kind: Kind, query: SearchQuery, aggregations: Sequence[Aggregation]
    ) -> dict[str, AggResult]:
        return self.searcher.aggregate(kind, query, aggregations)

    # -- records -------------------------------------------------------------------------------

    def put_records(self, kind: RecordKind, records: dict[str, dict[str, Any]]) -> None:
        rows = [(kind.value, key, json.dumps(doc, ensure_ascii=False)) for key, doc in records.items()]
        with self.conns.write() as conn:
            conn.executemany("INSERT OR REPLACE INTO records(kind, id, doc) VALUES (?, ?, ?)", rows)

    def get_record(self, kind: RecordKind, record_id: str) -> dict[str, Any] | None:
        rows = self.conns.read("SELECT doc FROM records WHERE kind = ? AND id = ?", (kind.value, record_id))
        return json.loads(rows[0][0]) if rows else None

    def list_records(self, kind: RecordKind, limit: int = 1000) -> list[dict[str, Any]]:
        rows = self.conns.read(
            "SELECT doc FROM records WHERE kind = ? ORDER BY id LIMIT ?", (kind.value, limit)
        )
        return [json.loads(row[0]) for row in rows]

    def delete_record(self, kind: RecordKind, record_id: str) -> bool:
        with self.conns.write() as conn:
            cursor = conn.execute("DELETE FROM records WHERE kind = ? AND id = ?", (kind.value, record_id))
            return cursor.rowcount > 0

    def stats(self) -> dict[str, int]:
        return {kind.value: int(self.conns.read(f"SELECT count(*) FROM {kind.value}")[0][0]) for kind in Kind}


def _ready(doc: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The ToDocument of items that already are documents."""
    return "", doc
