"""Errors of the crawling part.

VigilError (core.errors)
└── CrawlError          something about crawling the press went wrong
    ├── UnknownOutlet   a name given with --outlet is not in the registry
    ├── OutletFileError an outlet file is not valid TOML or not a valid outlet (names file and key)
    ├── ExtractionError a saved page holds no article (no title or no body)
    ├── InvalidDate     a date string is unparsable, in the future or before 1995
    └── CrawlFailed     the crawl child process died before reporting a summary
"""

from __future__ import annotations

from core.errors import VigilError


class CrawlError(VigilError):
    """Base of every crawler error."""


class UnknownOutlet(CrawlError):
    """An outlet name that is not in `crawlers.registry.OUTLETS`."""


class OutletFileError(CrawlError):
    """An outlet file (crawlers/outlets/*.toml or crawl.outlets_dir) that cannot be used."""

    exit_code = 2


class ExtractionError(CrawlError):
    """No article could be extracted from a page."""


class InvalidDate(CrawlError):
    """A publication date that cannot be trusted."""


class CrawlFailed(CrawlError):
    """The Scrapy child process exited without a summary."""
