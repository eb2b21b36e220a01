"""Enrichment hook: topic, tone, entities and watchlists from nlp/, when it is installed and enabled."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawlers.pipelines import to_article

log = logging.getLogger(__name__)


class EnrichPipeline:
    def __init__(
        self, crawler: Crawler, enrich_batch: Callable[..., list[Any]], watchlists: tuple[Any, ...]
    ) -> None:
        self.crawler = crawler
        self.enrich_batch = enrich_batch
        self.watchlists = watchlists

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EnrichPipeline:
        if not crawler.settings.getbool("VIGIL_ENRICH", False):
            raise NotConfigured("enrichment switched off (crawl.enrich = false)")
        try:
            from nlp.enrich import enrich_batch
        except ImportError as exc:
            log.warning("nlp.enrich is not available (%s): articles are indexed without enrichment", exc)
            raise NotConfigured("nlp.enrich not available") from exc
        watchlists = tuple(crawler.settings.getlist("VIGIL_WATCHLISTS"))
        return cls(crawler, enrich_batch, watchlists)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        assert self.crawler.stats is not None
        article = to_article(item)
        try:
            enriched = self.enrich_batch([article], watchlists=self.watchlists)[0]
        except Exception as exc:
            self.crawler.stats.inc_value("pipeline/enrich/failed")
            log.warning("enrichment failed for %s: %s; indexing it without enrichment", item.get("url"), exc)
            return item
        for key in ("topic", "topic_score", "tone", "tone_score", "entities", "watchlists"):
            item[key] = getattr(enriched, key)
        self.crawler.stats.inc_value("pipeline/enrich/items")
        return item
