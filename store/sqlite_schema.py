"""Creating, checking and upgrading the SQLite store's layout (PRAGMA user_version = SCHEMA_VERSION).

A file is in one of these states when `SqliteStore.init()` opens it:
- empty (a new file): the current layout is created;
- current version and derivation: nothing to do (`CREATE … IF NOT EXISTS` only);
- an older Vigil's layout, or derived rows from an older DERIVATION: every table except the
  documents is derived, so the documents are carried into a fresh layout and everything else is
  rebuilt from them (one transaction: a failure leaves the old file as it was);
- documents in a shape this code cannot read, a newer Vigil's layout, or a database that is not a
  Vigil store: `StoreError` saying what to do. No raw sqlite3 exception reaches the caller.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from store.errors import StoreError
from store.query import Kind
from store.sqlite_rows import DERIVATION, META, RECORDS, schema
from store.sqlite_versions import bump
from store.sqlite_write import write_documents

# 1: documents inside the main table; 2: documents in k_doc, facet columns f0…; 3: layout checked;
# 4: STORED columns after the facets (see store.sqlite_query); 5: k_kv_multi only for MULTI_INDEXED kinds
SCHEMA_VERSION = 5
_OURS = {"meta", "records"} | {f"{kind.value}{suffix}" for kind in Kind for suffix in ("", "_doc", "_kv")}
_CHUNK = 2000
log = logging.getLogger(__name__)


def prepare(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the file at `path` to the current layout (inside the caller's write transaction)."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the SQLite store {path} was created by a newer Vigil (layout {version}, this one knows "
            f"up to {SCHEMA_VERSION}): upgrade Vigil, or point data_dir (VIGIL_DATA_DIR) to another directory"
        )
    if version == 0 and tables and not tables & _OURS:
        raise StoreError(
            f"{path} is an SQLite database but not a Vigil store: set data_dir (VIGIL_DATA_DIR) "
            "to another directory, or move this file aside"
        )
    conn.execute(META)
    derivation = None
    if "meta" in tables:
        row = conn.execute("SELECT value FROM meta WHERE key = 'derivation'").fetchone()
        derivation = row[0] if row else None
    current = version == SCHEMA_VERSION and derivation == DERIVATION
    if tables & _OURS and not current:
        migrate(conn, path, version)
    else:
        create(conn)
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('derivation', ?)", (DERIVATION,))
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def create(conn: sqlite3.Connection) -> None:
    for kind in Kind:
        for statement in schema(kind):
            conn.execute(statement)
        # FTS5 merges 8 segments of a level at a time instead of 4: each posting is rewritten fewer
        # times while bulk indexing (~9% fewer bytes written); kept in the table's config
        conn.execute(f"INSERT INTO {kind.value}_fts({kind.value}_fts, rank) VALUES ('automerge', 8)")
    conn.execute(RECORDS)


def migrate(conn: sqlite3.Connection, path: Path, version: int) -> None:
    """Carry every kind's documents into the current layout and rebuild what is derived from them."""
    sources = {kind: _document_source(conn, kind, path, version) for kind in Kind}
    documents = sum(
        conn.execute(f"SELECT count(*) FROM {source}").fetchone()[0] for source in sources.values() if source
    )
    started = time.monotonic()
    # measured: 200,000 real EVE events rebuilt in 17-19 s on the 2-core development machine
    log.warning(
        "%s was written by an earlier Vigil: rebuilding the index of its %d documents (about 1 minute per "
        "500,000 events; nothing is lost if it stops: the file stays as it was until the rebuild ends)",
        path,
        documents,
    )
    for kind, source in sources.items():
        k = kind.value
        names = [k, f"{k}_doc", f"{k}_kv", f"{k}_fts"]
        marks = ",".join("?" * len(names))
        indexes = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks})",
            names,
        ).fetchall()
        for (index,) in indexes:
            conn.execute(f'DROP INDEX "{index}"')
        conn.execute(f"DROP TABLE IF EXISTS {k}_kv")
        conn.execute(f"DROP TABLE IF EXISTS {k}_fts")
        if source is None:
            conn.execute(f"DROP TABLE IF EXISTS {k}_doc")
            conn.execute(f"DROP TABLE IF EXISTS {k}")
            continue
        conn.execute(f"DROP TABLE IF EXISTS vigil_old_{k}_doc")
        conn.execute(f"DROP TABLE IF EXISTS vigil_old_{k}")
        conn.execute(f"ALTER TABLE {k} RENAME TO vigil_old_{k}")
        if source.endswith("_doc"):
            conn.execute(f"ALTER TABLE {k}_doc RENAME TO vigil_old_{k}_doc")
    create(conn)
    for kind, source in sources.items():
        if source is None:
            continue
        k = kind.value
        for batch in _old_documents(conn, kind, separate=source.endswith("_doc")):
            write_documents(conn, kind, batch, _as_is)
        bump(conn, kind, replaced=True)  # new rids: a process holding the old ones reads all again
        conn.execute(f"DROP TABLE IF EXISTS vigil_old_{k}_doc")
        conn.execute(f"DROP TABLE vigil_old_{k}")
    log.warning("%s: index of %d documents rebuilt in %.1f s", path, documents, time.monotonic() - started)


def _as_is(doc: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return "", doc


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def _document_source(conn: sqlite3.Connection, kind: Kind, path: Path, version: int) -> str | None:
    """Which table holds the kind's documents (None: the kind has no table yet); StoreError if unreadable."""
    k = kind.value
    main = _columns(conn, k)
    if not main:
        return None
    if {"id", "doc"} <= main:
        return k
    if {"rid", "id"} <= main and {"rid", "doc"} <= _columns(conn, f"{k}_doc"):
        return f"{k}_doc"
    raise StoreError(
        f"the SQLite store {path} was created by an older Vigil (layout {version}) whose {k} documents "
        "this version cannot read: move the file aside or delete it, run `vigil store init`, then "
        "crawl / ingest again to refill it"
    )


def _old_documents(conn: sqlite3.Connection, kind: Kind, separate: bool) -> Iterator[list[tuple[str, Any]]]:
    """The kind's documents in their original order (oldest rid first), in batches."""
    k = kind.value
    sql = (
        f"SELECT t.id, d.doc FROM vigil_old_{k} t JOIN vigil_old_{k}_doc d ON d.rid = t.rid ORDER BY t.rid"
        if separate
        else f"SELECT id, doc FROM vigil_old_{k} ORDER BY rid"
    )
    cursor = conn.execute(sql)
    while True:
        rows = cursor.fetchmany(_CHUNK)
        if not rows:
            return
        yield [(doc_id, orjson.loads(text)) for doc_id, text in rows]
