"""Real Scrapy against a hostile local site: every failure is a counted, logged skip or retry — never a
crash, never a duplicate, never a request to a private address that was not allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.runner import CrawlSummary, crawl_outlets
from store.factory import open_store
from store.query import Kind, SearchQuery
from tests.crawlers.conftest import make_settings
from tests.crawlers.hostile import BODY, LEGACY_TITLE, SAPO, TITLE, HostileServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hostile_crawl(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[CrawlSummary, dict[str, int], list[dict], Path]:
    tmp = tmp_path_factory.mktemp("hostile")
    settings = make_settings(tmp, download_timeout_seconds=1.0, download_max_bytes=5 * 1024 * 1024)
    with HostileServer(slow_seconds=2.5) as server:
        summary = crawl_outlets(
            settings, [server.outlet()], scrapy_overrides={"RETRY_TIMES": 1, "REDIRECT_MAX_TIMES": 3}
        )
        hits = dict(server.hits)
    with open_store(settings) as store:
        docs = [hit.source for hit in store.search(Kind.articles, SearchQuery(size=100)).hits]
    return summary, hits, docs, tmp


def test_the_crawl_finishes_normally(hostile_crawl) -> None:  # type: ignore[no-untyped-def]
    summary, _, _, _ = hostile_crawl
    assert summary.finish_reason == "finished"


def test_http_errors_timeouts_and_loops_are_counted(hostile_crawl) -> None:  # type: ignore[no-untyped-def]
    summary, hits, _, _ = hostile_crawl
    errors = summary.errors_by_reason
    assert errors.get("http_404") == 1
    assert errors.get("http_500") == 1
    assert hits["/error500"] == 2  # retried once, then given up
    assert errors.get("timeout") == 1
    assert hits["/slow"] == 2
    assert errors.get("redirect_loop") == 1
    assert hits["/loop"] == 2 and hits["/loop2"] == 2
    assert errors.get("not_html") == 1


def test_oversized_pages_are_cut_off_and_counted(hostile_crawl) -> None:  # type: ignore[no-untyped-def]
    summary, _, docs, _ = hostile_crawl
    assert summary.errors_by_reason.get("too_large") == 2
    assert not any(doc["title"] == "To" for doc in docs)


def test_a_malformed_feed_is_counted_and_what_can_be_recovered_is_used(hostile_crawl) -> None:  # type: ignore[no-untyped-def]
    summary, hits, docs, _ = hostile_crawl
    assert summary.errors_by_reason.get("feed_malformed") == 1
    assert hits.get("/recovered") == 1
    assert any(doc["title"] == "Tin từ feed lỗi định dạng" for doc in docs)


def test_an_unreadable_sitemap_is_counted(hostile_crawl) -> None:  # type: ignore[no-untyped-def]
    summary, hits, _, _ = hostile_crawl
    assert hits["/garbage-sitemap.xml"] == 1
    assert summary.errors_by_reason.get("sitemap_malformed") == 1
    assert summary.stats["sitemaps/fetched"] == 1


def test_articles_missing_a_title_or_body_are_dropped_with_a_reason(hostile_crawl) -> None:  # type: ignore[no-untyped-def]
    summary, _, docs, _ = hostile_crawl
    assert summary.dropped_by_reason == {"missing_title": 1, "missing_body": 1}
    assert not any(doc["title"] == "Bài không có nội dung" for doc in docs)


def test_the_same_article_under_several_urls_is_stored_once(hostile_crawl) -> None:  # type: ignore[no-untyped-def]
    summary, hits, docs, _ = hostile_crawl
    copies = [doc for doc in docs if doc["title"] == TITLE]
    assert len(copies) == 1
    assert copies[0]["sapo"] == SAPO and copies[0]["body"] == "\n\n".join(BODY)
    # whichever URL arrived first (pages are fetched concurrently) is the one kept
    assert copies[0]["canonical_url"].rsplit("/", 1)[1] in {"ok", "mirror"}
    # The utm and AMP variants of /ok share its canonical URL and are never fetched; /ok-print
    # declares /ok canonical; /mirror has the same content under its own URL.
    assert hits["/ok"] == 1 and "/amp/ok" not in hits
    assert hits["/ok-print"] == 1 and hits["/mirror"] == 1
    assert summary.stats["skipped/duplicate_link"] == 2
    # by URL or by content, depending on which of the three pages arrived first
    dropped = summary.stats.get("pipeline/dedup/dropped/duplicate_url", 0)
    dropped += summary.stats.get("pipeline/dedup/dropped/duplicate_content", 0)
    assert dropped == 2
    assert summary.duplicates == 4
    assert len({doc["content_hash"] for doc in docs}) == len(docs)


def test_legacy_and_mislabelled_charsets_decode_to_nfc_vietnamese(hostile_crawl) -> None:  # type: ignore[no-untyped-def]
    summary, _, docs, _ = hostile_crawl
    titles = {doc["title"] for doc in docs}
    assert {LEGACY_TITLE, LEGACY_TITLE + " (2)", LEGACY_TITLE + " (3)", "Huế đón mưa lớn đầu mùa"} <= titles
    legacy = next(doc for doc in docs if doc["title"] == LEGACY_TITLE)
    assert legacy["body"].startswith("Nghệ nhân và du khách")
    assert summary.stats["pages/charset_cp1258"] == 3


def test_private_addresses_are_never_fetched_unless_allowed(hostile_crawl) -> None:  # type: ignore[no-untyped-def]
    summary, hits, docs, _ = hostile_crawl
    assert "/secret" not in hits
    # localhost, [::1], the metadata address, 10/8 and the redirect to localhost
    assert summary.errors_by_reason.get("ssrf_blocked") == 5
    assert not any(doc["title"] == "Bí mật nội bộ" for doc in docs)


def test_robots_txt_is_obeyed(hostile_crawl) -> None:  # type: ignore[no-untyped-def]
    summary, hits, _, _ = hostile_crawl
    assert "/forbidden" not in hits
    assert summary.skipped_by_reason.get("robots_forbidden") == 1
    assert "robots_forbidden" not in summary.errors_by_reason


def test_everything_good_was_indexed_exactly_once(hostile_crawl) -> None:  # type: ignore[no-untyped-def]
    summary, _, docs, _ = hostile_crawl
    assert summary.articles == len(docs) == 8
    assert summary.stats["pages/date_from_feed"] == 1  # /nodate: the date comes from the feed
    assert any(doc["title"] == "Tin chỉ có trong sitemap" for doc in docs)  # from the gzipped sitemap
    assert all(doc["published_at"].startswith("2026-10-26T08:30:00") for doc in docs)
    assert all(doc["authors"] == ["Minh Tâm", "Hoài Thu"] for doc in docs)


def test_a_second_run_adds_nothing(hostile_crawl) -> None:  # type: ignore[no-untyped-def]
    _, _, docs, tmp = hostile_crawl
    settings = make_settings(tmp, download_timeout_seconds=1.0, download_max_bytes=5 * 1024 * 1024)
    with HostileServer(slow_seconds=0.0) as server:
        # Same state, a new port: the good URLs differ, so dedup must come from content hashes.
        again = crawl_outlets(settings, [server.outlet()], scrapy_overrides={"RETRY_TIMES": 0})
    with open_store(settings) as store:
        count = store.count(Kind.articles, SearchQuery())
    assert again.finish_reason == "finished"
    assert count == len(docs) + 1  # only /slow, which timed out the first time, is new
    assert again.articles == 1
