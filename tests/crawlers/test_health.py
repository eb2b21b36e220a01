"""The layout-change alarm of outlet health: a field whose share of pages not read by the outlet's
selectors jumps raises "layout changed" in the health record, `vigil sources check` and /outlets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from crawlers.health import LAYOUT_MIN_PAGES, layout_watch, outlet_health, record_health
from crawlers.registry import BUNDLED
from crawlers.state import CrawlState
from store.factory import open_store
from tests.crawlers.conftest import make_settings

VNEXPRESS = BUNDLED.get("vnexpress")


def _stats(pages: int, **fallbacks: int) -> dict[str, Any]:
    stats: dict[str, Any] = {"outlet/vnexpress/fields/pages": pages}
    stats.update({f"outlet/vnexpress/fields/fallback/{name}": count for name, count in fallbacks.items()})
    return stats


def test_the_title_and_body_are_expected_from_the_selectors_from_the_first_crawl() -> None:
    usual = layout_watch(VNEXPRESS, _stats(20, authors=6, published_at=0), {})
    assert usual["changed"] == [] and usual["shares"]["authors"] == 0.3
    broken = layout_watch(VNEXPRESS, _stats(20, title=20, body=20, authors=20, published_at=0), {})
    assert broken["changed"] == ["title", "body"]  # authors had no baseline yet: what this crawl saw


def test_a_jump_against_the_baseline_warns_until_the_layout_reads_again() -> None:
    record: dict[str, Any] = {}
    for _ in range(3):
        record = layout_watch(VNEXPRESS, _stats(20, authors=4), record)
    assert record["changed"] == [] and record["baseline"]["authors"] == 0.2
    jumped = layout_watch(VNEXPRESS, _stats(20, authors=18), record)
    assert jumped["changed"] == ["authors"] and jumped["shares"]["authors"] == 0.9
    assert jumped["baseline"] == record["baseline"]  # the alarm does not teach the baseline the breakage
    still = layout_watch(VNEXPRESS, _stats(20, authors=18), jumped)
    assert still["changed"] == ["authors"]
    fixed = layout_watch(VNEXPRESS, _stats(20, authors=4), still)
    assert fixed["changed"] == []


def test_too_few_pages_keep_the_previous_watch() -> None:
    previous = layout_watch(VNEXPRESS, _stats(20), {})
    assert layout_watch(VNEXPRESS, _stats(LAYOUT_MIN_PAGES - 1, title=4, body=4), previous) == previous


def test_health_and_sources_check_report_a_changed_layout(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with open_store(settings) as store, CrawlState(settings.state_path("crawl", "state.sqlite3")) as state:
        record_health(store, state, [VNEXPRESS], _stats(10, authors=2))
        assert next(h for h in outlet_health(store, settings) if h.name == "vnexpress").layout_changed == []
        record_health(store, state, [VNEXPRESS], _stats(10, title=10, body=9, authors=2))
        health = next(h for h in outlet_health(store, settings) if h.name == "vnexpress")
    assert health.layout_changed == ["title", "body"]
    assert health.fallback_shares == {"title": 1.0, "body": 0.9, "published_at": 0.0, "authors": 0.2}
    result = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "sources", "check"],
        capture_output=True,
        text=True,
        env={**os.environ, "VIGIL_DATA_DIR": str(settings.data_dir)},
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("vnexpress"))
    assert "LAYOUT?" in line
    warning = " ".join(result.stderr.split())  # the console wraps long lines
    assert "layout changed? vnexpress" in warning and "title 100%, body 90%" in warning
    assert "add a [[layouts]] entry" in warning
