"""Scrapy settings: module-level defaults for `scrapy` commands (scrapy.cfg), and `scrapy_settings()`
which derives the real ones from vigil.toml `[crawl]` for every Vigil crawl."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.config import Settings
from crawlers.context import CrawlContext
from crawlers.pipelines import PIPELINES

BOT_NAME = "vigil"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"
ROBOTSTXT_OBEY = True
USER_AGENT = "VigilBot/0.1 (+https://github.com/vigil-ioc/vigil; press monitoring)"
ITEM_PIPELINES = {name: order for name, order in PIPELINES.items() if not name.endswith("IndexPipeline")}
DOWNLOADER_MIDDLEWARES = {
    "crawlers.middlewares.PrivateAddressGuard": 50,
    # Not used by Vigil; each one costs a little per request.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,  # links are scoped by outlet instead
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    "scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware": None,
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
}
SPIDER_MIDDLEWARES = {
    # RefererMiddleware stays on: without it every redirect logs a warning about Referer handling.
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
EXTENSIONS = {
    "scrapy.extensions.memdebug.MemoryDebugger": None,
    "scrapy.extensions.feedexport.FeedExporter": None,
    "scrapy.extensions.remote_control.RemoteControl": None,
}
TELNETCONSOLE_ENABLED = False


def job_dir(settings: Settings, name: str = "press") -> Path:
    return settings.state_path("crawl", "jobs", name, "x").parent


def scrapy_settings(context: CrawlContext, *, job: str | None = "press", **extra: Any) -> dict[str, Any]:
    """Scrapy settings for one crawl; `extra` overrides (tests shorten retries, the bench widens slots)."""
    settings = context.settings
    crawl = settings.crawl
    values: dict[str, Any] = {
        "BOT_NAME": BOT_NAME,
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots_txt,
        "ROBOTSTXT_USER_AGENT": crawl.user_agent.split("/", 1)[0],
        "CONCURRENT_REQUESTS": max(16, crawl.concurrency_per_domain * 4),
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrency_per_domain,
        "DOWNLOAD_TIMEOUT": crawl.download_timeout_seconds,
        "DOWNLOAD_MAXSIZE": crawl.download_max_bytes,
        "DOWNLOAD_WARNSIZE": crawl.download_max_bytes // 2,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "AUTOTHROTTLE_START_DELAY": 1.0,
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawl.concurrency_per_domain),
        "DOWNLOAD_DELAY": 0.25 if crawl.autothrottle else 0.0,
        "DOWNLOAD_DELAY_JITTER": 0.5,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 2,
        "REDIRECT_MAX_TIMES": 5,
        # A page yields one item at most; Scrapy starts CONCURRENT_ITEMS coroutines per callback
        # output, which at the default 100 costs more CPU than parsing the page.
        "CONCURRENT_ITEMS": 4,
        # The plain epoll reactor: the asyncio one costs ~2 ms of task bookkeeping per page here.
        "TWISTED_REACTOR": "twisted.internet.epollreactor.EPollReactor",
        "COOKIES_ENABLED": False,
        "DNS_RESOLVER": "crawlers.middlewares.PinnedResolver",
        "TELNETCONSOLE_ENABLED": False,
        "LOG_FORMATTER": "crawlers.logformatter.VigilLogFormatter",
        "LOG_LEVEL": "DEBUG" if settings.log_level == "DEBUG" else "WARNING",
        "DOWNLOADER_MIDDLEWARES": DOWNLOADER_MIDDLEWARES,
        "SPIDER_MIDDLEWARES": SPIDER_MIDDLEWARES,
        "EXTENSIONS": EXTENSIONS,
        "ITEM_PIPELINES": dict(PIPELINES),
        "VIGIL_CRAWL": context,
        "VIGIL_INDEX": context.store is not None,
        "VIGIL_ENRICH": crawl.enrich,
        "VIGIL_ALLOW_PRIVATE_HOSTS": list(crawl.allow_private_hosts),
    }
    if job:
        values["JOBDIR"] = str(job_dir(settings, job))
    values.update(extra)
    return values
