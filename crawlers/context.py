"""What one crawl process shares: its settings, its one crawl state and its one store.

The crawl child (`crawlers.runner`) opens both once, hands them to Scrapy in the `VIGIL_CRAWL`
setting, and closes them when the crawl ends; the spider and every pipeline read them from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from core.config import Settings
from crawlers.state import CrawlState
from store.protocol import Store


@dataclass(frozen=True)
class CrawlContext:
    settings: Settings
    state: CrawlState
    store: Store | None  # None when this crawl does not index (tests of the parsing alone)

    def __deepcopy__(self, memo: dict[int, Any]) -> CrawlContext:
        """Scrapy deep-copies its settings for each crawler; the context is shared, not copied."""
        return self


def crawl_context(crawler: Crawler) -> CrawlContext:
    """The context the crawl process put in the `VIGIL_CRAWL` setting."""
    context = crawler.settings.get("VIGIL_CRAWL")
    if not isinstance(context, CrawlContext):
        raise NotConfigured("no VIGIL_CRAWL context: run crawls with `vigil crawl` (crawlers.runner)")
    return context
