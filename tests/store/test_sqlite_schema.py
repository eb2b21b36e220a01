"""SQLite files from older (or foreign, or newer) layouts, locks and unwritable places: the store
upgrades what it can and otherwise raises a StoreError that says what to do, never a raw sqlite3 error."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from store.documents import article_document
from store.errors import StoreError, StoreUnavailable
from store.models import Article
from store.query import Kind, RecordKind, SearchQuery, Term
from store.sqlite import SqliteStore
from store.sqlite_schema import SCHEMA_VERSION


def article(i: int, outlet: str) -> Article:
    return Article(
        url=f"https://x.vn/cu-{i}",
        outlet=outlet,
        title=f"Lũ lụt ở Quảng Trị, bản tin {i}",
        published_at=datetime(2024, 3, 1 + i, tzinfo=UTC),
    )


def make_v1_file(path: Path, articles: list[Article]) -> None:
    """The first store's layout (user_version 1): documents inside the main table, no facet columns."""
    conn = sqlite3.connect(path)
    for k in ("articles", "events", "incidents"):
        conn.execute(
            f"CREATE TABLE {k} (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL, "
            "ts REAL, version INTEGER NOT NULL DEFAULT 1)"
        )
        conn.execute(f"CREATE INDEX {k}_ts ON {k}(ts)")
        conn.execute(
            f"CREATE TABLE {k}_kv (field TEXT NOT NULL, value NOT NULL, num REAL, rid INTEGER NOT NULL, "
            "PRIMARY KEY (field, value, rid)) WITHOUT ROWID"
        )
        conn.execute(f"CREATE INDEX {k}_kv_rid ON {k}_kv(rid, field)")
        conn.execute(f"CREATE VIRTUAL TABLE {k}_fts USING fts5(c0, c1, c2)")
    conn.execute(
        "CREATE TABLE records (kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, "
        "PRIMARY KEY (kind, id)) WITHOUT ROWID"
    )
    conn.execute("INSERT INTO records VALUES ('watchlists', 'w1', ?)", (json.dumps({"name": "lũ"}),))
    for rid, item in enumerate(articles, start=1):
        doc_id, doc = article_document(item)
        conn.execute(
            "INSERT INTO articles(rid, id, doc, ts) VALUES (?, ?, ?, NULL)", (rid, doc_id, json.dumps(doc))
        )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def test_a_file_of_the_first_layout_is_upgraded_with_its_documents(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = [article(i, "a" if i < 3 else "b") for i in range(5)]
    make_v1_file(path, old)
    store = SqliteStore(path)
    store.init()  # the first shift's code failed here with "no such column: f0"
    assert user_version(path) == SCHEMA_VERSION
    assert store.stats() == {"articles": 5, "events": 0, "incidents": 0}
    stored = store.get_article(old[2].id)
    assert stored is not None and stored.title == old[2].title
    assert store.count(Kind.articles, SearchQuery(text="quang tri")) == 5  # text rebuilt, folded
    assert store.count(Kind.articles, SearchQuery(filters=(Term("outlet", ("b",)),))) == 2  # facets rebuilt
    newest = store.search(Kind.articles, SearchQuery(size=1)).hits[0]
    assert newest.id == old[4].id  # time rebuilt from the documents (the old ts column was empty)
    assert store.get_record(RecordKind.watchlists, "w1") == {"name": "lũ"}
    store.index_articles([article(2, "c")])  # replacing after the upgrade removes exactly the old rows
    assert store.count(Kind.articles, SearchQuery(filters=(Term("outlet", ("a",)),))) == 2
    assert store.count(Kind.articles, SearchQuery(text="quang tri")) == 5
    store.init()  # idempotent once upgraded
    assert store.stats()["articles"] == 5
    store.close()


def test_the_previous_versioned_layout_is_carried_over(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite3"
    store = SqliteStore(path)
    store.init()
    store.index_articles([article(i, "a") for i in range(3)])
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 2")
    reopened = SqliteStore(path)
    reopened.init()
    assert user_version(path) == SCHEMA_VERSION
    assert reopened.count(Kind.articles, SearchQuery(text="lu lut")) == 3
    reopened.close()


def test_unreadable_old_documents_raise_a_store_error_and_leave_the_file(tmp_path: Path) -> None:
    path = tmp_path / "odd.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE articles (rid INTEGER PRIMARY KEY, id TEXT, body TEXT)")
        conn.execute("INSERT INTO articles VALUES (1, 'x', 'nội dung')")
        conn.execute("PRAGMA user_version = 1")
    store = SqliteStore(path)
    with pytest.raises(StoreError, match="older Vigil") as caught:
        store.init()
    assert not isinstance(caught.value, sqlite3.Error)
    assert str(path) in str(caught.value) and "vigil store init" in str(caught.value)
    store.close()
    with sqlite3.connect(path) as conn:  # rolled back: the user's data is still there
        assert conn.execute("SELECT body FROM articles").fetchall() == [("nội dung",)]
        assert int(conn.execute("PRAGMA user_version").fetchone()[0]) == 1


def test_newer_foreign_and_non_database_files_are_refused(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite3"
    with sqlite3.connect(newer) as conn:
        conn.execute("CREATE TABLE articles (rid INTEGER PRIMARY KEY)")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE invoices (n INTEGER)")
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database, just text " * 200)
    for path, words in ((newer, "newer Vigil"), (foreign, "not a Vigil store"), (garbage, "not a Vigil")):
        store = SqliteStore(path)
        with pytest.raises(StoreError, match=words) as caught:
            store.init()
        assert not isinstance(caught.value, sqlite3.Error) and str(path) in str(caught.value)
        store.close()


def test_a_lock_held_beyond_the_timeout_is_store_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite3"
    SqliteStore(path).init()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    store = SqliteStore(path, busy_timeout_ms=50)
    try:
        with pytest.raises(StoreUnavailable, match="locked"):
            store.index_articles([article(1, "a")])
        with pytest.raises(StoreUnavailable):
            store.init()
        assert store.count(Kind.articles, SearchQuery()) == 0  # readers are not blocked (WAL)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.index_articles([article(1, "a")]).indexed == 1
    store.close()


def test_an_unusable_directory_is_store_unavailable_naming_the_path(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data directory should be")
    path = blocker / "store.sqlite3"
    store = SqliteStore(path)
    with pytest.raises(StoreUnavailable) as caught:
        store.init()
    assert str(path) in str(caught.value)
    assert store.ping() is False


def test_a_store_of_the_previous_derivation_drops_the_raw_record_rows(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Derivation 5 wrote a k_kv row for every leaf of the raw EVE record (`suricata.eve`); opening such
    a store rebuilds the derived rows from the documents, without them, and every query still answers."""
    from secmon.parsers import parse_line
    from store.documents import leaves
    from store.query import Exists, TermsAgg
    from tests.realdata import real_files

    path = tmp_path / "store.sqlite3"
    events = [
        parse_line(line, "eve", origin=str(eve), offset=number)
        for eve in real_files("suricata-verify-outputs", "eve.json")
        for number, line in enumerate(eve.read_text().splitlines())
        if line.strip()
    ]
    store = SqliteStore(path)
    store.init()
    store.index_events(events)
    store.close()
    with sqlite3.connect(path) as conn:  # what derivation 5 had besides: the raw record's leaves
        rids = dict(conn.execute("SELECT id, rid FROM events"))
        for event in events:
            for field, value in leaves(event.to_document()):
                if field.startswith("suricata.eve.") and not (isinstance(value, str) and len(value) > 256):
                    conn.execute(
                        "INSERT OR IGNORE INTO events_kv(field, value, num, rid) VALUES (?, ?, NULL, ?)",
                        (field, int(value) if isinstance(value, bool) else value, rids[event.id]),
                    )
        conn.execute("UPDATE meta SET value = 5 WHERE key = 'derivation'")
        old_raw = conn.execute("SELECT count(*) FROM events_kv WHERE field LIKE 'suricata.eve.%'").fetchone()[
            0
        ]
        ecs_rows = conn.execute(
            "SELECT count(*) FROM events_kv WHERE field NOT LIKE 'suricata.%'"
        ).fetchone()[0]
    assert old_raw > len(events)
    store = SqliteStore(path)
    with caplog.at_level("WARNING", logger="store.sqlite_schema"):
        store.init()
    # a rebuild can take minutes on a large store: it says so, with the number of documents, and when done
    said = [record.getMessage() for record in caplog.records]
    assert any(f"rebuilding the index of its {len(events)} documents" in line for line in said), said
    assert any(f"index of {len(events)} documents rebuilt in" in line for line in said), said
    with sqlite3.connect(path) as conn:
        assert (
            conn.execute("SELECT count(*) FROM events_kv WHERE field LIKE 'suricata.eve.%'").fetchone()[0]
            == 0
        )
        assert (
            conn.execute("SELECT count(*) FROM events_kv WHERE field NOT LIKE 'suricata.%'").fetchone()[0]
            == ecs_rows
        )
        assert conn.execute("SELECT value FROM meta WHERE key = 'derivation'").fetchone()[0] > 5
    assert store.stats()["events"] == len(events)
    alerts = [event for event in events if event.get("suricata.eve.event_type") == "alert"]
    assert alerts
    assert store.count(
        Kind.events, SearchQuery(filters=(Term("suricata.eve.event_type", ("alert",)),))
    ) == len(alerts)
    assert store.count(Kind.events, SearchQuery(filters=(Exists("suricata.eve.alert.signature_id"),))) == len(
        alerts
    )
    types = store.aggregate(Kind.events, SearchQuery(), [TermsAgg("t", "suricata.eve.event_type", size=50)])
    assert {bucket.key: bucket.count for bucket in types["t"].buckets}["alert"] == len(alerts)
    store.index_events(events[:5])  # replacing after the rebuild: still one document each
    assert store.stats()["events"] == len(events)
