"""Crawl state that must survive runs: feed validators, seen URLs and content, story fingerprints.

One SQLite file under the data dir (WAL mode), so several crawler processes on one host can share it
and a later run neither refetches unchanged feeds nor re-indexes an article it already has.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, fetched_at TEXT);
CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, article_id TEXT NOT NULL, seen_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stories (
    article_id TEXT PRIMARY KEY, signature BLOB NOT NULL, cluster_id TEXT NOT NULL, outlet TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS stories_cluster ON stories (cluster_id);
CREATE TABLE IF NOT EXISTS story_bands (band INTEGER NOT NULL, article_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS story_bands_band ON story_bands (band);
CREATE TABLE IF NOT EXISTS outlets (
    outlet TEXT PRIMARY KEY, last_success TEXT, last_attempt TEXT, articles INTEGER NOT NULL DEFAULT 0
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat()


class CrawlState:
    """Thin typed access to the state file; every method is one short transaction."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> CrawlState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # feeds ---------------------------------------------------------------------------------
    def validators(self, url: str) -> tuple[str | None, str | None]:
        row = self._db.execute("SELECT etag, last_modified FROM feeds WHERE url = ?", (url,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def save_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO feeds VALUES (?, ?, ?, ?)", (url, etag, last_modified, _now())
            )

    # exact dedup ---------------------------------------------------------------------------
    def seen(self, key: str) -> str | None:
        """The article id first seen under `key` (a canonical URL or a content hash), or None."""
        row = self._db.execute("SELECT article_id FROM seen WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def claim(self, keys: Iterable[str], article_id: str) -> str | None:
        """Record `keys` for `article_id` unless one is taken; returns the key already taken, if any."""
        keys = list(keys)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for key in keys:
                    if self._db.execute("SELECT 1 FROM seen WHERE key = ?", (key,)).fetchone():
                        self._db.execute("ROLLBACK")
                        return key
                now = _now()
                self._db.executemany(
                    "INSERT INTO seen VALUES (?, ?, ?)", [(k, article_id, now) for k in keys]
                )
                self._db.execute("COMMIT")
            except sqlite3.Error:
                self._db.execute("ROLLBACK")
                raise
        return None

    def forget(self, article_ids: list[str]) -> None:
        """Undo the dedup and cluster records of articles whose indexing failed, so that the next
        crawl fetches them again instead of believing they are stored."""
        if not article_ids:
            return
        marks = ",".join("?" * len(article_ids))
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            for table in ("seen", "stories", "story_bands"):
                self._db.execute(f"DELETE FROM {table} WHERE article_id IN ({marks})", article_ids)
            self._db.execute("COMMIT")

    # story clusters ------------------------------------------------------------------------
    def cluster_candidates(self, band_keys: list[int]) -> list[tuple[bytes, str]]:
        """(MinHash signature, cluster id) of stored articles sharing an LSH band."""
        marks = ",".join("?" * len(band_keys))
        query = (
            "SELECT s.signature, s.cluster_id FROM stories s WHERE s.article_id IN "
            f"(SELECT article_id FROM story_bands WHERE band IN ({marks}))"  # only placeholders
        )
        return list(self._db.execute(query, band_keys))

    def add_to_cluster(
        self, band_keys: list[int], signature: bytes, cluster_id: str, outlet: str, article_id: str
    ) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT OR REPLACE INTO stories VALUES (?, ?, ?, ?)",
                (article_id, signature, cluster_id, outlet),
            )
            self._db.executemany(
                "INSERT INTO story_bands VALUES (?, ?)", [(band, article_id) for band in band_keys]
            )
            self._db.execute("COMMIT")

    def cluster_members(self, cluster_id: str) -> tuple[int, list[str]]:
        """How many outlets carried the story, and the ids of its articles."""
        rows = self._db.execute(
            "SELECT outlet, article_id FROM stories WHERE cluster_id = ?", (cluster_id,)
        ).fetchall()
        return len({row[0] for row in rows}), sorted({row[1] for row in rows})

    def cluster_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(DISTINCT cluster_id) FROM stories").fetchone()[0])

    # outlet health -------------------------------------------------------------------------
    def outlet_fetched(self, outlet: str, ok: bool, at: str | None = None) -> None:
        now = at or _now()
        with self._lock:
            self._db.execute(
                "INSERT INTO outlets (outlet, last_success, last_attempt) VALUES (?, ?, ?) "
                "ON CONFLICT(outlet) DO UPDATE SET last_attempt = excluded.last_attempt, "
                "last_success = COALESCE(excluded.last_success, outlets.last_success)",
                (outlet, now if ok else None, now),
            )

    def outlet_indexed(self, outlet: str, count: int) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO outlets (outlet, articles) VALUES (?, ?) "
                "ON CONFLICT(outlet) DO UPDATE SET articles = outlets.articles + excluded.articles",
                (outlet, count),
            )

    def outlets(self) -> dict[str, dict[str, str | int | None]]:
        rows = self._db.execute("SELECT outlet, last_success, last_attempt, articles FROM outlets").fetchall()
        return {r[0]: {"last_success": r[1], "last_attempt": r[2], "articles": r[3]} for r in rows}


def state_file(data_dir_path: Path) -> Path:
    return data_dir_path / "crawl" / "state.sqlite3"


def url_key(canonical: str) -> str:
    return "url:" + canonical


def content_key(content_hash: str) -> str:
    return "content:" + content_hash
