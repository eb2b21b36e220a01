"""Batched indexing into the crawl process's store (`crawlers.context`)."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawlers.context import crawl_context
from crawlers.item import ArticleItem
from crawlers.state import CrawlState
from nlp.corrections import apply_correction
from store.models import Article
from store.protocol import Store
from store.query import BulkResult, RecordKind

log = logging.getLogger(__name__)


class IndexPipeline:
    """Collect articles and write them in batches of `store.batch_size`; flush at the end of the crawl.

    When a story gains an outlet, its articles already in the store are re-written with the new
    `story_outlets` count.
    """

    def __init__(self, crawler: Crawler, store: Store, state: CrawlState, batch_size: int) -> None:
        self.crawler = crawler
        self.store = store
        self.state = state
        self.batch_size = batch_size
        self.pending: dict[str, Article] = {}
        self.updates: dict[str, Article] = {}
        self.new_per_outlet: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IndexPipeline:
        context = crawl_context(crawler)
        if context.store is None:
            raise NotConfigured("indexing switched off")
        return cls(crawler, context.store, context.state, context.settings.store.batch_size)

    def process_item(self, item: ArticleItem) -> ArticleItem:
        article = item.article
        self.pending[article.id] = article
        self.new_per_outlet[article.outlet] = self.new_per_outlet.get(article.outlet, 0) + 1
        for member in item.story_members:
            self._update_story_count(member, article.story_outlets)
        if len(self.pending) + len(self.updates) >= self.batch_size:
            self.flush()
        return item

    def _update_story_count(self, article_id: str, outlets: int) -> None:
        """A story gained an outlet: its earlier articles get the new count (pending or stored)."""
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
        if not (self.pending or self.updates):
            return
        assert self.crawler.stats is not None
        new, updates = list(self.pending.values()), list(self.updates.values())
        self.pending.clear()
        self.updates.clear()
        corrections = {
            r["article_id"]: r for r in self.store.list_records(RecordKind.label_corrections, limit=100_000)
        }
        if corrections:  # a press officer's correction overrides the model on that article
            new = [apply_correction(a, corrections.get(a.id)) for a in new]
            updates = [apply_correction(a, corrections.get(a.id)) for a in updates]
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
        self.flush()
