"""Canonical URLs and exact dedup (same canonical URL, or same outlet + title + body), across runs."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlers.context import crawl_context
from crawlers.state import CrawlState, content_key, url_key
from crawlers.urls import canonical_url
from store.ids import stable_id


class CanonicalUrlPipeline:
    """Set `canonical_url`: the page's rel=canonical when it stays on the same site, else the URL,
    both stripped of tracking parameters and AMP/mobile variants."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CanonicalUrlPipeline:
        return cls(crawler)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        url = canonical_url(item["url"])
        declared = item.get("canonical_url") or ""
        assert self.crawler.stats is not None
        if declared:
            candidate = canonical_url(declared)
            if urlsplit(candidate).hostname == urlsplit(url).hostname:
                url = candidate
            else:
                self.crawler.stats.inc_value("pipeline/canonical/offsite_ignored")
        if url != item["url"]:
            self.crawler.stats.inc_value("pipeline/canonical/rewritten")
        item["canonical_url"] = url
        return item


def content_hash(item: dict[str, Any]) -> str:
    """Same outlet, same words: spacing and case do not matter (tone marks are already normalised)."""
    text = "\n".join((item.get("outlet") or "", item.get("title") or "", item.get("body") or ""))
    return hashlib.sha256(" ".join(text.lower().split()).encode("utf-8")).hexdigest()


class ExactDedupPipeline:
    """Drop an article already seen under its canonical URL or with the same content (persistent)."""

    def __init__(self, crawler: Crawler, state: CrawlState) -> None:
        self.crawler = crawler
        self.state = state

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExactDedupPipeline:
        return cls(crawler, crawl_context(crawler).state)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        item["content_hash"] = content_hash(item)
        article_id = stable_id("article", item["canonical_url"])
        taken = self.state.claim(
            [url_key(item["canonical_url"]), content_key(item["content_hash"])], article_id
        )
        assert self.crawler.stats is not None
        if taken is not None:
            reason = "duplicate_url" if taken.startswith("url:") else "duplicate_content"
            self.crawler.stats.inc_value(f"pipeline/dedup/dropped/{reason}")
            self.crawler.stats.inc_value("duplicates")
            raise DropItem(reason)
        self.crawler.stats.inc_value("pipeline/dedup/new")
        return item
