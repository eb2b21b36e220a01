"""Downloader middleware: refuse requests to private, loopback and link-local addresses (SSRF).

A feed or page (or a redirect) can point the crawler at 127.0.0.1, 10.x, 169.254.169.254 or an
internal name; only hosts listed in `crawl.allow_private_hosts` or the outlet's own
`allow_private_hosts` may be fetched there (tests and the demo list 127.0.0.1).
"""

from __future__ import annotations

import logging

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from crawlers.urls import blocked_reason

log = logging.getLogger(__name__)


class BlockedAddress(IgnoreRequest):
    """The request targets a non-public address that is not allowed."""

    reason = "ssrf_blocked"


class PrivateAddressGuard:
    def __init__(self, allowed: frozenset[str], crawler: Crawler) -> None:
        self.allowed = allowed
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressGuard:
        allowed = frozenset(host.lower() for host in crawler.settings.getlist("VIGIL_ALLOW_PRIVATE_HOSTS"))
        return cls(allowed, crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        allowed = self.allowed
        outlet = getattr(spider or self.crawler.spider, "outlets", {}).get(request.meta.get("outlet", ""))
        if outlet is not None and outlet.allow_private_hosts:
            allowed = allowed | frozenset(outlet.allow_private_hosts)
        reason = blocked_reason(request.url, allowed)
        if reason is not None:
            log.warning(
                "not fetching %s: %s (add the host to crawl.allow_private_hosts to allow it)",
                request.url,
                reason,
            )
            raise BlockedAddress(reason)
