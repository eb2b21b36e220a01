"""Enrichment: topic, tone, entities and watchlists from nlp/, when enabled (`crawl.enrich`).

Watchlists are read once per crawl from the store (the API manages them); models come from
`nlp.model_dir`. An enrichment failure never loses an article: it is indexed without enrichment,
and after `MAX_FAILURES` failures in a row (a missing or broken model) enrichment is switched off
for the rest of the crawl with one warning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet.defer import Deferred

from core.config import Settings
from crawlers.context import crawl_context
from crawlers.item import ArticleItem
from nlp.entities import gazetteer_path, use_gazetteer
from nlp.watchlists import as_watchlist
from store.protocol import Store
from store.query import RecordKind

log = logging.getLogger(__name__)
MAX_FAILURES = 3
BATCH_SIZE = 32
MAX_WAIT_SECONDS = 0.05


class EnrichPipeline:
    def __init__(
        self,
        crawler: Crawler,
        enrich_batch: Callable[..., list[Any]],
        settings: Settings | None,
        store: Store | None = None,
    ) -> None:
        self.crawler = crawler
        self.enrich_batch = enrich_batch
        self.settings = settings
        self.store = store
        self.watchlists: list[Any] = []
        self.failures = 0
        self.waiting: list[tuple[ArticleItem, Deferred[ArticleItem]]] = []
        self.timer: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EnrichPipeline:
        if not crawler.settings.getbool("VIGIL_ENRICH", False):
            raise NotConfigured("enrichment switched off (crawl.enrich = false)")
        # lazy: nlp.enrich loads scikit-learn and skops (~3 s), which a crawl without enrichment never needs
        from nlp.enrich import enrich_batch

        context = crawl_context(crawler)
        return cls(crawler, enrich_batch, context.settings, context.store)

    def open_spider(self) -> None:
        if self.settings is not None:
            use_gazetteer(gazetteer_path(self.settings.nlp.gazetteer_file, self.settings.data_dir))
        if self.store is not None:
            records = self.store.list_records(RecordKind.watchlists, limit=10_000)
            self.watchlists = [as_watchlist(record) for record in records]

    async def process_item(self, item: ArticleItem) -> ArticleItem:
        """Wait for a batch: items are classified together, up to BATCH_SIZE at a time or after
        MAX_WAIT_SECONDS (the models are ~2x cheaper per article in batches)."""
        assert self.crawler.stats is not None
        if self.failures >= MAX_FAILURES:
            self.crawler.stats.inc_value("pipeline/enrich/skipped")
            return item
        waiter: Deferred[ArticleItem] = Deferred()
        self.waiting.append((item, waiter))
        if len(self.waiting) >= BATCH_SIZE:
            self._run_batch()
        elif self.timer is None:
            # lazy: importing the reactor installs one; at module import Scrapy has not chosen it yet
            from twisted.internet import reactor

            # zope interface methods have no `self`, which mypy misreads as a shifted signature
            self.timer = reactor.callLater(MAX_WAIT_SECONDS, self._run_batch)  # type: ignore[arg-type]
        return await waiter

    def _run_batch(self) -> None:
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None
        batch, self.waiting = self.waiting, []
        if not batch:
            return
        assert self.crawler.stats is not None
        model_dir = self.settings.nlp.model_dir if self.settings else None
        try:
            enriched = self.enrich_batch(
                [item.article for item, _ in batch], self.watchlists, model_dir=model_dir
            )
        except Exception as exc:  # a model failure must not lose articles: index them unenriched
            self.failures += 1
            self.crawler.stats.inc_value("pipeline/enrich/failed", len(batch))
            log.warning(
                "enrichment failed for %d articles: %s; indexing them without enrichment", len(batch), exc
            )
            if self.failures >= MAX_FAILURES:
                log.warning("enrichment failed %d times in a row: switched off for this crawl", MAX_FAILURES)
            enriched = None
        else:
            self.failures = 0
            self.crawler.stats.inc_value("pipeline/enrich/batches")
            self.crawler.stats.inc_value("pipeline/enrich/items", len(batch))
        for index, (item, waiter) in enumerate(batch):
            if enriched is not None:
                item.article = enriched[index]
            waiter.callback(item)

    def close_spider(self) -> None:
        self._run_batch()
