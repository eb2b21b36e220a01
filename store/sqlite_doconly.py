"""Filters and aggregations on DOC_ONLY fields (`store.sqlite_query.DOC_ONLY`): read from the documents.

Such a field has no k_kv rows. Each function below rebuilds, from one stored document, the rows the
derivation would have written for the field (`sqlite_rows.field_rows`) and answers as the k_kv query
would on them: a term is an exact value (booleans as 0/1, numbers equal across int/float, text never
equal to a number), a range compares the numeric value (numbers, ISO dates as epoch seconds), exists
means any value at the field or below it. Aggregations first copy those rows of the matching documents
into a temporary table shaped like k_kv and run their usual SQL on it.
"""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import orjson

from store.query import Kind
from store.sqlite_query import doc_only, in_network
from store.sqlite_rows import field_rows

ROWS_TABLE = "temp.vigil_doc_kv"
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}


def register(conn: sqlite3.Connection) -> None:
    """The SQL functions of DOC_ONLY filters (see `sqlite_query.doc_filter_sql`), on one connection."""
    conn.create_function("vigil_doc_term", 3, doc_term, deterministic=True)
    conn.create_function("vigil_doc_range", 3, doc_range, deterministic=True)
    conn.create_function("vigil_doc_exists", 2, doc_exists, deterministic=True)
    conn.create_function("vigil_doc_cidr", 3, doc_cidr, deterministic=True)


def _rows(doc: str | bytes | None, field: str) -> list[tuple[str, Any, float | None, int]]:
    if doc is None:
        return []
    return field_rows(orjson.loads(doc), field)


@lru_cache(maxsize=256)
def _wanted(values: str) -> tuple[frozenset[str], frozenset[float]]:
    """Term values split as SQLite compares them: text equals text only, numbers equal numbers."""
    parsed = orjson.loads(values)
    texts = frozenset(value for value in parsed if isinstance(value, str))
    numbers = frozenset(float(value) for value in parsed if isinstance(value, int | float))
    return texts, numbers


def doc_term(doc: str | bytes | None, field: str, values: str) -> int:
    texts, numbers = _wanted(values)
    for name, value, _num, _rid in _rows(doc, field):
        if name != field:
            continue
        if value in texts if isinstance(value, str) else float(value) in numbers:
            return 1
    return 0


@lru_cache(maxsize=256)
def _bounds(bounds: str) -> list[tuple[Callable[[Any, Any], bool], float]]:
    return [(_OPS[op], float(value)) for op, value in orjson.loads(bounds)]


def doc_range(doc: str | bytes | None, field: str, bounds: str) -> int:
    tests = _bounds(bounds)
    for name, _value, num, _rid in _rows(doc, field):
        if name == field and num is not None and all(test(num, bound) for test, bound in tests):
            return 1
    return 0


def doc_exists(doc: str | bytes | None, field: str) -> int:
    return int(bool(_rows(doc, field)))


def doc_cidr(doc: str | bytes | None, field: str, network: str) -> int:
    for name, value, _num, _rid in _rows(doc, field):
        if name == field and in_network(value, network):
            return 1
    return 0


def rows_table(
    conn: sqlite3.Connection, kind: Kind, fields: list[str], rids: str, rid_params: list[Any]
) -> None:
    """Fill ROWS_TABLE with the rows of `fields` (DOC_ONLY ones) of the documents whose rid passes
    `rids` (" AND rid IN (…)", as `sqlite_aggs.Source.rids`; empty: every document)."""
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {ROWS_TABLE} (field TEXT NOT NULL, value NOT NULL, num REAL, "
        "rid INTEGER NOT NULL, PRIMARY KEY (field, value, rid)) WITHOUT ROWID"
    )
    conn.execute(f"DELETE FROM {ROWS_TABLE}")
    wanted = [name for name in dict.fromkeys(fields) if doc_only(kind, name)]
    if not wanted:
        return
    cursor = conn.execute(f"SELECT rid, doc FROM {kind.value}_doc WHERE 1{rids}", rid_params)
    insert = f"INSERT OR IGNORE INTO {ROWS_TABLE}(field, value, num, rid) VALUES (?, ?, ?, ?)"
    while batch := cursor.fetchmany(1000):
        rows: list[tuple[str, Any, float | None, int]] = []
        for rid, text in batch:
            doc = orjson.loads(text)
            for name in wanted:
                rows.extend((row[0], row[1], row[2], rid) for row in field_rows(doc, name) if row[0] == name)
        conn.executemany(insert, rows)
