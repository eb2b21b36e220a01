"""Events' single-valued ECS scalars live in columns of the SQLite store (`sqlite_query.STORED`), each event
naming only those it has (`sqlite_rows.main_sql`): every filter and aggregation on them answers as when
they were k_kv rows. Real EVE records of several types in one batch (suricata-verify outputs, MIT) and
sshd/web lines; expected answers computed here from the documents with plain Python."""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Any

import pytest

from secmon.parsers import parse_line
from store.documents import values_at
from store.models import SecurityEvent
from store.protocol import Store
from store.query import (
    TEXT_FIELDS,
    AvgAgg,
    DateHistogramAgg,
    Exists,
    Kind,
    Not,
    Range,
    SearchQuery,
    Term,
    TermsAgg,
)
from store.sqlite import SqliteStore
from store.sqlite_query import STORED
from store.textsearch import tokens
from tests.realdata import real
from tests.store.test_doc_only import real_events

FIELDS = STORED[Kind.events]


def sample_events() -> list[SecurityEvent]:
    events = real_events()
    for name, fmt in (
        ("loghub-openssh/OpenSSH_2k.log", "syslog"),
        ("elastic-examples-apache-access/apache_logs", "apache"),
    ):
        lines = real(name).read_text(errors="replace").splitlines()[:300]
        events += [parse_line(line, fmt, origin=name, offset=n) for n, line in enumerate(lines)]
    return events


@pytest.fixture(scope="module")
def events() -> list[SecurityEvent]:
    return sample_events()


def first(event: SecurityEvent, field: str) -> Any:
    found = values_at(event.to_document(), field)
    return found[0] if found else None


def searched_words(event: SecurityEvent) -> list[str]:
    """The folded words of the fields a text query searches in events."""
    return tokens(
        " ".join(
            str(value) for name in TEXT_FIELDS[Kind.events] for value in values_at(event.to_document(), name)
        )
    )


def ids(store: Store, *filters: Any) -> set[str]:
    return {hit.id for hit in store.search(Kind.events, SearchQuery(filters=tuple(filters), size=2000)).hits}


def test_the_sample_holds_many_of_the_fields(events: list[SecurityEvent]) -> None:
    held = {field for field in FIELDS if any(first(event, field) is not None for event in events)}
    assert len(held) >= 20, sorted(set(FIELDS) - held)


def test_no_index_rows_for_column_fields(sqlite_store: SqliteStore) -> None:
    marks = ",".join("?" * len(FIELDS))
    with sqlite3.connect(sqlite_store.path) as conn:
        rows = conn.execute(f"SELECT count(*) FROM events_kv WHERE field IN ({marks})", FIELDS).fetchone()[0]
    assert rows == 0


@pytest.mark.parametrize("field", FIELDS)
def test_filters_on_column_fields(sqlite_store: SqliteStore, events: list[SecurityEvent], field: str) -> None:
    everything = {event.id for event in events}
    counts = Counter(first(event, field) for event in events if first(event, field) is not None)
    for value, _n in counts.most_common(2):
        expected = {event.id for event in events if first(event, field) == value}
        assert ids(sqlite_store, Term(field, (value,))) == expected, (field, value)
        assert ids(sqlite_store, Not(Term(field, (value,)))) == everything - expected
    assert ids(sqlite_store, Exists(field)) == {e.id for e in events if first(e, field) is not None}
    numbers = sorted(v for v in counts if isinstance(v, int | float) and not isinstance(v, bool))
    if numbers:
        low, high = numbers[0], numbers[len(numbers) // 2]
        expected = {
            e.id
            for e in events
            if isinstance(first(e, field), int | float) and low <= first(e, field) <= high
        }
        assert ids(sqlite_store, Range(field, gte=low, lte=high)) == expected


@pytest.mark.parametrize("field", FIELDS)
def test_aggregations_on_column_fields(
    sqlite_store: SqliteStore, events: list[SecurityEvent], field: str
) -> None:
    values = [first(event, field) for event in events if first(event, field) is not None]
    result = sqlite_store.aggregate(Kind.events, SearchQuery(), [TermsAgg("t", field, size=5000)])
    assert {bucket.key: bucket.count for bucket in result["t"].buckets} == dict(Counter(map(str, values)))
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if numbers:
        avg = sqlite_store.aggregate(Kind.events, SearchQuery(), [AvgAgg("a", field)])["a"].value
        assert avg == pytest.approx(sum(numbers) / len(numbers))
        histogram = sqlite_store.aggregate(Kind.events, SearchQuery(), [DateHistogramAgg("h", field, "day")])
        assert sum(bucket.count for bucket in histogram["h"].buckets) == len(numbers)


def test_multi_valued_facets_are_counted_under_filters_and_text(
    sqlite_store: SqliteStore, events: list[SecurityEvent]
) -> None:
    """event.category / event.type (k_kv, no partial index for events any more): counts per document."""
    for query, chosen in (
        (
            SearchQuery(filters=(Term("event.kind", ("alert",)),)),
            [e for e in events if first(e, "event.kind") == "alert"],
        ),
        # the searched text is `message` and `rule.name`; event.original is not searched (ECS)
        (SearchQuery(text="password"), [e for e in events if "password" in searched_words(e)]),
        (SearchQuery(), events),
    ):
        assert chosen
        for field in ("event.category", "event.type"):
            expected = Counter(str(v) for e in chosen for v in set(values_at(e.to_document(), field)))
            result = sqlite_store.aggregate(Kind.events, query, [TermsAgg("t", field, size=100)])
            assert {bucket.key: bucket.count for bucket in result["t"].buckets} == dict(expected), (
                query,
                field,
            )


def test_column_fields_answer_alike_on_both_backends(store: Store, events: list[SecurityEvent]) -> None:
    assert store.index_events(events).indexed == len(events)
    store.refresh()
    for field in ("destination.port", "network.transport", "user.name", "http.response.status_code"):
        counts = Counter(first(event, field) for event in events if first(event, field) is not None)
        assert counts, field
        value, n = counts.most_common(1)[0]
        assert store.count(Kind.events, SearchQuery(filters=(Term(field, (value,)),))) == n
        result = store.aggregate(Kind.events, SearchQuery(), [TermsAgg("t", field, size=10)])
        assert result["t"].buckets[0].key == str(value) and result["t"].buckets[0].count == n
        # documents without the field are "not this value" (Elasticsearch's must_not)
        assert store.count(Kind.events, SearchQuery(filters=(Not(Term(field, (value,))),))) == len(events) - n
    outcomes = Counter(first(event, "event.outcome") for event in events)
    assert outcomes[None] and len(outcomes) > 1  # a facet column, present on some events only
    value = next(v for v in outcomes if v is not None)
    not_value = SearchQuery(filters=(Not(Term("event.outcome", (value,))),))
    assert store.count(Kind.events, not_value) == len(events) - outcomes[value]
