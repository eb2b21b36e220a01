"""The SQLite store's time and facet columns held in memory (numpy arrays indexed by rid).

The searches the API runs most (words + outlet/topic/tone/entity/date filters, a page by relevance
or date, counts per outlet/topic/entity/day) spend most of their time in SQLite looking up each text
match's row to test its filters and count its facets: ~1 µs a match, and a common Vietnamese
syllable matches half of the articles. Held as arrays, the same filters and counts are a few vector
operations over the matches. Elasticsearch keeps such doc values in memory for the same reason.

What is held, per kind and per process, rebuilt when the kind's documents change (a counter in
`meta` that every write bumps in its transaction; other kinds' writes leave it alone):
- `Columns`: time (`ts`) and each facet as integer codes, by rid;
- `MultiColumn`: one multi-valued keyword field (entities.text, watchlists …), loaded on first use;
- the rids matching a full-text expression (most recent queries, bounded in total size).
Kinds with more than MAX_ROWS documents are not held (security events can be tens of millions):
their searches run in SQL only.
"""

from __future__ import annotations

import sqlite3
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from store.query import Kind
from store.sqlite_query import FACETS, NULL_DESC

MAX_ROWS = 2_000_000  # above this many documents (by highest rid) a kind is searched in SQL only
MAX_CACHED_MATCHES = 4_000_000  # matches kept over all cached text queries (16 bytes each)
MIN_BM25_READ = 2048  # bm25 is first read for this many of a text's most recent matches

IntArray = npt.NDArray[np.int64]


def changes_key(kind: Kind) -> str:
    """The `meta` key counting writes to the kind's documents (bumped by `sqlite_write`)."""
    return f"changes:{kind.value}"


def read_changes(conn: sqlite3.Connection, kind: Kind) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (changes_key(kind),)).fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class Columns:
    """Time and facets of one kind, by rid (`present[rid]` is False for rids with no document)."""

    changes: int
    present: npt.NDArray[np.bool_]
    ts: npt.NDArray[np.float64]  # NULL_DESC where the document has no time
    codes: tuple[npt.NDArray[np.int32], ...]  # per facet (FACETS order): a code per rid, -1 if missing
    values: tuple[list[Any], ...]  # per facet: the value of each code
    index: tuple[dict[Any, int], ...]  # per facet: the code of each value

    @property
    def size(self) -> int:
        return len(self.present)


@dataclass(frozen=True)
class MultiColumn:
    """One multi-valued field: (rid, code) pairs in rid order, and the rids of each code (postings)."""

    changes: int
    pair_rids: IntArray
    pair_codes: npt.NDArray[np.int32]
    values: list[Any]
    index: dict[Any, int]
    postings_rids: IntArray  # pair rids grouped by code (code order), rid order within a code
    postings_start: IntArray  # postings of code c: postings_rids[start[c]:start[c + 1]]

    def rids_of(self, code: int) -> IntArray:
        return self.postings_rids[self.postings_start[code] : self.postings_start[code + 1]]


@dataclass
class TextMatch:
    """The rids matching one FTS5 expression (ascending) and, for a suffix of them, their bm25.

    bm25 is what FTS5 computes in SQL (lower is better), read for the most recent matches first and
    extended to older ones only when a relevance window reaches them: one statement per extension,
    instead of one ranking statement per search (each of which re-counts every term's documents).
    """

    rids: IntArray
    bm25: npt.NDArray[np.float64]  # by position in `rids`; NaN where not read yet
    scored_from: int  # the position from which `bm25` is read
    lock: threading.Lock

    def ensure_bm25(self, conn: sqlite3.Connection, kind: Kind, match: str, lowest: int) -> None:
        """Read bm25 for every match with rid >= `lowest` (at least doubling what is read)."""
        position = int(np.searchsorted(self.rids, lowest))
        if position >= self.scored_from:
            return
        with self.lock:
            if position >= self.scored_from:
                return
            read = len(self.rids) - self.scored_from
            start = max(0, min(position, len(self.rids) - max(2 * read, MIN_BM25_READ)))
            k = kind.value
            sql = f"SELECT rowid, bm25({k}_fts) FROM {k}_fts WHERE {k}_fts MATCH ? AND rowid >= ?"
            params: list[Any] = [match, int(self.rids[start])]
            if self.scored_from < len(self.rids):
                sql += " AND rowid < ?"
                params.append(int(self.rids[self.scored_from]))
            rows = conn.execute(sql, params).fetchall()
            if rows:
                found = np.array([row[0] for row in rows], dtype=np.int64)
                values = np.array([row[1] for row in rows], dtype=np.float64)
                at = np.minimum(np.searchsorted(self.rids, found), len(self.rids) - 1)
                known = self.rids[at] == found  # not a match committed after `rids` was read
                self.bm25[at[known]] = values[known]
            self.scored_from = start


class ColumnCache:
    """One kind's columns, multi-valued fields and text matches for one process (thread-safe)."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind
        self._lock = threading.Lock()
        self._columns: Columns | None = None
        self._too_big_at: int | None = None  # the `changes` at which the kind had too many rows
        self._multi: dict[str, MultiColumn] = {}
        self._texts: OrderedDict[tuple[str, int], TextMatch] = OrderedDict()
        self._text_size = 0

    def columns(self, conn: sqlite3.Connection, changes: int) -> Columns | None:
        """The columns as of `changes`, loaded if stale; None when the kind is too big to hold."""
        current = self._columns
        if current is not None and current.changes == changes:
            return current
        if self._too_big_at == changes:
            return None
        with self._lock:
            if self._columns is not None and self._columns.changes == changes:
                return self._columns
            loaded = _load_columns(conn, self.kind, changes)
            if loaded is None:
                self._too_big_at = changes
                return None
            self._columns = loaded
            self._multi = {name: multi for name, multi in self._multi.items() if multi.changes == changes}
            return loaded

    def multi(self, conn: sqlite3.Connection, changes: int, field: str) -> MultiColumn:
        current = self._multi.get(field)
        if current is not None and current.changes == changes:
            return current
        with self._lock:
            loaded = _load_multi(conn, self.kind, changes, field)
            self._multi[field] = loaded
            return loaded

    def text(self, conn: sqlite3.Connection, changes: int, match: str) -> TextMatch:
        """The matches of the FTS5 expression `match`."""
        key = (match, changes)
        with self._lock:
            found = self._texts.get(key)
            if found is not None:
                self._texts.move_to_end(key)
                return found
        rids = _fts_rids(conn, self.kind, match)
        text = TextMatch(rids, np.full(len(rids), np.nan), len(rids), threading.Lock())
        with self._lock:
            text = self._texts.setdefault(key, text)
            if text.rids is rids:
                self._text_size += len(rids)
            while self._texts and (self._text_size > MAX_CACHED_MATCHES or len(self._texts) > 256):
                _, dropped = self._texts.popitem(last=False)
                self._text_size -= len(dropped.rids)
        return text


def _load_columns(conn: sqlite3.Connection, kind: Kind, changes: int) -> Columns | None:
    k = kind.value
    top = conn.execute(f"SELECT max(rid) FROM {k}").fetchone()[0] or 0
    if top > MAX_ROWS:
        return None
    facets = "".join(f", f{index}" for index in range(len(FACETS[kind])))
    rows = conn.execute(f"SELECT rid, ts{facets} FROM {k} INDEXED BY {k}_by_rid").fetchall()
    size = top + 1
    present = np.zeros(size, dtype=np.bool_)
    ts = np.full(size, NULL_DESC, dtype=np.float64)
    codes: list[npt.NDArray[np.int32]] = []
    values: list[list[Any]] = []
    indexes: list[dict[Any, int]] = []
    if rows:
        columns = list(zip(*rows, strict=True))
        rids = np.fromiter(columns[0], dtype=np.int64, count=len(rows))
        present[rids] = True
        ts[rids] = np.array([NULL_DESC if value is None else value for value in columns[1]], dtype=np.float64)
        facet_columns = columns[2:]
    else:
        rids = np.zeros(0, dtype=np.int64)
        facet_columns = [() for _ in FACETS[kind]]
    for column in facet_columns:
        index: dict[Any, int] = {}
        setdefault = index.setdefault
        coded = [setdefault(value, len(index)) for value in column]
        by_code = np.fromiter(coded, dtype=np.int32, count=len(coded))
        missing = index.pop(None, None)
        ordered = sorted(index, key=index.__getitem__)
        renumber = np.arange(len(ordered) + (missing is not None), dtype=np.int32)
        if missing is not None:  # codes above the missing one shift down; missing becomes -1
            renumber[missing] = -1
            renumber[missing + 1 :] -= 1
        full = np.full(size, -1, dtype=np.int32)
        full[rids] = renumber[by_code] if len(by_code) else by_code
        codes.append(full)
        values.append(ordered)
        indexes.append({value: code for code, value in enumerate(ordered)})
    return Columns(changes, present, ts, tuple(codes), tuple(values), tuple(indexes))


def _load_multi(conn: sqlite3.Connection, kind: Kind, changes: int, field: str) -> MultiColumn:
    # k_kv's primary key (field, value, rid): the pairs come grouped by value, rids ascending
    rows = conn.execute(f"SELECT value, rid FROM {kind.value}_kv WHERE field = ?", (field,)).fetchall()
    values: list[Any] = []
    index: dict[Any, int] = {}
    starts: list[int] = []
    coded: list[int] = []
    for position, (value, _rid) in enumerate(rows):
        code = index.get(value)
        if code is None:
            code = index[value] = len(values)
            values.append(value)
            starts.append(position)
        coded.append(code)
    starts.append(len(rows))
    postings = np.fromiter((rid for _value, rid in rows), dtype=np.int64, count=len(rows))
    codes = np.fromiter(coded, dtype=np.int32, count=len(coded))
    order = np.argsort(postings, kind="stable")
    return MultiColumn(
        changes,
        pair_rids=postings[order],
        pair_codes=codes[order],
        values=values,
        index=index,
        postings_rids=postings,
        postings_start=np.array(starts, dtype=np.int64),
    )


def _fts_rids(conn: sqlite3.Connection, kind: Kind, match: str) -> IntArray:
    """Rids matching `match`: concatenated in SQLite (one string) and parsed by numpy, which is
    ~3x faster than one Python tuple per match."""
    k = kind.value
    text = conn.execute(
        f"SELECT group_concat(rowid) FROM {k}_fts WHERE {k}_fts MATCH ?", (match,)
    ).fetchone()[0]
    if not text:
        return np.zeros(0, dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the text mode of fromstring
        rids = np.fromstring(text, dtype=np.int64, sep=",")
    rids.sort()
    return rids
