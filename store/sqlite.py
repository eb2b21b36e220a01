"""The embedded store: one SQLite file (standard-library sqlite3, WAL, FTS5), same semantics as Elasticsearch.

Several processes may use the file at once (the crawler writes from a child process while the API
reads): WAL lets readers run beside one writer, writes take the lock up front (BEGIN IMMEDIATE) and
wait up to `busy_timeout` for it. Each thread (and each forked process) gets its own connection.
The table layout is described in `store.sqlite_query`.
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

from store.documents import (
    article_document,
    article_from,
    as_epoch,
    event_document,
    event_from,
    incident_document,
    incident_from,
    leaves,
    values_at,
)
from store.errors import Conflict, InvalidQuery, NotFound, StoreUnavailable
from store.models import Article, Incident, SecurityEvent
from store.query import (
    TEXT_FIELDS,
    TIME_FIELD,
    Aggregation,
    AggResult,
    AvgAgg,
    Bucket,
    BulkResult,
    DateHistogramAgg,
    Hit,
    Kind,
    RecordKind,
    SearchPage,
    SearchQuery,
    TermsAgg,
)
from store.sqlite_query import (
    LONG_TEXT,
    Compiled,
    after_sql,
    bucket_key,
    bucket_sql,
    compile_query,
    decode_cursor,
    encode_cursor,
    in_network,
    sort_keys,
    text_columns,
    zone_offset,
)
from store.textsearch import highlight, index_form

SCHEMA_VERSION = 1
_EMPTY = b""  # k_kv value of a long string: it exists, but is not a term


def _schema(kind: Kind) -> list[str]:
    k = kind.value
    columns = ", ".join(text_columns(kind))
    return [
        f"CREATE TABLE IF NOT EXISTS {k} (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
        "doc TEXT NOT NULL, ts REAL, version INTEGER NOT NULL DEFAULT 1)",
        f"CREATE INDEX IF NOT EXISTS {k}_ts ON {k}(ts)",
        f"CREATE TABLE IF NOT EXISTS {k}_kv (field TEXT NOT NULL, value NOT NULL, num REAL, "
        "rid INTEGER NOT NULL, PRIMARY KEY (field, value, rid)) WITHOUT ROWID",
        f"CREATE INDEX IF NOT EXISTS {k}_kv_rid ON {k}_kv(rid, field)",
        f"CREATE INDEX IF NOT EXISTS {k}_kv_num ON {k}_kv(field, num) WHERE num IS NOT NULL",
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {k}_fts USING fts5({columns}, "
        "tokenize = 'unicode61 remove_diacritics 2')",
    ]


_RECORDS = (
    "CREATE TABLE IF NOT EXISTS records (kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, "
    "PRIMARY KEY (kind, id)) WITHOUT ROWID"
)


class SqliteStore:
    """The `Store` protocol over one SQLite file; call `init()` once after opening."""

    def __init__(self, path: str | Path, busy_timeout_ms: int = 30_000) -> None:
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    # -- connections ---------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            return conn
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except (sqlite3.OperationalError, OSError) as exc:
            raise StoreUnavailable(f"cannot open the SQLite store {self.path}: {exc}") from exc
        conn.create_function("vigil_in_network", 2, in_network, deterministic=True)
        self._local.conn = conn
        self._local.pid = os.getpid()
        with self._lock:
            self._all.append(conn)
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"the SQLite store {self.path} stays locked: {exc}") from exc
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "fts5" in str(exc) or "syntax" in str(exc):
                raise InvalidQuery(f"the store could not run this query: {exc}") from exc
            raise StoreUnavailable(f"reading the SQLite store {self.path} failed: {exc}") from exc

    # -- lifecycle -----------------------------------------------------------------------------

    def init(self) -> None:
        with self._write() as conn:
            for kind in Kind:
                for statement in _schema(kind):
                    conn.execute(statement)
            conn.execute(_RECORDS)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def ping(self) -> bool:
        try:
            return self._conn().execute("SELECT 1").fetchone() == (1,)
        except (sqlite3.Error, StoreUnavailable):
            return False

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
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
        return self._index(Kind.articles, [article_document(article) for article in articles])

    def index_events(self, events: Sequence[SecurityEvent]) -> BulkResult:
        return self._index(Kind.events, [event_document(event) for event in events])

    def index_incidents(self, incidents: Sequence[Incident]) -> BulkResult:
        return self._index(Kind.incidents, [incident_document(incident) for incident in incidents])

    def _index(self, kind: Kind, items: list[tuple[str, dict[str, Any]]]) -> BulkResult:
        """Insert or replace documents by id: re-indexing the same id leaves one document."""
        if not items:
            return BulkResult()
        latest = dict(items)  # the same id twice in a batch: the last one wins
        k = kind.value
        with self._write() as conn:
            ids = list(latest)
            existing: dict[str, int] = {}
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                existing.update(conn.execute(f"SELECT id, rid FROM {k} WHERE id IN ({marks})", chunk))
            if existing:
                old = [(rid,) for rid in existing.values()]
                conn.executemany(f"DELETE FROM {k} WHERE rid = ?", old)
                conn.executemany(f"DELETE FROM {k}_kv WHERE rid = ?", old)
                conn.executemany(f"DELETE FROM {k}_fts WHERE rowid = ?", old)
            next_rid = (conn.execute(f"SELECT max(rid) FROM {k}").fetchone()[0] or 0) + 1
            rows: list[tuple[Any, ...]] = []
            kv_rows: list[tuple[Any, ...]] = []
            fts_rows: list[tuple[Any, ...]] = []
            for doc_id, doc in latest.items():
                rid = existing.get(doc_id)
                if rid is None:
                    rid, next_rid = next_rid, next_rid + 1
                stamp = values_at(doc, TIME_FIELD[kind])
                version = doc.get("version", 1) if kind is Kind.incidents else 1
                rows.append((rid, doc_id, json.dumps(doc, ensure_ascii=False), _epoch(stamp), version))
                kv_rows.extend(_kv_rows(rid, doc))
                texts = ["\n".join(map(str, values_at(doc, name))) for name in TEXT_FIELDS[kind]]
                fts_rows.append((rid, *[index_form(text) for text in texts]))
            conn.executemany(f"INSERT INTO {k}(rid, id, doc, ts, version) VALUES (?, ?, ?, ?, ?)", rows)
            conn.executemany(
                f"INSERT OR IGNORE INTO {k}_kv(field, value, num, rid) VALUES (?, ?, ?, ?)", kv_rows
            )
            columns = ", ".join(text_columns(kind))
            marks = ", ".join("?" * (len(TEXT_FIELDS[kind]) + 1))
            conn.executemany(f"INSERT INTO {k}_fts(rowid, {columns}) VALUES ({marks})", fts_rows)
        return BulkResult(indexed=len(latest))

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
        self._index(Kind.incidents, [incident_document(updated)])
        return updated

    # -- reads ---------------------------------------------------------------------------------

    def _get(self, kind: Kind, doc_id: str) -> dict[str, Any] | None:
        rows = self._read(f"SELECT doc FROM {kind.value} WHERE id = ?", (doc_id,))
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
        rows = self._read(
            f"SELECT count(*) FROM {compiled.from_sql} WHERE {compiled.where_sql}", compiled.params
        )
        return int(rows[0][0])

    def search(self, kind: Kind, query: SearchQuery) -> SearchPage:
        if query.size < 0 or query.offset < 0:
            raise InvalidQuery("size and offset must not be negative")
        compiled = compile_query(kind, query)
        keys = sort_keys(kind, query, compiled)
        where, params = list(compiled.where), list(compiled.params)
        if query.cursor:
            condition, extra = after_sql(keys, decode_cursor(query.cursor, len(keys)))
            where.append(condition)
            params.extend(extra)
        score = f"-bm25({kind.value}_fts)" if compiled.has_text else "NULL"
        select_keys = ", ".join(key.expr for key in keys)
        key_params = [param for key in keys for param in key.params]
        order = ", ".join(f"{key.expr} {'ASC' if key.ascending else 'DESC'}" for key in keys)
        offset = 0 if query.cursor else query.offset
        sql = (
            f"SELECT t.id, t.doc, {score}, {select_keys} FROM {compiled.from_sql} "
            f"WHERE {' AND '.join(where) or '1'} ORDER BY {order} LIMIT ? OFFSET ?"
        )
        rows = self._read(sql, [*key_params, *params, *key_params, query.size + 1, offset])
        more = len(rows) > query.size
        rows = rows[: query.size]
        hits = [Hit(id=row[0], source=json.loads(row[1]), score=row[2]) for row in rows]
        if query.highlight and compiled.clauses:
            fields = query.text_fields or TEXT_FIELDS[kind]
            for hit in hits:
                hit.highlights = _highlights(hit.source, fields, compiled)
        next_cursor = encode_cursor(list(rows[-1][3:])) if more and rows else None
        return SearchPage(hits=hits, total=self.count(kind, query), next_cursor=next_cursor)

    def aggregate(
        self, kind: Kind, query: SearchQuery, aggregations: Sequence[Aggregation]
    ) -> dict[str, AggResult]:
        compiled = compile_query(kind, query)
        matching = f"SELECT t.rid FROM {compiled.from_sql} WHERE {compiled.where_sql}"
        return {agg.name: self._aggregate_one(kind, compiled, matching, agg) for agg in aggregations}

    def _aggregate_one(self, kind: Kind, compiled: Compiled, matching: str, agg: Aggregation) -> AggResult:
        kv = f"{kind.value}_kv"
        params = compiled.params
        if isinstance(agg, TermsAgg):
            rows = self._read(
                f"SELECT value, count(*) AS n FROM {kv} WHERE field = ? AND typeof(value) != 'blob' "
                f"AND rid IN ({matching}) GROUP BY value ORDER BY n DESC, value LIMIT ?",
                [agg.field, *params, agg.size],
            )
            return AggResult(buckets=[Bucket(key=str(value), count=n) for value, n in rows])
        if isinstance(agg, AvgAgg):
            rows = self._read(
                f"SELECT avg(num) FROM {kv} WHERE field = ? AND num IS NOT NULL AND rid IN ({matching})",
                [agg.field, *params],
            )
            return AggResult(value=rows[0][0])
        if isinstance(agg, DateHistogramAgg):
            return self._histogram(kind, compiled, matching, agg)
        raise InvalidQuery(f"unsupported aggregation {agg!r}")

    def _histogram(self, kind: Kind, compiled: Compiled, matching: str, agg: DateHistogramAgg) -> AggResult:
        zone = zone_offset(agg.time_zone)
        offset = int(zone.utcoffset(None).total_seconds())
        kv = f"{kind.value}_kv"
        if agg.field == TIME_FIELD[kind]:
            source = (
                f"SELECT t.rid AS rid, t.ts AS v FROM {compiled.from_sql} "
                f"WHERE {compiled.where_sql} AND t.ts IS NOT NULL"
            )
            params = list(compiled.params)
        else:
            source = (
                f"SELECT rid, min(num) AS v FROM {kv} WHERE field = ? AND num IS NOT NULL "
                f"AND rid IN ({matching}) GROUP BY rid"
            )
            params = [agg.field, *compiled.params]
        bucket = bucket_sql(agg.interval, "s.v", offset)
        rows = self._read(f"SELECT {bucket} AS b, count(*) FROM ({source}) s GROUP BY b ORDER BY b", params)
        buckets = {start: Bucket(key=bucket_key(start, zone), count=n) for start, n in rows}
        if agg.split_by:
            split_rows = self._read(
                f"SELECT {bucket} AS b, k.value, count(*) FROM ({source}) s JOIN {kv} k "
                "ON k.rid = s.rid AND k.field = ? AND typeof(k.value) != 'blob' GROUP BY b, k.value",
                [*params, agg.split_by],
            )
            for start, value, n in split_rows:
                buckets[start].split[str(value)] = n
        return AggResult(buckets=list(buckets.values()))

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


def _epoch(values: list[Any]) -> float | None:
    for value in values:
        epoch = as_epoch(value)
        if epoch is not None:
            return epoch
    return None


def _kv_rows(rid: int, doc: dict[str, Any]) -> Iterator[tuple[str, Any, float | None, int]]:
    for path, value in leaves(doc):
        if isinstance(value, bool):
            yield path, int(value), None, rid
        elif isinstance(value, str) and len(value) > LONG_TEXT:
            yield path, _EMPTY, None, rid
        else:
            yield path, value, as_epoch(value), rid


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
