"""Fixtures shared by the store tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.models import SecurityEvent
from store.sqlite import SqliteStore


@pytest.fixture
def sqlite_store(tmp_path: Path, events: list[SecurityEvent]) -> SqliteStore:
    """An embedded store holding the test module's own `events` fixture."""
    store = SqliteStore(tmp_path / "store.sqlite3")
    store.init()
    store.index_events(events)
    return store
