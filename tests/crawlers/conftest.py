"""Shared fixtures: the bundled snapshot outlets on a real local server, and crawl settings under tmp."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.config import Settings, load_settings
from vigil.snapshots import SnapshotSite


def make_settings(tmp_path: Path, **crawl: Any) -> Settings:
    """Test settings: state under tmp, no AutoThrottle delays, 127.0.0.1 allowed, enrichment off."""
    values: dict[str, Any] = {
        "autothrottle": False,
        "allow_private_hosts": ["127.0.0.1"],
        "enrich": False,
        "download_timeout_seconds": 5,
        "concurrency_per_domain": 8,
    }
    values.update(crawl)
    return load_settings(None, data_dir=tmp_path / "data", crawl=values)


@pytest.fixture(scope="session")
def snapshot_site() -> Iterator[SnapshotSite]:
    with SnapshotSite() as site:
        yield site
