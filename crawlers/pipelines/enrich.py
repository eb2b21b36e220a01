"""Enrichment hook: topic, tone, entities and watchlists from nlp/, when it is installed and enabled.

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
from crawlers.pipelines import to_article

log = logging.getLogger(__name__)
MAX_FAILURES = 3
BATCH_SIZE = 32
MAX_WAIT_SECONDS = 0.05


class EnrichPipeline:
    def __init__(
        self, crawler: Crawler, enrich_batch: Callable[..., list[Any]], settings: Settings | None
    ) -> None:
        self.crawler = crawler
        self.enrich_batch = enrich_batch
        self.settings = settings
        self.watchlists: list[Any] = []
        self.failures = 0
        self.waiting: list[tuple[dict[str, Any], Deferred[dict[str, Any]]]] = []
        self.timer: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EnrichPipeline:
        if not crawler.settings.getbool("VIGIL_ENRICH", False):
            raise NotConfigured("enrichment switched off (crawl.enrich = false)")
        try:
            from nlp.enrich import enrich_batch
        except ImportError as exc:
            log.warning("nlp.enrich is not available (%s): articles are indexed without enrichment", exc)
            raise NotConfigured("nlp.enrich not available") from exc
        return cls(crawler, enrich_batch, crawler.settings.get("VIGIL_SETTINGS"))

    def open_spider(self) -> None:
        if self.settings is None:
            return
        from nlp.watchlists import as_watchlist
        from store.factory import open_store
        from store.query import RecordKind

        store = open_store(self.settings)
        try:
            store.init()
            self.watchlists = [
                as_watchlist(r) for r in store.list_records(RecordKind.watchlists, limit=10_000)
            ]
        finally:
            store.close()

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        """Wait for a batch: items are classified together, up to BATCH_SIZE at a time or after
        MAX_WAIT_SECONDS (the models are ~2x cheaper per article in batches)."""
        assert self.crawler.stats is not None
        if self.failures >= MAX_FAILURES:
            self.crawler.stats.inc_value("pipeline/enrich/skipped")
            return item
        waiter: Deferred[dict[str, Any]] = Deferred()
        self.waiting.append((item, waiter))
        if len(self.waiting) >= BATCH_SIZE:
            self._run_batch()
        elif self.timer is None:
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
                [to_article(item) for item, _ in batch], self.watchlists, model_dir=model_dir
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
                for key in ("topic", "topic_score", "tone", "tone_score", "entities", "watchlists"):
                    item[key] = getattr(enriched[index], key)
            waiter.callback(item)

    def close_spider(self) -> None:
        self._run_batch()
