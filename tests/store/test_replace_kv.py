"""Replacing a stored document leaves in place the k_kv rows its new version gives again exactly (an
incident's update changes a few of its hundreds of rows) and gives the rows a store holding only the new
version has: the same keys, value types and `num`s, searched the same way."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from store.query import Kind, SearchQuery, Term
from store.sqlite import SqliteStore
from store.sqlite_write import write_documents

STAMP = "2026-10-10T13:00:00+07:00"
OLD: dict[str, Any] = {
    "@timestamp": STAMP,
    "event": {"type": ["a", "b"]},
    "tags": [1, "x", True, 2],  # 1 (num 1.0) is the kept row of the key (tags, 1): True comes second
    "labels": {"n": 1, "f": 2.5, "d": "2026-01-01T00:00:00Z", "gone": "g", "flip": True},
    "many": [f"v{i}" for i in range(300)],
}
NEW: dict[str, Any] = {
    "@timestamp": STAMP,
    "event": {"type": ["b", "c"]},
    "tags": [True, 1, "x", 2.0],  # now True (no num) comes first; 2 becomes the float 2.0
    "labels": {"n": 1, "f": 2.5, "d": "2026-01-01T00:00:00Z", "added": 5, "flip": 1},
    "many": [f"v{i}" for i in range(1, 301)],
}


def _write(store: SqliteStore, docs: list[tuple[str, dict[str, Any]]]) -> int:
    """Write `docs`; returns the number of rows the statements changed (sqlite3's total_changes)."""
    with store.conns.write() as conn:
        before = conn.total_changes
        write_documents(conn, Kind.events, docs, lambda doc: ("", doc))
        return conn.total_changes - before


def _rows(path: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT e.id, k.field, k.value, typeof(k.value), k.num FROM events_kv k JOIN events e "
            "ON e.rid = k.rid ORDER BY e.id, k.field, typeof(k.value), k.value"
        ).fetchall()


def test_a_replaced_document_has_the_rows_of_its_new_version_alone(tmp_path: Path) -> None:
    replaced = SqliteStore(tmp_path / "replaced.sqlite3")
    replaced.init()
    _write(replaced, [("one", OLD), ("two", {**OLD, "tags": ["y"]})])
    changed = _write(replaced, [("one", NEW), ("two", {**NEW, "tags": ["y"]}), ("three", NEW)])
    alone = SqliteStore(tmp_path / "alone.sqlite3")
    alone.init()
    _write(alone, [("one", NEW), ("two", {**NEW, "tags": ["y"]}), ("three", NEW)])

    assert _rows(replaced.path) == _rows(alone.path)
    rows = {(row[1], row[2], row[3], row[4]) for row in _rows(replaced.path) if row[0] == "one"}
    assert ("tags", 1, "integer", None) in rows  # True first now: the row of the key lost its num
    assert ("tags", 2.0, "real", 2.0) in rows and ("labels.added", 5, "integer", 5.0) in rows
    assert not any(row[0] == "labels.gone" for row in rows) and ("many", "v0", "text", None) not in rows
    # "three" is new (~310 rows); "one" and "two" change ~10 rows each instead of ~620
    assert changed < 400
    for store in (replaced, alone):
        store.refresh()
        for field, value, ids in (
            ("many", "v300", ["one", "three", "two"]),
            ("labels.added", 5, ["one", "three", "two"]),
            ("event.type", "c", ["one", "three", "two"]),
            ("tags", 2, ["one", "three"]),
        ):
            page = store.search(Kind.events, SearchQuery(filters=(Term(field, (value,)),)))
            assert sorted(hit.id for hit in page.hits) == ids
        for field, value in (("many", "v0"), ("labels.gone", "g"), ("event.type", "a")):
            assert store.search(Kind.events, SearchQuery(filters=(Term(field, (value,)),))).total == 0
    replaced.close()
    alone.close()
