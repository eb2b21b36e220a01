"""Templates and the Vietnamese display helpers they use (dates dd/mm/yyyy in +07:00, topic/tone names).

Jinja2 autoescapes every value; the only markup passed through is what `mark_highlight` builds from
escaped text.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from nlp.taxonomy import TONES, TOPICS

HERE = Path(__file__).resolve().parent
VIETNAM = timezone(timedelta(hours=7))

SEVERITY_VI = {"low": "Thấp", "medium": "Trung bình", "high": "Cao", "critical": "Nghiêm trọng"}
STATUS_VI = {
    "new": "Mới",
    "acknowledged": "Đang xử lý",
    "resolved": "Đã xử lý",
    "false_positive": "Báo động giả",
}
ROLE_VI = {"press": "Báo chí", "security": "An ninh mạng", "admin": "Quản trị"}
SCOPE_VI = {"local": "Báo địa phương", "national": "Báo trung ương"}


def _moment(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=VIETNAM)
    return value.astimezone(VIETNAM)


def vn_date(value: Any) -> str:
    """dd/mm/yyyy in Vietnam time ("" for nothing)."""
    moment = _moment(value)
    return moment.strftime("%d/%m/%Y") if moment else ""


def vn_datetime(value: Any) -> str:
    """HH:MM dd/mm/yyyy in Vietnam time, as Vietnamese newspapers print it."""
    moment = _moment(value)
    return moment.strftime("%H:%M %d/%m/%Y") if moment else ""


def day_label(value: str) -> str:
    """A yyyy-mm-dd bucket key as dd/mm/yyyy."""
    if len(value) >= 10 and value[4] == "-":
        return f"{value[8:10]}/{value[5:7]}/{value[0:4]}"
    return value


def topic_name(slug: Any) -> str:
    return TOPICS.get(str(slug), str(slug or "—"))


def tone_name(slug: Any) -> str:
    return TONES.get(str(slug), str(slug or "—"))


def percent(value: Any) -> str:
    if value is None:
        return "—"
    return f"{float(value) * 100:.0f}%"


def mark_highlight(fragment: str) -> Markup:
    """A store highlight fragment ("… <em>bão</em> …", its text HTML-escaped by the store) with only
    the marks as markup (unescaped first, so escaping here never doubles the store's)."""
    out: list[str] = []
    for index, piece in enumerate(str(fragment).replace("</em>", "<em>").split("<em>")):
        text = str(escape(html.unescape(piece)))
        out.append(f"<mark>{text}</mark>" if index % 2 else text)
    return Markup("".join(out))


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.filters.update(
        vn_date=vn_date,
        vn_datetime=vn_datetime,
        day_label=day_label,
        topic_name=topic_name,
        tone_name=tone_name,
        percent=percent,
        highlight=mark_highlight,
        severity_vi=lambda v: SEVERITY_VI.get(str(v), str(v)),
        status_vi=lambda v: STATUS_VI.get(str(v), str(v)),
        role_vi=lambda v: ROLE_VI.get(str(v), str(v)),
    )
    env.globals.update(
        TOPICS=TOPICS, TONES=TONES, STATUS_VI=STATUS_VI, SEVERITY_VI=SEVERITY_VI, SCOPE_VI=SCOPE_VI
    )
    return templates


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Any:
    templates: Jinja2Templates = request.app.state.web_templates
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    return response
