"""Highlights are HTML: the article's own text is escaped and only Vigil's <em> marks are markup, on both
backends (a title carrying markup must not reach a press officer's browser as markup)."""

from __future__ import annotations

from datetime import UTC, datetime

from store.models import Article
from store.protocol import Store
from store.query import Kind, SearchQuery

HOSTILE = 'Huế <script>alert("x")</script> & <b onmouseover="steal()">Đà Nẵng</b>'


def test_highlight_fragments_escape_the_text_around_the_marks(store: Store) -> None:
    article = Article(
        url="https://news.example.vn/xss.html",
        outlet="tuoitre",
        title=HOSTILE,
        body=("Thừa Thiên Huế <img src=x onerror=alert(1)> " * 12).strip(),
        published_at=datetime(2024, 5, 1, tzinfo=UTC),
    )
    assert store.index_articles([article]).ok
    store.refresh()
    [hit] = store.search(Kind.articles, SearchQuery(text="hue", highlight=True)).hits
    fragments = hit.highlights["title"] + hit.highlights["body"]
    assert fragments
    for fragment in fragments:
        without_marks = fragment.replace("<em>", "").replace("</em>", "")
        assert "<" not in without_marks and ">" not in without_marks, fragment
    assert any("<em>Huế</em>" in fragment for fragment in hit.highlights["title"])
    assert "&lt;script&gt;" in hit.highlights["title"][0] and "&amp;" in hit.highlights["title"][0]
    assert any("&lt;img src=x onerror=alert(1)&gt;" in fragment for fragment in hit.highlights["body"])
