"""Validation (drop what is not an article) and text normalisation."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlers.item import ArticleItem
from nlp.normalize import normalize

log = logging.getLogger(__name__)
MIN_BODY_CHARS = 40


class ValidatePipeline:
    """Drop items without a title or a body, counting why (`pipeline/validate/dropped/<reason>`)."""

    def __init__(self, crawler: Crawler, min_body: int) -> None:
        self.crawler = crawler
        self.min_body = min_body

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler, crawler.settings.getint("VIGIL_MIN_BODY_CHARS", MIN_BODY_CHARS))

    def _drop(self, item: ArticleItem, reason: str) -> DropItem:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"pipeline/validate/dropped/{reason}")
        self.crawler.stats.inc_value(f"outlet/{item.article.outlet}/dropped/{reason}")
        log.warning("dropping %s: %s", item.article.url, reason)
        return DropItem(reason)

    def process_item(self, item: ArticleItem) -> ArticleItem:
        article = item.article
        if not article.title.strip():
            raise self._drop(item, "missing_title")
        if len(article.body.strip()) < self.min_body:
            raise self._drop(item, "missing_body")
        assert self.crawler.stats is not None
        if article.published_at is None:
            self.crawler.stats.inc_value("pipeline/validate/no_date")
        self.crawler.stats.inc_value("pipeline/validate/passed")
        return item


class NormalisePipeline:
    """NFC and whitespace through nlp's normaliser; the body keeps its paragraph breaks."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalisePipeline:
        return cls(crawler)

    def process_item(self, item: ArticleItem) -> ArticleItem:
        article = item.article
        article.title = normalize(article.title)
        article.sapo = normalize(article.sapo)
        article.category = normalize(article.category)
        paragraphs = [normalize(part) for part in article.body.split("\n")]
        article.body = "\n\n".join(part for part in paragraphs if part)
        article.authors = _unique(article.authors)
        article.tags = _unique(article.tags)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("pipeline/normalise/items")
        return item


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(text for text in map(normalize, values) if text))
