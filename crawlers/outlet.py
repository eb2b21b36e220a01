"""What a registry entry is: an outlet, its feeds and sitemaps, and its dated parser versions.

An outlet's page layout changes now and then; a new `ParserVersion` is added with the date the new
layout appeared and the old one stays (pages saved before still parse), like fundus publishers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from crawlers.dates import DEFAULT_TZ


def split_authors(raw: list[str]) -> list[str]:
    """Bylines as people: "A - B", "A, B", "A và B", "Nhóm PV" stay names; prefixes are dropped."""
    people: list[str] = []
    for entry in raw:
        text = " ".join(entry.split())
        text = re.sub(
            r"^(?:bài(?: và ảnh)?|ảnh|tác giả|theo|pv|phóng viên)\s*[:：]?\s*", "", text, flags=re.I
        )
        for part in re.split(r"\s+-\s+|\s*,\s*|\s+và\s+|\s*/\s*", text):
            name = part.strip(" .;:-")
            if name and name not in people:
                people.append(name)
    return people


@dataclass(frozen=True)
class Selectors:
    """CSS selectors (or `xpath:` expressions) for one page layout; the first that matches wins.

    `body` selects the article container; its `paragraphs` become the body, minus the `drop` nodes
    (captions, bylines inside the text, related-article boxes).
    """

    title: tuple[str, ...]
    body: tuple[str, ...]
    sapo: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    published: tuple[str, ...] = (
        "meta[property='article:published_time']::attr(content)",
        "meta[itemprop='datePublished']::attr(content)",
    )
    section: tuple[str, ...] = ("meta[property='article:section']::attr(content)",)
    tags: tuple[str, ...] = ("meta[property='article:tag']::attr(content)",)
    paragraphs: str = "p, h2, h3"
    drop: tuple[str, ...] = (
        "figure",
        "figcaption",
        "script",
        "style",
        "table.picture",
        ".related",
        ".box-related",
    )


def keep(text: str) -> str:
    return text


@dataclass(frozen=True)
class StripStamp:
    """A sapo cleaner removing the outlet's own stamp from a lead: "(Dân trí) - …", "VOV.VN - …"."""

    stamps: tuple[str, ...]

    def __call__(self, text: str) -> str:
        pattern = "^(?:" + "|".join(re.escape(stamp) for stamp in self.stamps) + r")\s*[-–—]?\s*"
        return re.sub(pattern, "", text, count=1)


@dataclass(frozen=True)
class ParserVersion:
    """One layout of an outlet, valid from `valid_from` (the day the layout went live)."""

    valid_from: date
    selectors: Selectors
    authors: Callable[[list[str]], list[str]] = split_authors
    clean_sapo: Callable[[str], str] = keep
    note: str = ""


@dataclass(frozen=True)
class Outlet:
    """One press outlet: where to discover its articles and how to read them."""

    name: str
    title: str
    domain: str
    feeds: tuple[str, ...]
    parsers: tuple[ParserVersion, ...]
    sitemaps: tuple[str, ...] = ()
    language: str = "vi"
    scope: str = "national"
    timezone: str = DEFAULT_TZ
    aliases: tuple[str, ...] = field(default=())
    allow_private_hosts: tuple[str, ...] = ()

    def parser_for(self, when: date | datetime | None = None) -> ParserVersion:
        """The parser version for a page published (or saved) on `when`; the newest when unknown."""
        ordered = sorted(self.parsers, key=lambda version: version.valid_from)
        if when is None:
            return ordered[-1]
        day = when.date() if isinstance(when, datetime) else when
        chosen = ordered[0]
        for version in ordered:
            if version.valid_from <= day:
                chosen = version
        return chosen

    def owns(self, host: str) -> bool:
        """True when `host` is this outlet's domain, an alias, or a sub-domain of either (m., amp.)."""
        host = host.lower().rstrip(".")
        return any(host == domain or host.endswith("." + domain) for domain in (self.domain, *self.aliases))
