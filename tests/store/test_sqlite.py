"""SQLite-only behaviour: several processes on one file, the bounded rank window, rebuilding derived rows."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from store.models import Article
from store.query import Kind, SearchQuery, Term, TermsAgg
from store.sqlite import SqliteStore

REPO = Path(__file__).resolve().parents[2]

WRITER = """
import sys
from store.models import Article
from store.sqlite import SqliteStore
store = SqliteStore(sys.argv[1])
store.init()
start, stop = int(sys.argv[2]), int(sys.argv[3])
for i in range(start, stop, 25):
    stop_here = min(i + 25, stop)
    batch = [Article(url=f"https://x.vn/{j}", outlet="child", title=f"Huế {j}") for j in range(i, stop_here)]
    store.index_articles(batch)
"""


def writer(path: Path, start: int, stop: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(start), str(stop)], cwd=REPO)


def article(i: int, outlet: str = "a") -> Article:
    return Article(url=f"https://x.vn/{i}", outlet=outlet, title=f"Tin Huế số {i}")


def test_two_writer_processes_and_a_reader_share_one_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    reader = SqliteStore(path)
    reader.init()
    query = SearchQuery(text="huế")
    assert reader.count(Kind.articles, query) == 0  # also caches this query's matches
    children = [writer(path, 0, 300), writer(path, 300, 600)]
    assert [child.wait(timeout=120) for child in children] == [0, 0]
    assert reader.count(Kind.articles, query) == 600  # another process's commits invalidate the cache
    assert reader.search(Kind.articles, SearchQuery(text="huế", size=5)).total == 600
    facets = reader.aggregate(Kind.articles, query, [TermsAgg("outlet", "outlet")])
    assert [(bucket.key, bucket.count) for bucket in facets["outlet"].buckets] == [("child", 600)]
    reader.close()


def test_rank_window_bounds_ranking_not_the_total(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "w.sqlite3", rank_window=4)
    store.init()
    store.index_articles([article(i) for i in range(10)])
    page = store.search(Kind.articles, SearchQuery(text="huế", size=3))
    assert page.total == 10
    newest = {article(i).id for i in range(6, 10)}  # the 4 most recently indexed
    assert {hit.id for hit in page.hits} <= newest
    rest = store.search(Kind.articles, SearchQuery(text="huế", size=3, cursor=page.next_cursor))
    assert {hit.id for hit in page.hits + rest.hits} == newest and rest.next_cursor is None
    deep = store.search(Kind.articles, SearchQuery(text="huế", size=3, offset=6))  # offsets widen the window
    assert len(deep.hits) == 3
    filtered = store.search(Kind.articles, SearchQuery(text="huế", filters=(Term("outlet", ("a",)),), size=2))
    assert filtered.total == 10 and {hit.id for hit in filtered.hits} <= newest
    store.close()


def test_a_derivation_change_rebuilds_filters_and_text(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    store = SqliteStore(path)
    store.init()
    store.index_articles([article(i, outlet="b" if i % 2 else "a") for i in range(6)])
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = 0 WHERE key = 'derivation'")
        conn.execute("DELETE FROM articles_kv")
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('delete-all')")
    reopened = SqliteStore(path)
    reopened.init()
    assert reopened.count(Kind.articles, SearchQuery(text="tin hue")) == 6
    assert reopened.count(Kind.articles, SearchQuery(filters=(Term("outlet", ("b",)),))) == 3
    assert reopened.count(Kind.articles, SearchQuery(filters=(Term("url", ("https://x.vn/4",)),))) == 1
    reopened.index_articles([article(4, outlet="c")])  # replacing still removes exactly the old rows
    assert reopened.count(Kind.articles, SearchQuery(filters=(Term("outlet", ("b",)),))) == 3
    assert reopened.count(Kind.articles, SearchQuery(filters=(Term("outlet", ("c",)),))) == 1
    assert reopened.count(Kind.articles, SearchQuery(text="tin hue")) == 6
    reopened.close()


def test_facets_of_text_matches_equal_the_sql_facets(tmp_path: Path) -> None:
    """Text queries count facet columns in Python, filter-only queries in SQL: same buckets either way."""
    from datetime import datetime, timedelta, timezone

    from store.query import DateHistogramAgg, Exists

    vietnam = timezone(timedelta(hours=7))
    store = SqliteStore(tmp_path / "f.sqlite3")
    store.init()
    start = datetime(2024, 1, 30, 23, 30, tzinfo=vietnam)
    store.index_articles(
        [
            Article(
                url=f"https://x.vn/{i}",
                outlet=["a", "b", "c"][i % 3],
                topic=["x", "y"][i % 2],
                title="Huế",
                published_at=start + timedelta(hours=17 * i),
            )
            for i in range(120)
        ]
    )
    aggs = [
        TermsAgg("outlet", "outlet"),
        TermsAgg("topic", "topic", size=1),
        *[
            DateHistogramAgg(f"h-{unit}", "published_at", unit, split_by="outlet")
            for unit in ("hour", "day", "week", "month")
        ],  # type: ignore[arg-type]
    ]
    by_text = store.aggregate(Kind.articles, SearchQuery(text="hue"), aggs)
    by_sql = store.aggregate(Kind.articles, SearchQuery(filters=(Exists("published_at"),)), aggs)
    assert by_text == by_sql
    # text + filter: the match table carries time and facets, counted there in SQL; same buckets
    both = SearchQuery(text="hue", filters=(Exists("published_at"),))
    assert store.aggregate(Kind.articles, both, aggs) == by_sql
    assert sum(bucket.count for bucket in by_text["h-month"].buckets) == 120
    assert [bucket.key for bucket in by_text["h-month"].buckets][:2] == [
        "2024-01-01T00:00:00+07:00",
        "2024-02-01T00:00:00+07:00",
    ]
    assert by_text["h-week"].buckets[0].key == "2024-01-29T00:00:00+07:00"  # the Monday of that week
    store.close()


def test_generation_changes_with_every_commit_from_any_connection(tmp_path: Path) -> None:
    path = tmp_path / "gen.sqlite3"
    store = SqliteStore(path)
    store.init()
    before = store.generation()
    assert store.generation() == before  # reads alone leave it
    store.count(Kind.articles, SearchQuery(text="huế"))
    assert store.generation() == before
    store.index_articles([article(1)])  # this process, this store's own connection
    after_own = store.generation()
    assert after_own != before
    assert writer(path, 10, 20).wait(timeout=120) == 0  # another process
    after_other = store.generation()
    assert after_other != after_own
    other = SqliteStore(path)  # another connection in this process
    other.index_articles([article(2)])
    other.close()
    assert store.generation() != after_other
    store.close()


def test_entity_facets_of_selective_and_broad_filters(tmp_path: Path) -> None:
    """A selective filter counts by per-document lookups, a broad one by a scan: both exact."""
    from collections import Counter

    from store.models import Entity

    places = ["Huế", "Đà Nẵng", "Hà Nội", "Quảng Trị"]
    articles = [
        Article(
            url=f"https://x.vn/e{i}",
            outlet="small" if i % 20 == 0 else "big",
            title=f"Tin {i}",
            entities=[Entity(text=places[i % 4], type="LOC"), Entity(text=places[i % 3], type="LOC")],
        )
        for i in range(1500)
    ]
    store = SqliteStore(tmp_path / "facets.sqlite3")
    store.init()
    store.index_articles(articles)
    for outlets in (("small",), ("big", "small")):  # 75 articles (selective), all 1,500 (broad)
        expected = Counter(
            place for a in articles if a.outlet in outlets for place in {entity.text for entity in a.entities}
        )
        for text in (None, "tin"):  # filters alone; text matches (75 or all 1,500) too
            query = SearchQuery(text=text, filters=(Term("outlet", outlets),))
            buckets = store.aggregate(Kind.articles, query, [TermsAgg("places", "entities.text")])["places"]
            assert {b.key: b.count for b in buckets.buckets} == dict(expected)
    store.close()


def test_histogram_split_counts_documents_without_the_split_value(tmp_path: Path) -> None:
    """A day's count includes articles with no tone; its split counts only the toned ones."""
    from datetime import datetime, timedelta, timezone

    from store.query import DateHistogramAgg, Range

    vietnam = timezone(timedelta(hours=7))
    day = datetime(2025, 3, 1, 9, tzinfo=vietnam)
    tones = ["positive", None, "negative", "positive", None, None]
    store = SqliteStore(tmp_path / "h.sqlite3")
    store.init()
    store.index_articles(
        [
            Article(
                url=f"https://x.vn/h{i}",
                outlet="a",
                title="Huế",
                tone=tone,
                published_at=day + timedelta(days=i % 2),
            )
            for i, tone in enumerate(tones)
        ]
    )
    agg = DateHistogramAgg("days", "published_at", "day", split_by="tone")
    for query in (
        SearchQuery(filters=(Range("published_at", gte=day - timedelta(days=1)),)),
        SearchQuery(text="hue", filters=(Range("published_at", gte=day - timedelta(days=1)),)),
        SearchQuery(text="hue"),
    ):
        buckets = store.aggregate(Kind.articles, query, [agg])["days"].buckets
        # even i (day 1): positive, negative, None; odd i (day 2): None, positive, None
        assert [(b.key[:10], b.count, b.split) for b in buckets] == [
            ("2025-03-01", 3, {"positive": 1, "negative": 1}),
            ("2025-03-02", 3, {"positive": 1}),
        ]
    store.close()


def test_capped_relevance_total_still_ranks_the_same_window(tmp_path: Path) -> None:
    """A relevance page ranks the `rank_window` newest matches: a capped count collects at least
    those, so the page is the one an exact count gives and only the total becomes a lower bound."""
    store = SqliteStore(tmp_path / "s.sqlite3", rank_window=5)
    store.init()
    items = [
        Article(url=f"https://x.vn/{i}", outlet="a", title="Huế " * (1 + i % 4) + f"tin số {i}")
        for i in range(30)
    ]
    assert store.index_articles(items).ok
    base = SearchQuery(text="huế", size=3)
    exact = store.search(Kind.articles, base)
    assert exact.total == 30 and not exact.total_is_lower_bound
    for cap in (1, 3, 12):
        capped = store.search(Kind.articles, SearchQuery(text="huế", size=3, track_total_hits=cap))
        assert capped.total_is_lower_bound
        assert max(cap, 5) <= capped.total < 30
        assert [hit.id for hit in capped.hits] == [hit.id for hit in exact.hits]
    # filtered: the capped matches are the newest ones, the page ranks among them
    only_a = SearchQuery(text="huế", filters=(Term("outlet", ("a",)),), size=3)
    capped = store.search(Kind.articles, SearchQuery(**{**only_a.__dict__, "track_total_hits": 6}))
    assert capped.total_is_lower_bound and 6 <= capped.total < 30
    assert [hit.id for hit in capped.hits] == [hit.id for hit in store.search(Kind.articles, only_a).hits]
    store.close()


def test_the_same_documents_again_are_left_as_they_are_and_a_changed_one_replaced(tmp_path: Path) -> None:
    """Ingesting a file twice gives the same events (same ids, same documents): the second time writes
    nothing (no delete and insert of each), and an event that did change is still replaced."""
    from datetime import UTC, datetime, timedelta

    from store.models import SecurityEvent

    def event(i: int, port: int) -> SecurityEvent:
        doc = {
            "event": {"kind": "event", "dataset": "x"},
            "destination": {"port": port},
            "message": f"line {i}",
        }
        return SecurityEvent(
            id=f"e{i}", timestamp=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=i), doc=doc
        )

    store = SqliteStore(tmp_path / "store.sqlite3")
    store.init()
    events = [event(i, 22) for i in range(50)]
    assert store.index_events(events).indexed == 50

    def state() -> tuple[list[tuple[str, int]], int]:
        with sqlite3.connect(store.path) as conn:
            rows = conn.execute("SELECT id, rid FROM events ORDER BY rid").fetchall()
            changes = conn.execute("SELECT value FROM meta WHERE key = 'changes:events'").fetchone()[0]
        return rows, changes

    before = state()
    generation = store.generation()
    assert store.index_events(events).indexed == 50  # reported as indexed, as Elasticsearch does
    assert state() == before
    assert store.generation() == generation  # nothing committed that readers must see
    changed = [*events[:10], event(10, 443), *events[11:]]
    store.index_events(changed)
    assert store.stats()["events"] == 50
    ports = store.aggregate(Kind.events, SearchQuery(), [TermsAgg("p", "destination.port")])
    assert {bucket.key: bucket.count for bucket in ports["p"].buckets} == {"22": 49, "443": 1}
    hits = store.search(Kind.events, SearchQuery(filters=(Term("destination.port", (443,)),))).hits
    assert [hit.id for hit in hits] == ["e10"]
    assert store.count(Kind.events, SearchQuery(text="line")) == 50
