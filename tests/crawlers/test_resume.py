"""JOBDIR: an interrupted crawl leaves its queue under the data dir and the next run finishes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawlers.registry import BUNDLED
from crawlers.runner import crawl_outlets
from crawlers.settings import job_dir
from store.factory import open_store
from store.query import Kind, SearchQuery
from tests.crawlers.conftest import make_settings
from vigil.snapshots import EXPECTED_DIR, SnapshotSite

pytestmark = pytest.mark.slow


def test_an_interrupted_crawl_resumes_and_completes(tmp_path: Path, snapshot_site: SnapshotSite) -> None:
    settings = make_settings(tmp_path, concurrency_per_domain=1)
    outlets = BUNDLED.select(["vnexpress", "tuoitre", "vov"])
    expected = sum(len(json.loads((EXPECTED_DIR / f"{o.name}.json").read_text())) for o in outlets)
    jobs = job_dir(settings)

    first = crawl_outlets(
        settings, outlets, base_url=snapshot_site.base_url, scrapy_overrides={"CLOSESPIDER_ITEMCOUNT": 3}
    )
    assert first.finish_reason == "closespider_itemcount"
    assert jobs.is_dir() and (jobs / "requests.seen").exists()  # kept for the resume
    assert str(jobs).startswith(str(settings.data_dir))

    second = crawl_outlets(settings, outlets, base_url=snapshot_site.base_url)
    assert second.finish_reason == "finished"
    assert not jobs.exists()  # a complete crawl clears its job directory
    with open_store(settings) as store:
        assert store.count(Kind.articles, SearchQuery()) == expected
    assert first.articles + second.articles == expected
