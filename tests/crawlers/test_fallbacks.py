"""Fidelity and fallbacks on a VnExpress page in its 2025 markup (reconstructed, see
tests/data/crawlers/PROVENANCE.md): the byline is a person, never the outlet; when the layout's
selectors miss, JSON-LD, meta tags and generic extraction fill the fields and say so."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from crawlers.extract import parse_page

PAGE = Path(__file__).resolve().parents[1] / "data" / "crawlers" / "vnexpress" / "reconstructed-2025-08"
CASE = json.loads(PAGE.with_suffix(".json").read_text(encoding="utf-8"))
HTML = gzip.decompress(PAGE.with_suffix(".html.gz").read_bytes()).decode("utf-8")
FIELDS = ("title", "sapo", "body", "authors", "published_at", "category")


def _fields(html: str) -> tuple[dict[str, object], dict[str, str]]:
    item = parse_page(html, CASE["url"])
    return item.article.model_dump(mode="json", include=set(FIELDS)), item.sources


def test_the_byline_of_a_2025_vnexpress_page_is_its_author_not_the_outlet() -> None:
    # the byline is aligned by style only; JSON-LD and <meta name="author"> both name "VnExpress"
    parsed, sources = _fields(HTML)
    assert parsed == CASE["expected"]
    assert set(sources.values()) == {"selectors"}
    assert "Võ Thạnh" not in parsed["body"]  # type: ignore[operator]


def test_the_outlet_is_never_an_author_even_when_it_is_all_the_page_names() -> None:
    unsigned = HTML.replace('<p class="Normal" style="text-align:right;"><strong>Võ Thạnh</strong></p>', "")
    parsed, sources = _fields(unsigned)
    assert parsed["authors"] == [] and "authors" not in sources


def test_a_page_in_another_layout_is_read_by_the_fallbacks_which_are_recorded() -> None:
    moved = (
        HTML.replace('h1 class="title-detail"', 'h1 class="title-post"')
        .replace('p class="description"', 'p class="lead-post"')
        .replace('<article class="fck_detail ">', '<div class="content-post">')
        .replace('</article>\n<div class="footer-content">', '</div>\n<div class="footer-content">')
        .replace('span class="date"', 'span class="time-post"')
    )
    item = parse_page(moved, CASE["url"])
    assert item.parser == "vnexpress@2020-06-01"  # no older layout matches either: the newest, missing
    assert item.article.model_dump(mode="json", include=set(FIELDS)) == CASE["expected"]
    assert item.sources == {
        "title": "jsonld",
        "sapo": "jsonld",
        "body": "generic",
        "authors": "signature",
        "published_at": "selectors",  # the layout also reads <meta itemprop="datePublished">
        "category": "selectors",
    }
    assert item.fallback_fields() == ["title", "body", "authors"]  # what outlet health counts
