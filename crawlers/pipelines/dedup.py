"""Canonical URLs and exact dedup (same canonical URL, or same outlet + title + body), across runs."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlers.context import crawl_context
from crawlers.item import ArticleItem
from crawlers.state import CrawlState, content_key, url_key
from crawlers.urls import canonical_url
from store.models import Article


class CanonicalUrlPipeline:
    """Set `canonical_url`: the page's rel=canonical when it stays on the same site, else the URL,
    both stripped of tracking parameters and AMP/mobile variants."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CanonicalUrlPipeline:
        return cls(crawler)

    def process_item(self, item: ArticleItem) -> ArticleItem:
        article = item.article
        url = canonical_url(article.url)
        declared = article.canonical_url
        assert self.crawler.stats is not None
        if declared:
            candidate = canonical_url(declared)
            if urlsplit(candidate).hostname == urlsplit(url).hostname:
                url = candidate
            else:
                self.crawler.stats.inc_value("pipeline/canonical/offsite_ignored")
        if url != article.url:
            self.crawler.stats.inc_value("pipeline/canonical/rewritten")
        article.canonical_url = url
        return item


def content_hash(article: Article) -> str:
    """Same outlet, same words: spacing and case do not matter (tone marks are already normalised)."""
    text = "\n".join((article.outlet, article.title, article.body))
    return hashlib.sha256(" ".join(text.lower().split()).encode("utf-8")).hexdigest()


class ExactDedupPipeline:
    """Drop an article already seen under its canonical URL or with the same content (persistent)."""

    def __init__(self, crawler: Crawler, state: CrawlState) -> None:
        self.crawler = crawler
        self.state = state

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExactDedupPipeline:
        return cls(crawler, crawl_context(crawler).state)

    def process_item(self, item: ArticleItem) -> ArticleItem:
        article = item.article
        article.content_hash = content_hash(article)
        taken = self.state.claim(
            [url_key(article.canonical_url), content_key(article.content_hash)], article.id
        )
        assert self.crawler.stats is not None
        if taken is not None:
            reason = "duplicate_url" if taken.startswith("url:") else "duplicate_content"
            self.crawler.stats.inc_value(f"pipeline/dedup/dropped/{reason}")
            self.crawler.stats.inc_value("duplicates")
            raise DropItem(reason)
        self.crawler.stats.inc_value("pipeline/dedup/new")
        return item
