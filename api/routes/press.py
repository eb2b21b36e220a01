"""Press officers' routes: article search, one article with its story, statistics, outlets, CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.cache import TtlCache
from api.deps import PressKey, SettingsDep, StoreDep
from api.errors import BadParameter
from api.querying import parse_user_query, terms, time_range
from api.schemas import (
    ArticleDetail,
    ArticlePage,
    ArticlePublic,
    ArticleStats,
    DayCount,
    KeyCount,
    LabelCorrection,
    LabelCorrectionIn,
    OutletPublic,
    OutletShare,
    StoryArticle,
    ToneDay,
)
from crawlers.health import outlet_health
from crawlers.registry import OUTLETS
from nlp.corrections import apply_correction, make_correction
from nlp.errors import TrainingDataError
from nlp.taxonomy import TONES, TOPICS
from store.protocol import Generational, Store
from store.query import DateHistogramAgg, Hit, Kind, RecordKind, SearchQuery, SortField, Term, TermsAgg

router = APIRouter(tags=["press"])

MAX_CURSOR_CHARS = 4096


@dataclass(frozen=True)
class ArticleQuery:
    """The article filters shared by search, stats and export."""

    query: SearchQuery


def _unknown(parameter: str, given: list[str] | None, allowed: dict[str, str]) -> None:
    """422 naming the values that are not among `allowed` (value → description), listing those."""
    unknown = [value for value in given or [] if value not in allowed]
    if unknown:
        listed = ", ".join(f"{value} ({text})" if text else value for value, text in allowed.items())
        raise BadParameter(
            parameter, f"unknown value(s) {', '.join(map(repr, unknown))}; allowed values: {listed}"
        )


def _values_in_store(store: Store, field: str) -> dict[str, str]:
    page = store.aggregate(Kind.articles, SearchQuery(size=0), [TermsAgg("values", field, size=1000)])
    return {bucket.key: "" for bucket in page["values"].buckets}


async def _check_values(store: Store, parameter: str, given: list[str] | None, known: dict[str, str]) -> None:
    """422 unless every value is known, or held by stored articles (an outlet that left the registry,
    a retired topic: their articles stay searchable); the store is read only for such a value."""
    if any(value not in known for value in given or []):
        _unknown(parameter, given, {**known, **await run_in_threadpool(_values_in_store, store, parameter)})


async def article_query(  # async: parsing, and a store read only for an outlet the registry lacks
    store: StoreDep,
    q: Annotated[
        str | None,
        Query(description='words and "quoted phrases", with or without diacritics', max_length=500),
    ] = None,
    outlet: Annotated[
        list[str] | None, Query(description="outlet name(s), e.g. huengaynay (see /outlets)")
    ] = None,
    topic: Annotated[list[str] | None, Query(description=f"topic slug(s): {', '.join(TOPICS)}")] = None,
    tone: Annotated[list[str] | None, Query(description=f"tone label(s): {', '.join(TONES)}")] = None,
    entity: Annotated[list[str] | None, Query(description="entity text, e.g. Thừa Thiên Huế")] = None,
    watchlist: Annotated[list[str] | None, Query(description="watchlist id(s)")] = None,
    since: Annotated[str | None, Query(description="date or ISO datetime (Vietnam time if naive)")] = None,
    until: Annotated[str | None, Query(description="date (inclusive) or ISO datetime")] = None,
) -> ArticleQuery:
    await _check_values(store, "topic", topic, TOPICS)
    await _check_values(store, "tone", tone, TONES)
    await _check_values(store, "outlet", outlet, {entry.name: "" for entry in OUTLETS})
    parsed = parse_user_query(q)
    filters = [
        *terms("outlet", outlet),
        *terms("topic", topic),
        *terms("tone", tone),
        *terms("entities.text", entity),
        *terms("watchlists", watchlist),
        *time_range("published_at", since, until),
    ]
    return ArticleQuery(SearchQuery(text=parsed.to_text(), filters=tuple(filters)))


ArticleQueryDep = Annotated[ArticleQuery, Depends(article_query)]


def uncertainty(source: dict[str, Any], below: float) -> dict[str, bool]:
    """topic_uncertain / tone_uncertain: the calibrated score is under `below` (nlp.uncertain_below)."""
    return {
        f"{task}_uncertain": source.get(task) is not None
        and source.get(f"{task}_score") is not None
        and float(source[f"{task}_score"]) < below
        for task in ("topic", "tone")
    }


def article_public(hit: Hit, below: float = 0.0) -> ArticlePublic:
    return ArticlePublic.model_validate(
        {
            **hit.source,
            **uncertainty(hit.source, below),
            "id": hit.id,
            "score": hit.score,
            "highlights": hit.highlights,
        }
    )


@router.get("/articles", response_model=ArticlePage, summary="Search articles")
def search_articles(
    key: PressKey,
    request: Request,
    store: StoreDep,
    filters: ArticleQueryDep,
    sort: Literal["relevance", "date"] = "relevance",
    highlight: bool = True,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS)] = None,
) -> Response:
    """A page of articles. The encoded page is reused while the store is unchanged (stores that
    report a `generation()`, i.e. the embedded one): an answer is never older than the data."""
    base = filters.query
    order = (SortField("_score"),) if sort == "relevance" and base.text else (SortField("published_at"),)
    query = replace(
        base,
        sort=order,
        size=size,
        cursor=cursor or None,
        highlight=highlight,
        # exact up to `api.total_exact_up_to` (10,000), then a lower bound: counting every match
        # of a common word cost ~30% of the server's CPU (Elasticsearch's default is the same)
        track_total_hits=request.app.state.settings.api.total_exact_up_to,
    )
    below = request.app.state.settings.nlp.uncertain_below
    if not isinstance(store, Generational):
        return _json(_search_page(store, query, below))
    cache: TtlCache[bytes] = request.app.state.search_cache
    cache_key = (query, store.generation())
    return _json(cache.get_or_compute(cache_key, lambda: _search_page(store, query, below)))


def _search_page(store: Store, query: SearchQuery, below: float = 0.0) -> bytes:
    page = store.search(Kind.articles, query)
    body = ArticlePage(
        total=page.total,
        total_is_lower_bound=page.total_is_lower_bound,
        items=[article_public(hit, below) for hit in page.hits],
        next_cursor=page.next_cursor,
    )
    return body.model_dump_json().encode()


def _json(body: bytes) -> Response:
    return Response(content=body, media_type="application/json")


@router.get("/articles/stats", response_model=ArticleStats, summary="Coverage statistics")
def article_stats(
    key: PressKey,
    request: Request,
    store: StoreDep,
    filters: ArticleQueryDep,
    top: Annotated[int, Query(ge=1, le=100)] = 10,
) -> Response:
    """Volume per day, share of voice, tone trend, top topics and entities (answers reused for
    `api.stats_cache_seconds`). Encoded once here: handing FastAPI the model would validate and
    encode its hundreds of per-day entries again on every request."""
    query = replace(filters.query, size=0)
    cache: TtlCache[bytes] = request.app.state.stats_cache
    return _json(
        cache.get_or_compute(
            (query, top), lambda: compute_stats(store, query, top).model_dump_json().encode()
        )
    )


def compute_stats(store: Store, query: SearchQuery, top: int) -> ArticleStats:
    aggs = store.aggregate(
        Kind.articles,
        query,
        [
            # one histogram gives both the volume (bucket counts) and the tone trend (split counts)
            DateHistogramAgg("days", "published_at", "day", split_by="tone"),
            TermsAgg("outlets", "outlet", size=100),
            TermsAgg("topics", "topic", size=top),
            TermsAgg("entities", "entities.text", size=top),
        ],
    )
    total = store.count(Kind.articles, query)
    outlets = aggs["outlets"].buckets
    outlet_total = sum(b.count for b in outlets) or 1
    days = aggs["days"].buckets
    return ArticleStats(
        total=total,
        volume_per_day=[DayCount(date=b.key[:10], count=b.count) for b in days],
        share_of_voice=[
            OutletShare(outlet=b.key, count=b.count, share=round(b.count / outlet_total, 4)) for b in outlets
        ],
        tone_trend=[ToneDay(date=b.key[:10], counts=dict(b.split)) for b in days],
        top_topics=[KeyCount(key=b.key, count=b.count) for b in aggs["topics"].buckets],
        top_entities=[KeyCount(key=b.key, count=b.count) for b in aggs["entities"].buckets],
    )


_CSV_COLUMNS = (
    "published_at",
    "outlet",
    "title",
    "url",
    "topic",
    "topic_score",
    "topic_uncertain",
    "tone",
    "tone_score",
    "tone_uncertain",
    "entities",
    "watchlists",
)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """Text from the crawled pages as a CSV cell a spreadsheet shows as text: one starting like a
    formula (= + - @, tab, CR) is prefixed with ' (OWASP's advice against CSV formula injection)."""
    text = str(value or "")
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_row(source: dict[str, Any], below: float = 0.0) -> list[str]:
    entities = "; ".join(e.get("text", "") for e in source.get("entities") or [])
    unsure = uncertainty(source, below)
    return [
        str(source.get("published_at") or ""),
        _cell(source.get("outlet")),
        _cell(source.get("title")),
        _cell(source.get("url")),
        _cell(source.get("topic")),
        "" if source.get("topic_score") is None else f"{source['topic_score']:.3f}",  # a number we wrote
        "uncertain" if unsure["topic_uncertain"] else "",
        _cell(source.get("tone")),
        "" if source.get("tone_score") is None else f"{source['tone_score']:.3f}",  # a number we wrote
        "uncertain" if unsure["tone_uncertain"] else "",
        _cell(entities),
        _cell("; ".join(source.get("watchlists") or [])),
    ]


@router.get(
    "/articles/export.csv",
    response_class=StreamingResponse,
    response_model=None,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a BOM (opens in Excel)"}},
    summary="Export matching articles as CSV",
)
def export_articles(
    key: PressKey,
    store: StoreDep,
    settings: SettingsDep,
    filters: ArticleQueryDep,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 10_000,
) -> StreamingResponse:
    query = replace(filters.query, sort=(SortField("published_at"),), size=min(500, limit))
    first = store.search(Kind.articles, query)  # before streaming, so a bad query is still a 422

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(_CSV_COLUMNS)
        yield "\ufeff" + buffer.getvalue()
        page, sent = first, 0
        while True:
            buffer.seek(0)
            buffer.truncate()
            for hit in page.hits[: limit - sent]:
                writer.writerow(_csv_row(hit.source, settings.nlp.uncertain_below))
            sent += min(len(page.hits), limit - sent)
            yield buffer.getvalue()
            if sent >= limit or not page.next_cursor or not page.hits:
                return
            page = store.search(Kind.articles, replace(query, cursor=page.next_cursor))

    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="vigil-articles.csv"'},
    )


@router.get("/articles/{article_id}", response_model=ArticleDetail, summary="One article and its story")
def get_article(key: PressKey, store: StoreDep, settings: SettingsDep, article_id: str) -> ArticleDetail:
    article = store.get_article(article_id)
    if article is None:
        raise HTTPException(404, f"no article with id {article_id!r}")
    story: list[StoryArticle] = []
    if article.story_cluster:
        page = store.search(
            Kind.articles,
            SearchQuery(filters=(Term("story_cluster", (article.story_cluster,)),), size=50),
        )
        story = [
            StoryArticle.model_validate({**hit.source, "id": hit.id})
            for hit in page.hits
            if hit.id != article_id and hit.source.get("outlet") != article.outlet
        ]
    source = article.model_dump(mode="json")
    unsure = uncertainty(source, settings.nlp.uncertain_below)
    correction = store.get_record(RecordKind.label_corrections, article_id)
    return ArticleDetail.model_validate(
        {**source, **unsure, "id": article_id, "story": story, "correction": correction}
    )


@router.put(
    "/articles/{article_id}/labels",
    response_model=LabelCorrection,
    summary="Correct an article's topic or tone (kept with who and when; overrides the model)",
)
def correct_labels(
    key: PressKey, store: StoreDep, article_id: str, body: LabelCorrectionIn
) -> LabelCorrection:
    article = store.get_article(article_id)
    if article is None:
        raise HTTPException(404, f"no article with id {article_id!r}")
    earlier = store.get_record(RecordKind.label_corrections, article_id)
    try:
        record = make_correction(
            article,
            article_id,
            topic=body.topic,
            tone=body.tone,
            by=f"{key.name} ({key.id})",
            earlier=earlier,
        )
    except TrainingDataError as exc:
        field = "topic" if "topic" in str(exc) else "tone"
        raise BadParameter(field, str(exc), location="body") from exc
    store.put_records(RecordKind.label_corrections, {article_id: record})
    store.index_articles([apply_correction(article, record)])
    store.refresh()
    return LabelCorrection.model_validate(record)


@router.get("/outlets", response_model=list[OutletPublic], summary="Outlets and their crawl health")
def list_outlets(key: PressKey, store: StoreDep, settings: SettingsDep) -> list[OutletPublic]:
    return [OutletPublic.model_validate(h.to_json()) for h in outlet_health(store, settings)]
