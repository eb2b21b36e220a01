"""Exports of a search: .xlsx (read back with openpyxl) and CSV, Vietnamese headers and display values."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest

from crawlers.registry import BUNDLED
from store.models import Article
from tests.web.conftest import Web
from tests.web.seed import ARTICLES

VN = timezone(timedelta(hours=7))
HOSTILE = Article(
    url="https://vnexpress.vn/cong-thuc.html",
    outlet="vnexpress",
    title='=HYPERLINK("http://evil.example","Giá xăng")',
    sapo="+1 tăng giá xăng dầu",
    body="Giá xăng dầu tăng.",
    published_at=datetime(2026, 11, 23, 23, 30, tzinfo=VN),  # 16:30 UTC: the Vietnam day is the 23rd
    topic="kinh-te",
    tone="negative",
    tone_score=0.81,
)


@pytest.fixture(scope="module", autouse=True)
def hostile(web: Web) -> None:
    assert web.store.index_articles([HOSTILE]).ok
    web.store.refresh()


def workbook(web: Web, **params: str) -> list[tuple[object, ...]]:
    with web.signed_in("press") as client:
        response = client.get("/search/export.xlsx", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None and sheet.title == "Bài báo"
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


def test_xlsx_has_vietnamese_headers_display_names_and_real_dates(web: Web) -> None:
    rows = workbook(web, q="bão")
    assert rows[0][:4] == ("Thời gian đăng (giờ Việt Nam)", "Báo", "Loại báo", "Tiêu đề")
    storm = ARTICLES[2]
    assert storm.published_at is not None
    expected = storm.published_at.astimezone(VN).replace(tzinfo=None)
    row = next(r for r in rows[1:] if r[3] == storm.title)
    assert row[0] == expected and isinstance(row[0], datetime)  # a date cell, Vietnam time
    assert row[1] == BUNDLED.get("huengaynay").title and row[2] == "Báo địa phương"  # the registry's name
    assert row[6] == "Môi trường - Thiên tai" and row[8] == "Tiêu cực"
    assert row[10] == "Thừa Thiên Huế" and row[12] == 3
    assert len(rows) == 1 + 5  # the five "bao" articles


def test_xlsx_cells_that_look_like_formulas_stay_text(web: Web) -> None:
    rows = workbook(web, q="xăng")
    assert len(rows) == 2
    row = rows[1]
    assert row[3] == HOSTILE.title and row[4] == HOSTILE.sapo  # the text itself, not a formula
    assert row[0] == datetime(2026, 11, 23, 23, 30)
    assert row[9] == pytest.approx(0.81)
    with web.signed_in("press") as client:
        raw = client.get("/search/export.xlsx", params={"q": "xăng"}).content
    sheet_xml = zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # no formula cell anywhere


def test_csv_export_has_the_same_columns_and_neutralises_formulas(web: Web) -> None:
    with web.signed_in("press") as client:
        response = client.get("/search/export.csv", params={"q": "xăng"})
        filtered = client.get("/search/export.csv", params={"tone": "positive"})
        bad = client.get("/search/export.csv", params={"q": "(xăng"})
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][0] == "Thời gian đăng (giờ Việt Nam)"
    assert rows[1][0] == "23/11/2026 23:30"
    assert rows[1][3] == "'" + HOSTILE.title and rows[1][4] == "'" + HOSTILE.sapo
    positive = list(csv.reader(io.StringIO(filtered.text.lstrip("\ufeff"))))[1:]
    assert {r[3] for r in positive} == {a.title for a in ARTICLES if a.tone == "positive"}
    assert bad.status_code == 422 and "Thiếu dấu ngoặc đóng" in bad.text
