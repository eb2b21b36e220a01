"""Downloader middleware: refuse requests to private, loopback and link-local addresses (SSRF).

A feed or page (or a redirect) can point the crawler at 127.0.0.1, 10.x, 169.254.169.254 or an
internal name; only `host:port` pairs listed in `crawl.allow_private_hosts` or the outlet's own
`allow_private_hosts` may be fetched there (a bare host: on its outlets' own ports only; tests and
the demo list 127.0.0.1). A host is resolved once: the connection goes to the address checked
(`PinnedResolver`, Scrapy's DNS_RESOLVER); a host that does not resolve is refused.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.defer import Deferred, succeed
from twisted.internet.error import DNSLookupError

from crawlers.urls import allowed_pairs, blocked_reason, is_public_address, pinned

log = logging.getLogger(__name__)


class BlockedAddress(IgnoreRequest):
    """The request targets a non-public address that is not allowed."""

    reason = "ssrf_blocked"


class PrivateAddressGuard:
    def __init__(self, allowed: frozenset[str], crawler: Crawler) -> None:
        self.allowed = allowed
        self.crawler = crawler
        self._pairs: frozenset[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressGuard:
        allowed = frozenset(host.lower() for host in crawler.settings.getlist("VIGIL_ALLOW_PRIVATE_HOSTS"))
        return cls(allowed, crawler)

    def _allowed(self, spider: Spider | None) -> frozenset[str]:
        """host:port pairs: the settings' and each outlet's entries, bare hosts on their outlets' ports."""
        if self._pairs is None:
            crawling = spider or self.crawler.spider
            outlets = getattr(crawling, "outlets", {}) or {}
            own = [
                url
                for outlet in outlets.values()
                for url in (*outlet.feeds, *outlet.sitemaps, *outlet.listings)
            ]
            base_url = getattr(crawling, "base_url", None)
            if base_url:  # a snapshot server standing in for every outlet
                own.append(base_url)
            entries = set(self.allowed)
            for outlet in outlets.values():
                entries.update(outlet.allow_private_hosts)
            self._pairs = allowed_pairs(entries, own)
        return self._pairs

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        reason = blocked_reason(request.url, self._allowed(spider))
        if reason is not None:
            log.warning(
                "not fetching %s: %s (add host:port to crawl.allow_private_hosts to allow it)",
                request.url,
                reason,
            )
            raise BlockedAddress(reason)


class PinnedResolver(CachingThreadedResolver):
    """Scrapy's resolver, but a host the guard checked connects to the address it checked (no second
    lookup: no DNS-rebinding window), and a name resolved here for the first time must be public."""

    def getHostByName(self, name: str, timeout: Any = None) -> Deferred[str]:
        address = pinned(name)
        if address is not None:
            return succeed(address)
        found: Deferred[str] = super().getHostByName(name, timeout)

        def check(address: str) -> str:
            if not is_public_address(address):
                raise DNSLookupError(f"{name} resolves to non-public address {address}")
            return address

        return found.addCallback(check)
