"""End to end: real Scrapy crawls the bundled snapshot outlets into the embedded store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.config import Settings
from crawlers.health import LAYOUT_MIN_PAGES, outlet_health
from crawlers.registry import OUTLETS
from crawlers.runner import CrawlSummary, run_crawl
from store.factory import open_store
from store.models import Article
from store.query import Kind, RecordKind, SearchQuery, Term
from tests.crawlers.conftest import make_settings
from vigil.snapshots import EXPECTED_DIR, SnapshotSite

pytestmark = pytest.mark.slow


def _expected() -> dict[str, dict]:
    cases = {}
    for outlet in OUTLETS:
        for case in json.loads((EXPECTED_DIR / f"{outlet.name}.json").read_text(encoding="utf-8")):
            cases[case["url"]] = {**case["expected"], "outlet": outlet.name}
    return cases


@pytest.fixture(scope="module")
def crawled(
    tmp_path_factory: pytest.TempPathFactory, snapshot_site: SnapshotSite
) -> tuple[Settings, CrawlSummary, CrawlSummary, dict[str, int]]:
    settings = make_settings(tmp_path_factory.mktemp("snap"))
    before = dict(snapshot_site.hits)
    first = run_crawl(settings, base_url=snapshot_site.base_url)
    second = run_crawl(settings, base_url=snapshot_site.base_url)
    hits = {path: count - before.get(path, 0) for path, count in snapshot_site.hits.items()}
    return settings, first, second, hits


def _articles(settings: Settings) -> list[Article]:
    with open_store(settings) as store:
        ids = [hit.id for hit in store.search(Kind.articles, SearchQuery(size=500)).hits]
        found = [store.get_article(article_id) for article_id in ids]
    return [article for article in found if article is not None]


def test_every_snapshot_article_is_indexed_once_with_exact_fields(crawled) -> None:  # type: ignore[no-untyped-def]
    settings, first, _, _ = crawled
    expected = _expected()
    articles = _articles(settings)
    assert first.finish_reason == "finished"
    assert first.articles == len(expected) == len(articles)
    assert first.pages == len(expected)
    for article in articles:
        want = expected[article.url]
        assert article.outlet == want["outlet"]
        assert article.title == want["title"]
        assert article.sapo == want["sapo"]
        assert article.body == want["body"]
        assert article.authors == want["authors"]
        assert article.published_at == datetime.fromisoformat(want["published_at"])
        assert article.category == want["category"] and article.tags == want["tags"]
        assert article.canonical_url == article.url  # real outlet URLs, not the local server's
        assert article.content_hash and len(article.fingerprint) == 16


def test_syndicated_copies_share_a_story_cluster_and_know_the_outlet_count(crawled) -> None:  # type: ignore[no-untyped-def]
    settings, first, _, _ = crawled
    articles = _articles(settings)
    by_cluster: dict[str, list[Article]] = {}
    for article in articles:
        assert article.story_cluster
        by_cluster.setdefault(article.story_cluster, []).append(article)
    shared = [members for members in by_cluster.values() if len(members) > 1]
    assert len(shared) == 1
    story = shared[0]
    assert {a.outlet for a in story} == {"vnexpress", "huengaynay", "baovanhoa"}
    assert all(a.story_outlets == 3 for a in story)
    assert all(a.story_outlets == 1 for a in articles if a not in story)
    assert first.clusters == len(by_cluster) == len(articles) - 2


def test_robots_txt_is_obeyed_for_every_outlet(crawled) -> None:  # type: ignore[no-untyped-def]
    _, first, _, hits = crawled
    assert not [path for path in hits if "/private/" in path]
    assert first.skipped_by_reason["robots_forbidden"] == len(OUTLETS)
    assert first.errors_by_reason == {}


def test_a_second_run_uses_conditional_get_and_indexes_nothing_new(crawled) -> None:  # type: ignore[no-untyped-def]
    settings, first, second, hits = crawled
    feeds = sum(len(outlet.feeds) for outlet in OUTLETS)
    assert first.stats["feeds/fetched"] == feeds
    assert second.stats["feeds/not_modified"] == feeds
    assert "feeds/fetched" not in second.stats
    assert second.articles == 0 and second.pages == 0
    # found again in the sitemaps and on the Huế pages (listings): each lists all of its outlet's
    # articles (the merged Huế newsroom has two sitemaps)
    listed = sum(
        (len(outlet.sitemaps) + len(outlet.listings))
        * sum(1 for want in _expected().values() if want["outlet"] == outlet.name)
        for outlet in OUTLETS
    )
    assert (
        first.stats["listings/fetched"]
        == second.stats["listings/fetched"]
        == sum(len(outlet.listings) for outlet in OUTLETS)
    )
    assert second.stats["skipped/already_indexed"] == listed
    assert len(_articles(settings)) == first.articles
    # every article page was downloaded exactly once over both runs (the Huế pages at every run)
    listings = {"/" + listing.split("://", 1)[1] for outlet in OUTLETS for listing in outlet.listings}
    assert all(hits[path] == 2 for path in listings)
    article_hits = {
        path: count
        for path, count in hits.items()
        if "/rss/" not in path
        and path not in listings
        and path.endswith((".html", ".htm", ".ldo", ".tpo", ".vov", "/"))
    }
    assert len(article_hits) == first.articles
    assert set(article_hits.values()) == {1}


def test_outlet_health_after_a_crawl(crawled) -> None:  # type: ignore[no-untyped-def]
    settings, first, _, _ = crawled
    with open_store(settings) as store:
        records = {r["name"]: r for r in store.list_records(RecordKind.outlet_health)}
        # "now" just after the newest snapshot article, so the outlets count as publishing
        newest = max(a.published_at for a in _articles(settings) if a.published_at)
        report = {h.name: h for h in outlet_health(store, settings, now=newest + timedelta(hours=1))}
        later = {h.name: h for h in outlet_health(store, settings, now=newest + timedelta(days=3))}
        per_outlet = store.count(Kind.articles, SearchQuery(filters=(Term("outlet", ("vnexpress",)),)))
    assert set(records) == {outlet.name for outlet in OUTLETS}
    assert set(report) == {outlet.name for outlet in OUTLETS}
    assert all(h.last_success is not None and h.last_success <= datetime.now(UTC) for h in report.values())
    assert report["vnexpress"].articles_total == per_outlet == first.per_outlet["vnexpress"]["pages/fetched"]
    newest_outlet = next(a.outlet for a in _articles(settings) if a.published_at == newest)
    assert report[newest_outlet].silent is False
    # three days later with nothing new: outlets that published that week are silent
    assert later[newest_outlet].silent is True and later[newest_outlet].articles_per_day > 0
    # every layout read its pages: no alarm; outlets with selectors read title and body themselves
    for outlet in OUTLETS:
        assert report[outlet.name].layout_changed == [], outlet.name
        shares = report[outlet.name].fallback_shares
        if first.per_outlet[outlet.name]["fields/pages"] < LAYOUT_MIN_PAGES:
            assert shares == {}, outlet.name  # too few pages to judge a layout by
            continue
        reads = outlet.parser_for(None).title and outlet.parser_for(None).body
        assert (shares["title"], shares["body"]) == ((0.0, 0.0) if reads else (1.0, 1.0)), outlet.name


def test_limit_and_outlet_selection(tmp_path: Path, snapshot_site: SnapshotSite) -> None:
    settings = make_settings(tmp_path)
    summary = run_crawl(settings, outlets=["tuoitre", "huegov"], limit=2, base_url=snapshot_site.base_url)
    assert summary.articles == 4
    assert set(summary.per_outlet) == {"tuoitre", "huegov"}
    assert all(values.get("pages/fetched") == 2 for values in summary.per_outlet.values())
    assert summary.stats["skipped/limit"] > 0


def test_enrichment_hook_never_loses_articles(tmp_path: Path, snapshot_site: SnapshotSite) -> None:
    settings = make_settings(tmp_path, enrich=True)
    with open_store(settings) as store:
        store.put_records(RecordKind.watchlists, {"hue": {"id": "hue", "name": "Huế", "terms": ["Huế"]}})
    summary = run_crawl(settings, outlets=["huengaynay"], base_url=snapshot_site.base_url)
    stats = summary.stats
    handled = sum(int(stats.get(f"pipeline/enrich/{key}", 0)) for key in ("items", "failed", "skipped"))
    assert summary.articles == handled == len(json.loads((EXPECTED_DIR / "huengaynay.json").read_text()))
    articles = _articles(settings)
    assert len(articles) == summary.articles
    if stats.get("pipeline/enrich/items"):  # nlp's models are installed: every article was classified
        assert all(a.topic and a.tone for a in articles)
        assert stats["pipeline/enrich/batches"] < summary.articles  # classified in batches
        assert any("hue" in a.watchlists for a in articles)
    else:
        assert (
            stats.get("pipeline/enrich/skipped", 0) + stats.get("pipeline/enrich/failed", 0)
            == summary.articles
        )


def test_a_story_picked_up_by_other_outlets_in_a_later_crawl_updates_stored_counts(
    tmp_path: Path, snapshot_site: SnapshotSite
) -> None:
    settings = make_settings(tmp_path)
    run_crawl(settings, outlets=["vnexpress"], base_url=snapshot_site.base_url)
    before = {a.id: a for a in _articles(settings)}
    later = run_crawl(settings, outlets=["huengaynay", "baovanhoa"], base_url=snapshot_site.base_url)
    assert later.finish_reason == "finished" and "index_failed" not in later.errors_by_reason
    after = {a.id: a for a in _articles(settings)}
    syndicated = [a for a in after.values() if a.story_outlets == 3]
    assert {a.outlet for a in syndicated} == {"vnexpress", "huengaynay", "baovanhoa"}
    (original,) = [a for a in syndicated if a.outlet == "vnexpress"]
    assert before[original.id].story_outlets == 1  # it was alone after the first crawl
    assert {a.story_cluster for a in syndicated} == {original.story_cluster}
    assert len(after) == len(before) + later.articles
