"""The press office's pages: search with facets, one article with its story, the coverage dashboard."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.routes.watchlists import visible_watchlists
from api.web import charts, export
from api.web.deps import CheckedForm, PressUser
from api.web.press_query import PAGE_SIZE, SORTS, ArticleForm, outlet_scope, outlet_title, read_form
from api.web.render import SCOPE_VI, day_label, page, tone_name, topic_name
from nlp.corrections import apply_correction, make_correction
from nlp.errors import TrainingDataError
from nlp.taxonomy import TONES
from store import querytext
from store.protocol import Store
from store.query import DateHistogramAgg, Hit, Kind, RecordKind, SearchQuery, SortField, Term, TermsAgg

router = APIRouter(include_in_schema=False)

FACETS = (
    ("outlet", "outlet", "Báo"),
    ("topic", "topic", "Chủ đề"),
    ("tone", "tone", "Sắc thái"),
    ("entity", "entities.text", "Thực thể"),
    ("watchlist", "watchlists", "Danh sách theo dõi"),
)
ACCENT_WINDOW = 200


def _facet_label(name: str, key: str) -> str:
    if name == "outlet":
        return outlet_title(key)
    if name == "topic":
        return topic_name(key)
    if name == "tone":
        return tone_name(key)
    return key


def _order(form: ArticleForm) -> tuple[SortField, ...]:
    if form.sort == "date" or (form.sort == "relevance" and form.tree is None):
        return (SortField("published_at"),)
    if form.sort == "spread":
        return (SortField("story_outlets"), SortField("published_at"))
    return (SortField("_score"),)


def _texts(hit: Hit) -> list[str]:
    return [str(hit.source.get(name) or "") for name in ("title", "sapo", "body")]


def run_search(store: Store, form: ArticleForm, user: str | None = None) -> dict[str, Any]:
    """One page of hits and the facet counts. Typed diacritics rank exact-accent matches first:
    the first `ACCENT_WINDOW` hits by relevance are ordered by (exact-accent words, relevance). The
    watchlist facet shows the watchlists `user` may see (shared ones and their own), by name: never
    another person's private one (ids with `~`)."""
    assert form.query is not None
    base = replace(form.query, sort=_order(form), highlight=True)
    offset = (form.page - 1) * PAGE_SIZE
    accent = form.sort == "relevance" and any(
        querytext.has_diacritics(w.typed) for w in querytext.positive_words(form.tree)
    )
    if accent and offset + PAGE_SIZE <= ACCENT_WINDOW:
        window = store.search(Kind.articles, replace(base, size=ACCENT_WINDOW))
        ranked = sorted(
            window.hits, key=lambda hit: -querytext.exact_accent_count(form.tree, _texts(hit))
        )  # stable: relevance order kept within each group
        hits, total, lower = ranked[offset : offset + PAGE_SIZE], window.total, window.total_is_lower_bound
    else:
        found = store.search(Kind.articles, replace(base, size=PAGE_SIZE, offset=offset))
        hits, total, lower = found.hits, found.total, found.total_is_lower_bound
    aggs = store.aggregate(
        Kind.articles,
        replace(form.query, size=0),
        [TermsAgg(name, path, size=100 if name == "outlet" else 15) for name, path, _ in FACETS],
    )
    scopes: dict[str, int] = {}
    for bucket in aggs["outlet"].buckets:
        scopes[outlet_scope(bucket.key)] = scopes.get(outlet_scope(bucket.key), 0) + bucket.count
    scope_facet = {
        "name": "scope",
        "title": "Loại báo",
        "buckets": [
            {
                "key": key,
                "label": label,
                "count": scopes.get(key, 0),
                "on": form.scope == key,
                "link": form.params(scope="" if form.scope == key else key),
            }
            for key, label in SCOPE_VI.items()
        ],
    }
    watchlists = {str(r["id"]): str(r["name"]) for r in visible_watchlists(store, user)}
    hidden = {str(r["id"]) for r in store.list_records(RecordKind.watchlists, limit=10_000)} - set(watchlists)
    facets = [scope_facet] + [
        {
            "name": name,
            "title": title,
            "buckets": [
                {
                    "key": b.key,
                    "label": watchlists.get(b.key, b.key)
                    if name == "watchlist"
                    else _facet_label(name, b.key),
                    "count": b.count,
                    "on": b.key in getattr(form, name),
                    "link": form.toggled(name, b.key),
                }
                for b in aggs[name].buckets[:15]
                if name != "watchlist" or (b.key not in hidden and "~" not in b.key) or b.key in watchlists
            ],
        }
        for name, _, title in FACETS
    ]
    return {"hits": hits, "total": total, "lower": lower, "facets": facets}


@router.get("/search")
async def search_page(request: Request, session: PressUser) -> Response:
    form = read_form(request.query_params)
    result: dict[str, Any] = {"hits": [], "total": 0, "lower": False, "facets": []}
    if form.query is not None:
        store: Store = request.app.state.store
        result = await run_in_threadpool(run_search, store, form, session.user.username)
    pages = max(1, -(-result["total"] // PAGE_SIZE))
    return page(
        request,
        "search.html",
        {
            "session": session,
            "nav": "search",
            "form": form,
            "sorts": SORTS,
            "pages": pages,
            "outlet_title": outlet_title,
            **result,
        },
        status_code=422 if form.errors else 200,
    )


@router.get("/article/{article_id}")
async def article_page(request: Request, session: PressUser, article_id: str) -> Response:
    store: Store = request.app.state.store

    def load() -> tuple[Any, list[dict[str, Any]]]:
        article = store.get_article(article_id)
        if article is None or not article.story_cluster:
            return article, []
        found = store.search(
            Kind.articles,
            SearchQuery(
                filters=(Term("story_cluster", (article.story_cluster,)),),
                sort=(SortField("published_at", descending=False),),
                size=50,
            ),
        )
        return article, [{**hit.source, "id": hit.id} for hit in found.hits]

    article, story = await run_in_threadpool(load)
    correction = await run_in_threadpool(store.get_record, RecordKind.label_corrections, article_id)
    if article is None:
        return page(
            request,
            "error.html",
            {
                "session": session,
                "heading": "Không tìm thấy bài báo",
                "message": f"Không có bài báo mã {article_id}.",
            },
            status_code=404,
        )
    return page(
        request,
        "article.html",
        {
            "session": session,
            "nav": "search",
            "article": article,
            "article_id": article_id,
            "story": story,
            "correction": correction,
            "notice": request.query_params.get("notice", "")[:200],
            "outlet_title": outlet_title,
            "scope": SCOPE_VI.get(outlet_scope(article.outlet), ""),
        },
    )


# -- coverage dashboard ------------------------------------------------------------------------


def coverage_data(store: Store, form: ArticleForm) -> dict[str, Any]:
    """Every chart's numbers for the form's query: what the page draws and the downloads serve."""
    assert form.query is not None
    query = replace(form.query, size=0)
    aggs = store.aggregate(
        Kind.articles,
        query,
        [
            DateHistogramAgg("by_outlet", "published_at", "day", split_by="outlet"),
            DateHistogramAgg("by_tone", "published_at", "day", split_by="tone"),
            TermsAgg("outlets", "outlet", size=100),
            TermsAgg("topics", "topic", size=12),
            TermsAgg("entities", "entities.text", size=15),
        ],
    )
    days = [b.key[:10] for b in aggs["by_outlet"].buckets]
    outlets = [b.key for b in aggs["outlets"].buckets]
    top_outlets = outlets[:7]
    volume: dict[str, list[int]] = {
        outlet_title(o): [b.split.get(o, 0) for b in aggs["by_outlet"].buckets] for o in top_outlets
    }
    if len(outlets) > 7:
        volume["Báo khác"] = [
            sum(c for k, c in b.split.items() if k not in top_outlets) for b in aggs["by_outlet"].buckets
        ]
    tone_days = {b.key[:10]: b.split for b in aggs["by_tone"].buckets}
    tone = {TONES[t]: [tone_days.get(d, {}).get(t, 0) for d in days] for t in TONES}
    scope_counts = {"local": 0, "national": 0}
    for b in aggs["outlets"].buckets:
        scope_counts[outlet_scope(b.key)] = scope_counts.get(outlet_scope(b.key), 0) + b.count
    stories = store.search(
        Kind.articles,
        replace(query, sort=(SortField("story_outlets"), SortField("published_at")), size=60),
    )
    seen: set[str] = set()
    top_stories = []
    for hit in stories.hits:
        cluster = hit.source.get("story_cluster") or hit.id
        if cluster in seen:
            continue
        seen.add(cluster)
        top_stories.append(
            {
                "id": hit.id,
                "title": hit.source.get("title", ""),
                "outlets": int(hit.source.get("story_outlets") or 1),
                "published_at": hit.source.get("published_at"),
                "outlet": outlet_title(str(hit.source.get("outlet", ""))),
            }
        )
        if len(top_stories) == 10:
            break
    return {
        "total": store.count(Kind.articles, query),
        "days": [day_label(d) for d in days],
        "volume_by_outlet": volume,
        "tone_by_day": tone,
        "share_of_voice": [(outlet_title(b.key), b.count) for b in aggs["outlets"].buckets],
        "topics": [(topic_name(b.key), b.count) for b in aggs["topics"].buckets],
        "entities": [(b.key, b.count) for b in aggs["entities"].buckets],
        "local_national": [(SCOPE_VI[k], v) for k, v in scope_counts.items()],
        "top_stories": top_stories,
    }


CHARTS = {
    "volume": "Số bài mỗi ngày theo báo",
    "tone": "Tỷ lệ sắc thái theo ngày",
    "share": "Thị phần đưa tin theo báo",
    "topics": "Chủ đề",
    "entities": "Thực thể được nhắc nhiều nhất",
    "scope": "Báo địa phương và trung ương",
    "stories": "Câu chuyện lan rộng nhất",
}


def chart_rows(data: dict[str, Any], chart: str) -> tuple[list[str], list[list[Any]]]:
    """A chart's data as a table (header, rows): the download's content."""
    if chart in ("volume", "tone"):
        series = data["volume_by_outlet" if chart == "volume" else "tone_by_day"]
        names = list(series)
        return ["Ngày", *names], [[day, *(series[n][i] for n in names)] for i, day in enumerate(data["days"])]
    if chart == "stories":
        return ["Tiêu đề", "Số báo đưa", "Báo", "Thời gian"], [
            [s["title"], s["outlets"], s["outlet"], s["published_at"]] for s in data["top_stories"]
        ]
    key = {"share": "share_of_voice", "topics": "topics", "entities": "entities", "scope": "local_national"}[
        chart
    ]
    return ["Nhãn", "Số bài"], [list(pair) for pair in data[key]]


@router.get("/coverage")
async def coverage_page(request: Request, session: PressUser) -> Response:
    form = read_form(request.query_params)
    data: dict[str, Any] | None = None
    drawn: dict[str, Any] = {}
    if form.query is not None:
        store: Store = request.app.state.store
        data = await run_in_threadpool(coverage_data, store, form)
        tone_colours = {TONES[k]: v for k, v in charts.TONE_COLOURS.items()}
        drawn = {
            "volume": charts.stacked_columns(CHARTS["volume"], data["days"], data["volume_by_outlet"]),
            "tone": charts.stacked_columns(
                CHARTS["tone"], data["days"], data["tone_by_day"], tone_colours, share=True
            ),
            "share": charts.horizontal_bars(CHARTS["share"], data["share_of_voice"]),
            "topics": charts.horizontal_bars(CHARTS["topics"], data["topics"], charts.PALETTE[4]),
            "entities": charts.horizontal_bars(CHARTS["entities"], data["entities"], charts.PALETTE[6]),
            "scope": charts.horizontal_bars(CHARTS["scope"], data["local_national"], charts.PALETTE[1]),
        }
    return page(
        request,
        "coverage.html",
        {"session": session, "nav": "coverage", "form": form, "data": data, "drawn": drawn, "titles": CHARTS},
        status_code=422 if form.errors else 200,
    )


@router.get("/coverage/data/{chart}.{fmt}")
async def coverage_download(request: Request, session: PressUser, chart: str, fmt: str) -> Response:
    form = read_form(request.query_params)
    if chart not in CHARTS or fmt not in ("csv", "json") or form.query is None:
        message = "; ".join(form.errors) or f"Không có biểu đồ {chart}.{fmt}"
        return Response(
            message, status_code=404 if not form.errors else 422, media_type="text/plain; charset=utf-8"
        )
    store: Store = request.app.state.store
    data = await run_in_threadpool(coverage_data, store, form)
    header, rows = chart_rows(data, chart)
    filename = f"vigil-{chart}.{fmt}"
    if fmt == "json":
        body = json.dumps(
            {"chart": CHARTS[chart], "query": form.q, "columns": header, "rows": rows},
            ensure_ascii=False,
            default=str,
        )
        media = "application/json"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows([[_cell(v) for v in row] for row in rows])
        body, media = "\ufeff" + buffer.getvalue(), "text/csv; charset=utf-8"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get("/search/export.{fmt}")
async def search_export(request: Request, session: PressUser, fmt: str) -> Response:
    """The search's matches (up to 10,000, newest first) as Excel or CSV, with Vietnamese headers."""
    form = read_form(request.query_params)
    if fmt not in ("xlsx", "csv") or form.query is None:
        message = "; ".join(form.errors) or f"Không có định dạng {fmt}"
        return Response(
            message, status_code=422 if form.errors else 404, media_type="text/plain; charset=utf-8"
        )
    store: Store = request.app.state.store
    if fmt == "xlsx":
        body: bytes | str = await run_in_threadpool(export.xlsx_bytes, store, form)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = await run_in_threadpool(export.csv_text, store, form)
        media = "text/csv; charset=utf-8"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="vigil-bai-bao.{fmt}"'}
    )


@router.post("/article/{article_id}/labels")
async def correct_labels(
    request: Request, session: PressUser, form: CheckedForm, article_id: str
) -> Response:
    """A press officer's topic/tone correction (nlp/corrections.py): kept with the person's name and the
    model's labels, and applied to the article at once; the same record the API's PUT writes."""
    store: Store = request.app.state.store

    def save() -> str:
        article = store.get_article(article_id)
        if article is None:
            return "Không có bài báo này."
        topic = form.get("topic") or None
        tone = form.get("tone") or None
        topic = None if topic == article.topic else topic
        tone = None if tone == article.tone else tone
        if topic is None and tone is None:
            return "Nhãn không thay đổi."
        earlier = store.get_record(RecordKind.label_corrections, article_id)
        try:
            record = make_correction(
                article, article_id, topic=topic, tone=tone, by=session.user.label, earlier=earlier
            )
        except TrainingDataError:
            return "Chủ đề hoặc sắc thái không hợp lệ."
        store.put_records(RecordKind.label_corrections, {article_id: record})
        store.index_articles([apply_correction(article, record)])
        store.refresh()
        return "Đã lưu nhãn đã sửa."

    notice = await run_in_threadpool(save)
    return RedirectResponse(f"/article/{article_id}?notice={quote(notice)}", status_code=303)
