"""The SQLite store answers from its in-memory columns exactly as from SQL.

Two stores over one file, one holding the columns (`hold_columns=True`, the default) and one running
every query in SQL, must return the same pages (ids, scores, totals, cursors, page after page), counts
and aggregations for random queries over articles with missing fields, several entities, re-indexed
documents and times on both sides of midnight in Vietnam.
"""

from __future__ import annotations

import random
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from store import sqlite_columns
from store.models import Article, Entity
from store.query import (
    DateHistogramAgg,
    Filter,
    Kind,
    Range,
    SearchPage,
    SearchQuery,
    SortField,
    Term,
    TermsAgg,
)
from store.sqlite import SqliteStore

VN = timezone(timedelta(hours=7))
WORDS = [
    "Huế",
    "bão",
    "lũ",
    "học sinh",
    "giá vàng",
    "công an",
    "du lịch",
    "Đà Nẵng",
    "sông Hương",
    "bệnh viện",
]
OUTLETS = ["tuoitre", "vnexpress", "thanhnien", "baothuathienhue", "dantri"]
TOPICS = ["thoi-su", "kinh-te", "the-thao", "du-lich", None]
TONES = ["positive", "neutral", "negative", None]
PLACES = ["Huế", "Thừa Thiên Huế", "Đà Nẵng", "Hà Nội", "Quảng Trị"]
START = datetime(2025, 1, 1, tzinfo=VN)

ROOT = Path(__file__).resolve().parents[2]


def make_article(rng: random.Random, i: int) -> Article:
    words = rng.sample(WORDS, 3)
    places = rng.sample(PLACES, rng.randint(0, 3))
    published = None if i % 17 == 0 else START + timedelta(minutes=rng.randint(0, 60 * 24 * 200))
    return Article(
        url=f"https://news.example.vn/{i}.html",
        outlet=rng.choice(OUTLETS),
        title=f"{words[0]} và {words[1]} số {i}",
        sapo=f"Tin về {words[2]}.",
        body=" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 30))),
        published_at=published,
        topic=rng.choice(TOPICS),
        tone=rng.choice(TONES),
        entities=[Entity(text=place, type="LOC") for place in places],
        watchlists=["wl-1"] if "Huế" in places else [],
    )


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[SqliteStore, SqliteStore]:
    path = Path(tmp_path_factory.mktemp("fast")) / "store.sqlite3"
    writer = SqliteStore(path)
    writer.init()
    rng = random.Random(20261202)
    articles = [make_article(rng, i) for i in range(900)]
    for start in range(0, len(articles), 300):
        assert writer.index_articles(articles[start : start + 300]).ok
    # re-index some (same id, new facets): rids are kept, the columns must follow the new values
    changed = [a.model_copy(update={"tone": "negative", "outlet": "dantri"}) for a in articles[::7]]
    assert writer.index_articles(changed).ok
    writer.close()
    # a small relevance window, so that common words match more articles than it ranks
    fast, sql = SqliteStore(path, rank_window=60), SqliteStore(path, rank_window=60, hold_columns=False)
    yield fast, sql
    fast.close()
    sql.close()


def random_filters(rng: random.Random) -> tuple[Filter, ...]:
    filters: list[Filter] = []
    if rng.random() < 0.5:
        filters.append(Term("outlet", tuple(rng.sample([*OUTLETS, "no-such-outlet"], rng.randint(1, 3)))))
    if rng.random() < 0.3:
        filters.append(Term("topic", (rng.choice([t for t in TOPICS if t]),)))
    if rng.random() < 0.3:
        filters.append(Term("tone", (rng.choice([t for t in TONES if t]),)))
    if rng.random() < 0.3:
        filters.append(Term("entities.text", tuple(rng.sample([*PLACES, "Sài Gòn"], rng.randint(1, 2)))))
    if rng.random() < 0.15:
        filters.append(Term("watchlists", ("wl-1",)))
    if rng.random() < 0.5:
        low = START + timedelta(days=rng.randint(0, 150))
        high = low + timedelta(days=rng.randint(0, 80))
        bounds: dict[str, Any] = rng.choice(
            [{"gte": low}, {"lte": high}, {"gte": low, "lte": high}, {"gt": low, "lt": high}]
        )
        filters.append(Range("published_at", **bounds))
    return tuple(filters)


def random_query(rng: random.Random) -> SearchQuery:
    text = " ".join(rng.sample(WORDS, rng.randint(1, 2))) if rng.random() < 0.7 else None
    if text and rng.random() < 0.2:
        text = f'"{rng.choice(WORDS)}"'
    if text and rng.random() < 0.3:  # without diacritics
        text = text.replace("ế", "e").replace("ã", "a").replace("ũ", "u").replace("Đ", "D")
    sort = rng.choice(
        [(), (SortField("_score"),), (SortField("published_at"),), (SortField("published_at", False),)]
    )
    if not text and sort == (SortField("_score"),):
        sort = ()
    return SearchQuery(
        text=text,
        filters=random_filters(rng),
        sort=sort,
        size=rng.choice([1, 5, 20]),
        offset=rng.choice([0, 0, 3]),
        highlight=rng.random() < 0.5,
        track_total_hits=rng.choice([None, 10, 200]),
    )


def pages(store: SqliteStore, query: SearchQuery, limit: int = 40) -> list[SearchPage]:
    """The first page, then the following ones by cursor (at most `limit`)."""
    out = [store.search(Kind.articles, query)]
    while out[-1].next_cursor and len(out) < limit:
        out.append(store.search(Kind.articles, replace(query, offset=0, cursor=out[-1].next_cursor)))
    return out


def flat(page: SearchPage) -> tuple[Any, ...]:
    return (
        [(hit.id, hit.score, hit.highlights) for hit in page.hits],
        page.total,
        page.total_is_lower_bound,
        page.next_cursor,
    )


def test_the_columns_hold_the_queries_the_api_sends(stores: tuple[SqliteStore, SqliteStore]) -> None:
    """Otherwise the comparisons below would compare SQL with itself."""
    fast, _ = stores
    query = SearchQuery(
        text="hue", filters=(Term("outlet", ("tuoitre",)),), sort=(SortField("published_at"),)
    )
    assert fast.search(Kind.articles, query).total > 0
    cache = fast.searcher._columns
    assert cache is not None and cache[1][Kind.articles]._columns is not None


def assert_same_pages(fast: SqliteStore, sql: SqliteStore, rng: random.Random, queries: int) -> None:
    for _ in range(queries):
        query = random_query(rng)
        got, want = pages(fast, query), pages(sql, query)
        assert [flat(page) for page in got] == [flat(page) for page in want], query
        assert fast.count(Kind.articles, query) == sql.count(Kind.articles, query), query


@pytest.mark.parametrize("seed", range(8))
def test_search_pages_equal_sql(stores: tuple[SqliteStore, SqliteStore], seed: int) -> None:
    fast, sql = stores
    assert_same_pages(fast, sql, random.Random(seed), 25)


def test_bm25_read_in_small_steps_ranks_the_same(
    stores: tuple[SqliteStore, SqliteStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """bm25 is read for the most recent matches first, then older ones as windows reach them:
    with steps of 4 matches, a search extends it many times and must still rank as SQL does."""
    fast, sql = stores
    monkeypatch.setattr(sqlite_columns, "MIN_BM25_READ", 4)
    fresh = SqliteStore(fast.path, rank_window=60)  # its own cache, read in those small steps
    assert_same_pages(fresh, sql, random.Random(99), 40)
    fresh.close()


@pytest.mark.parametrize("seed", range(6))
def test_aggregations_equal_sql(stores: tuple[SqliteStore, SqliteStore], seed: int) -> None:
    fast, sql = stores
    rng = random.Random(100 + seed)
    for _ in range(15):
        query = replace(random_query(rng), size=0)
        aggs = [
            TermsAgg("outlets", "outlet", size=rng.choice([2, 100])),
            TermsAgg("topics", "topic"),
            TermsAgg("places", "entities.text", size=rng.choice([1, 3, 10])),
            DateHistogramAgg(
                "times",
                "published_at",
                interval=rng.choice(["hour", "day", "week", "month"]),
                time_zone=rng.choice(["+07:00", "UTC", "-05:00"]),
                split_by=rng.choice([None, "tone", "outlet"]),
            ),
        ]
        assert fast.aggregate(Kind.articles, query, aggs) == sql.aggregate(Kind.articles, query, aggs), query


def test_a_write_is_seen_by_the_next_query(tmp_path: Path) -> None:
    """The columns are rebuilt after any write to the kind, from this process or another store object."""
    store, other = SqliteStore(tmp_path / "s.sqlite3"), SqliteStore(tmp_path / "s.sqlite3")
    store.init()
    rng = random.Random(3)
    first = make_article(rng, 1).model_copy(update={"outlet": "tuoitre", "tone": "positive"})
    store.index_articles([first])
    by_outlet = SearchQuery(filters=(Term("outlet", ("tuoitre",)),))
    assert store.count(Kind.articles, by_outlet) == 1
    other.index_articles([first.model_copy(update={"outlet": "vnexpress"})])  # the same id, re-indexed
    assert store.count(Kind.articles, by_outlet) == 0
    aggs = store.aggregate(Kind.articles, SearchQuery(), [TermsAgg("outlets", "outlet")])
    assert [(b.key, b.count) for b in aggs["outlets"].buckets] == [("vnexpress", 1)]
    store.close()
    other.close()


def test_the_columns_follow_appends_and_rewrites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """New documents are appended to what is held (not read again); a replaced document means a
    full reload. Either way, answers stay those of SQL, batch after batch."""
    loads: list[bool] = []  # one per load of the columns: True when extending what was held
    load_columns = sqlite_columns._load_columns

    def counted(*args: Any) -> Any:
        loads.append(args[-1] is not None)
        return load_columns(*args)

    monkeypatch.setattr(sqlite_columns, "_load_columns", counted)
    path = tmp_path / "store.sqlite3"
    writer = SqliteStore(path)
    writer.init()
    fast, sql = SqliteStore(path, rank_window=30), SqliteStore(path, rank_window=30, hold_columns=False)
    rng = random.Random(5)
    articles = [make_article(rng, i) for i in range(400)]
    aggs = [
        TermsAgg("places", "entities.text"),
        TermsAgg("tones", "tone"),
        DateHistogramAgg("d", "published_at"),
    ]
    for step, start in enumerate(range(0, 400, 50)):
        assert writer.index_articles(articles[start : start + 50]).ok
        if step % 3 == 2:  # re-index 20 earlier articles with other facets and entities
            changed = [
                a.model_copy(update={"tone": "positive", "entities": []})
                for a in articles[start - 20 : start]
            ]
            assert writer.index_articles(changed).ok
        assert_same_pages(fast, sql, rng, 5)
        everything = SearchQuery(size=0)
        assert fast.aggregate(Kind.articles, everything, aggs) == sql.aggregate(
            Kind.articles, everything, aggs
        )
    assert loads.count(True) >= 4 and loads.count(False) >= 3, loads
    for one in (writer, fast, sql):
        one.close()


def test_warm_loads_what_article_searches_hold(stores: tuple[SqliteStore, SqliteStore]) -> None:
    fast, sql = stores
    fresh = SqliteStore(fast.path)
    fresh.warm()
    assert fresh.searcher._columns is not None
    cache = fresh.searcher._columns[1][Kind.articles]
    assert cache._columns is not None and set(cache._multi) == {"entities.text", "watchlists"}
    query = SearchQuery(filters=(Term("entities.text", ("Huế",)),), size=0)
    assert fresh.count(Kind.articles, query) == sql.count(Kind.articles, query) > 0
    fresh.close()


def test_writing_and_querying_events_and_incidents_never_import_numpy(tmp_path: Path) -> None:
    """Only the kinds held in memory (articles) need numpy (~0.1 s to import): `vigil logs ingest`, which
    writes events and looks up incidents, starts without it."""
    script = f"""
import sys
from datetime import UTC, datetime
from store.models import SecurityEvent
from store.query import Kind, SearchQuery
from store.sqlite import SqliteStore
store = SqliteStore({str(tmp_path / "s.sqlite3")!r})
store.init()
event = SecurityEvent(id="e1", timestamp=datetime(2026, 1, 1, tzinfo=UTC), doc={{"message": "m"}})
store.index_events([event])
assert store.count(Kind.events, SearchQuery()) == 1
store.search(Kind.incidents, SearchQuery())
assert "numpy" not in sys.modules, "numpy imported"
store.count(Kind.articles, SearchQuery())
assert "numpy" in sys.modules  # the articles' columns are held in numpy arrays
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr
