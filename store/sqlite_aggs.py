"""Aggregations of the SQLite store: terms, date histogram (+ split), average.

The matching documents are collected once into a temporary table (per connection), then every
aggregation reads from it: facet fields from their columns, other fields from `k_kv`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from store.errors import InvalidQuery
from store.query import TIME_FIELD, Aggregation, AggResult, AvgAgg, Bucket, DateHistogramAgg, Kind, TermsAgg
from store.sqlite_query import Compiled, bucket_key, bucket_sql, facet_column, zone_offset


def aggregate(
    conn: sqlite3.Connection, kind: Kind, compiled: Compiled, aggregations: Sequence[Aggregation]
) -> dict[str, AggResult]:
    k = kind.value
    if compiled.where:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS vigil_match (rid INTEGER PRIMARY KEY)")
        conn.execute("DELETE FROM temp.vigil_match")
        conn.execute(
            f"INSERT INTO temp.vigil_match SELECT {compiled.rowid} "
            f"FROM {compiled.from_sql} WHERE {compiled.where_sql}",
            compiled.params,
        )
        source = f"temp.vigil_match m JOIN {k} t ON t.rid = m.rid"
        rids = " AND rid IN (SELECT rid FROM temp.vigil_match)"
    else:
        source, rids = f"{k} t", ""
    out: dict[str, AggResult] = {}
    for agg in aggregations:
        if isinstance(agg, TermsAgg):
            out[agg.name] = _terms(conn, kind, source, rids, agg)
        elif isinstance(agg, AvgAgg):
            out[agg.name] = _avg(conn, kind, source, rids, agg)
        elif isinstance(agg, DateHistogramAgg):
            out[agg.name] = _histogram(conn, kind, source, rids, agg)
        else:
            raise InvalidQuery(f"unsupported aggregation {agg!r}")
    return out


def _terms(conn: sqlite3.Connection, kind: Kind, source: str, rids: str, agg: TermsAgg) -> AggResult:
    column = facet_column(kind, agg.field)
    if column:
        sql = (
            f"SELECT {column}, count(*) AS n FROM {source} WHERE {column} IS NOT NULL "
            "GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?"
        )
        params: list[Any] = [agg.size]
    else:
        sql = (
            f"SELECT value, count(*) AS n FROM {kind.value}_kv WHERE field = ?{rids} "
            "GROUP BY value ORDER BY n DESC, value LIMIT ?"
        )
        params = [agg.field, agg.size]
    return AggResult(buckets=[Bucket(key=str(value), count=n) for value, n in conn.execute(sql, params)])


def _avg(conn: sqlite3.Connection, kind: Kind, source: str, rids: str, agg: AvgAgg) -> AggResult:
    column = facet_column(kind, agg.field)
    if column:
        row = conn.execute(f"SELECT avg({column}) FROM {source}").fetchone()
    else:
        sql = f"SELECT avg(num) FROM {kind.value}_kv WHERE field = ? AND num IS NOT NULL{rids}"
        row = conn.execute(sql, [agg.field]).fetchone()
    return AggResult(value=row[0])


def _histogram(
    conn: sqlite3.Connection, kind: Kind, source: str, rids: str, agg: DateHistogramAgg
) -> AggResult:
    zone = zone_offset(agg.time_zone)
    offset = int(zone.utcoffset(None).total_seconds())
    kv = f"{kind.value}_kv"
    params: list[Any] = []
    if agg.field == TIME_FIELD[kind]:
        values = f"SELECT t.rid AS rid, t.ts AS v FROM {source} WHERE t.ts IS NOT NULL"
    else:
        values = f"SELECT rid, min(num) AS v FROM {kv} WHERE field = ? AND num IS NOT NULL{rids} GROUP BY rid"
        params = [agg.field]
    bucket = bucket_sql(agg.interval, "s.v", offset)
    rows = conn.execute(f"SELECT {bucket} AS b, count(*) FROM ({values}) s GROUP BY b ORDER BY b", params)
    buckets = {start: Bucket(key=bucket_key(start, zone), count=n) for start, n in rows}
    if agg.split_by:
        column = facet_column(kind, agg.split_by)
        if column:
            sql = (
                f"SELECT {bucket} AS b, {column}, count(*) FROM ({values}) s JOIN {kind.value} t "
                f"ON t.rid = s.rid WHERE {column} IS NOT NULL GROUP BY b, 2"
            )
            split_params = params
        else:
            sql = (
                f"SELECT {bucket} AS b, k.value, count(*) FROM ({values}) s JOIN {kv} k "
                "ON k.rid = s.rid AND k.field = ? GROUP BY b, k.value"
            )
            split_params = [*params, agg.split_by]
        for start, value, n in conn.execute(sql, split_params):
            buckets[start].split[str(value)] = n
    return AggResult(buckets=list(buckets.values()))
