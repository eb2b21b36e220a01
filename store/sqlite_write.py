"""Writing documents into the SQLite store: replace by id, derive rows, insert.

Runs inside the caller's write transaction, in one thread: a worker thread deriving rows while
this one inserts was measured 40% slower (each row's insert waits for the GIL that the worker
holds). The k_kv rows of a chunk are inserted in key order, so consecutive inserts land on the
same B-tree pages. Replacing a document first deletes exactly the rows derived from its stored version.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from operator import itemgetter
from typing import Any

import orjson

from store.gcpause import gc_paused
from store.query import Kind
from store.sqlite_rows import Derived, KvRow, delete_sql, derive, insert_sql, main_sql
from store.sqlite_versions import bump

_CHUNK = 1000
_FIELD_VALUE = itemgetter(0, 1)
ToDocument = Callable[[Any], tuple[str, dict[str, Any]]]
Rows = tuple[
    dict[tuple[int, ...], list[tuple[Any, ...]]],
    list[tuple[Any, ...]],
    list[tuple[Any, ...]],
    list[tuple[Any, ...]],
]


def write_documents(
    conn: sqlite3.Connection, kind: Kind, items: list[tuple[str, Any]], to_doc: ToDocument
) -> int:
    """Insert or replace `items` ((id, model)) by id; returns how many documents the store now holds as
    given. A document stored exactly as given (the same lines ingested again) is left as it is.

    The cyclic garbage collector is paused meanwhile: the rows are acyclic (refcounting frees them),
    but the tens of thousands of tuples a batch allocates set off collections, including full ones
    that walk the caller's whole heap (~8% of bulk-index time with 100,000 articles in memory).
    """
    with gc_paused():
        return _write(conn, kind, items, to_doc)


def _write(conn: sqlite3.Connection, kind: Kind, items: list[tuple[str, Any]], to_doc: ToDocument) -> int:
    latest = dict(items)  # the same id twice in a batch: the last one wins
    k = kind.value
    ids = list(latest)
    existing: dict[str, tuple[int, bytes]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found = conn.execute(
            f"SELECT t.id, t.rid, CAST(d.doc AS BLOB) FROM {k} t JOIN {k}_doc d ON d.rid = t.rid "
            f"WHERE t.id IN ({marks})",
            chunk,
        )
        for doc_id, rid, text in found:
            existing[doc_id] = (rid, text)
    # taken before the deletes: removing the newest stored document must not hand its rid (still
    # kept by its replacement) to a new document of the same batch
    next_rid = (conn.execute(f"SELECT max(rid) FROM {k}").fetchone()[0] or 0) + 1
    planned: list[tuple[int, str, dict[str, Any], bytes | None]] = []
    replaced: dict[str, tuple[int, bytes]] = {}
    for doc_id, item in latest.items():
        doc = to_doc(item)[1]
        stored = existing.get(doc_id)
        if stored is None:
            planned.append((next_rid, doc_id, doc, None))
            next_rid += 1
            continue
        serialised = orjson.dumps(doc)
        if serialised == stored[1]:
            continue  # the same document again (a file ingested twice): nothing to change
        replaced[doc_id] = stored
        planned.append((stored[0], doc_id, doc, serialised))
    fresh: dict[int, Derived] = {}  # the replacements' rows, k_kv rows left in place taken out
    if replaced:
        main_del, doc_del, kv_del, fts_del = delete_sql(kind)
        for rid, doc_id, new_doc, new_text in planned:
            if doc_id not in replaced:
                continue
            old_text = replaced[doc_id][1]
            old = derive(kind, rid, doc_id, json.loads(old_text), old_text)
            new = fresh[rid] = derive(kind, rid, doc_id, new_doc, new_text)
            # an incident's update changes a few of its hundreds of k_kv rows: the others stay
            same = unchanged_kv(old.kv, new.kv)
            if same:
                new.kv = [row for row in new.kv if (row[0], row[1]) not in same]
            conn.execute(main_del, (rid,))
            conn.execute(doc_del, (rid,))
            conn.executemany(
                kv_del,
                [(field, value, rid) for field, value, _num, _rid in old.kv if (field, value) not in same],
            )
            conn.execute(fts_del, old.fts)
    statements = insert_sql(kind)
    for start in range(0, len(planned), _CHUNK):
        _insert(conn, kind, statements, _derive_chunk(kind, planned[start : start + _CHUNK], fresh))
    if planned:  # in the same transaction: readers holding the kind's columns in memory see what changed
        bump(conn, kind, replaced=bool(replaced))
    return len(latest)


def unchanged_kv(old: list[KvRow], new: list[KvRow]) -> set[tuple[str, Any]]:
    """The (field, value) keys of k_kv rows a replacement gives again exactly as stored: the row kept
    for a key is its first (INSERT OR IGNORE), and "exactly" is the same value type and `num` too
    (1 and 1.0, or 1 with and without a `num`, are one key to SQLite but not the same row)."""
    first: dict[tuple[str, Any], KvRow] = {}
    for row in new:
        first.setdefault((row[0], row[1]), row)
    same: set[tuple[str, Any]] = set()
    done: set[tuple[str, Any]] = set()
    for field, value, num, _rid in old:
        key = (field, value)
        if key in done:
            continue
        done.add(key)
        again = first.get(key)
        if again is not None and again[1].__class__ is value.__class__ and again[2] == num:
            same.add(key)
    return same


def _derive_chunk(
    kind: Kind, chunk: list[tuple[int, str, dict[str, Any], bytes | None]], fresh: dict[int, Derived]
) -> Rows:
    mains: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}  # by the STORED columns present
    docs, kvs, ftss = [], [], []
    for rid, doc_id, doc, serialised in chunk:
        derived = fresh.get(rid) or derive(kind, rid, doc_id, doc, serialised)
        same = mains.get(derived.stored)
        if same is None:
            mains[derived.stored] = [derived.main]
        else:
            same.append(derived.main)
        docs.append(derived.doc)
        kvs.extend(derived.kv)
        ftss.append(derived.fts)
    try:
        # rows come in rid order (new documents) and the sort is stable: (field, value) gives key order
        kvs.sort(key=_FIELD_VALUE)
    except TypeError:  # numbers and text under one field: order them as SQLite does
        kvs.sort(key=_kv_order)
    return mains, docs, kvs, ftss


def _kv_order(row: tuple[Any, ...]) -> tuple[str, int, Any, int]:
    """k_kv's key order (field, value, rid); SQLite puts numbers before text."""
    value = row[1]
    return (row[0], 1, value, row[3]) if isinstance(value, str) else (row[0], 0, value, row[3])


def _insert(conn: sqlite3.Connection, kind: Kind, statements: tuple[str, str, str, str], rows: Rows) -> None:
    mains, docs, kvs, ftss = rows
    for stored, values in mains.items():
        conn.executemany(main_sql(kind, stored), values)
    for statement, values in zip(statements[1:], (docs, kvs, ftss), strict=True):
        conn.executemany(statement, values)


def delete_documents(conn: sqlite3.Connection, kind: Kind, ids: list[str]) -> int:
    """Delete the documents with these ids (and their index rows); returns how many there were."""
    k = kind.value
    main_del, doc_del, kv_del, fts_del = delete_sql(kind)
    deleted = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found = conn.execute(
            f"SELECT t.id, t.rid, d.doc FROM {k} t JOIN {k}_doc d ON d.rid = t.rid WHERE t.id IN ({marks})",
            chunk,
        ).fetchall()
        for doc_id, rid, text in found:
            old = derive(kind, rid, doc_id, json.loads(text), text)
            conn.execute(main_del, (rid,))
            conn.execute(doc_del, (rid,))
            conn.executemany(kv_del, [(field, value, rid) for field, value, _num, _rid in old.kv])
            conn.execute(fts_del, old.fts)
            deleted += 1
    if deleted:
        bump(conn, kind, replaced=True)  # readers holding the kind's columns reload them
    return deleted
