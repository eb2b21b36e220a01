"""The print-ready report "Báo cáo theo dõi báo chí" over the seeded week, through HTTP."""

from __future__ import annotations

import re

from store.query import RecordKind
from tests.web.conftest import Web
from tests.web.seed import ARTICLES


def _section(html: str, name: str) -> str:
    match = re.search(rf'<section id="{name}">(.*?)</section>', html, re.S)
    assert match, f"no section {name}"
    return match.group(1)


def test_the_report_has_every_section_for_the_range(web: Web) -> None:
    web.store.put_records(
        RecordKind.watchlists,
        {"chuyen-doi-so": {"id": "chuyen-doi-so", "name": "Chuyển đổi số", "terms": ["chuyển đổi số"]}},
    )
    with web.signed_in("press") as press:
        response = press.get("/bao-cao", params={"since": "18/11/2026", "until": "25/11/2026"})
    assert response.status_code == 200, response.text[-500:]
    html = response.text
    assert "<h1>Báo cáo theo dõi báo chí</h1>" in html and 'href="/static/report.css"' in html
    assert "Từ ngày 18/11/2026 đến ngày 25/11/2026" in html
    coverage = _section(html, "coverage")
    negatives = [a for a in ARTICLES if a.tone == "negative"]
    assert f'<th scope="row">Tổng số bài</th><td>{len(ARTICLES)}</td>' in coverage
    assert f'<th scope="row">Bài tiêu cực</th><td>{len(negatives)}</td>' in coverage
    assert coverage.count("<svg") == 3
    stories = _section(html, "top-stories")
    assert re.search(r"— 3 báo đưa tin", stories)  # the typhoon story, carried by 3 outlets, is listed first
    assert stories.index("3 báo đưa tin") < stories.index("1 báo đưa tin")
    negative = _section(html, "negative")
    for article in negatives:
        assert f'<a href="{article.url}">{article.title}</a>' in negative
    assert "Giá vàng hôm nay tăng mạnh" not in negative
    watch = _section(html, "watchlists")
    assert "<h3>Chuyển đổi số</h3>" in watch and "1 bài, trong đó 0 bài tiêu cực" in watch
    assert "Thừa Thiên Huế đẩy mạnh chuyển đổi số" in watch


def test_the_print_stylesheet_sets_a4_and_hides_navigation(web: Web) -> None:
    with web.client() as client:
        css = client.get("/static/report.css").text
    assert "@media print" in css and "size: A4" in css and "nav" in css


def test_a_wrong_date_is_explained(web: Web) -> None:
    with web.signed_in("press") as press:
        response = press.get("/bao-cao", params={"since": "31/02/2026"})
    assert response.status_code == 422 and "dd/mm/yyyy" in response.text
