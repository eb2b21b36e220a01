"""The report "Báo cáo theo dõi báo chí" as a PDF (A4), drawn with reportlab from the same figures as
the HTML page (pages_report.report_data): the coverage figures and a chart of articles per day, the
share of voice and topics, the stories carried by most outlets, every negative item with its link, and
each watchlist's summary. Made on the server with no network; the text is set in DejaVu Sans (Debian's
fonts-dejavu-core, installed by scripts/install-system-deps.sh), which has every Vietnamese letter."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import ListFlowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from api.web.render import vn_datetime

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {"VigilSans": "DejaVuSans.ttf", "VigilSans-Bold": "DejaVuSans-Bold.ttf"}
MAX_ROWS = 100


class PdfUnavailable(RuntimeError):
    """The PDF cannot be made here (its fonts are missing)."""


def _register_fonts() -> None:
    for name, file in FONTS.items():
        if name in pdfmetrics.getRegisteredFontNames():
            continue
        path = FONT_DIR / file
        if not path.exists():
            raise PdfUnavailable(
                f"{path} is missing: install fonts-dejavu-core (scripts/install-system-deps.sh)"
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName="VigilSans", fontSize=9.5, leading=12.5)
    return {
        "body": base,
        "small": ParagraphStyle(
            "small", parent=base, fontSize=8, leading=10, textColor=colors.HexColor("#444444")
        ),
        "title": ParagraphStyle("title", parent=base, fontName="VigilSans-Bold", fontSize=18, leading=22),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName="VigilSans-Bold", fontSize=13, leading=16, spaceBefore=10
        ),
        "h3": ParagraphStyle(
            "h3", parent=base, fontName="VigilSans-Bold", fontSize=10.5, leading=13, spaceBefore=6
        ),
    }


def _link(text: str, href: str) -> str:
    return f'<link href="{escape(href, {chr(34): "&quot;"})}" color="#1a4f8b">{escape(text)}</link>'


def _table(rows: list[list[Any]], widths: list[float], header: bool = True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), "VigilSans"),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#999999")),
    ]
    if header:
        style += [
            ("FONTNAME", (0, 0), (-1, 0), "VigilSans-Bold"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ]
    table.setStyle(TableStyle(style))
    return table


def _per_day_chart(days: list[str], volume: dict[str, list[int]]) -> Drawing:
    totals = [sum(series[i] for series in volume.values()) for i in range(len(days))]
    drawing = Drawing(170 * mm, 55 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 12 * mm, 150 * mm, 38 * mm
    chart.data = [totals or [0]]
    chart.categoryAxis.categoryNames = [d[:5] for d in days] or [""]
    chart.categoryAxis.labels.fontName = "VigilSans"
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.angle = 45 if len(days) > 10 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(days) > 10 else "n"
    chart.valueAxis.labels.fontName = "VigilSans"
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.HexColor("#1a4f8b")
    drawing.add(chart)
    return drawing


def period_text(since: date | None, until: date | None) -> str:
    if since and until:
        return f"Từ ngày {since:%d/%m/%Y} đến ngày {until:%d/%m/%Y}"
    if since:
        return f"Từ ngày {since:%d/%m/%Y}"
    return f"Đến ngày {until:%d/%m/%Y}" if until else "Mọi thời gian"


def build_pdf(
    data: dict[str, Any],
    since: date | None,
    until: date | None,
    base_url: str,
    made_at: datetime,
    made_by: str,
) -> bytes:
    """The report as PDF bytes; PdfUnavailable when its fonts are missing."""
    _register_fonts()
    s = _styles()
    base = base_url.rstrip("/")
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"Báo cáo theo dõi báo chí · {period_text(since, until)}",
        author="Vigil",
    )
    width = A4[0] - 36 * mm
    story: list[Any] = [
        Paragraph("Báo cáo theo dõi báo chí", s["title"]),
        Paragraph(period_text(since, until), s["body"]),
        Paragraph(escape(f"Lập lúc {vn_datetime(made_at)} (giờ Việt Nam) {made_by}"), s["small"]),
        Spacer(1, 4 * mm),
        Paragraph("1. Số liệu đưa tin", s["h2"]),
    ]
    figures = [["Tổng số bài", str(data["total"])], ["Bài tiêu cực", str(data["negative_total"])]]
    figures += [[label, str(count)] for label, count in data["local_national"]]
    story.append(_table(figures, [60 * mm, 30 * mm], header=False))
    story.append(Paragraph("Số bài mỗi ngày", s["h3"]))
    story.append(_per_day_chart(list(data["days"]), dict(data["volume_by_outlet"])))
    share = [["Báo", "Số bài"]] + [[escape(str(n)), str(c)] for n, c in data["share_of_voice"][:15]]
    topics = [["Chủ đề", "Số bài"]] + [[escape(str(n)), str(c)] for n, c in data["topics"]]
    story.append(
        Table(
            [[_table(share, [50 * mm, 20 * mm]), _table(topics, [50 * mm, 20 * mm])]],
            colWidths=[width / 2, width / 2],
            style=[("VALIGN", (0, 0), (-1, -1), "TOP")],
        )
    )
    story.append(Paragraph("2. Câu chuyện lan rộng nhất", s["h2"]))
    stories = [
        Paragraph(
            _link(str(t["title"]), f"{base}/article/{t['id']}")
            + f" — {t['outlets']} báo đưa tin ({escape(str(t['outlet']))}, "
            f"{escape(vn_datetime(t['published_at']))})",
            s["body"],
        )
        for t in data["top_stories"]
    ]
    story.append(
        ListFlowable(stories, bulletType="1", bulletFontName="VigilSans", bulletFontSize=9)
        if stories
        else Paragraph("Không có bài nào.", s["body"])
    )
    story.append(Paragraph(f"3. Tin tiêu cực ({data['negative_total']})", s["h2"]))
    negative = [["Thời gian", "Báo", "Tiêu đề"]] + [
        [
            escape(vn_datetime(a["published_at"])),
            Paragraph(escape(str(a["outlet"])), s["small"]),
            Paragraph(_link(str(a["title"]), str(a["url"])), s["small"]),
        ]
        for a in data["negative"][:MAX_ROWS]
    ]
    story.append(
        _table(negative, [28 * mm, 32 * mm, width - 60 * mm])
        if len(negative) > 1
        else Paragraph("Không có tin tiêu cực.", s["body"])
    )
    story.append(Paragraph("4. Danh sách theo dõi", s["h2"]))
    if not data["watchlists"]:
        story.append(Paragraph("Chưa có danh sách theo dõi nào.", s["body"]))
    for w in data["watchlists"]:
        story.append(Paragraph(escape(str(w["name"])), s["h3"]))
        parts = []
        if w.get("terms"):
            parts.append("Từ khóa: " + "; ".join(w["terms"]))
        if w.get("entities"):
            parts.append("Thực thể: " + "; ".join(w["entities"]))
        parts.append(f"{w['total']} bài, trong đó {w['negative']} bài tiêu cực.")
        story.append(Paragraph(escape(" · ".join(parts)), s["body"]))
        for a in w["latest"]:
            where = f"{escape(str(a['outlet']))}, {escape(vn_datetime(a['published_at']))}"
            story.append(Paragraph(f"• {_link(str(a['title']), str(a['url']))} — {where}", s["small"]))
    doc.build(story)
    return out.getvalue()
