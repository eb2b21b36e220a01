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

from crawlers.pipelines import to_article
from vigil.config import Settings

log = logging.getLogger(__name__)
MAX_FAILURES = 3


class EnrichPipeline:
    def __init__(
        self, crawler: Crawler, enrich_batch: Callable[..., list[Any]], settings: Settings | None
    ) -> None:
        self.crawler = crawler
        self.enrich_batch = enrich_batch
        self.settings = settings
        self.watchlists: list[Any] = []
        self.failures = 0

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

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        assert self.crawler.stats is not None
        if self.failures >= MAX_FAILURES:
            self.crawler.stats.inc_value("pipeline/enrich/skipped")
            return item
        model_dir = self.settings.nlp.model_dir if self.settings else None
        try:
            enriched = self.enrich_batch([to_article(item)], self.watchlists, model_dir=model_dir)[0]
        except Exception as exc:
            self.failures += 1
            self.crawler.stats.inc_value("pipeline/enrich/failed")
            log.warning("enrichment failed for %s: %s; indexing it without enrichment", item.get("url"), exc)
            if self.failures >= MAX_FAILURES:
                log.warning("enrichment failed %d times in a row: switched off for this crawl", MAX_FAILURES)
            return item
        self.failures = 0
        for key in ("topic", "topic_score", "tone", "tone_score", "entities", "watchlists"):
            item[key] = getattr(enriched, key)
        self.crawler.stats.inc_value("pipeline/enrich/items")
        return item
