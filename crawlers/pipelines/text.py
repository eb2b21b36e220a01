"""Validation (drop what is not an article) and text normalisation."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

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

    def _drop(self, item: dict[str, Any], reason: str) -> DropItem:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"pipeline/validate/dropped/{reason}")
        self.crawler.stats.inc_value(f"outlet/{item.get('outlet')}/dropped/{reason}")
        log.warning("dropping %s: %s", item.get("url"), reason)
        return DropItem(reason)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        if not (item.get("title") or "").strip():
            raise self._drop(item, "missing_title")
        if len((item.get("body") or "").strip()) < self.min_body:
            raise self._drop(item, "missing_body")
        assert self.crawler.stats is not None
        if item.get("published_at") is None:
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

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        for key in ("title", "sapo", "category"):
            item[key] = normalize(item.get(key) or "")
        paragraphs = [normalize(part) for part in (item.get("body") or "").split("\n")]
        item["body"] = "\n\n".join(part for part in paragraphs if part)
        for key in ("authors", "tags"):
            item[key] = list(
                dict.fromkeys(normalize(value) for value in item.get(key) or [] if normalize(value))
            )
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("pipeline/normalise/items")
        return item
