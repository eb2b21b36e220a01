"""Answering a search, count or aggregation from the in-memory columns (`store.sqlite_columns`).

Only for queries whose every filter, sort and aggregation the columns hold (`plan` says which);
anything else runs in SQL (`store.sqlite_query`, `store.sqlite_aggs`), whose results these must
equal: tests/store/test_sqlite_fast.py compares the two on random queries. Relevance is FTS5's
bm25, read from SQLite once per text and kept with its matches (`sqlite_columns.TextMatch`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from store.cursor import decode_cursor
from store.errors import InvalidQuery
from store.query import (
    TIME_FIELD,
    Aggregation,
    AggResult,
    Bucket,
    DateHistogramAgg,
    Filter,
    Kind,
    Range,
    SearchQuery,
    Term,
    TermsAgg,
)
from store.sqlite_aggs import sqlite_order
from store.sqlite_columns import ColumnCache, Columns, IntArray, TextMatch
from store.sqlite_query import (
    FACETS,
    HELD_KINDS,
    MULTI_FACETS,
    NULL_DESC,
    bucket_key,
    bucket_start,
    range_bound,
    term_value,
    zone_offset,
)
from store.sqlite_versions import Version, read_version

# the multi-valued fields the columns hold (loaded on first use): the keyword lists people filter on
HELD_MULTI = frozenset({"entities.text", "entities.type", "tags", "authors", "watchlists"})


@dataclass
class Selection:
    """The rids a query selects (ascending), with what they were selected from."""

    rids: IntArray
    columns: Columns
    cache: ColumnCache
    version: Version
    match: str | None  # the FTS5 expression, for text queries
    text: TextMatch | None  # its matches (cached)


def plan(kind: Kind, query: SearchQuery, match: str | None, aggregations: Sequence[Aggregation] = ()) -> bool:
    """Whether the columns can answer `query` (and `aggregations`) exactly as SQL would."""
    if kind not in HELD_KINDS:
        return False
    if len(query.sort) > 1 or (match is None and any(item.field == "_score" for item in query.sort)):
        return False
    for item in query.sort:
        if item.field == "_score":
            if not item.descending:
                return False
        elif item.field != TIME_FIELD[kind]:
            return False
    if not all(_held_filter(kind, item) for item in query.filters):
        return False
    return all(_held_agg(kind, agg) for agg in aggregations)


def _held_filter(kind: Kind, item: Filter) -> bool:
    if isinstance(item, Term):
        held = item.field in FACETS[kind] or (item.field in HELD_MULTI and item.field in MULTI_FACETS)
        return held and all(isinstance(value, str) for value in item.values)
    if isinstance(item, Range):
        return item.field == TIME_FIELD[kind]
    return False


def _held_agg(kind: Kind, agg: Aggregation) -> bool:
    if isinstance(agg, TermsAgg):
        return agg.field in FACETS[kind] or (agg.field in HELD_MULTI and agg.field in MULTI_FACETS)
    if isinstance(agg, DateHistogramAgg):
        return agg.field == TIME_FIELD[kind] and (agg.split_by is None or agg.split_by in FACETS[kind])
    return False


def select(
    conn: sqlite3.Connection, cache: ColumnCache, kind: Kind, query: SearchQuery, match: str | None
) -> Selection | None:
    """The rids `query` selects, or None when the kind is too big to hold in memory."""
    version = read_version(conn, kind)
    columns = cache.columns(conn, version)
    if columns is None:
        return None
    text = None
    if match is not None:
        text = cache.text(conn, version, match)
        rids = text.rids[text.rids < columns.size]  # a match committed after the columns were read
        rids = rids[columns.present[rids]]
    else:
        rids = np.flatnonzero(columns.present).astype(np.int64)
    for item in query.filters:
        if not len(rids):
            break
        rids = rids[_mask(conn, cache, version, columns, kind, item, rids)]
    return Selection(rids, columns, cache, version, match, text)


def _mask(
    conn: sqlite3.Connection,
    cache: ColumnCache,
    version: Version,
    columns: Columns,
    kind: Kind,
    item: Filter,
    rids: IntArray,
) -> npt.NDArray[np.bool_]:
    if isinstance(item, Term):
        values = [term_value(value) for value in item.values]
        if item.field in FACETS[kind]:
            position = FACETS[kind].index(item.field)
            # a lookup table by code; the extra last entry (False) is what a missing value, -1, reads
            allowed = np.zeros(len(columns.values[position]) + 1, dtype=np.bool_)
            allowed[[columns.index[position][v] for v in values if v in columns.index[position]]] = True
            return allowed[columns.codes[position][rids]]
        multi = cache.multi(conn, version, item.field)
        member = np.zeros(columns.size, dtype=np.bool_)
        for value in values:
            code = multi.index.get(value)
            if code is not None:
                having = multi.rids_of(code)
                member[having[having < columns.size]] = True
        return member[rids]
    assert isinstance(item, Range)
    ts = columns.ts[rids]
    mask = np.ones(len(rids), dtype=np.bool_)
    bounds = [(">=", item.gte), ("<=", item.lte), (">", item.gt), ("<", item.lt)]
    lower = False
    for op, value in bounds:
        bound = range_bound(value)
        if bound is None:
            continue
        if op == ">=":
            mask &= ts >= bound
        elif op == "<=":
            mask &= ts <= bound
        elif op == ">":
            mask &= ts > bound
        else:
            mask &= ts < bound
        lower = lower or op.startswith(">")
    if not lower:  # a missing time (NULL_DESC) is never in a range
        mask &= ts > NULL_DESC
    return mask


def time_page(
    selection: Selection, descending: bool, cursor: str | None, offset: int, size: int
) -> tuple[list[int], list[list[Any]]]:
    """The page's rids ordered by time then rid (missing times last), and each row's sort values
    as the SQL path reports them (for the cursor): [ts, rid], ts being X'ff' for a missing time
    when ascending."""
    rids = selection.rids
    ts = selection.columns.ts[rids]
    missing = ts <= NULL_DESC
    primary = -ts if descending else np.where(missing, np.inf, ts)
    if cursor:
        after = decode_cursor(cursor, 2)
        first, last_rid = after
        if isinstance(first, bytes):
            first_key = np.inf
        elif isinstance(first, int | float) and not isinstance(first, bool):
            first_key = -float(first) if descending else float(first)
        else:
            raise InvalidQuery("the page cursor belongs to a different sort order; start again without it")
        if not isinstance(last_rid, int):
            raise InvalidQuery("the page cursor is not one this store issued; start again without it")
        keep = (primary > first_key) | ((primary == first_key) & (rids > last_rid))
        rids, primary = rids[keep], primary[keep]
    wanted = offset + size + 1
    if len(rids) > 4 * wanted:  # only what can be on the page: everything up to the wanted-th key
        threshold = np.partition(primary, wanted - 1)[wanted - 1]
        near = primary <= threshold
        rids, primary = rids[near], primary[near]
    order = np.lexsort((rids, primary))[offset : offset + size + 1]
    page = rids[order].tolist()
    keys: list[list[Any]] = []
    for rid in page:
        value = float(selection.columns.ts[rid])
        if value <= NULL_DESC and not descending:
            keys.append([b"\xff", rid])
        else:
            keys.append([value, rid])
    return page, keys


def relevance_page(
    conn: sqlite3.Connection,
    selection: Selection,
    kind: Kind,
    window: int,
    ascending: bool,
    cursor: str | None,
    offset: int,
    size: int,
) -> list[tuple[int, float, list[Any]]]:
    """Rows (rid, -bm25, sort values [bm25, rid]) of a page ordered by bm25 (`ascending`: most
    relevant first) then rid, ranked among the `window` most recently indexed matches (all when 0)."""
    text, match = selection.text, selection.match
    assert text is not None and match is not None
    rids = selection.rids[-window:] if window else selection.rids
    if not len(rids):
        return []
    text.ensure_bm25(conn, kind, match, int(rids[0]))
    bm25 = text.bm25[np.searchsorted(text.rids, rids)]
    primary = bm25 if ascending else -bm25
    if cursor:
        first, last_rid = decode_cursor(cursor, 2)
        if not isinstance(first, int | float) or isinstance(first, bool) or not isinstance(last_rid, int):
            raise InvalidQuery("the page cursor belongs to a different sort order; start again without it")
        first_key = float(first) if ascending else -float(first)
        keep = (primary > first_key) | ((primary == first_key) & (rids > last_rid))
        rids, bm25, primary = rids[keep], bm25[keep], primary[keep]
    order = np.lexsort((rids, primary))[offset : offset + size + 1]
    return [(int(rids[i]), -float(bm25[i]), [float(bm25[i]), int(rids[i])]) for i in order]


def aggregate(
    conn: sqlite3.Connection, selection: Selection, kind: Kind, aggregations: Sequence[Aggregation]
) -> dict[str, AggResult]:
    out: dict[str, AggResult] = {}
    for agg in aggregations:
        if isinstance(agg, TermsAgg):
            out[agg.name] = _terms(conn, selection, kind, agg)
        elif isinstance(agg, DateHistogramAgg):
            out[agg.name] = _histogram(selection, kind, agg)
        else:  # plan() let only these through
            raise InvalidQuery(f"unsupported aggregation {agg!r}")
    return out


def _top(counts: npt.NDArray[np.int64], values: list[Any], size: int) -> AggResult:
    found = np.flatnonzero(counts)
    ranked = sorted(
        ((int(counts[code]), values[code]) for code in found), key=lambda p: (-p[0], sqlite_order(p[1]))
    )
    return AggResult(buckets=[Bucket(key=str(value), count=n) for n, value in ranked[:size]])


def _terms(conn: sqlite3.Connection, selection: Selection, kind: Kind, agg: TermsAgg) -> AggResult:
    columns = selection.columns
    if agg.field in FACETS[kind]:
        position = FACETS[kind].index(agg.field)
        codes = columns.codes[position][selection.rids]
        counts = np.bincount(codes[codes >= 0], minlength=len(columns.values[position]))
        return _top(counts, columns.values[position], agg.size)
    multi = selection.cache.multi(conn, selection.version, agg.field)
    member = np.zeros(columns.size, dtype=np.bool_)
    member[selection.rids] = True
    inside = multi.pair_rids < columns.size
    pair_rids, pair_codes = multi.pair_rids[inside], multi.pair_codes[inside]
    counts = np.bincount(pair_codes[member[pair_rids]], minlength=len(multi.values))
    return _top(counts, multi.values, agg.size)


def _histogram(selection: Selection, kind: Kind, agg: DateHistogramAgg) -> AggResult:
    zone = zone_offset(agg.time_zone)
    offset = int(zone.utcoffset(None).total_seconds())
    columns = selection.columns
    ts = columns.ts[selection.rids]
    timed = ts > NULL_DESC
    local = ts[timed].astype(np.int64) + offset  # CAST(ts AS INTEGER) truncates as astype does
    if agg.interval == "hour":
        starts = local - local % 3600 - offset
    elif agg.interval == "day":
        starts = local - local % 86400 - offset
    elif agg.interval == "week":  # weeks start on Monday; 1970-01-01 was a Thursday
        day = local // 86400
        starts = (day - (day + 3) % 7) * 86400 - offset
    elif agg.interval == "month":
        days = local - local % 86400 - offset
        unique, inverse = np.unique(days, return_inverse=True)
        months = np.array([bucket_start("month", int(d), offset) for d in unique], dtype=np.int64)
        starts = months[inverse] if len(unique) else days
    else:
        raise InvalidQuery(f"interval {agg.interval!r} is not one of hour, day, week, month")
    unique_starts, inverse = np.unique(starts, return_inverse=True)
    counts = np.bincount(inverse, minlength=len(unique_starts))
    buckets = [
        Bucket(key=bucket_key(int(start), zone), count=int(n))
        for start, n in zip(unique_starts, counts, strict=True)
    ]
    if agg.split_by:
        position = FACETS[kind].index(agg.split_by)
        split_codes = columns.codes[position][selection.rids][timed]
        has = split_codes >= 0
        width = len(columns.values[position])
        pairs = np.bincount(inverse[has] * width + split_codes[has], minlength=len(unique_starts) * width)
        values = columns.values[position]
        by_value = sorted(range(width), key=lambda code: sqlite_order(values[code]))  # SQL's GROUP BY order
        grid = pairs.reshape(len(unique_starts), width)
        for bucket, row in zip(buckets, grid, strict=True):
            for code in by_value:
                if row[code]:
                    bucket.split[str(values[code])] = int(row[code])
    return AggResult(buckets=buckets)
