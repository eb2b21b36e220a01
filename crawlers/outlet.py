"""What a registry entry is: an outlet, where to find its articles, and its dated page layouts.

Each outlet is one TOML file (`crawlers/outlets/<name>.toml`, or an administrator's folder set by
`crawl.outlets_dir`), validated here with messages that name the file and the key. An outlet's page
layout changes now and then: a new `[[layouts]]` entry is added with the date the layout went live
and the old one stays, so pages of either age parse (like fundus publishers).
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urljoin, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from crawlers.dates import DEFAULT_TZ
from crawlers.errors import OutletFileError

DEFAULT_DROP = ("figure", "figcaption", "script", "style", "table.picture", ".related", ".box-related")
Scope = Literal["local", "regional", "national"]


class ParserVersion(BaseModel):
    """One layout of an outlet's article pages, valid from `valid_from`: CSS selectors (or `xpath:`
    expressions), the first that matches wins. `body` selects the article container; its
    `paragraphs` become the body, minus the `drop` nodes (captions, boxes, bylines inside the text).
    A field without selectors, or whose selectors miss, falls back to the page's JSON-LD, its
    meta tags, then generic extraction (`crawlers.extract`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    valid_from: date
    note: str = ""
    hosts: tuple[str, ...] = Field(
        default=(), description="only for pages of these sites of the outlet (one newsroom, two sites)"
    )
    title: tuple[str, ...] = ()
    sapo: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    published: tuple[str, ...] = ()
    section: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    paragraphs: str = "p, h2, h3"
    drop: tuple[str, ...] = Field(default=(), description="nodes to remove besides DEFAULT_DROP")
    sapo_stamps: tuple[str, ...] = Field(
        default=(), description='the outlet\'s stamp opening a lead: "(Dân trí)"'
    )

    def clean_sapo(self, text: str) -> str:
        """The lead without the outlet's own stamp: "(Dân trí) - Sáng 5/12…" → "Sáng 5/12…"."""
        if not self.sapo_stamps:
            return text
        pattern = "^(?:" + "|".join(re.escape(stamp) for stamp in self.sapo_stamps) + r")\s*[-–—]?\s*"
        return re.sub(pattern, "", text, count=1)


class Outlet(BaseModel):
    """One press outlet: its names, scope, domains, feeds and sitemaps, and its page layouts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_-]*$", description="the id used by --outlet and in the store"
    )
    title: str
    scope: Scope = Field(description="local (the province's own press), regional (neighbours) or national")
    domain: str = Field(description="the outlet's site")
    aliases: tuple[str, ...] = Field(default=(), description="other domains of the same newsroom")
    names: tuple[str, ...] = Field(default=(), description="other names, never taken for an author")
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listings: tuple[str, ...] = Field(
        default=(),
        description="section or tag pages (e.g. the outlet's Huế page): their article links are followed",
    )
    article_links: str = Field(
        default=r"-[a-z]*\d{5,}[a-z]*(?:\.(?:html?|ldo|tpo|vov)|/)$|/newsid/\d+",
        description="regular expression that an article URL's path matches (on listing pages)",
    )
    sections: dict[str, str] = Field(
        default_factory=dict, description="URL path prefix → section, when a page names none"
    )
    parsers: tuple[ParserVersion, ...] = Field(alias="layouts", min_length=1)
    language: str = "vi"
    timezone: str = DEFAULT_TZ
    urls_checked: date | None = Field(
        default=None, description="the day its feeds and sitemaps were seen answering; absent: not checked"
    )
    note: str = ""
    allow_private_hosts: tuple[str, ...] = ()

    @field_validator("article_links")
    @classmethod
    def _pattern(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return pattern

    @field_validator("feeds", "sitemaps", "listings")
    @classmethod
    def _https(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        for url in urls:
            if not url.startswith(("https://", "http://")):
                raise ValueError(f"{url!r} is not an http(s) URL")
        return urls

    def parser_for(self, when: date | datetime | None = None, host: str = "") -> ParserVersion:
        """The parser version for a page of `host` published (or saved) on `when`; the newest when
        unknown. Versions limited to some `hosts` serve only those sites (and their sub-domains)."""
        host = host.lower().rstrip(".")
        mine = [version for version in self.parsers if version.hosts and _within(host, version.hosts)]
        pool = mine or [version for version in self.parsers if not version.hosts] or list(self.parsers)
        ordered = sorted(pool, key=lambda version: version.valid_from)
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
        return _within(host.lower().rstrip("."), (self.domain, *self.aliases))

    def article_links_in(self, page_url: str, hrefs: list[str]) -> list[str]:
        """The distinct links of a listing page that are this outlet's articles, in page order."""
        pattern = re.compile(self.article_links)
        found: list[str] = []
        for href in hrefs:
            url = urljoin(page_url, href.strip()).split("#", 1)[0]
            parts = urlsplit(url)
            ours = parts.scheme in ("http", "https") and self.owns(parts.hostname or "")
            if ours and pattern.search(parts.path) and url not in found:
                found.append(url)
        return found

    def own_names(self) -> tuple[str, ...]:
        """Every way the outlet names itself (never a person's byline)."""
        return (self.name, self.title, self.domain, *self.aliases, *self.names)


def _within(host: str, sites: tuple[str, ...]) -> bool:
    return any(host == site or host.endswith("." + site) for site in sites)


def load_outlet(path: Path) -> Outlet:
    """One outlet file; OutletFileError names the file and the key of any mistake."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise OutletFileError(f"{path}: not a readable TOML file ({exc})", key=str(path)) from None
    try:
        outlet = Outlet.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise OutletFileError(f"{path}: {problems}", key=str(path)) from None
    if outlet.name != path.stem:
        raise OutletFileError(f"{path}: name = {outlet.name!r} must match the file name", key=f"{path}:name")
    return outlet
