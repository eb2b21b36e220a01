"""What a page says about its article besides the outlet's layout, tried in this order when the
outlet's selectors miss a field: JSON-LD (schema.org NewsArticle), OpenGraph/meta tags, then generic
extraction (trafilatura, plus a rule that recovers the sapo, which trafilatura drops as boilerplate).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import trafilatura
from parsel import Selector

from crawlers.dates import parse_vn_date
from crawlers.page import clean, texts

ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting"}
_LEAD_CLASS = re.compile(
    r"(?:^|[\s_-])(sapo|lead|chapeau|chappeau|description|summary|desc|abstract|brief)(?:$|[\s_-])", re.I
)


@dataclass
class Found:
    """The fields one source found (empty when it found nothing)."""

    title: str = ""
    sapo: str = ""
    body: str = ""
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    category: str = ""
    tags: list[str] = field(default_factory=list)


def _entries(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, list):
        return [entry for item in data for entry in _entries(item)]
    if not isinstance(data, dict):
        return []
    return [data, *_entries(data.get("@graph", []))]


def _is_article(entry: dict[str, Any]) -> bool:
    kinds = entry.get("@type")
    names = kinds if isinstance(kinds, list) else [kinds]
    return any(isinstance(name, str) and name.lower() in ARTICLE_TYPES for name in names)


def _people(value: Any) -> list[str]:
    """Person names of a schema.org author value; organisations are not authors."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [name for item in value for name in _people(item)]
    if isinstance(value, dict) and str(value.get("@type", "Person")).lower() == "person":
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    return []


def _words(value: Any) -> list[str]:
    items = value if isinstance(value, list) else str(value or "").split(",")
    return [clean(str(item)) for item in items if clean(str(item))]


def from_jsonld(page: Selector, tz: str) -> Found:
    """headline, description, articleBody, author (people), datePublished, articleSection, keywords."""
    found = Found()
    for block in page.css("script[type='application/ld+json']::text").getall():
        try:
            data = json.loads(block)
        except ValueError:
            continue
        for entry in filter(_is_article, _entries(data)):
            found.title = found.title or clean(str(entry.get("headline") or ""))
            found.sapo = found.sapo or clean(str(entry.get("description") or ""))
            if not found.body and isinstance(entry.get("articleBody"), str):
                found.body = "\n\n".join(filter(None, map(clean, entry["articleBody"].split("\n"))))
            found.authors = found.authors or [clean(name) for name in _people(entry.get("author"))]
            if found.published_at is None and entry.get("datePublished"):
                found.published_at = parse_vn_date(str(entry["datePublished"]), tz=tz)
            section = entry.get("articleSection")
            found.category = found.category or clean(
                section[0] if isinstance(section, list) else str(section or "")
            )
            found.tags = found.tags or _words(entry.get("keywords"))
    return found


def _meta(page: Selector, *names: str) -> list[str]:
    for name in names:
        values = [
            clean(value)
            for value in page.xpath(
                f"//meta[@property='{name}' or @name='{name}' or @itemprop='{name}']/@content"
            ).getall()
            if clean(value)
        ]
        if values:
            return values
    return []


def from_meta(page: Selector, tz: str) -> Found:
    """OpenGraph, article:* and plain meta tags."""
    published = None
    for raw in _meta(page, "article:published_time", "datePublished", "pubdate", "publishdate", "date"):
        published = parse_vn_date(raw, tz=tz)
        if published:
            break
    return Found(
        title=next(iter(_meta(page, "og:title", "twitter:title")), ""),
        sapo=next(iter(_meta(page, "og:description", "description", "twitter:description")), ""),
        authors=[
            name for name in _meta(page, "author", "article:author", "dable:author") if "://" not in name
        ],
        published_at=published,
        category=next(iter(_meta(page, "article:section")), ""),
        tags=_meta(page, "article:tag") or _words(next(iter(_meta(page, "news_keywords")), "")),
    )


def _lead(page: Selector) -> str:
    for node in page.xpath("//body//*[@class]"):
        if node.root.tag in {"body", "html", "article", "main", "section"}:
            continue
        if _LEAD_CLASS.search(node.attrib.get("class", "")):
            text = texts(node)
            if 40 <= len(text) <= 1200:
                return text
    return next(iter(_meta(page, "description", "og:description")), "")


def _split_lead(body: str, sapo: str) -> tuple[str, str]:
    """(sapo, body) with the lead removed from the body when trafilatura kept it; a meta description
    that is a truncated copy of the first paragraph makes that paragraph the sapo."""
    first, _, rest = body.partition("\n\n")
    stem = sapo.rstrip(".… ")
    if sapo and first == sapo:
        return sapo, rest
    if stem and len(stem) >= 40 and first.startswith(stem) and rest:
        return first, rest
    return sapo, body


def from_generic(html: str, url: str, page: Selector, tz: str) -> Found:
    """trafilatura's reading of any news page, with the page's h1 as title and the lead rule."""
    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False, favor_precision=True
    )
    data: dict[str, Any] = document.as_dict() if isinstance(document, trafilatura.settings.Document) else {}
    title = clean(page.css("h1").xpath("string()").get() or "") or clean(data.get("title") or "")
    paragraphs = [clean(line) for line in (data.get("text") or "").split("\n")]
    if paragraphs and paragraphs[0] == title:  # trafilatura keeps the headline when it sits in the article
        paragraphs = paragraphs[1:]
    sapo, body = _split_lead("\n\n".join(line for line in paragraphs if line), _lead(page))
    return Found(
        title=title,
        sapo=sapo,
        body=body,
        authors=[clean(name) for name in re.split(r";|,", data.get("author") or "") if name.strip()],
        published_at=parse_vn_date(data.get("date") or "", tz=tz),
        category=clean(", ".join(data.get("categories") or [])),
        tags=[clean(tag) for tag in data.get("tags") or [] if tag.strip()],
    )
