"""The print-ready report "Báo cáo theo dõi báo chí" over the seeded week, through HTTP."""

from __future__ import annotations

import io
import re
from html import unescape

from pypdf import PdfReader

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


def pdf_text(document: bytes) -> str:
    """The PDF's text (pypdf), whitespace runs made single spaces."""
    assert document.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(document))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def pdf_links(document: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(document))
    found = set()
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            if "/URI" in action:
                found.add(str(action["/URI"]))
    return found


def test_the_report_downloads_as_a_pdf_with_every_section(web: Web) -> None:
    web.store.put_records(
        RecordKind.watchlists,
        {"chuyen-doi-so": {"id": "chuyen-doi-so", "name": "Chuyển đổi số", "terms": ["chuyển đổi số"]}},
    )
    with web.signed_in("press") as press:
        page = press.get("/bao-cao", params={"since": "18/11/2026", "until": "25/11/2026"}).text
        link = re.search(r'<a id="pdf" href="([^"]+)"', page)
        assert link, "the report page offers no PDF"
        response = press.get(unescape(link.group(1)))
        wrong = press.get("/bao-cao.pdf", params={"since": "31/02/2026"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert (
        'filename="bao-cao-theo-doi-bao-chi-2026-11-18-2026-11-25.pdf"'
        in response.headers["content-disposition"]
    )
    text = pdf_text(response.content)
    assert text.startswith("Báo cáo theo dõi báo chí Từ ngày 18/11/2026 đến ngày 25/11/2026")
    headings = [
        "1. Số liệu đưa tin",
        "2. Câu chuyện lan rộng nhất",
        "3. Tin tiêu cực",
        "4. Danh sách theo dõi",
    ]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    negatives = [a for a in ARTICLES if a.tone == "negative"]
    assert f"Tổng số bài {len(ARTICLES)} Bài tiêu cực {len(negatives)}" in text
    assert f"3. Tin tiêu cực ({len(negatives)})" in text
    assert all(" ".join(a.title.split()) in text for a in negatives)
    assert "Chuyển đổi số" in text[positions[3] :] and "1 bài, trong đó 0 bài tiêu cực" in text
    links = pdf_links(response.content)
    assert {a.url for a in negatives} <= links  # each negative item links to its article
    assert any("/article/" in link for link in links)  # the top stories link to Vigil's article page
    assert wrong.status_code == 422 and "dd/mm/yyyy" in wrong.text
