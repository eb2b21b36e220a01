"""Schema of the SQLite store and the rows derived from each document (see `store.sqlite_query`).

Everything in `k_kv` and `k_fts` is derived from the stored `doc`; replacing a document deletes
exactly the rows derived from its old version (contentless FTS5 needs the old text for that). If
the derivation changes, bump DERIVATION: `SqliteStore.init()` then rebuilds both from the documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from store.documents import as_epoch, values_at
from store.query import TEXT_FIELDS, TIME_FIELD, Kind
from store.sqlite_query import (
    COLUMNS,
    DOC_ONLY,
    FACETS,
    INDEXED_FACETS,
    LONG_TEXT,
    MULTI_INDEXED,
    NULL_DESC,
    multi_in,
    text_columns,
)
from store.textsearch import index_form

DERIVATION = 6  # bump when Derived rows change (table layout, kv rules, index_form)


def schema(kind: Kind) -> list[str]:
    k = kind.value
    columns = "".join(f", f{index}" for index in range(len(COLUMNS[kind])))
    facets = "".join(f", f{index}" for index in range(len(FACETS[kind])))
    multi = multi_in()
    statements = [
        f"CREATE TABLE IF NOT EXISTS {k} (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
        f"ts REAL, version INTEGER NOT NULL DEFAULT 1{columns})",
        f"CREATE TABLE IF NOT EXISTS {k}_doc (rid INTEGER PRIMARY KEY, doc TEXT NOT NULL)",
        # newest-first pages and time ranges; it also covers the facet columns, so facets over a time
        # range are read from the index alone
        f"CREATE INDEX IF NOT EXISTS {k}_ts_order ON {k}(ts{facets})",
        # the same columns by rid: a text query looks up each match's time and facets here (4x
        # denser than the table rows, appended to in rid order so cheap to maintain)
        f"CREATE INDEX IF NOT EXISTS {k}_by_rid ON {k}(rid, ts{facets})",
        f"CREATE TABLE IF NOT EXISTS {k}_kv (field TEXT NOT NULL, value NOT NULL, num REAL, "
        "rid INTEGER NOT NULL, PRIMARY KEY (field, value, rid)) WITHOUT ROWID",
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {k}_fts USING fts5({', '.join(text_columns(kind))}, "
        "content = '', tokenize = 'unicode61 remove_diacritics 2')",
    ]
    if kind in MULTI_INDEXED:
        statements.append(
            f"CREATE INDEX IF NOT EXISTS {k}_kv_multi ON {k}_kv(rid, field, value) WHERE field IN ({multi})"
        )
    statements += [
        f"CREATE INDEX IF NOT EXISTS {k}_f{i} ON {k}(f{i}) WHERE f{i} IS NOT NULL"
        for i, name in enumerate(COLUMNS[kind])
        if name in INDEXED_FACETS
    ]
    return statements


RECORDS = (
    "CREATE TABLE IF NOT EXISTS records (kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, "
    "PRIMARY KEY (kind, id)) WITHOUT ROWID"
)
META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID"


KvRow = tuple[str, Any, float | None, int]
_MISSING = object()
# fields with a column of their own (or searched through k_fts) have no k_kv rows
_NOT_IN_KV = {kind: {*COLUMNS[kind], *TEXT_FIELDS[kind], "id", TIME_FIELD[kind]} for kind in Kind}
_NO_ROWS: frozenset[str] = frozenset()


@dataclass
class Derived:
    main: tuple[Any, ...]  # rid, id, ts, version, columns…
    doc: tuple[int, str | bytes]  # rid, JSON (UTF-8 bytes when freshly serialised: see insert_sql)
    kv: list[KvRow]
    fts: tuple[Any, ...]  # rid, text columns…


def insert_sql(kind: Kind) -> tuple[str, str, str, str]:
    k = kind.value
    facets = "".join(f", f{index}" for index in range(len(COLUMNS[kind])))
    marks = ", ".join("?" * (4 + len(COLUMNS[kind])))
    text = ", ".join(text_columns(kind))
    text_marks = ", ".join("?" * (1 + len(TEXT_FIELDS[kind])))
    return (
        f"INSERT INTO {k}(rid, id, ts, version{facets}) VALUES ({marks})",
        # UTF-8 bytes stored as TEXT: CAST takes them as they are (the database encoding is UTF-8),
        # sparing a decode to str and SQLite's re-encoding of every document
        f"INSERT INTO {k}_doc(rid, doc) VALUES (?, CAST(? AS TEXT))",
        f"INSERT OR IGNORE INTO {k}_kv(field, value, num, rid) VALUES (?, ?, ?, ?)",
        f"INSERT INTO {k}_fts(rowid, {text}) VALUES ({text_marks})",
    )


def delete_sql(kind: Kind) -> tuple[str, str, str, str]:
    k = kind.value
    text = ", ".join(text_columns(kind))
    text_marks = ", ".join("?" * (1 + len(TEXT_FIELDS[kind])))
    return (
        f"DELETE FROM {k} WHERE rid = ?",
        f"DELETE FROM {k}_doc WHERE rid = ?",
        f"DELETE FROM {k}_kv WHERE field = ? AND value = ? AND rid = ?",
        f"INSERT INTO {k}_fts({k}_fts, rowid, {text}) VALUES ('delete', {text_marks})",
    )


def derive(
    kind: Kind, rid: int, doc_id: str, doc: dict[str, Any], text: str | bytes | None = None
) -> Derived:
    """The rows of one document; `text` is its JSON when already serialised."""
    facets = COLUMNS[kind]
    facet_values: list[Any] = []
    for name in facets:
        found = doc.get(name, _MISSING)
        if found is _MISSING:
            found = values_at(doc, name) if "." in name else None
        if found.__class__ is str or found is None:  # most facets: no further checks
            facet_values.append(found)
            continue
        if isinstance(found, list):
            found = found[0] if found else None
        facet_values.append(int(found) if isinstance(found, bool) else found)
    stamp = None
    for value in values_at(doc, TIME_FIELD[kind]):
        stamp = as_epoch(value)
        if stamp is not None:
            break
    if stamp is None:
        stamp = NULL_DESC
    version = doc.get("version", 1) if kind is Kind.incidents else 1
    serialised = text if text is not None else orjson.dumps(doc)
    main = (rid, doc_id, stamp, version, *facet_values)
    kv: list[KvRow] = []
    # text fields are searched through k_fts; exact terms on them (rare) read the document instead
    _flatten(doc, "", rid, _NOT_IN_KV[kind], kv, DOC_ONLY[kind])
    texts = []
    for name in TEXT_FIELDS[kind]:
        found = doc.get(name) if "." not in name else None
        if isinstance(found, str):
            texts.append(index_form(found))
        else:
            texts.append(index_form("\n".join(map(str, values_at(doc, name)))))
    return Derived(main=main, doc=(rid, serialised), kv=kv, fts=(rid, *texts))


def _flatten(
    node: Any, path: str, rid: int, skip: set[str], out: list[KvRow], prune: frozenset[str] = _NO_ROWS
) -> None:
    """k_kv rows for every scalar under `node` but the subtrees named in `prune` (a hot loop at
    bulk-index time: no generators, skipped fields are dropped before descending into them, and the
    plain JSON types of a document are recognised by exact type before the general isinstance chain)."""
    if type(node) is dict:
        for key, value in node.items():
            if value is None:
                continue
            sub = f"{path}.{key}" if path else key
            if sub in prune:
                continue
            kind = type(value)
            if kind is dict:
                _flatten(value, sub, rid, skip, out, prune)
            elif sub in skip:
                continue
            elif kind is str:
                if len(value) <= LONG_TEXT:
                    out.append((sub, value, _date_num(value), rid))
            elif kind is list:
                for item in value:
                    if type(item) is str:
                        if len(item) <= LONG_TEXT:
                            out.append((sub, item, _date_num(item), rid))
                    else:
                        _flatten(item, sub, rid, skip, out, prune)
            else:
                _flatten(value, sub, rid, skip, out, prune)
    elif isinstance(node, dict):
        _flatten(dict(node), path, rid, skip, out, prune)
    elif isinstance(node, list):
        for item in node:
            _flatten(item, path, rid, skip, out, prune)
    elif node is None or path in skip:
        return
    elif isinstance(node, str):
        if len(node) <= LONG_TEXT:
            out.append((path, node, _date_num(node), rid))
    elif isinstance(node, bool):
        out.append((path, int(node), None, rid))
    elif isinstance(node, int | float):
        out.append((path, node, float(node), rid))


def _date_num(text: str) -> float | None:
    """Only strings shaped like an ISO date get a numeric (epoch) value."""
    if len(text) >= 16 and text[4:5] == "-" and text[:4].isdigit():
        return as_epoch(text)
    return None


def field_rows(doc: Any, field: str) -> list[KvRow]:
    """The k_kv rows the derivation would give `field` and the fields below it in `doc` if it kept
    every leaf (rid 0): how DOC_ONLY fields are filtered and counted (`store.sqlite_doconly`)."""
    out: list[KvRow] = []
    _rows_at(doc, field.split("."), 0, field, out)
    return out


def _rows_at(node: Any, parts: list[str], at: int, field: str, out: list[KvRow]) -> None:
    if isinstance(node, list):
        for item in node:
            _rows_at(item, parts, at, field, out)
        return
    if at == len(parts):
        _flatten(node, field, 0, set(), out)
        return
    if not isinstance(node, dict):
        return
    for end in range(len(parts), at, -1):  # a literal dotted key ({"flow.state": …}) too, as _flatten
        found = node.get(".".join(parts[at:end]))
        if found is not None:
            _rows_at(found, parts, end, field, out)
