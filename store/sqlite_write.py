"""Writing documents into the SQLite store: replace by id, derive rows, insert.

Runs inside the caller's write transaction. A batch is inserted in chunks while a worker thread
derives the rows of the next chunk (SQLite releases the GIL while it works, so a bulk load uses two
cores). Replacing a document first deletes exactly the rows derived from its stored version.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from store.query import Kind
from store.sqlite_rows import delete_sql, derive, insert_sql

_CHUNK = 100
ToDocument = Callable[[Any], tuple[str, dict[str, Any]]]
Rows = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]


def write_documents(
    conn: sqlite3.Connection, kind: Kind, items: list[tuple[str, Any]], to_doc: ToDocument
) -> int:
    """Insert or replace `items` ((id, model)) by id; returns how many documents were written."""
    latest = dict(items)  # the same id twice in a batch: the last one wins
    k = kind.value
    ids = list(latest)
    existing: dict[str, tuple[int, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found = conn.execute(
            f"SELECT t.id, t.rid, d.doc FROM {k} t JOIN {k}_doc d ON d.rid = t.rid WHERE t.id IN ({marks})",
            chunk,
        )
        for doc_id, rid, text in found:
            existing[doc_id] = (rid, text)
    # taken before the deletes: removing the newest stored document must not hand its rid (still
    # kept by its replacement) to a new document of the same batch
    next_rid = (conn.execute(f"SELECT max(rid) FROM {k}").fetchone()[0] or 0) + 1
    if existing:
        main_del, doc_del, kv_del, fts_del = delete_sql(kind)
        for doc_id, (rid, text) in existing.items():
            old = derive(kind, rid, doc_id, json.loads(text), text)
            conn.execute(main_del, (rid,))
            conn.execute(doc_del, (rid,))
            conn.executemany(kv_del, [(field, value, rid) for field, value, _num, _rid in old.kv])
            conn.execute(fts_del, old.fts)
    planned: list[tuple[int, str, Any]] = []
    for doc_id, item in latest.items():
        if doc_id in existing:
            planned.append((existing[doc_id][0], doc_id, item))
        else:
            planned.append((next_rid, doc_id, item))
            next_rid += 1
    statements = insert_sql(kind)
    chunks = [planned[start : start + _CHUNK] for start in range(0, len(planned), _CHUNK)]
    if len(chunks) == 1:
        _insert(conn, statements, _derive_chunk(kind, chunks[0], to_doc))
        return len(latest)
    # pipeline: a worker builds the rows of the next chunk (Python) while this thread inserts the
    # current one (SQLite releases the GIL while it works), so two cores share a bulk load
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(_derive_chunk, kind, chunks[0], to_doc)
        for index in range(len(chunks)):
            rows = pending.result()
            if index + 1 < len(chunks):
                pending = pool.submit(_derive_chunk, kind, chunks[index + 1], to_doc)
            _insert(conn, statements, rows)
    return len(latest)


def _derive_chunk(kind: Kind, chunk: list[tuple[int, str, Any]], to_doc: ToDocument) -> Rows:
    mains, docs, kvs, ftss = [], [], [], []
    for rid, doc_id, item in chunk:
        derived = derive(kind, rid, doc_id, to_doc(item)[1])
        mains.append(derived.main)
        docs.append(derived.doc)
        kvs.extend(derived.kv)
        ftss.append(derived.fts)
    return mains, docs, kvs, ftss


def _insert(conn: sqlite3.Connection, statements: tuple[str, str, str, str], rows: Rows) -> None:
    for statement, values in zip(statements, rows, strict=True):
        conn.executemany(statement, values)
