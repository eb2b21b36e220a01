"""The press-monitoring report "Báo cáo theo dõi báo chí" for a director: a week (by default the 7 days
to today, Vietnam time) or any range and search, as a print-ready HTML page (print stylesheet
/static/report.css: A4, no navigation, links printed): coverage figures and charts, the top stories by
spread, the negative items with links, and each watchlist's summary."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams

from api.routes.watchlists import visible_watchlists
from api.web import charts
from api.web.deps import PressUser
from api.web.pages_press import coverage_data
from api.web.press_query import ArticleForm, iso_day, outlet_title, read_form
from api.web.render import VIETNAM, page
from store.protocol import Store
from store.query import Kind, SortField, Term

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).resolve().parent / "static"
MAX_NEGATIVE = 100


def _items(store: Store, form: ArticleForm, extra: tuple[Term, ...], size: int) -> list[dict[str, Any]]:
    assert form.query is not None
    query = replace(
        form.query, filters=(*form.query.filters, *extra), sort=(SortField("published_at"),), size=size
    )
    return [
        {
            "id": hit.id,
            "title": hit.source.get("title", ""),
            "url": hit.source.get("url", ""),
            "outlet": outlet_title(str(hit.source.get("outlet", ""))),
            "published_at": hit.source.get("published_at"),
        }
        for hit in store.search(Kind.articles, query).hits
    ]


def report_data(store: Store, form: ArticleForm, user: str | None = None) -> dict[str, Any]:
    """The report's figures; the watchlists summarised are the shared ones and `user`'s own."""
    assert form.query is not None
    data = coverage_data(store, form)
    negative = Term("tone", ("negative",))
    data["negative"] = _items(store, form, (negative,), MAX_NEGATIVE)
    data["negative_total"] = store.count(
        Kind.articles, replace(form.query, filters=(*form.query.filters, negative))
    )
    summaries = []
    for record in visible_watchlists(store, user):
        tagged = Term("watchlists", (str(record["id"]),))
        base = replace(form.query, filters=(*form.query.filters, tagged))
        summaries.append(
            {
                "name": record["name"],
                "terms": record.get("terms") or [],
                "entities": record.get("entities") or [],
                "total": store.count(Kind.articles, base),
                "negative": store.count(Kind.articles, replace(base, filters=(*base.filters, negative))),
                "latest": _items(store, form, (tagged,), 3),
            }
        )
    data["watchlists"] = summaries
    return data


def _with_default_week(params: QueryParams) -> QueryParams:
    if params.get("since") or params.get("until"):
        return params
    today = datetime.now(VIETNAM).date()
    values = [
        *params.multi_items(),
        ("since", (today - timedelta(days=6)).isoformat()),
        ("until", today.isoformat()),
    ]
    return QueryParams(values)


@router.get("/bao-cao")
async def report_page(request: Request, session: PressUser) -> Response:
    form = read_form(_with_default_week(request.query_params))
    data: dict[str, Any] | None = None
    drawn: dict[str, Any] = {}
    if form.query is not None:
        store: Store = request.app.state.store
        data = await run_in_threadpool(report_data, store, form, session.user.username)
        drawn = _drawn(data)
    return page(
        request,
        "report.html",
        {
            "session": session,
            "form": form,
            "since": iso_day(form.since) or "",
            "until": iso_day(form.until) or "",
            "data": data,
            "drawn": drawn,
            "made_at": datetime.now(VIETNAM),
            "base": "",
        },
        status_code=422 if form.errors else 200,
    )


def _drawn(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "volume": charts.stacked_columns("Số bài mỗi ngày theo báo", data["days"], data["volume_by_outlet"]),
        "share": charts.horizontal_bars("Thị phần đưa tin theo báo", data["share_of_voice"]),
        "topics": charts.horizontal_bars("Chủ đề", data["topics"], charts.PALETTE[4]),
    }


@router.get("/bao-cao.pdf")
async def report_pdf(request: Request, session: PressUser) -> Response:
    """The same report as a PDF (api/web/report_pdf.py)."""
    # lazy: reportlab (~0.3 s) is loaded by the first PDF, not by every process that serves pages
    from api.web.report_pdf import PdfUnavailable, build_pdf

    form = read_form(_with_default_week(request.query_params))
    if form.query is None:
        return Response(" ".join(form.errors), status_code=422, media_type="text/plain; charset=utf-8")
    store: Store = request.app.state.store
    data = await run_in_threadpool(report_data, store, form, session.user.username)
    since, until = _day(form.since), _day(form.until)
    try:
        pdf = await run_in_threadpool(
            build_pdf,
            data,
            since,
            until,
            request.app.state.settings.api.public_url or str(request.base_url),
            datetime.now(VIETNAM),
            f"bởi {session.user.username}",
        )
    except PdfUnavailable as exc:
        return Response(f"Không tạo được PDF: {exc}", status_code=503, media_type="text/plain; charset=utf-8")
    name = f"bao-cao-theo-doi-bao-chi-{since or ''}-{until or ''}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def _day(value: Any) -> date | None:
    text = iso_day(value)
    return date.fromisoformat(text) if text else None


def render_standalone(
    store: Store, templates: Jinja2Templates, since: date, until: date, base_url: str, pdf: bool = False
) -> tuple[str, bytes | None]:
    """The report of days `since`..`until` (Vietnam time) as mailed on a schedule (alerts/report.py):
    one self-contained HTML page (the stylesheets inlined, links absolute to `base_url`) and, when
    `pdf`, the PDF (None when it cannot be made here: logged); the shared watchlists only."""
    form = read_form(QueryParams({"since": since.isoformat(), "until": until.isoformat()}))
    if form.query is None:
        raise ValueError(f"the report range {since}..{until} is not valid: {' '.join(form.errors)}")
    data = report_data(store, form)
    made_at = datetime.now(VIETNAM)
    css = "\n".join((STATIC / name).read_text(encoding="utf-8") for name in ("app.css", "report.css"))
    html = templates.get_template("report.html").render(
        form=form,
        since=since.isoformat(),
        until=until.isoformat(),
        data=data,
        drawn=_drawn(data),
        made_at=made_at,
        session=None,
        base=base_url.rstrip("/"),
        standalone={"css": Markup(css)},  # our own files
    )
    document = None
    if pdf:
        # lazy: reportlab (~0.3 s) is loaded by the first PDF, not by every process that serves pages
        from api.web.report_pdf import PdfUnavailable, build_pdf

        try:
            document = build_pdf(data, since, until, base_url, made_at, "tự động theo lịch gửi báo cáo")
        except PdfUnavailable as exc:
            log.warning("report: no PDF attached: %s", exc)
    return html, document
