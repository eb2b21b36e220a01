"""The `Store` contract: every backend (SQLite, Elasticsearch over HTTP) must pass the same tests.

Expected values follow from how the fixtures are built (counts per outlet, dates around midnight in
Vietnam, etc.), never from a previous run.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from store.errors import Conflict, InvalidQuery, NotFound
from store.models import Article, Entity, Incident, IncidentStatus, Note, SecurityEvent, Severity
from store.protocol import Store
from store.query import (
    AvgAgg,
    Cidr,
    DateHistogramAgg,
    Exists,
    Kind,
    Not,
    Range,
    RecordKind,
    SearchQuery,
    SortField,
    Term,
    TermsAgg,
)

VN = timezone(timedelta(hours=7))

TITLES = [
    "Thừa Thiên Huế chủ động ứng phó bão số 5",
    "Đà Nẵng: mưa lớn gây ngập nhiều tuyến đường",
    "Hà Nội điều chỉnh giao thông quanh hồ Hoàn Kiếm",
    "Trường Đại học Huế tuyển sinh năm học mới",
    "Quảng Trị hỗ trợ người dân vùng lũ",
]


def make_articles(n: int = 20) -> list[Article]:
    """`n` articles: outlets alternate (even i: tuoitre, odd: vnexpress), one title per i % 5."""
    articles = []
    for i in range(n):
        articles.append(
            Article(
                url=f"https://news.example.vn/bai-{i}.html",
                outlet="tuoitre" if i % 2 == 0 else "vnexpress",
                title=TITLES[i % 5],
                sapo=f"Bản tin số {i} của tòa soạn.",
                body="Chính quyền thành phố cho biết đã triển khai các biện pháp cần thiết. " * 3,
                published_at=datetime(2024, 5, 1, 8, 0, tzinfo=VN) + timedelta(hours=i),
                category="thoi-su" if i % 4 == 0 else "xa-hoi",
                tags=["bao-lu", "thoi-tiet"] if i % 5 in (0, 1, 4) else ["giao-thong"],
                entities=[Entity(text="Huế", type="LOC", normalized="hue")] if i % 5 in (0, 3) else [],
                topic_score=float(i),
            )
        )
    return articles


def query(**kwargs: Any) -> SearchQuery:
    return SearchQuery(**kwargs)


@pytest.fixture
def articles(store: Store) -> list[Article]:
    items = make_articles()
    result = store.index_articles(items)
    assert result.indexed == len(items) and result.ok
    store.refresh()
    return items


def texts(store: Store, text: str, **kwargs: Any) -> set[str]:
    page = store.search(Kind.articles, SearchQuery(text=text, size=100, **kwargs))
    return {hit.source["title"] for hit in page.hits}


# -- lifecycle, writes, reads ------------------------------------------------------------------


def test_init_is_idempotent_and_store_answers(store: Store) -> None:
    store.init()
    assert store.ping() is True
    assert store.stats() == {"articles": 0, "events": 0, "incidents": 0}


def test_article_round_trip_and_missing_id(store: Store, articles: list[Article]) -> None:
    stored = store.get_article(articles[3].id)
    assert stored is not None
    assert stored.title == articles[3].title
    assert stored.published_at == articles[3].published_at
    assert stored.tags == articles[3].tags
    assert store.get_article("0" * 32) is None


def test_reindexing_the_same_ids_keeps_one_document_each(store: Store, articles: list[Article]) -> None:
    changed = articles[0].model_copy(update={"title": "Tiêu đề đã sửa"})
    assert store.index_articles([changed, *articles[1:5]]).indexed == 5
    store.refresh()
    assert store.stats()["articles"] == len(articles)
    stored = store.get_article(articles[0].id)
    assert stored is not None and stored.title == "Tiêu đề đã sửa"
    assert store.count(Kind.articles, query(text="tieu de da sua")) == 1


@pytest.mark.parametrize("order", ["rewrite_first", "new_first"])
def test_one_batch_mixing_rewrites_of_the_newest_and_new_ids(store: Store, order: str) -> None:
    """Crawler bug: rewriting the newest stored article plus a new one in one call must not collide."""
    first, second, third, fourth = make_articles(4)
    assert store.index_articles([first, second]).indexed == 2
    changed = second.model_copy(update={"title": "Bản sửa lần một"})
    batch = [changed, third] if order == "rewrite_first" else [third, changed]
    assert store.index_articles(batch).ok
    # duplicates inside one batch: the last copy of an id wins, whatever else the batch holds
    final = second.model_copy(update={"title": "Bản sửa lần hai"})
    assert store.index_articles([fourth, changed, final, third, fourth]).ok
    store.refresh()
    assert store.stats()["articles"] == 4
    stored = store.get_article(second.id)
    assert stored is not None and stored.title == "Bản sửa lần hai"
    for item in (first, third, fourth):
        got = store.get_article(item.id)
        assert got is not None and got.title == item.title
    assert store.count(Kind.articles, query(text="bản sửa lần hai")) == 1
    assert store.count(Kind.articles, query(text="bản sửa lần một")) == 0
    ids = [hit.id for hit in store.search(Kind.articles, query(size=10)).hits]
    assert sorted(ids) == sorted(item.id for item in (first, second, third, fourth))


def test_count_equals_search_total(store: Store, articles: list[Article]) -> None:
    q = query(text="huế", filters=(Term("outlet", ("tuoitre",)),))
    assert store.count(Kind.articles, q) == store.search(Kind.articles, q).total
    # i % 5 in (0, 3) have "Huế" in the title; of those, even i are tuoitre: 0, 8, 10, 18
    assert store.count(Kind.articles, q) == 4


# -- Vietnamese full text ----------------------------------------------------------------------


def test_search_with_and_without_diacritics(store: Store, articles: list[Article]) -> None:
    expected = {TITLES[0]}
    assert texts(store, "Thừa Thiên Huế") == expected
    assert texts(store, "thua thien hue") == expected
    assert texts(store, "THỪA THIÊN HUẾ") == expected


def test_d_with_stroke_folds_to_d(store: Store, articles: list[Article]) -> None:
    expected = {TITLES[1]}
    assert texts(store, "Đà Nẵng") == expected
    assert texts(store, "đà nẵng") == expected
    assert texts(store, "da nang") == expected


def test_decomposed_input_matches_composed_text(store: Store, articles: list[Article]) -> None:
    assert texts(store, unicodedata.normalize("NFD", "Quảng Trị")) == {TITLES[4]}


def test_both_tone_mark_placements_match(store: Store) -> None:
    old_style = Article(url="https://x.vn/1", outlet="a", title="Thời tiết hòa bình")  # traditional "hòa"
    new_style = Article(url="https://x.vn/2", outlet="a", title="Khu vực hoà bình")  # modern "hoà"
    store.index_articles([old_style, new_style])
    store.refresh()
    assert len(texts(store, "hòa")) == 2
    assert len(texts(store, "hoà")) == 2
    assert len(texts(store, "hoa")) == 2


def test_phrase_requires_adjacent_words_in_order(store: Store, articles: list[Article]) -> None:
    assert texts(store, '"đại học huế"') == {TITLES[3]}
    assert texts(store, '"huế đại học"') == set()
    # all words present but not adjacent: matches as words, not as a phrase
    assert texts(store, "bão ứng phó") == {TITLES[0]}
    assert texts(store, '"bão ứng phó"') == set()


def test_all_words_are_required(store: Store, articles: list[Article]) -> None:
    assert texts(store, "huế lũ") == set()
    assert texts(store, "huế tuyển sinh") == {TITLES[3]}


def test_or_not_and_parentheses_follow_the_one_grammar(store: Store, articles: list[Article]) -> None:
    """store/querytext.py: both backends compile the same tree (20 articles cycle the 5 titles)."""
    assert texts(store, "huế (bão)") == {TITLES[0]}
    assert texts(store, "đà nẵng OR quảng trị") == {TITLES[1], TITLES[4]}
    assert texts(store, "huế -bão") == {TITLES[3]}
    assert texts(store, "huế NOT bão") == {TITLES[3]}
    assert texts(store, '(huế OR "hà nội") -"đại học"') == {TITLES[0], TITLES[2]}
    assert texts(store, "ngập | lũ") == {TITLES[1], TITLES[4]}
    assert texts(store, "huế AND tuyển") == {TITLES[3]}
    assert texts(store, "hoặc or and") == set()  # lower-case operators are words


@pytest.mark.parametrize("text", ['huế OR -"( AND', "(huế", "huế)", "-bão", "huế OR", "NOT", "()"])
def test_a_query_that_cannot_be_read_is_an_error_not_zero_hits(
    store: Store, articles: list[Article], text: str
) -> None:
    with pytest.raises(InvalidQuery) as raised:
        store.count(Kind.articles, query(text=text))
    assert getattr(raised.value, "message_vi", "")  # the web app shows it in Vietnamese


def test_text_fields_restrict_where_text_is_searched(store: Store, articles: list[Article]) -> None:
    assert store.count(Kind.articles, query(text="tòa soạn", text_fields=("title",))) == 0
    assert store.count(Kind.articles, query(text="tòa soạn", text_fields=("sapo",))) == 20


def test_highlights_mark_the_original_words(store: Store, articles: list[Article]) -> None:
    page = store.search(Kind.articles, query(text="da nang", highlight=True))
    assert page.total == 4
    for hit in page.hits:
        assert any("<em>Đà</em>" in fragment for fragment in hit.highlights["title"])
        assert any("<em>Nẵng</em>" in fragment for fragment in hit.highlights["title"])


@pytest.mark.parametrize("sort", [(), (SortField("_score"),)], ids=["default", "explicit"])
def test_relevance_orders_by_score(
    store: Store, articles: list[Article], sort: tuple[SortField, ...]
) -> None:
    """Most relevant first, whether relevance is the default order or asked for (as the API does)."""
    page = store.search(Kind.articles, query(text="huế", size=50, sort=sort))
    scores = [hit.score for hit in page.hits]
    assert all(score is not None for score in scores)
    assert len(set(scores)) > 1  # the titles differ in length: a test of order, not of ties
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]
    ascending = store.search(Kind.articles, query(text="huế", size=50, sort=(SortField("_score", False),)))
    assert [hit.score for hit in ascending.hits] == sorted(scores)  # type: ignore[type-var]


def test_a_page_ordered_by_date_carries_no_relevance_score(store: Store, articles: list[Article]) -> None:
    """As Elasticsearch without track_scores: a score only where relevance orders the page."""
    page = store.search(Kind.articles, query(text="huế", size=50, sort=(SortField("published_at"),)))
    assert page.hits and all(hit.score is None for hit in page.hits)
    by_score_then_id = (SortField("_score"), SortField("id"))
    both = store.search(Kind.articles, query(text="huế", size=50, sort=by_score_then_id))
    assert all(hit.score is not None for hit in both.hits)


# -- filters -----------------------------------------------------------------------------------


def test_term_filter_on_keyword_and_list_fields(store: Store, articles: list[Article]) -> None:
    assert store.count(Kind.articles, query(filters=(Term("outlet", ("vnexpress",)),))) == 10
    assert store.count(Kind.articles, query(filters=(Term("tags", ("giao-thong",)),))) == 8
    assert store.count(Kind.articles, query(filters=(Term("tags", ("giao-thong", "bao-lu")),))) == 20
    assert store.count(Kind.articles, query(filters=(Term("entities.text", ("Huế",)),))) == 8
    assert store.count(Kind.articles, query(filters=(Term("entities.type", ("LOC",)),))) == 8
    assert store.count(Kind.articles, query(filters=(Term("outlet", ()),))) == 0


def test_range_exists_and_not(store: Store, articles: list[Article]) -> None:
    start = datetime(2024, 5, 1, 18, 0, tzinfo=VN)  # article i is at 08:00 + i hours
    assert store.count(Kind.articles, query(filters=(Range("published_at", gte=start),))) == 10
    assert store.count(Kind.articles, query(filters=(Range("published_at", gt=start),))) == 9
    in_utc = start.astimezone(UTC)
    assert store.count(Kind.articles, query(filters=(Range("published_at", lt=in_utc),))) == 10
    assert store.count(Kind.articles, query(filters=(Range("topic_score", gte=5, lte=7),))) == 3
    assert store.count(Kind.articles, query(filters=(Exists("entities.text"),))) == 8
    assert store.count(Kind.articles, query(filters=(Not(Exists("entities.text")),))) == 12
    both = (Term("outlet", ("tuoitre",)), Not(Term("category", ("thoi-su",))))
    assert store.count(Kind.articles, query(filters=both)) == 5  # even i not divisible by 4


def test_naive_datetime_bound_is_rejected(store: Store) -> None:
    with pytest.raises(InvalidQuery):
        store.count(Kind.articles, query(filters=(Range("published_at", gte=datetime(2024, 5, 1)),)))


# -- sort and pages ----------------------------------------------------------------------------


def test_default_order_is_newest_first_and_offset_pages(store: Store, articles: list[Article]) -> None:
    page = store.search(Kind.articles, query(size=5))
    assert page.total == 20
    assert [hit.source["sapo"] for hit in page.hits] == [
        f"Bản tin số {i} của tòa soạn." for i in (19, 18, 17, 16, 15)
    ]
    second = store.search(Kind.articles, query(size=5, offset=5))
    assert second.hits[0].source["sapo"] == "Bản tin số 14 của tòa soạn."


def test_sort_by_field_ascending(store: Store, articles: list[Article]) -> None:
    page = store.search(Kind.articles, query(size=3, sort=(SortField("topic_score", descending=False),)))
    assert [hit.source["topic_score"] for hit in page.hits] == [0.0, 1.0, 2.0]


def test_cursor_walks_every_document_exactly_once(store: Store, articles: list[Article]) -> None:
    sort = (SortField("outlet", descending=False), SortField("published_at"))
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = store.search(Kind.articles, query(size=6, sort=sort, cursor=cursor))
        seen.extend(hit.id for hit in page.hits)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == 20 and set(seen) == {article.id for article in articles}
    assert seen[0] == articles[18].id  # tuoitre first, newest first within it


def test_cursor_from_a_text_search(store: Store, articles: list[Article]) -> None:
    first = store.search(Kind.articles, query(text="huế", size=3))
    assert first.next_cursor is not None
    rest = store.search(Kind.articles, query(text="huế", size=10, cursor=first.next_cursor))
    assert rest.next_cursor is None
    ids = [hit.id for hit in first.hits + rest.hits]
    assert len(ids) == len(set(ids)) == 8


def test_undated_documents_come_last_and_cursors_reach_them(store: Store) -> None:
    undated = Article(url="https://x.vn/undated", outlet="a", title="không ngày")
    dated = [
        Article(
            url=f"https://x.vn/{day}",
            outlet="a",
            title="có ngày",
            published_at=datetime(2024, 5, day, tzinfo=VN),
        )
        for day in (1, 2)
    ]
    store.index_articles([undated, *dated])
    store.refresh()
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        page = store.search(Kind.articles, query(size=1, cursor=cursor))
        seen.extend(hit.id for hit in page.hits)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [dated[1].id, dated[0].id, undated.id]
    oldest_first = store.search(
        Kind.articles, query(size=3, sort=(SortField("published_at", descending=False),))
    )
    assert [hit.id for hit in oldest_first.hits] == [dated[0].id, dated[1].id, undated.id]
    assert store.count(Kind.articles, query(filters=(Exists("published_at"),))) == 2
    before = datetime(2024, 5, 1, 12, tzinfo=VN)
    assert store.count(Kind.articles, query(filters=(Range("published_at", lt=before),))) == 1


def test_foreign_cursor_is_an_invalid_query(store: Store, articles: list[Article]) -> None:
    with pytest.raises(InvalidQuery):
        store.search(Kind.articles, query(cursor="not-a-cursor"))


# -- aggregations ------------------------------------------------------------------------------


def test_terms_and_average(store: Store, articles: list[Article]) -> None:
    result = store.aggregate(
        Kind.articles,
        query(filters=(Term("tags", ("bao-lu",)),)),
        [TermsAgg("outlets", "outlet"), TermsAgg("tags", "tags", size=1), AvgAgg("score", "topic_score")],
    )
    # i % 5 in (0, 1, 4): 12 articles, 6 even (tuoitre) and 6 odd
    assert {bucket.key: bucket.count for bucket in result["outlets"].buckets} == {
        "tuoitre": 6,
        "vnexpress": 6,
    }
    assert [(bucket.key, bucket.count) for bucket in result["tags"].buckets] == [("bao-lu", 12)]
    expected = sum(i for i in range(20) if i % 5 in (0, 1, 4)) / 12
    assert result["score"].value == pytest.approx(expected)


def test_date_histogram_buckets_are_vietnamese_days(store: Store) -> None:
    late = Article(
        url="https://x.vn/late", outlet="a", title="t", published_at=datetime(2024, 5, 1, 23, 30, tzinfo=VN)
    )
    # 00:30 in Vietnam is still 1 May in UTC: a UTC histogram would put both in one bucket
    early = Article(
        url="https://x.vn/early", outlet="b", title="t", published_at=datetime(2024, 5, 2, 0, 30, tzinfo=VN)
    )
    store.index_articles([late, early])
    store.refresh()
    result = store.aggregate(
        Kind.articles,
        query(),
        [DateHistogramAgg("per_day", "published_at", interval="day", split_by="outlet")],
    )
    buckets = result["per_day"].buckets
    assert [(bucket.key[:10], bucket.count) for bucket in buckets] == [("2024-05-01", 1), ("2024-05-02", 1)]
    assert buckets[0].key.endswith("+07:00")
    assert buckets[0].split == {"a": 1} and buckets[1].split == {"b": 1}


def test_hourly_histogram_with_text(store: Store, articles: list[Article]) -> None:
    result = store.aggregate(
        Kind.articles, query(text="quảng trị"), [DateHistogramAgg("h", "published_at", "hour")]
    )
    hours = [bucket.key[11:13] for bucket in result["h"].buckets if bucket.count]
    assert hours == ["12", "17", "22", "03"]  # i = 4, 9, 14, 19 → 08:00 + i hours


# -- events ------------------------------------------------------------------------------------


def make_event(i: int, ip: str, kind: str = "alert") -> SecurityEvent:
    stamp = datetime(2024, 6, 1, 0, 0, tzinfo=UTC) + timedelta(minutes=i)
    doc = {
        "event": {"kind": kind, "dataset": "suricata.eve", "category": ["network", "intrusion_detection"]},
        "source": {"ip": ip, "port": 40000 + i},
        "destination": {"ip": "10.0.0.5", "port": 22},
        "message": f"SSH brute force attempt number {i}",
        "rule": {"name": "ET SCAN Potential SSH Scan"},
    }
    return SecurityEvent(id=f"evt-{i:04d}", timestamp=stamp, doc=doc)


def test_events_round_trip_search_and_filters(store: Store) -> None:
    events = [
        make_event(i, f"203.0.113.{i}" if i % 2 else f"198.51.100.{i}", "alert" if i < 6 else "event")
        for i in range(10)
    ]
    assert store.index_events(events).indexed == 10
    store.index_events(events[:3])  # replayed lines: still one document each
    store.refresh()
    assert store.stats()["events"] == 10
    stored = store.get_event("evt-0003")
    assert stored is not None
    assert stored.get("source.ip") == "203.0.113.3"
    assert stored.timestamp == events[3].timestamp
    assert store.count(Kind.events, query(text="brute force")) == 10
    assert store.count(Kind.events, query(filters=(Term("event.kind", ("alert",)),))) == 6
    assert store.count(Kind.events, query(filters=(Term("event.category", ("intrusion_detection",)),))) == 10
    assert store.count(Kind.events, query(filters=(Range("source.port", gte=40005),))) == 5
    agg = store.aggregate(Kind.events, query(), [TermsAgg("kinds", "event.kind")])
    assert {bucket.key: bucket.count for bucket in agg["kinds"].buckets} == {"alert": 6, "event": 4}


@pytest.mark.requires_real_es  # the stand-in answers CIDR term queries on ip fields wrongly
def test_cidr_filter(store: Store) -> None:
    events = [make_event(i, f"203.0.113.{i}" if i % 2 else f"198.51.100.{i}") for i in range(10)]
    store.index_events(events)
    store.refresh()
    assert store.count(Kind.events, query(filters=(Cidr("source.ip", "203.0.113.0/24"),))) == 5
    assert store.count(Kind.events, query(filters=(Cidr("source.ip", "198.51.0.0/16"),))) == 5
    assert store.count(Kind.events, query(filters=(Not(Cidr("destination.ip", "10.0.0.0/8")),))) == 0
    with pytest.raises(InvalidQuery):
        store.count(Kind.events, query(filters=(Cidr("source.ip", "not-a-network"),)))


# -- incidents ---------------------------------------------------------------------------------


def make_incident(i: int = 1) -> Incident:
    now = datetime(2024, 6, 1, 9, 0, tzinfo=VN)
    return Incident(
        id=f"inc-{i}",
        rule_id="ssh-bruteforce",
        rule_title="Dò mật khẩu SSH",
        severity=Severity.high,
        first_seen=now,
        last_seen=now + timedelta(minutes=i),
        source_ip="203.0.113.7",
        entities={"user.name": ["root", "admin"]},
        event_count=12,
    )


def test_incident_update_is_optimistic(store: Store) -> None:
    incident = make_incident()
    store.index_incidents([incident])
    store.refresh()
    stored = store.get_incident("inc-1")
    assert stored is not None and stored.version == 1
    changed = stored.model_copy(
        update={"status": IncidentStatus.acknowledged, "notes": [Note(author="an", text="đang xử lý")]}
    )
    updated = store.update_incident(changed, expected_version=1)
    assert updated.version == 2
    store.refresh()
    again = store.get_incident("inc-1")
    assert again is not None and again.status is IncidentStatus.acknowledged and again.version == 2
    with pytest.raises(Conflict):
        store.update_incident(changed, expected_version=1)
    with pytest.raises(NotFound):
        store.update_incident(make_incident(99), expected_version=1)
    assert store.count(Kind.incidents, query(text="dang xu ly")) == 1
    assert store.count(Kind.incidents, query(filters=(Term("entities.user.name", ("admin",)),))) == 1


# -- records -----------------------------------------------------------------------------------


def test_records_crud(store: Store) -> None:
    store.put_records(
        RecordKind.watchlists, {"w1": {"id": "w1", "terms": ["Huế"]}, "w2": {"id": "w2", "terms": []}}
    )
    store.put_records(RecordKind.state, {"w1": {"other": "kind"}})
    store.refresh()
    assert store.get_record(RecordKind.watchlists, "w1") == {"id": "w1", "terms": ["Huế"]}
    assert [record["id"] for record in store.list_records(RecordKind.watchlists)] == ["w1", "w2"]
    store.put_records(RecordKind.watchlists, {"w1": {"id": "w1", "terms": ["Đà Nẵng"]}})
    store.refresh()
    assert store.get_record(RecordKind.watchlists, "w1") == {"id": "w1", "terms": ["Đà Nẵng"]}
    assert store.delete_record(RecordKind.watchlists, "w1") is True
    assert store.delete_record(RecordKind.watchlists, "w1") is False
    store.refresh()
    assert store.get_record(RecordKind.watchlists, "w1") is None
    assert store.list_records(RecordKind.watchlists, limit=10) == [{"id": "w2", "terms": []}]
    assert store.get_record(RecordKind.state, "w1") == {"other": "kind"}


def test_nothing_to_replay_without_an_outage(store: Store) -> None:
    assert store.replay_spool() == 0


def test_exact_terms_and_existence_on_text_fields(store: Store, articles: list[Article]) -> None:
    assert store.count(Kind.articles, query(filters=(Term("title", (TITLES[2],)),))) == 4
    assert store.count(Kind.articles, query(filters=(Exists("body"),))) == 20
    assert store.count(Kind.articles, query(filters=(Not(Exists("sapo")),))) == 0


def test_identifier_and_score_fields_filter_sort_and_count(store: Store, articles: list[Article]) -> None:
    """url, hashes and scores (kept outside the generic field index by SQLite) answer like any field."""
    wanted = (articles[3].url, articles[11].url)
    page = store.search(Kind.articles, query(filters=(Term("url", wanted),), size=10))
    assert {hit.id for hit in page.hits} == {articles[3].id, articles[11].id}
    assert store.count(Kind.articles, query(filters=(Not(Term("url", wanted)),))) == len(articles) - 2
    assert store.count(Kind.articles, query(filters=(Term("story_outlets", (1,)),))) == len(articles)
    assert store.count(Kind.articles, query(text="huế", filters=(Range("topic_score", gte=10),))) == 4
    top = store.search(Kind.articles, query(size=2, sort=(SortField("topic_score"),)))
    assert [hit.source["topic_score"] for hit in top.hits] == [19.0, 18.0]
    aggs = store.aggregate(
        Kind.articles,
        query(filters=(Exists("topic_score"),)),
        [TermsAgg("outlets", "story_outlets"), AvgAgg("score", "topic_score")],
    )
    assert [(bucket.key, bucket.count) for bucket in aggs["outlets"].buckets] == [("1", len(articles))]
    assert aggs["score"].value == pytest.approx(9.5)  # mean of 0…19


# -- capped totals (track_total_hits) ------------------------------------------------------------


def test_total_is_exact_up_to_track_total_hits_then_a_lower_bound(
    store: Store, articles: list[Article]
) -> None:
    # every article's body says "chính quyền"; 10 are tuoitre (even i)
    for base in (
        query(text="chinh quyen", sort=(SortField("published_at"),), size=3),
        query(filters=(Term("outlet", ("tuoitre",)),), size=3),
    ):
        exact = store.search(Kind.articles, base)
        expected = 20 if base.text else 10
        assert exact.total == expected and not exact.total_is_lower_bound
        capped = store.search(Kind.articles, replace(base, track_total_hits=4))
        assert capped.total_is_lower_bound
        assert 4 <= capped.total < expected
        assert [hit.id for hit in capped.hits] == [hit.id for hit in exact.hits]
        assert capped.next_cursor is not None
        roomy = store.search(Kind.articles, replace(base, track_total_hits=expected))
        assert roomy.total == expected and not roomy.total_is_lower_bound
    with pytest.raises(InvalidQuery):
        store.search(Kind.articles, query(text="huế", track_total_hits=-1))


def test_facets_after_a_capped_search_count_every_match(store: Store, articles: list[Article]) -> None:
    base = query(text="chinh quyen", sort=(SortField("published_at"),))
    assert store.search(Kind.articles, replace(base, track_total_hits=2)).total_is_lower_bound
    buckets = store.aggregate(Kind.articles, base, [TermsAgg("outlets", "outlet")])["outlets"].buckets
    assert {b.key: b.count for b in buckets} == {"tuoitre": 10, "vnexpress": 10}
    assert store.count(Kind.articles, base) == 20
