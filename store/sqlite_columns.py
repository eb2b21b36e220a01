"""The SQLite store's time and facet columns held in memory (numpy arrays indexed by rid).

The searches the API runs most (words + outlet/topic/tone/entity/date filters, a page by relevance
or date, counts per outlet/topic/entity/day) spend most of their time in SQLite looking up each text
match's row to test its filters and count its facets: ~1 µs a match, and a common Vietnamese
syllable matches half of the articles. Held as arrays, the same filters and counts are a few vector
operations over the matches. Elasticsearch keeps such doc values in memory for the same reason.

What is held, per kind and per process, brought up to date when the kind's documents change (two
counters in `meta`, bumped in the writing transaction: every write, and writes that replaced stored
documents; other kinds' writes leave them alone). New documents only (the usual case: crawls and
log ingestion append) are read alone and appended; a replaced document means a full reload.
- `Columns`: time (`ts`) and each facet as integer codes, by rid;
- `MultiColumn`: one multi-valued keyword field (entities.text, watchlists …), loaded on first use;
- the rids matching a full-text expression (most recent queries, bounded in total size).
Only the kinds in `sqlite_query.HELD_KINDS` (articles) are held, and not beyond MAX_ROWS documents:
other searches run in SQL.
"""

from __future__ import annotations

import sqlite3
import threading
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from store.query import Kind
from store.sqlite_query import FACETS, NULL_DESC
from store.sqlite_versions import Version

MAX_ROWS = 2_000_000  # above this many documents (by highest rid) a kind is searched in SQL only
MAX_CACHED_MATCHES = 4_000_000  # matches kept over all cached text queries (16 bytes each)
MIN_BM25_READ = 2048  # bm25 is first read for this many of a text's most recent matches

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Columns:
    """Time and facets of one kind, by rid (`present[rid]` is False for rids with no document)."""

    version: Version
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

    version: Version
    top: int  # the highest rid read
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
        self._too_big_at: Version | None = None  # the version at which the kind had too many rows
        self._multi: dict[str, MultiColumn] = {}
        self._texts: OrderedDict[tuple[str, Version], TextMatch] = OrderedDict()
        self._text_size = 0

    def columns(self, conn: sqlite3.Connection, version: Version) -> Columns | None:
        """The columns as of `version`, brought up to date if stale; None when the kind is too big."""
        current = self._columns
        if current is not None and current.version == version:
            return current
        if self._too_big_at == version:
            return None
        with self._lock:
            base = self._columns
            if base is not None and base.version == version:
                return base
            if base is not None and base.version[1] != version[1]:
                base = None  # documents were replaced: read everything again
            loaded = _load_columns(conn, self.kind, version, base)
            if loaded is None:
                self._too_big_at = version
                self._columns = None
                return None
            self._columns = loaded
            return loaded

    def multi(self, conn: sqlite3.Connection, version: Version, field: str) -> MultiColumn:
        current = self._multi.get(field)
        if current is not None and current.version == version:
            return current
        with self._lock:
            base = self._multi.get(field)
            if base is not None and base.version == version:
                return base
            if base is not None and base.version[1] != version[1]:
                base = None
            loaded = _load_multi(conn, self.kind, version, field, base)
            self._multi[field] = loaded
            return loaded

    def text(self, conn: sqlite3.Connection, version: Version, match: str) -> TextMatch:
        """The matches of the FTS5 expression `match`."""
        key = (match, version)
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


def _load_columns(
    conn: sqlite3.Connection, kind: Kind, version: Version, base: Columns | None
) -> Columns | None:
    """The columns at `version`: `base` plus the documents after its highest rid (all without a base)."""
    k = kind.value
    top = conn.execute(f"SELECT max(rid) FROM {k}").fetchone()[0] or 0
    if top > MAX_ROWS:
        return None
    after = base.size - 1 if base is not None else 0
    facets = "".join(f", f{index}" for index in range(len(FACETS[kind])))
    # up to `top`, read first: a document committed meanwhile is left for the next refresh
    rows = conn.execute(
        f"SELECT rid, ts{facets} FROM {k} INDEXED BY {k}_by_rid WHERE rid > ? AND rid <= ?", (after, top)
    ).fetchall()
    size = max(top, after) + 1
    present = np.zeros(size, dtype=np.bool_)
    ts = np.full(size, NULL_DESC, dtype=np.float64)
    if base is not None:
        present[: base.size] = base.present
        ts[: base.size] = base.ts
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in range(2 + len(FACETS[kind]))]
    rids = np.fromiter(columns[0], dtype=np.int64, count=len(rows))
    present[rids] = True
    ts[rids] = np.array([NULL_DESC if value is None else value for value in columns[1]], dtype=np.float64)
    codes: list[npt.NDArray[np.int32]] = []
    values: list[list[Any]] = []
    indexes: list[dict[Any, int]] = []
    for position, column in enumerate(columns[2:]):
        index = dict(base.index[position]) if base is not None else {}
        known = list(base.values[position]) if base is not None else []
        full = np.full(size, -1, dtype=np.int32)
        if base is not None:
            full[: base.size] = base.codes[position]
        full[rids] = _codes(column, index, known)
        codes.append(full)
        values.append(known)
        indexes.append(index)
    return Columns(version, present, ts, tuple(codes), tuple(values), tuple(indexes))


def _codes(column: Sequence[Any], index: dict[Any, int], values: list[Any]) -> npt.NDArray[np.int32]:
    """The code of each value (-1 for a missing one); new values are added to `index`/`values`.
    Built with dict.fromkeys and map (C loops): a Python call per value was most of a full load."""
    for value in dict.fromkeys(column):
        if value is not None and value not in index:
            index[value] = len(values)
            values.append(value)
    lookup = {**index, None: -1}
    return np.fromiter(map(lookup.__getitem__, column), dtype=np.int32, count=len(column))


def _load_multi(
    conn: sqlite3.Connection, kind: Kind, version: Version, field: str, base: MultiColumn | None
) -> MultiColumn:
    """The field at `version`: `base` plus the pairs of documents after its highest rid."""
    k = kind.value
    # up to `top`, read first: a document committed meanwhile is left for the next refresh
    top = int(conn.execute(f"SELECT max(rid) FROM {k}").fetchone()[0] or 0)
    if base is None:  # the primary key (field, value, rid): all of the field's pairs
        rows = conn.execute(
            f"SELECT value, rid FROM {k}_kv WHERE field = ? AND rid <= ?", (field, top)
        ).fetchall()
    else:  # only the new documents (the field's part of the key is read, ~10 ms per 100,000 pairs)
        rows = conn.execute(
            f"SELECT value, rid FROM {k}_kv WHERE field = ? AND rid > ? AND rid <= ?", (field, base.top, top)
        ).fetchall()
    index = dict(base.index) if base is not None else {}
    values = list(base.values) if base is not None else []
    new_rids = np.fromiter((rid for _value, rid in rows), dtype=np.int64, count=len(rows))
    new_codes = _codes([value for value, _rid in rows], index, values)
    order = np.argsort(new_rids, kind="stable")
    pair_rids, pair_codes = new_rids[order], new_codes[order]
    if base is not None:
        pair_rids = np.concatenate([base.pair_rids, pair_rids])
        pair_codes = np.concatenate([base.pair_codes, pair_codes])
    by_code = np.argsort(pair_codes, kind="stable")  # stable: rids stay ascending within a code
    starts = np.searchsorted(pair_codes[by_code], np.arange(len(values) + 1))
    if base is not None:
        top = max(top, base.top)
    return MultiColumn(
        version,
        top,
        pair_rids=pair_rids,
        pair_codes=pair_codes,
        values=values,
        index=index,
        postings_rids=pair_rids[by_code],
        postings_start=starts.astype(np.int64),
    )


def _fts_rids(conn: sqlite3.Connection, kind: Kind, match: str) -> IntArray:
    """Rids matching `match`: concatenated in SQLite (one string) and parsed by numpy, which is
    ~3x faster than one Python tuple per match."""
    k = kind.value
    sql = f"SELECT group_concat(rowid) FROM {k}_fts WHERE {k}_fts MATCH ?"
    text = conn.execute(sql, (match,)).fetchone()[0]
    if not text:
        return np.zeros(0, dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the text mode of fromstring
        rids = np.fromstring(text, dtype=np.int64, sep=",")
    rids.sort()
    return rids
