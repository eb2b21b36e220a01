"""The press spider: feeds and news sitemaps → article pages → items for the pipelines.

Feeds are fetched through Scrapy (so robots.txt, throttling, SSRF checks and limits apply) with
conditional GET validators from the crawl state, and their bytes parsed by feedparser. Every failed
or skipped fetch is counted under `errors/<reason>` or `skipped/<reason>` in the crawl stats and
logged once; nothing raises out of a callback.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import scrapy
from parsel import Selector
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError
from twisted.python.failure import Failure

from crawlers.context import crawl_context
from crawlers.dates import parse_vn_date
from crawlers.decode import decode_html
from crawlers.extract import parse_page
from crawlers.item import ArticleItem
from crawlers.outlet import Outlet
from crawlers.registry import BUNDLED
from crawlers.state import CrawlState, url_key
from crawlers.urls import canonical_url, to_fetch_url

log = logging.getLogger(__name__)
HTML_TYPES = ("text/html", "application/xhtml+xml")


SKIP_REASONS = frozenset({"robots_forbidden"})
_ERROR_NAMES = (
    ("Timeout", "timeout"),
    ("CannotResolveHost", "dns"),
    ("ConnectionRefused", "connection_refused"),
    ("Cancelled", "too_large"),
    ("DataLoss", "truncated"),
    ("ConnectionLost", "connection_lost"),
)


def failure_reason(failure: Failure) -> str:
    """A short, stable name for why a request failed (used as a stats key)."""
    error = failure.value
    if isinstance(error, HttpError):
        return f"http_{error.response.status}"
    if failure.check(TimeoutError, TCPTimedOutError):
        return "timeout"
    if failure.check(DNSLookupError):
        return "dns"
    if failure.check(ConnectionRefusedError):
        return "connection_refused"
    name = type(error).__name__
    for marker, reason in _ERROR_NAMES:
        if marker in name:
            return reason
    if isinstance(error, IgnoreRequest):
        message = str(error).lower()
        if "redirection" in message:
            return "redirect_loop"
        if "robots" in message:
            return "robots_forbidden"
        return getattr(error, "reason", "ignored")
    return name.lower()


class PressSpider(scrapy.Spider):
    """Crawl the given outlets; `base_url` sends every outlet-domain URL to a snapshot server."""

    name = "press"

    def __init__(
        self,
        outlets: list[Outlet] | str | None = None,
        base_url: str | None = None,
        limit: int | str | None = None,
        **kwargs: Any,
    ) -> None:
        """Vigil passes Outlet entries; a comma-separated string names registry outlets."""
        super().__init__(**kwargs)
        if outlets is None or isinstance(outlets, str):
            outlets = BUNDLED.select([name for name in (outlets or "").split(",") if name] or None)
        self.outlets = {outlet.name: outlet for outlet in outlets}
        self.base_url = base_url
        self.limit = int(limit) if limit is not None else None
        self.crawl_state: CrawlState  # the crawl process's, set by from_crawler
        self.scheduled: dict[str, int] = {name: 0 for name in self.outlets}
        self.requested: dict[str, str] = {}
        self.fetches: dict[str, tuple[str | None, str]] = {}  # outlet -> (last success, last attempt)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PressSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.crawl_state = crawl_context(crawler).state
        return spider

    # discovery -----------------------------------------------------------------------------
    def _request(self, public_url: str, outlet: Outlet, kind: str, **kwargs: Any) -> scrapy.Request:
        owned = outlet.owns(urlsplit(public_url).hostname or "")
        callbacks = {
            "feed": self.parse_feed,
            "sitemap": self.parse_sitemap,
            "listing": self.parse_listing,
            "article": self.parse_article,
        }
        meta = {"outlet": outlet.name, "kind": kind, "public_url": public_url, **kwargs.pop("meta", {})}
        return scrapy.Request(
            to_fetch_url(public_url, self.base_url, owned),
            callback=callbacks[kind],
            errback=self.on_error,
            meta=meta,
            **kwargs,
        )

    async def start(self) -> AsyncIterator[Any]:
        for outlet in self.outlets.values():
            for feed in outlet.feeds:
                headers = {}
                etag, modified = self.crawl_state.validators(feed)
                if etag:
                    headers["If-None-Match"] = etag
                if modified:
                    headers["If-Modified-Since"] = modified
                yield self._request(
                    feed,
                    outlet,
                    "feed",
                    headers=headers,
                    dont_filter=True,
                    meta={"handle_httpstatus_list": [304]},
                )
            for sitemap in outlet.sitemaps:
                yield self._request(sitemap, outlet, "sitemap", dont_filter=True)
            for listing in outlet.listings:
                yield self._request(listing, outlet, "listing", dont_filter=True)

    def _count(self, key: str, outlet: str | None = None) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)
        if outlet:
            self.crawler.stats.inc_value(f"outlet/{outlet}/{key}")

    def _article(
        self, link: str, outlet: Outlet, source: str, published: str | None = None
    ) -> Iterator[scrapy.Request]:
        link = link.strip()
        if not link.startswith(("http://", "https://")):
            self._count("skipped/bad_link", outlet.name)
            return
        canonical = canonical_url(link)
        if canonical in self.requested:
            if self.requested[canonical] == link:
                self._count("skipped/listed_twice", outlet.name)  # in a feed and a sitemap: normal
            else:
                self._count("skipped/duplicate_link", outlet.name)  # another URL of the same article
                self._count("duplicates")
            return
        if self.crawl_state.seen(url_key(canonical)):
            self._count("skipped/already_indexed", outlet.name)
            return
        if self.limit is not None and self.scheduled[outlet.name] >= self.limit:
            self._count("skipped/limit", outlet.name)
            return
        self.scheduled[outlet.name] += 1
        self.requested[canonical] = link
        # Duplicates are filtered above by canonical URL; dont_filter lets a redirect that comes back
        # to a known URL run into REDIRECT_MAX_TIMES (counted as a loop) instead of vanishing silently.
        meta = {"source": source, "listed_published": published}
        yield self._request(link, outlet, "article", dont_filter=True, meta=meta)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        outlet = self.outlets[response.meta["outlet"]]
        public_url = response.meta["public_url"]
        self._fetched(outlet.name, ok=True)
        if response.status == 304:
            self._count("feeds/not_modified", outlet.name)
            return
        self._count("feeds/fetched", outlet.name)
        content_type = (response.headers.get("Content-Type") or b"application/xml").decode("latin-1")
        headers = {"content-location": public_url, "content-type": content_type}
        parsed = feedparser.parse(response.body, response_headers=headers)
        if parsed.bozo and not isinstance(parsed.bozo_exception, feedparser.CharacterEncodingOverride):
            self._count("errors/feed_malformed", outlet.name)
            log.warning(
                "malformed feed %s (%s): using the %d entries recovered",
                public_url,
                parsed.bozo_exception,
                len(parsed.entries),
            )
        else:
            etag = response.headers.get("ETag")
            modified = response.headers.get("Last-Modified")
            self.crawl_state.save_validators(
                public_url,
                etag.decode("latin-1") if etag else None,
                modified.decode("latin-1") if modified else None,
            )
        for entry in parsed.entries:
            link = entry.get("link") or ""
            if link:
                yield from self._article(urljoin(public_url, link), outlet, "feed", entry.get("published"))

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        outlet = self.outlets[response.meta["outlet"]]
        self._fetched(outlet.name, ok=True)
        body = response.body
        try:
            if body[:2] == b"\x1f\x8b":  # sitemap.xml.gz, capped like any download
                body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
            sitemap = Sitemap(body)
        except (StopIteration, SyntaxError, ValueError, OSError):  # ValueError includes "too large"
            self._count("errors/sitemap_malformed", outlet.name)
            log.warning("unreadable sitemap %s: skipped", response.meta["public_url"])
            return
        self._count("sitemaps/fetched", outlet.name)
        for entry in sitemap:
            loc = entry.get("loc", "")
            if not loc:
                continue
            if sitemap.type == "sitemapindex":
                yield self._request(loc, outlet, "sitemap", dont_filter=True)
            else:
                yield from self._article(loc, outlet, "sitemap")

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """A section or tag page (the outlet's Huế page): follow the links that are its articles."""
        outlet = self.outlets[response.meta["outlet"]]
        public_url = response.meta["public_url"]
        self._fetched(outlet.name, ok=True)
        self._count("listings/fetched", outlet.name)
        html, _codec = decode_html(
            response.body, (response.headers.get("Content-Type") or b"").decode("latin-1")
        )
        hrefs = Selector(text=html).css("a::attr(href)").getall()
        for link in outlet.article_links_in(public_url, hrefs):
            yield from self._article(link, outlet, "listing")

    # articles ------------------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[ArticleItem]:
        outlet = self.outlets[response.meta["outlet"]]
        public_url = response.meta["public_url"]
        self._count("pages/fetched", outlet.name)
        self._fetched(outlet.name, ok=True)
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        if not content_type.startswith(HTML_TYPES):
            self._count("errors/not_html", outlet.name)
            log.warning("not an HTML page (%s): %s skipped", content_type or "no content type", public_url)
            return
        html, codec = decode_html(response.body, content_type, language=outlet.language)
        if codec != "utf-8":
            self._count(f"pages/charset_{codec}", outlet.name)
        owner = outlet if outlet.owns(urlsplit(public_url).hostname or "") else None
        item = parse_page(html, public_url, owner)
        article = item.article
        if article.published_at is None and response.meta.get("listed_published"):
            # the page prints no usable date: fall back to the feed's pubDate (same plausibility rules)
            article.published_at = parse_vn_date(response.meta["listed_published"], tz=outlet.timezone)
            if article.published_at is not None:
                item.sources["published_at"] = "feed"
            self._count("pages/date_from_feed", outlet.name)
        article.outlet, article.language = outlet.name, outlet.language
        # outlet health compares these counts between crawls: a jump means the layout changed
        self._count("fields/pages", outlet.name)
        for name in item.fallback_fields():
            self._count(f"fields/fallback/{name}", outlet.name)
        yield item

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]  # set by Scrapy on request failures
        outlet = request.meta.get("outlet")
        reason = failure_reason(failure)
        # Obeying robots.txt is not a failure: counted as a skip, not an error.
        skip = reason in SKIP_REASONS
        self._count(f"{'skipped' if skip else 'errors'}/{reason}", outlet)
        if outlet and not skip:
            self._fetched(outlet, ok=False)
        log.log(
            logging.INFO if skip else logging.WARNING,
            "%s %s skipped: %s",
            request.meta.get("kind", "request"),
            request.meta.get("public_url", request.url),
            reason,
        )

    def _fetched(self, outlet: str, ok: bool) -> None:
        """Remember the outlet's latest (successful) fetch; written to the state once, at the end."""
        now = datetime.now(UTC).isoformat()
        previous = self.fetches.get(outlet)
        self.fetches[outlet] = (now if ok else (previous[0] if previous else None), now)

    def closed(self, reason: str) -> None:
        for outlet, (success, attempt) in self.fetches.items():
            if success:
                self.crawl_state.outlet_fetched(outlet, ok=True, at=success)
            self.crawl_state.outlet_fetched(outlet, ok=False, at=attempt)
