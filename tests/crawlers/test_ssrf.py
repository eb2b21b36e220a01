"""The SSRF guard in a real crawl: private addresses only when the settings or the outlet entry allow them."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.runner import crawl_outlets
from tests.crawlers.conftest import make_settings
from tests.crawlers.hostile import HostileServer

pytestmark = pytest.mark.slow


def test_an_outlet_entry_can_allow_a_private_host(tmp_path: Path) -> None:
    with HostileServer() as server:
        outlet = server.outlet().model_copy(
            update={"feeds": (f"{server.base_url}/local-feed.rss",), "sitemaps": ()}
        )
        blocked = crawl_outlets(make_settings(tmp_path / "a"), [outlet])
        assert "/secret" not in server.hits
        assert blocked.errors_by_reason == {"ssrf_blocked": 1}
        allowed = crawl_outlets(
            make_settings(tmp_path / "b"), [outlet.model_copy(update={"allow_private_hosts": ("localhost",)})]
        )
        assert server.hits["/secret"] == 1
    assert allowed.articles == 1 and allowed.errors_by_reason == {}


def test_nothing_local_is_fetched_when_no_private_host_is_allowed(tmp_path: Path) -> None:
    with HostileServer() as server:
        summary = crawl_outlets(make_settings(tmp_path, allow_private_hosts=[]), [server.outlet()])
        hits = dict(server.hits)
    assert hits == {}  # not even robots.txt or the feeds
    assert summary.articles == 0 and summary.pages == 0
    assert summary.errors_by_reason["ssrf_blocked"] >= 4  # two feeds, two sitemaps
