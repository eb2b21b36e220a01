"""Batched indexing into the configured store (`store.factory.open_store`)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from core.config import Settings
from crawlers.pipelines import to_article
from crawlers.state import CrawlState
from store.models import Article
from store.protocol import Store
from store.query import BulkResult

log = logging.getLogger(__name__)


class IndexPipeline:
    """Collect articles and write them in batches of `store.batch_size`; flush at the end of the crawl.

    When a story gains an outlet, its articles already in the store are re-written with the new
    `story_outlets` count.
    """

    def __init__(self, crawler: Crawler, settings: Settings) -> None:
        self.crawler = crawler
        self.settings = settings
        self.batch_size = settings.store.batch_size
        self.pending: dict[str, Article] = {}
        self.updates: dict[str, Article] = {}
        self.new_per_outlet: dict[str, int] = {}
        self.store: Store | None = None
        self.state: CrawlState | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IndexPipeline:
        settings = crawler.settings.get("VIGIL_SETTINGS")
        if not crawler.settings.getbool("VIGIL_INDEX", True) or settings is None:
            raise NotConfigured("indexing switched off")
        return cls(crawler, settings)

    def open_spider(self) -> None:
        from store.factory import open_store

        self.store = open_store(self.settings)
        self.store.init()
        self.state = CrawlState(Path(self.crawler.settings.get("VIGIL_STATE_PATH")))

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        article = to_article(item)
        self.pending[article.id] = article
        self.new_per_outlet[article.outlet] = self.new_per_outlet.get(article.outlet, 0) + 1
        for member in item.get("_story_members") or []:
            self._update_story_count(member, article.story_outlets)
        if len(self.pending) + len(self.updates) >= self.batch_size:
            self.flush()
        return item

    def _update_story_count(self, article_id: str, outlets: int) -> None:
        """A story gained an outlet: its earlier articles get the new count (pending or stored)."""
        assert self.store is not None
        if article_id in self.pending:
            current = self.pending[article_id]
            self.pending[article_id] = current.model_copy(update={"story_outlets": outlets})
            return
        stored = self.updates.get(article_id) or self.store.get_article(article_id)
        if stored is not None and stored.story_outlets != outlets:
            self.updates[article_id] = stored.model_copy(update={"story_outlets": outlets})

    def flush(self) -> None:
        """Write new articles and re-write updated ones in one bulk call, rewrites last so they win.
        If the store fails, the new articles are forgotten by the crawl
        state so the next crawl fetches them again, and the error propagates (Scrapy logs it)."""
        if self.store is None or not (self.pending or self.updates):
            return
        assert self.crawler.stats is not None and self.state is not None
        new, updates = list(self.pending.values()), list(self.updates.values())
        self.pending.clear()
        self.updates.clear()
        try:
            self._record(self.store.index_articles(new + updates))
        except Exception:
            self.crawler.stats.inc_value("errors/index_failed", len(new))
            self.state.forget([article.id for article in new])
            log.error(
                "the store refused a batch of %d articles; they will be fetched again next crawl", len(new)
            )
            raise
        for outlet, count in self.new_per_outlet.items():
            self.state.outlet_indexed(outlet, count)
        self.new_per_outlet.clear()

    def _record(self, result: BulkResult) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("pipeline/index/indexed", result.indexed)
        self.crawler.stats.inc_value("pipeline/index/spooled", result.spooled)
        for article_id, reason in result.errors:
            self.crawler.stats.inc_value("errors/index_rejected")
            log.warning("store rejected article %s: %s", article_id, reason)

    def close_spider(self) -> None:
        try:
            self.flush()
        finally:
            if self.store is not None:
                self.store.close()
            if self.state is not None:
                self.state.close()
