"""The embedded store: one SQLite file (standard-library sqlite3, WAL, FTS5), same semantics as Elasticsearch.

Several processes may use the file at once (the crawler writes from a child process while the API
reads): WAL lets readers run beside one writer, writes take the lock up front (BEGIN IMMEDIATE) and
wait up to `busy_timeout` for it. Each thread (and each forked process) gets its own connection.
The table layout is described in `store.sqlite_query`. Searches, counts and aggregations that
the in-memory columns can answer (`store.sqlite_columns`, `store.sqlite_fast`) are answered there;
everything else in SQL, with the same results.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from store import sqlite_fast
from store.documents import (
    article_document,
    article_from,
    event_document,
    event_from,
    incident_document,
    incident_from,
    values_at,
)
from store.errors import Conflict, InvalidQuery, NotFound, StoreError, StoreUnavailable
from store.models import Article, Incident, SecurityEvent
from store.query import (
    TEXT_FIELDS,
    Aggregation,
    AggResult,
    BulkResult,
    Hit,
    Kind,
    RecordKind,
    SearchPage,
    SearchQuery,
)
from store.sqlite_aggs import aggregate, sources
from store.sqlite_columns import ColumnCache
from store.sqlite_query import (
    FACETS,
    Compiled,
    SortKey,
    after_sql,
    compile_query,
    decode_cursor,
    encode_cursor,
    in_network,
    sort_keys,
)
from store.sqlite_schema import prepare
from store.sqlite_write import ToDocument, gc_paused, write_documents
from store.textsearch import highlight

# the matches of the last text query (per connection): rid, and time + facets when known
MATCHES = (
    "CREATE TEMP TABLE IF NOT EXISTS vigil_m (rid INTEGER PRIMARY KEY, ts"
    + "".join(f", f{index}" for index in range(max(len(names) for names in FACETS.values())))
    + ")"
)


class SqliteStore:
    """The `Store` protocol over one SQLite file; call `init()` once after opening."""

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
        self.hold_columns = hold_columns
        self.rank_window = rank_window
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[tuple[int, sqlite3.Connection]] = []  # (pid that opened it, connection)
        self._lock = threading.Lock()
        self._probe: tuple[int, sqlite3.Connection] | None = None  # (pid, connection) for generation()
        self._probe_lock = threading.Lock()
        self._columns: tuple[int, dict[Kind, ColumnCache]] | None = None  # (pid, per kind)

    # -- connections ---------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            return conn
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            # a new file only: 16 KB pages make a bulk load write ~4x fewer pages (documents span
            # fewer pages, FTS segments and index leaves hold more per page) and the file ~20% smaller
            conn.execute("PRAGMA page_size = 16384")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA cache_size = -65536")  # up to 64 MB: bulk loads touch many index pages
            conn.execute("PRAGMA temp_store = MEMORY")
            # pages: 160 MB between checkpoints; fewer checkpoints copy each hot page (FTS segments,
            # index leaves) to the file fewer times (13% fewer bytes written, 39% fewer read, bulk load)
            conn.execute("PRAGMA wal_autocheckpoint = 10000")
            conn.execute("PRAGMA mmap_size = 268435456")
            conn.execute("PRAGMA foreign_keys = ON")
        except (sqlite3.OperationalError, OSError) as exc:
            raise StoreUnavailable(
                f"cannot open the SQLite store {self.path}: {exc} (check that its directory exists "
                "and is writable by this user, and that no other program holds it locked)"
            ) from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path} is not a Vigil SQLite store ({exc}): set store.path (or VIGIL_DATA_DIR) to "
                "another file, or move this one aside and run `vigil store init`"
            ) from exc
        conn.create_function("vigil_in_network", 2, in_network, deterministic=True)
        self._local.conn = conn
        self._local.pid = os.getpid()
        self._local.writes = 0
        with self._lock:
            self._all.append((os.getpid(), conn))
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        self._local.writes += 1
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"the SQLite store {self.path} stays locked: {exc}") from exc
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError):  # disk full, read-only file, lock lost…
                raise StoreUnavailable(f"writing to the SQLite store {self.path} failed: {exc}") from exc
            raise

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "fts5" in str(exc) or "syntax" in str(exc):
                raise InvalidQuery(f"the store could not run this query: {exc}") from exc
            raise StoreUnavailable(f"reading the SQLite store {self.path} failed: {exc}") from exc

    # -- lifecycle -----------------------------------------------------------------------------

    def init(self) -> None:
        """Create the layout, or upgrade an older Vigil's file (see `store.sqlite_schema`)."""
        with self._write() as conn:
            prepare(conn, self.path)

    def ping(self) -> bool:
        try:
            return self._conn().execute("SELECT 1").fetchone() == (1,)
        except (sqlite3.Error, StoreUnavailable):
            return False

    def generation(self) -> int:
        """A number that changes whenever any connection, in this process or another, commits a write.

        Callers cache answers under it (the API's search pages): an answer stored under the current
        generation is still the store's answer. One dedicated connection that never writes asks
        `PRAGMA data_version`, whose value is only comparable within one connection.
        """
        with self._probe_lock:
            if self._probe is None or self._probe[0] != os.getpid():
                try:
                    probe = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                except (sqlite3.Error, OSError) as exc:
                    raise StoreUnavailable(f"cannot open the SQLite store {self.path}: {exc}") from exc
                self._probe = (os.getpid(), probe)
            try:
                return int(self._probe[1].execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"reading the SQLite store {self.path} failed: {exc}") from exc

    def close(self) -> None:
        with self._probe_lock:
            if self._probe is not None and self._probe[0] == os.getpid():
                self._probe[1].close()
            self._probe = None
        with self._lock:
            for pid, conn in self._all:
                if pid != os.getpid():  # inherited through fork: the parent's, never touch it
                    continue
                conn.close()
            self._all.clear()
        self._local = threading.local()

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
        with self._write() as conn:
            count = write_documents(conn, kind, items, to_doc)
        return BulkResult(indexed=count)

    def update_incident(self, incident: Incident, expected_version: int) -> Incident:
        """Store `incident` as version `expected_version + 1` if the stored one is `expected_version`."""
        with self._write() as conn:
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
        rows = self._read(
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
        compiled = compile_query(kind, query)
        selection = self._select(kind, query, compiled)
        if selection is not None:
            return len(selection.rids)
        if compiled.has_text:
            return self._match(kind, compiled)
        rows = self._read(
            f"SELECT count(*) FROM {compiled.from_sql} WHERE {compiled.where_sql}", compiled.params
        )
        return int(rows[0][0])

    def search(self, kind: Kind, query: SearchQuery) -> SearchPage:
        if query.size < 0 or query.offset < 0:
            raise InvalidQuery("size and offset must not be negative")
        if query.track_total_hits is not None and query.track_total_hits < 0:
            raise InvalidQuery("track_total_hits must not be negative")
        compiled = compile_query(kind, query)
        keys = sort_keys(kind, query, compiled)
        selection = self._select(kind, query, compiled)
        if selection is not None:
            return self._search_selected(kind, query, compiled, keys, selection)
        # a relevance score only when relevance orders the page (as Elasticsearch without track_scores)
        score = f"-{compiled.score}" if _scored(query, compiled) else "NULL"
        select_keys = "".join(f", {key.expr} AS k{index}" for index, key in enumerate(keys))
        key_params = [param for key in keys for param in key.params]
        aliases = [SortKey(f"k{index}", key.ascending) for index, key in enumerate(keys)]
        order = ", ".join(f"{key.expr} {'ASC' if key.ascending else 'DESC'}" for key in aliases)
        cursor_sql, cursor_params = "", list[Any]()
        if query.cursor:
            condition, cursor_params = after_sql(aliases, decode_cursor(query.cursor, len(keys)))
            cursor_sql = f"WHERE {condition}"
        from_sql, where, params = compiled.from_sql, compiled.where_sql, [*key_params, *compiled.params]
        cap = query.track_total_hits
        if cap is not None and compiled.fts_only:
            # the relevance page is ranked among the matches collected: never collect fewer than it ranks
            cap = max(cap, self.rank_window, query.offset + query.size + 1) if self.rank_window else None
        total = self._match(kind, compiled, cap) if compiled.has_text else None
        if compiled.fts_only and total is not None:
            if query.filters:  # the matches are known: rank from the FTS table, probing them
                from_sql = compiled.fts_name
                where = f"{compiled.where[0]} AND +{compiled.rowid} IN (SELECT rid FROM temp.vigil_m)"
                params = [*key_params, compiled.params[0]]
            window = max(self.rank_window, query.offset + query.size + 1)
            if self.rank_window and total > window:
                # many matches: rank the `window` most recently indexed ones (the total stays exact)
                bound = self._read(
                    "SELECT rid FROM temp.vigil_m ORDER BY rid DESC LIMIT 1 OFFSET ?", [window - 1]
                )
                where += f" AND {compiled.rowid} >= ?"
                params.append(bound[0][0])
        offset = 0 if query.cursor else query.offset
        cursor_and = f" AND {cursor_sql[6:]}" if cursor_sql else ""
        sql = (
            f"SELECT {compiled.rowid} AS rid, {score} AS score{select_keys} FROM {from_sql} "
            f"WHERE {where}{cursor_and} ORDER BY {order} LIMIT ? OFFSET ?"
        )
        rows = self._read(sql, [*params, *cursor_params, query.size + 1, offset])
        more = len(rows) > query.size
        rows = rows[: query.size]
        n_keys = len(keys)
        if total is None:
            total = self._count(compiled, cap)
        lower_bound = cap is not None and total > cap
        total = min(total, cap) if cap is not None else total
        page = [(row[0], row[1], list(row[2 : 2 + n_keys])) for row in rows]
        return self._page(kind, query, compiled, page, more, total, lower_bound)

    def _page(
        self,
        kind: Kind,
        query: SearchQuery,
        compiled: Compiled,
        rows: list[tuple[int, float | None, list[Any]]],
        more: bool,
        total: int,
        lower_bound: bool,
    ) -> SearchPage:
        """The page's documents for rows of (rid, score, sort values)."""
        docs = self._docs(kind, [row[0] for row in rows])
        hits = [Hit(id=docs[row[0]][0], source=orjson.loads(docs[row[0]][1]), score=row[1]) for row in rows]
        if query.highlight and compiled.clauses:
            fields = query.text_fields or TEXT_FIELDS[kind]
            for hit in hits:
                hit.highlights = _highlights(hit.source, fields, compiled)
        next_cursor = encode_cursor(rows[-1][2]) if more and rows else None
        return SearchPage(hits=hits, total=total, next_cursor=next_cursor, total_is_lower_bound=lower_bound)

    # -- the in-memory columns (store.sqlite_fast) ---------------------------------------------

    def warm(self) -> None:
        """Load what article searches hold in memory (time and facet columns, the entity and
        watchlist lists) now, so that the first search after a start does not wait for it
        (~0.6 s per 100,000 articles). The API calls it in a background thread at start."""
        query = SearchQuery()
        selection = self._select(Kind.articles, query, compile_query(Kind.articles, query))
        if selection is not None:
            for name in ("entities.text", "watchlists"):
                selection.cache.multi(self._conn(), selection.version, name)

    def _select(
        self, kind: Kind, query: SearchQuery, compiled: Compiled, aggregations: Sequence[Aggregation] = ()
    ) -> sqlite_fast.Selection | None:
        """The query's rids from the in-memory columns, or None: the query (or the kind) is not held."""
        match = compiled.params[0] if compiled.has_text else None
        if not self.hold_columns or not sqlite_fast.plan(kind, query, match, aggregations):
            return None
        if self._columns is None or self._columns[0] != os.getpid():
            self._columns = (os.getpid(), {one: ColumnCache(one) for one in Kind})
        try:
            return sqlite_fast.select(self._conn(), self._columns[1][kind], kind, query, match)
        except sqlite3.OperationalError as exc:
            if "fts5" in str(exc) or "syntax" in str(exc):
                raise InvalidQuery(f"the store could not run this query: {exc}") from exc
            raise StoreUnavailable(f"reading the SQLite store {self.path} failed: {exc}") from exc

    def _search_selected(
        self,
        kind: Kind,
        query: SearchQuery,
        compiled: Compiled,
        keys: list[SortKey],
        selection: sqlite_fast.Selection,
    ) -> SearchPage:
        """`search` over the rids the columns selected (same results, cursors and totals as SQL)."""
        matched = len(selection.rids)
        cap = query.track_total_hits
        if cap is not None and compiled.fts_only:
            cap = max(cap, self.rank_window, query.offset + query.size + 1) if self.rank_window else None
        lower_bound = cap is not None and matched > cap
        total = min(matched, cap) if cap is not None else matched
        offset = 0 if query.cursor else query.offset
        page: list[tuple[int, float | None, list[Any]]]
        if compiled.fts_only:  # relevance: bm25 (read once per text) over the most recent `window` matches
            window = max(self.rank_window, query.offset + query.size + 1) if self.rank_window else 0
            ascending = keys[0].ascending
            page = list(
                sqlite_fast.relevance_page(
                    self._conn(), selection, kind, window, ascending, query.cursor, offset, query.size
                )
            )
        else:  # by time: ordered from the columns (no relevance score, see _scored)
            descending = query.sort[0].descending if query.sort else True
            rids, sort_values = sqlite_fast.time_page(selection, descending, query.cursor, offset, query.size)
            page = [(rid, None, values) for rid, values in zip(rids, sort_values, strict=True)]
        more = len(page) > query.size
        return self._page(kind, query, compiled, page[: query.size], more, total, lower_bound)

    def _count(self, compiled: Compiled, cap: int | None) -> int:
        """How many rows match (no text); with a `cap`, counting stops after cap + 1."""
        select = f"SELECT 1 FROM {compiled.from_sql} WHERE {compiled.where_sql}"
        if cap is None:
            return int(self._read(f"SELECT count(*) FROM ({select})", compiled.params)[0][0])
        return int(self._read(f"SELECT count(*) FROM ({select} LIMIT ?)", [*compiled.params, cap + 1])[0][0])

    def _match(self, kind: Kind, compiled: Compiled, cap: int | None = None) -> int:
        """Collect the rids matching `compiled` into temp.vigil_m (per connection); returns how many.

        With a `cap`, only the cap + 1 most recently indexed matches are collected (the relevance
        window ranks those anyway): a count above `cap` then means "more than cap".

        A search page, its count and its facets ask the same question: the last answer is kept
        until the query or the data changes (`PRAGMA data_version` sees other connections' commits).
        """
        conn = self._conn()
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        key = (
            kind,
            compiled.from_sql,
            compiled.where_sql,
            repr(compiled.params),
            version,
            self._local.writes,
            cap,
        )
        if getattr(self._local, "match_key", None) == key:
            return int(self._local.match_total)
        try:
            conn.execute(MATCHES)
            conn.execute("DELETE FROM temp.vigil_m")
            # when the main table is joined anyway (filters), keep the matches' time and facets too:
            # their facets are then counted from this small table without a second lookup each
            joined = f"{kind.value} t" in compiled.from_sql
            facets = "".join(f", f{index}" for index in range(len(FACETS[kind]))) if joined else ""
            selected = "".join(f", t.f{index}" for index in range(len(FACETS[kind]))) if joined else ""
            inserted = conn.execute(
                f"INSERT INTO temp.vigil_m(rid{', ts' if joined else ''}{facets}) "
                f"SELECT {compiled.rowid}{', t.ts' if joined else ''}{selected} FROM {compiled.from_sql} "
                f"WHERE {compiled.where_sql}"
                + ("" if cap is None else f" ORDER BY {compiled.rowid} DESC LIMIT {int(cap) + 1}"),
                compiled.params,
            )
            total = int(inserted.rowcount)
        except sqlite3.OperationalError as exc:
            self._local.match_key = None
            if "fts5" in str(exc) or "syntax" in str(exc):
                raise InvalidQuery(f"the store could not run this query: {exc}") from exc
            raise StoreUnavailable(f"reading the SQLite store {self.path} failed: {exc}") from exc
        self._local.match_key, self._local.match_total = key, total
        self._local.match_facets = joined
        return total

    def _docs(self, kind: Kind, rids: list[int]) -> dict[int, tuple[str, str]]:
        if not rids:
            return {}
        marks = ",".join("?" * len(rids))
        k = kind.value
        rows = self._read(
            f"SELECT t.rid, t.id, d.doc FROM {k} t JOIN {k}_doc d ON d.rid = t.rid WHERE t.rid IN ({marks})",
            rids,
        )
        return {rid: (doc_id, doc) for rid, doc_id, doc in rows}

    def aggregate(
        self, kind: Kind, query: SearchQuery, aggregations: Sequence[Aggregation]
    ) -> dict[str, AggResult]:
        compiled = compile_query(kind, query)
        selection = self._select(kind, query, compiled, aggregations)
        if selection is not None:
            return sqlite_fast.aggregate(self._conn(), selection, kind, aggregations)
        if compiled.has_text:
            self._match(kind, compiled)
        source = sources(kind, compiled.has_text, compiled.where_sql, compiled.params)
        if compiled.has_text and self._local.match_facets:
            source.facets_from = "temp.vigil_m t"
        try:
            return aggregate(self._conn(), kind, source, aggregations)
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"reading the SQLite store {self.path} failed: {exc}") from exc

    # -- records -------------------------------------------------------------------------------

    def put_records(self, kind: RecordKind, records: dict[str, dict[str, Any]]) -> None:
        rows = [(kind.value, key, json.dumps(doc, ensure_ascii=False)) for key, doc in records.items()]
        with self._write() as conn:
            conn.executemany("INSERT OR REPLACE INTO records(kind, id, doc) VALUES (?, ?, ?)", rows)

    def get_record(self, kind: RecordKind, record_id: str) -> dict[str, Any] | None:
        rows = self._read("SELECT doc FROM records WHERE kind = ? AND id = ?", (kind.value, record_id))
        return json.loads(rows[0][0]) if rows else None

    def list_records(self, kind: RecordKind, limit: int = 1000) -> list[dict[str, Any]]:
        rows = self._read("SELECT doc FROM records WHERE kind = ? ORDER BY id LIMIT ?", (kind.value, limit))
        return [json.loads(row[0]) for row in rows]

    def delete_record(self, kind: RecordKind, record_id: str) -> bool:
        with self._write() as conn:
            cursor = conn.execute("DELETE FROM records WHERE kind = ? AND id = ?", (kind.value, record_id))
            return cursor.rowcount > 0

    def stats(self) -> dict[str, int]:
        return {kind.value: int(self._read(f"SELECT count(*) FROM {kind.value}")[0][0]) for kind in Kind}


def _scored(query: SearchQuery, compiled: Compiled) -> bool:
    """Whether hits carry a relevance score: a text query ordered by relevance (first or later)."""
    return compiled.has_text and (not query.sort or any(item.field == "_score" for item in query.sort))


def _ready(doc: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The ToDocument of items that already are documents."""
    return "", doc


def _highlights(source: dict[str, Any], fields: Sequence[str], compiled: Compiled) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in fields:
        fragments: list[str] = []
        for value in values_at(source, name):
            if isinstance(value, str):
                fragments.extend(highlight(value, compiled.clauses))
        if fragments:
            out[name] = fragments
    return out
