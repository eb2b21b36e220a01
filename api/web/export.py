"""Any search of the web app as an Excel workbook (.xlsx) or a CSV, for a press officer's report.

Vietnamese headers; display names for topic, tone and outlet; publication times as real Excel dates in
Vietnam time (+07:00, written without a zone as Excel has none: the header says so); every text is
written as a text cell (never a formula) and CSV cells that start like a formula are prefixed with '.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

import xlsxwriter

from api.web.press_query import ArticleForm, outlet_scope, outlet_title
from api.web.render import SCOPE_VI, VIETNAM, tone_name, topic_name
from store.protocol import Store
from store.query import Kind, SortField

MAX_ROWS = 10_000
HEADERS = (
    "Thời gian đăng (giờ Việt Nam)",
    "Báo",
    "Loại báo",
    "Tiêu đề",
    "Tóm tắt (sa-pô)",
    "Đường dẫn",
    "Chủ đề",
    "Độ tin cậy chủ đề",
    "Sắc thái",
    "Độ tin cậy sắc thái",
    "Thực thể",
    "Danh sách theo dõi",
    "Số báo đưa tin",
)
WIDTHS = (20, 22, 16, 60, 60, 40, 22, 10, 12, 10, 40, 22, 10)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _published(source: dict[str, Any]) -> datetime | None:
    value = source.get("published_at")
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(VIETNAM).replace(tzinfo=None)


def row_of(source: dict[str, Any]) -> list[Any]:
    """One article as the export's row (display values; the time as a naive Vietnam-time datetime)."""
    outlet = str(source.get("outlet") or "")
    entities = "; ".join(
        str(e.get("text", "")) for e in source.get("entities") or [] if e.get("type") != "WATCH"
    )
    return [
        _published(source),
        outlet_title(outlet),
        SCOPE_VI.get(outlet_scope(outlet), ""),
        str(source.get("title") or ""),
        str(source.get("sapo") or ""),
        str(source.get("url") or ""),
        topic_name(source["topic"]) if source.get("topic") else "",
        source.get("topic_score"),
        tone_name(source["tone"]) if source.get("tone") else "",
        source.get("tone_score"),
        entities,
        "; ".join(source.get("watchlists") or []),
        int(source.get("story_outlets") or 1),
    ]


def rows(store: Store, form: ArticleForm, limit: int = MAX_ROWS) -> Iterator[list[Any]]:
    """The form's matches, newest first, page by page (at most `limit`)."""
    assert form.query is not None
    query = replace(form.query, sort=(SortField("published_at"),), size=500)
    sent = 0
    page = store.search(Kind.articles, query)
    while True:
        for hit in page.hits[: limit - sent]:
            yield row_of(hit.source)
        sent += min(len(page.hits), limit - sent)
        if sent >= limit or not page.next_cursor or not page.hits:
            return
        page = store.search(Kind.articles, replace(query, cursor=page.next_cursor))


def xlsx_bytes(store: Store, form: ArticleForm) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = book.add_worksheet("Bài báo")
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8EEF6"})
    when = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    share = book.add_format({"num_format": "0%"})
    for column, (title, width) in enumerate(zip(HEADERS, WIDTHS, strict=True)):
        sheet.write_string(0, column, title, bold)
        sheet.set_column(column, column, width)
    sheet.freeze_panes(1, 0)
    count = 0
    for count, row in enumerate(rows(store, form), start=1):
        for column, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(count, column, value, when)
            elif isinstance(value, int | float):
                sheet.write_number(count, column, value, share if column in (7, 9) else None)
            else:
                sheet.write_string(count, column, value)  # text, never a formula
    sheet.autofilter(0, 0, max(count, 1), len(HEADERS) - 1)
    book.set_properties({"title": f"Vigil: {form.q or 'tất cả bài báo'}", "author": "Vigil"})
    book.close()
    return buffer.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_text(store: Store, form: ArticleForm) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in rows(store, form):
        writer.writerow([_csv_cell(value) for value in row])
    return "\ufeff" + buffer.getvalue()
