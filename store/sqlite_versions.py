"""How many times each kind's documents were written, kept in the store's `meta` table: readers holding
what they read in memory (`store.sqlite_columns`) compare it to know whether to extend or reload. Apart
from the columns' module so that writing (`store.sqlite_write`) needs no numpy."""

from __future__ import annotations

import sqlite3

from store.query import Kind

Version = tuple[int, int]  # (writes, rewrites) of one kind


def changes_key(kind: Kind) -> str:
    """The `meta` key counting writes to the kind's documents (bumped by `sqlite_write`)."""
    return f"changes:{kind.value}"


def rewrites_key(kind: Kind) -> str:
    """The `meta` key counting writes that replaced (or renumbered) stored documents of the kind."""
    return f"rewrites:{kind.value}"


def bump(conn: sqlite3.Connection, kind: Kind, replaced: bool) -> None:
    """Count a write of the kind's documents (in the writer's transaction); `replaced`: it replaced
    or renumbered stored documents, so what readers hold must be read again, not extended."""
    keys = [changes_key(kind), rewrites_key(kind)] if replaced else [changes_key(kind)]
    for key in keys:
        conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, 1) ON CONFLICT(key) DO UPDATE SET value = value + 1",
            (key,),
        )


def read_version(conn: sqlite3.Connection, kind: Kind) -> Version:
    found = dict(
        conn.execute(
            "SELECT key, value FROM meta WHERE key IN (?, ?)", (changes_key(kind), rewrites_key(kind))
        ).fetchall()
    )
    return int(found.get(changes_key(kind), 0)), int(found.get(rewrites_key(kind), 0))
