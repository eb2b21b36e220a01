"""Generated article pages for the crawl benchmark: the bundled corpus rendered in every outlet's layout.

Page i reuses corpus text i modulo its size at outlet i modulo 15, so the bench exercises every parser
and, like real syndication, the same story at several outlets (story clusters get work to do).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from crawlers.registry import OUTLETS
from vigil.snapshots.corpus import load_corpus, make_spec
from vigil.snapshots.templates import ArticleSpec, render_article, render_news_sitemap


def add_bench_pages(routes: dict[str, Any], count: int, resource: Callable[[bytes, str], Any]) -> None:
    """Add `count` pages and append them to each outlet's first news sitemap."""
    texts = [text for text in load_corpus() if text.role in {"bench", "article"}]
    per_outlet: dict[str, list[ArticleSpec]] = {outlet.name: [] for outlet in OUTLETS}
    for index in range(count):
        outlet = OUTLETS[index % len(OUTLETS)]
        text = texts[index % len(texts)]
        spec = make_spec(outlet.name, outlet.domain, text, index, variant=f"b{index}")
        per_outlet[outlet.name].append(spec)
        routes[f"/{outlet.domain}{spec.path}"] = resource(
            render_article(spec).encode(), "text/html; charset=utf-8"
        )
    for outlet in OUTLETS:
        if not outlet.sitemaps or not per_outlet[outlet.name]:
            continue
        path = "/" + outlet.sitemaps[0].split("://", 1)[1]
        sitemap = render_news_sitemap(per_outlet[outlet.name], outlet.title)
        existing = routes.get(path)
        if existing is not None:
            # Keep the snapshot's own entries: splice the generated <url> blocks before </urlset>.
            head = existing.body.decode().replace("</urlset>", "")
            sitemap = head + sitemap.split(">", 2)[2].split("\n", 1)[1]
        routes[path] = resource(sitemap.encode(), "application/xml; charset=utf-8")
    routes["/_bench.json"] = resource(json.dumps({"pages": count}).encode(), "application/json")
