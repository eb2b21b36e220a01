"""Searches, counts and aggregations of the SQLite store: from the in-memory columns when they can
answer (`store.sqlite_columns`, `store.sqlite_fast`), otherwise in SQL (`store.sqlite_query`), with
the same results, cursors and totals."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson

from store.cursor import decode_cursor, encode_cursor
from store.documents import values_at
from store.errors import InvalidQuery, StoreUnavailable
from store.query import TEXT_FIELDS, Aggregation, AggResult, Hit, Kind, SearchPage, SearchQuery
from store.sqlite_aggs import aggregate, sources
from store.sqlite_conn import Connections
from store.sqlite_query import (
    FACETS,
    HELD_KINDS,
    Compiled,
    SortKey,
    after_sql,
    compile_query,
    sort_keys,
)
from store.textsearch import highlight

if TYPE_CHECKING:  # numpy (~0.1 s to import) only once a held kind (articles) is queried: not to ingest logs
    from store import sqlite_fast
    from store.sqlite_columns import ColumnCache

# the matches of the last text query (per connection): rid, and time + facets when known
MATCHES = (
    "CREATE TEMP TABLE IF NOT EXISTS vigil_m (rid INTEGER PRIMARY KEY, ts"
    + "".join(f", f{index}" for index in range(max(len(names) for names in FACETS.values())))
    + ")"
)


class Searcher:
    """The read side of one `SqliteStore` (see its `__init__` for `rank_window` and `hold_columns`)."""

    def __init__(self, conns: Connections, rank_window: int, hold_columns: bool) -> None:
        self.conns = conns
        self.rank_window = rank_window
        self.hold_columns = hold_columns
        self._columns: tuple[int, dict[Kind, ColumnCache]] | None = None  # (pid, per kind)

    def count(self, kind: Kind, query: SearchQuery) -> int:
        compiled = compile_query(kind, query)
        selection = self._select(kind, query, compiled)
        if selection is not None:
            return len(selection.rids)
        if compiled.has_text:
            return self._match(kind, compiled)
        rows = self.conns.read(
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
                bound = self.conns.read(
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
        rows = self.conns.read(sql, [*params, *cursor_params, query.size + 1, offset])
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
                selection.cache.multi(self.conns.conn(), selection.version, name)

    def _select(
        self, kind: Kind, query: SearchQuery, compiled: Compiled, aggregations: Sequence[Aggregation] = ()
    ) -> sqlite_fast.Selection | None:
        """The query's rids from the in-memory columns, or None: the query (or the kind) is not held."""
        if not self.hold_columns or kind not in HELD_KINDS:
            return None
        from store import sqlite_fast  # lazy: numpy, only once a held kind is queried
        from store.sqlite_columns import ColumnCache  # lazy: numpy, as above

        match = compiled.params[0] if compiled.has_text else None
        if not sqlite_fast.plan(kind, query, match, aggregations):
            return None
        if self._columns is None or self._columns[0] != os.getpid():
            self._columns = (os.getpid(), {one: ColumnCache(one) for one in Kind})
        try:
            return sqlite_fast.select(self.conns.conn(), self._columns[1][kind], kind, query, match)
        except sqlite3.OperationalError as exc:
            if "fts5" in str(exc) or "syntax" in str(exc):
                raise InvalidQuery(f"the store could not run this query: {exc}") from exc
            raise StoreUnavailable(f"reading the SQLite store {self.conns.path} failed: {exc}") from exc

    def _search_selected(
        self,
        kind: Kind,
        query: SearchQuery,
        compiled: Compiled,
        keys: list[SortKey],
        selection: sqlite_fast.Selection,
    ) -> SearchPage:
        """`search` over the rids the columns selected (same results, cursors and totals as SQL)."""
        from store import sqlite_fast  # lazy: numpy, only once a held kind is queried

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
                    self.conns.conn(), selection, kind, window, ascending, query.cursor, offset, query.size
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
            return int(self.conns.read(f"SELECT count(*) FROM ({select})", compiled.params)[0][0])
        return int(
            self.conns.read(f"SELECT count(*) FROM ({select} LIMIT ?)", [*compiled.params, cap + 1])[0][0]
        )

    def _match(self, kind: Kind, compiled: Compiled, cap: int | None = None) -> int:
        """Collect the rids matching `compiled` into temp.vigil_m (per connection); returns how many.

        With a `cap`, only the cap + 1 most recently indexed matches are collected (the relevance
        window ranks those anyway): a count above `cap` then means "more than cap".

        A search page, its count and its facets ask the same question: the last answer is kept
        until the query or the data changes (`PRAGMA data_version` sees other connections' commits).
        """
        conn = self.conns.conn()
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        key = (
            kind,
            compiled.from_sql,
            compiled.where_sql,
            repr(compiled.params),
            version,
            self.conns.local.writes,
            cap,
        )
        if getattr(self.conns.local, "match_key", None) == key:
            return int(self.conns.local.match_total)
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
            self.conns.local.match_key = None
            if "fts5" in str(exc) or "syntax" in str(exc):
                raise InvalidQuery(f"the store could not run this query: {exc}") from exc
            raise StoreUnavailable(f"reading the SQLite store {self.conns.path} failed: {exc}") from exc
        self.conns.local.match_key, self.conns.local.match_total = key, total
        self.conns.local.match_facets = joined
        return total

    def _docs(self, kind: Kind, rids: list[int]) -> dict[int, tuple[str, str]]:
        if not rids:
            return {}
        marks = ",".join("?" * len(rids))
        k = kind.value
        rows = self.conns.read(
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
            from store import sqlite_fast  # lazy: numpy, only once a held kind is queried

            return sqlite_fast.aggregate(self.conns.conn(), selection, kind, aggregations)
        if compiled.has_text:
            self._match(kind, compiled)
        source = sources(kind, compiled.has_text, compiled.where_sql, compiled.params)
        if compiled.has_text and self.conns.local.match_facets:
            source.facets_from = "temp.vigil_m t"
        try:
            return aggregate(self.conns.conn(), kind, source, aggregations)
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"reading the SQLite store {self.conns.path} failed: {exc}") from exc


def _scored(query: SearchQuery, compiled: Compiled) -> bool:
    """Whether hits carry a relevance score: a text query ordered by relevance (first or later)."""
    return compiled.has_text and (not query.sort or any(item.field == "_score" for item in query.sort))


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
