"""Article extraction from one HTML page, field by field, recording where each value came from.

For every field: the outlet's selectors (the layout version of the page's date), then — for what they
miss — the end-of-body signature (authors only), the page's JSON-LD, its OpenGraph/meta tags, and
last generic extraction (trafilatura), which runs only when the title or the body is still missing
(it costs more than the rest together). A page of an unknown outlet starts at JSON-LD.
`parse_page(html, url)` is what both the spider and `vigil crawl parse` call, so a parser can be
debugged on a saved page exactly as the crawler sees it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import fields
from datetime import datetime
from urllib.parse import urlsplit

from parsel import Selector

from crawlers.authors import page_signature, people, signature
from crawlers.dates import DEFAULT_TZ, parse_vn_date
from crawlers.fallbacks import Found, from_generic, from_jsonld, from_meta
from crawlers.item import ArticleItem
from crawlers.outlet import DEFAULT_DROP, Outlet, ParserVersion
from crawlers.page import all_texts, canonical, first_text, remove, select, texts
from crawlers.registry import BUNDLED, Registry
from store.models import Article

GENERIC = "generic"
FIELDS = tuple(f.name for f in fields(Found))
_NEEDS_GENERIC = ("title", "body")


def _body(page: Selector, version: ParserVersion) -> tuple[str, str]:
    """(body, end-of-body signature) of the first body container that holds text."""
    for expression in version.body:
        containers = select(page, expression)
        if not containers:
            continue
        container = Selector(root=copy.deepcopy(containers[0].root))
        for drop in (*DEFAULT_DROP, *version.drop):
            for node in container.css(drop):
                remove(node)
        signed, signature_node = signature(container)
        if signature_node is not None:
            remove(signature_node)
        paragraphs = [texts(node) for node in container.css(version.paragraphs)]
        text = "\n\n".join(paragraph for paragraph in paragraphs if paragraph)
        if text:
            return text, signed
    return "", ""


def from_selectors(page: Selector, outlet: Outlet, version: ParserVersion) -> tuple[Found, list[str]]:
    """What one layout version's selectors read, and the body's signature (a fallback for authors)."""
    published = None
    for expression in version.published:
        for raw in all_texts(page, (expression,)):
            published = parse_vn_date(raw, tz=outlet.timezone)
            if published:
                break
        if published:
            break
    body, signed = _body(page, version)
    found = Found(
        title=first_text(page, version.title),
        sapo=version.clean_sapo(first_text(page, version.sapo)),
        body=body,
        authors=all_texts(page, version.authors),
        published_at=published,
        category=first_text(page, version.section),
        tags=all_texts(page, version.tags),
    )
    return found, [signed] if signed else []


def _layout_of(page: Selector, outlet: Outlet, url: str, when: datetime | None) -> ParserVersion:
    """The layout valid on `when`; with no date, the newest layout whose title and body selectors
    both find something on the page (an old page keeps parsing with its dated layout), else the newest."""
    host = urlsplit(url).hostname or ""
    if when is not None:
        return outlet.parser_for(when, host)
    newest = outlet.parser_for(None, host)
    candidates = sorted(
        (v for v in outlet.parsers if outlet.parser_for(v.valid_from, host) is v),
        key=lambda v: v.valid_from,
        reverse=True,
    )
    for version in candidates:
        if (
            version.title
            and version.body
            and all(
                any(select(page, expression) for expression in expressions)
                for expressions in (version.title, version.body)
            )
        ):
            return version
    return newest


def _drop_signature(values: dict[str, object]) -> None:
    """A fallback body keeps the end-of-body signature as its last paragraph: it is the author, not text."""
    body, authors = str(values["body"]), values["authors"]
    head, _, last = body.rpartition("\n\n")
    if head and isinstance(authors, list) and last in authors:
        values["body"] = head


def _section_from_path(outlet: Outlet, url: str) -> str:
    path = urlsplit(url).path
    matches = [prefix for prefix in outlet.sections if path.startswith(prefix)]
    return outlet.sections[max(matches, key=len)] if matches else ""


def parse_with(
    outlet: Outlet | None,
    html: str,
    url: str,
    *,
    version: ParserVersion | None = None,
    when: datetime | None = None,
) -> ArticleItem:
    """Read a page with an outlet's layout version (`version`, else the one valid at `when`, else the
    newest), then the fallbacks; `outlet=None` reads a page of an unknown outlet."""
    page = Selector(text=html)
    tz = outlet.timezone if outlet else DEFAULT_TZ
    own_names = outlet.own_names() if outlet else (urlsplit(url).hostname or "",)
    chosen = (version or _layout_of(page, outlet, url, when)) if outlet else None
    stages: list[tuple[str, Callable[[], Found]]] = []
    signed: list[str] = []
    if outlet is not None and chosen is not None:
        own, signed = from_selectors(page, outlet, chosen)
        stages.append(("selectors", lambda: own))
    signed_found = Found(authors=signed or ([found] if (found := page_signature(page)) else []))
    stages += [
        ("signature", lambda: signed_found),
        ("jsonld", lambda: from_jsonld(page, tz)),
        ("meta", lambda: from_meta(page, tz)),
    ]
    cache: dict[str, Found] = {}
    values: dict[str, object] = {}
    sources: dict[str, str] = {}

    def lookup(name: str, stage: str, make: Callable[[], Found]) -> bool:
        found = cache.get(stage) or cache.setdefault(stage, make())
        value: object = getattr(found, name)
        if name == "authors":
            value = people(found.authors, own_names)
        if value:
            values[name], sources[name] = value, stage
            return True
        return False

    for name in FIELDS:
        any(lookup(name, stage, make) for stage, make in stages)
    if outlet is not None and "category" not in values and (section := _section_from_path(outlet, url)):
        values["category"], sources["category"] = section, "sections"
    if any(name not in values for name in _NEEDS_GENERIC):
        for name in FIELDS:
            if name not in values:
                lookup(name, GENERIC, lambda: from_generic(html, url, page, tz))
    if sources.get("body") not in (None, "selectors") and "authors" in values:
        _drop_signature(values)
    article = Article(
        url=url,
        outlet=outlet.name if outlet else (urlsplit(url).hostname or "unknown"),
        language=outlet.language if outlet else "vi",
        canonical_url=canonical(page, url),
        **{"title": "", **values},  # type: ignore[arg-type]  # each value has its field's type (see Found)
    )
    parser = f"{outlet.name}@{chosen.valid_from.isoformat()}" if outlet and chosen else GENERIC
    return ArticleItem(article=article, parser=parser, sources=sources)


def parse_page(
    html: str, url: str, outlet: Outlet | None = None, registry: Registry = BUNDLED
) -> ArticleItem:
    """Read a page with the parser of the outlet owning the URL's domain (else as an unknown outlet's)."""
    return parse_with(outlet or registry.for_host(urlsplit(url).hostname or ""), html, url)
