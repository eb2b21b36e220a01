"""The generic parser for pages of unknown layout: trafilatura, plus a rule that recovers the sapo.

Trafilatura keeps the main text but treats the lead paragraph of Vietnamese articles (a bold
`h2.sapo`, `p.description`, `div.chapeau`…) as boilerplate and drops it; press officers need it, so
it is taken from the page's lead-like element or, failing that, its meta description.
"""

from __future__ import annotations

import re

import trafilatura
from parsel import Selector

from crawlers.dates import parse_vn_date
from crawlers.extract import ParsedArticle, _canonical, _jsonld_date, _texts, clean

_LEAD_CLASS = re.compile(
    r"(?:^|[\s_-])(sapo|lead|chapeau|chappeau|description|summary|desc|abstract|brief)(?:$|[\s_-])", re.I
)
GENERIC = "generic"


def _sapo(page: Selector) -> str:
    for node in page.xpath("//body//*[@class]"):
        if node.root.tag in {"body", "html", "article", "main", "section"}:
            continue
        if _LEAD_CLASS.search(node.attrib.get("class", "")):
            text = _texts(node)
            if 40 <= len(text) <= 1200:
                return text
    for expression in (
        "meta[name='description']::attr(content)",
        "meta[property='og:description']::attr(content)",
    ):
        text = clean(page.css(expression).get() or "")
        if text:
            return text
    return ""


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


def parse_generic(html: str, url: str, *, outlet_name: str, tz: str) -> ParsedArticle:
    """Read any news page; fields trafilatura cannot find stay empty (validation drops what must not)."""
    page = Selector(text=html)
    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False, favor_precision=True
    )
    title = body = author = date_text = section = ""
    tags: list[str] = []
    if document is not None:
        data = document.as_dict() if hasattr(document, "as_dict") else dict(document)
        title = data.get("title") or ""
        body = data.get("text") or ""
        author = data.get("author") or ""
        date_text = data.get("date") or ""
        section = ", ".join(data.get("categories") or [])
        tags = list(data.get("tags") or [])
    title = clean(page.css("h1").xpath("string()").get() or "") or clean(title)
    paragraphs = [clean(line) for line in body.split("\n")]
    body = "\n\n".join(line for line in paragraphs if line)
    sapo, body = _split_lead(body, _sapo(page))
    published = _jsonld_date(page, tz)
    if published is None:
        meta = page.css("meta[property='article:published_time']::attr(content)").get()
        published = parse_vn_date(meta or date_text, tz=tz)
    return ParsedArticle(
        url=url,
        outlet=outlet_name,
        title=title,
        sapo=sapo,
        body=body,
        authors=[clean(name) for name in re.split(r";|,", author) if name.strip()],
        published_at=published,
        section=clean(section),
        tags=[clean(tag) for tag in tags if tag.strip()],
        canonical_url=_canonical(page, url),
        parser=GENERIC,
    )
