"""Scrapy log lines for Vigil: a dropped item is one line (URL and reason), not a dump of its body."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure

from crawlers.item import ArticleItem


class VigilLogFormatter(LogFormatter):
    def dropped(
        self, item: Any, exception: BaseException, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult:
        url = item.article.url if isinstance(item, ArticleItem) else "?"
        return {
            "level": logging.INFO,
            "msg": "dropped %(url)s: %(reason)s",
            "args": {"url": url, "reason": exception},
        }
