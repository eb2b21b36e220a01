"""Article extraction from one HTML page: the outlet's selectors, or the generic parser.

`parse_page(html, url)` is what both the spider and `vigil crawl parse` call, so a parser can be
debugged on a saved page exactly as the crawler sees it.
"""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from pydantic import BaseModel, Field

from crawlers.dates import DEFAULT_TZ, parse_vn_date
from crawlers.outlet import Outlet, ParserVersion
from crawlers.registry import outlet_for_host


class ParsedArticle(BaseModel):
    """What a parser read from a page, before validation, dedup and enrichment."""

    url: str
    outlet: str
    title: str = ""
    sapo: str = ""
    body: str = ""
    authors: list[str] = Field(default_factory=list)
    published_at: datetime | None = None
    section: str = ""
    tags: list[str] = Field(default_factory=list)
    canonical_url: str = ""
    parser: str = Field(default="", description="which parser read the page: outlet@date or generic")


_SPACE = re.compile(r"\s+")


def clean(text: str) -> str:
    """NFC with collapsed whitespace: enough to compare and store; the normalise pipeline applies
    nlp's full normaliser (tone-mark convention, mojibake repair) once per field afterwards."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _texts(node: Selector) -> str:
    return clean(" ".join(node.xpath(".//text()").getall()))


def _select(page: Selector, expression: str) -> list[Any]:
    if expression.startswith("xpath:"):
        return list(page.xpath(expression[len("xpath:") :]))
    return list(page.css(expression))


def _first_text(page: Selector, expressions: tuple[str, ...]) -> str:
    for expression in expressions:
        for node in _select(page, expression):
            text = clean(node.get()) if _is_attribute(expression) else _texts(node)
            if text:
                return text
    return ""


def _all_texts(page: Selector, expressions: tuple[str, ...]) -> list[str]:
    for expression in expressions:
        values = []
        for node in _select(page, expression):
            text = clean(node.get()) if _is_attribute(expression) else _texts(node)
            if text and text not in values:
                values.append(text)
        if values:
            return values
    return []


def _is_attribute(expression: str) -> bool:
    return "::attr(" in expression or "::text" in expression or "/@" in expression


def _body(page: Selector, version: ParserVersion) -> str:
    selectors = version.selectors
    for expression in selectors.body:
        containers = _select(page, expression)
        if not containers:
            continue
        root = copy.deepcopy(containers[0].root)
        container = Selector(root=root)
        for drop in selectors.drop:
            for node in container.css(drop):
                element = node.root
                parent = element.getparent()
                if parent is not None:
                    parent.remove(element)
        paragraphs = [_texts(node) for node in container.css(selectors.paragraphs)]
        text = "\n\n".join(paragraph for paragraph in paragraphs if paragraph)
        if text:
            return text
    return ""


def _canonical(page: Selector, url: str) -> str:
    href = (
        page.css("link[rel='canonical']::attr(href)").get()
        or page.css("meta[property='og:url']::attr(content)").get()
    )
    return urljoin(url, href.strip()) if href else ""


def _jsonld_date(page: Selector, tz: str) -> datetime | None:
    for block in page.css("script[type='application/ld+json']::text").getall():
        try:
            data = json.loads(block)
        except ValueError:
            continue
        for entry in data if isinstance(data, list) else [data]:
            if isinstance(entry, dict) and entry.get("datePublished"):
                found = parse_vn_date(str(entry["datePublished"]), tz=tz)
                if found:
                    return found
    return None


def parse_with(outlet: Outlet, html: str, url: str, *, version: ParserVersion | None = None) -> ParsedArticle:
    """Read a page with one of the outlet's parser versions (the newest by default)."""
    page = Selector(text=html)
    chosen = version or outlet.parser_for(None)
    selectors = chosen.selectors
    published = None
    for expression in selectors.published:
        for raw in _all_texts(page, (expression,)):
            published = parse_vn_date(raw, tz=outlet.timezone)
            if published:
                break
        if published:
            break
    return ParsedArticle(
        url=url,
        outlet=outlet.name,
        title=_first_text(page, selectors.title),
        sapo=chosen.clean_sapo(_first_text(page, selectors.sapo)),
        body=_body(page, chosen),
        authors=chosen.authors(_all_texts(page, selectors.authors)),
        published_at=published or _jsonld_date(page, outlet.timezone),
        section=_first_text(page, selectors.section),
        tags=_all_texts(page, selectors.tags),
        canonical_url=_canonical(page, url),
        parser=f"{outlet.name}@{chosen.valid_from.isoformat()}",
    )


def parse_page(html: str, url: str, outlet: Outlet | None = None) -> ParsedArticle:
    """Read a page with the parser of the outlet owning the URL's domain, else the generic parser."""
    if outlet is None:
        outlet = outlet_for_host(urlsplit(url).hostname or "")
    if outlet is None:
        # lazy: trafilatura (~0.2 s) serves only pages of unknown outlets (TODO struct: also a cycle)
        from crawlers.generic import parse_generic

        return parse_generic(html, url, outlet_name=urlsplit(url).hostname or "unknown", tz=DEFAULT_TZ)
    return parse_with(outlet, html, url)
