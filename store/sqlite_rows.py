"""Schema of the SQLite store and the rows derived from each document (see `store.sqlite_query`).

Everything in `k_kv` and `k_fts` is derived from the stored `doc`; replacing a document deletes
exactly the rows derived from its old version (contentless FTS5 needs the old text for that). If
the derivation changes, bump DERIVATION: `SqliteStore.init()` then rebuilds both from the documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson

from store.documents import as_epoch, text_epoch, values_at
from store.query import TEXT_FIELDS, TIME_FIELD, Kind
from store.sqlite_query import (
    COLUMNS,
    DOC_ONLY,
    FACETS,
    INDEXED_FACETS,
    LONG_TEXT,
    MULTI_INDEXED,
    NULL_DESC,
    STORED,
    multi_in,
    text_columns,
)
from store.textsearch import index_form

DERIVATION = 9  # bump when Derived rows change (table layout, kv rules, index_form)


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
# fields with a column of their own (or searched through k_fts, or kept only in the document) have no
# k_kv rows
_NOT_IN_KV = {
    kind: {*COLUMNS[kind], *TEXT_FIELDS[kind], *DOC_ONLY[kind], "id", TIME_FIELD[kind]} for kind in Kind
}
_NO_ROWS: frozenset[str] = frozenset()
# the column number (f…) of each STORED field
_STORED_AT = {kind: {name: COLUMNS[kind].index(name) for name in STORED[kind]} for kind in Kind}


@dataclass
class Derived:
    main: tuple[Any, ...]  # rid, id, ts, version, facets…, then the STORED values present
    stored: tuple[int, ...]  # the column numbers of those STORED values (see main_sql)
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


@lru_cache(maxsize=1024)
def main_sql(kind: Kind, stored: tuple[int, ...]) -> str:
    """The main table's insert naming only the STORED columns present (`Derived.stored`): binding a
    parameter costs ~0.27 µs, and an event has a few of the 37 STORED fields, the others NULL."""
    columns = "".join(f", f{index}" for index in (*range(len(FACETS[kind])), *stored))
    marks = ", ".join("?" * (4 + len(FACETS[kind]) + len(stored)))
    return f"INSERT INTO {kind.value}(rid, id, ts, version{columns}) VALUES ({marks})"


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
    """The rows of one document; `text` is its JSON when already serialised.

    One walk of the document gives the k_kv rows and, on the way, the values of the fields that have
    a column (or the time): a lookup per column was most of the derivation of an event."""
    kv: list[KvRow] = []
    seen: dict[str, Any] = {}
    _flatten(doc, "", rid, _NOT_IN_KV[kind], kv, DOC_ONLY[kind], seen)
    values: list[Any] = [seen.get(name) for name in FACETS[kind]]
    stored_at = _STORED_AT[kind]
    present = sorted([(at, value) for name, value in seen.items() if (at := stored_at.get(name)) is not None])
    values += [value for _index, value in present]
    for index, value in enumerate(values):
        kind_of = value.__class__
        if kind_of is list:
            value = values[index] = _first(value)
            kind_of = value.__class__
        if kind_of is bool:
            values[index] = int(value)
    stamp = None
    found = seen.get(TIME_FIELD[kind])
    if found.__class__ is str:
        stamp = text_epoch(found)
    else:
        for value in found if isinstance(found, list) else (found,):
            stamp = as_epoch(value)
            if stamp is not None:
                break
    if stamp is None:
        stamp = NULL_DESC
    version = doc.get("version", 1) if kind is Kind.incidents else 1
    serialised = text if text is not None else orjson.dumps(doc)
    main = (rid, doc_id, stamp, version, *values)
    texts = []
    for name in TEXT_FIELDS[kind]:
        found = seen.get(name)
        if found.__class__ is str and name not in _UNDER_LISTS[kind]:
            texts.append(index_form(found))
        elif found is None and name not in _UNDER_LISTS[kind]:
            texts.append("")
        else:  # a list, or a field under lists (notes.text): every value
            texts.append(index_form("\n".join(map(str, values_at(doc, name)))))
    stored = tuple(index for index, _value in present)
    return Derived(main=main, stored=stored, doc=(rid, serialised), kv=kv, fts=(rid, *texts))


# text fields that may sit under a list of objects: the walk keeps only the first value seen
_UNDER_LISTS = {
    Kind.articles: frozenset[str](),
    Kind.events: frozenset[str](),
    Kind.incidents: frozenset({"notes.text"}),
}


def _first(values: list[Any]) -> Any:
    """The first value of a list (inside nested lists, skipping nulls), as `values_at(...)[0]`."""
    for value in values:
        if isinstance(value, list):
            value = _first(value)
        if value is not None:
            return value
    return None


def _flatten(
    node: Any,
    path: str,
    rid: int,
    skip: set[str],
    out: list[KvRow],
    prune: frozenset[str] = _NO_ROWS,
    seen: dict[str, Any] | None = None,
) -> None:
    """k_kv rows for every scalar under `node` but the subtrees named in `prune`; the first value of
    each `skip` field goes to `seen` (a hot loop at bulk-index time: no generators, skipped fields are
    dropped before descending into them, and the plain JSON types of a document are recognised by
    exact type before the general isinstance chain)."""
    if type(node) is dict:
        for key, value in node.items():
            if value is None:
                continue
            sub = f"{path}.{key}" if path else key
            kind = type(value)
            if kind is dict:
                if sub in skip and seen is not None and sub not in seen:
                    seen[sub] = value  # an object where a column's value belongs: refused when bound
                if sub not in prune:  # a DOC_ONLY subtree (an object: the raw record)
                    _flatten(value, sub, rid, skip, out, prune, seen)
            elif sub in skip:
                if seen is not None and sub not in seen:
                    seen[sub] = value
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
                        _flatten(item, sub, rid, skip, out, prune, seen)
            else:
                _flatten(value, sub, rid, skip, out, prune, seen)
    elif isinstance(node, dict):
        _flatten(dict(node), path, rid, skip, out, prune, seen)
    elif isinstance(node, list):
        for item in node:
            _flatten(item, path, rid, skip, out, prune, seen)
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
        return text_epoch(text)
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
