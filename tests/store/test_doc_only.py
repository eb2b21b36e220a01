"""Fields kept only in the stored document (`store.sqlite_query.DOC_ONLY`, the raw Suricata EVE record
under `suricata.eve`): the SQLite store writes no k_kv rows for them, and every filter and aggregation on
them still answers, read from the documents. Real EVE records (suricata-verify outputs, MIT) parsed as
`vigil logs ingest` does; expected answers are computed here from the documents with plain Python.
"""

from __future__ import annotations

import ipaddress
import sqlite3
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from secmon.parsers import parse_line
from store.documents import as_epoch, values_at
from store.models import SecurityEvent
from store.protocol import Store
from store.query import (
    AvgAgg,
    Cidr,
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
from store.textsearch import tokens
from tests.realdata import real_files

# raw fields of every shape: keywords, numbers, dates, lists of objects, addresses
FIELDS = [
    "suricata.eve.event_type",
    "suricata.eve.app_proto",
    "suricata.eve.alert.signature_id",
    "suricata.eve.alert.severity",
    "suricata.eve.pcap_cnt",
    "suricata.eve.flow.pkts_toserver",
    "suricata.eve.flow.start",
    "suricata.eve.flow.src_ip",
    "suricata.eve.dns.rrname",
    "suricata.eve.http.hostname",
    "suricata.eve.dnp3.application.control.fin",  # booleans
    "suricata.eve.dnp3.application.objects.points.index",  # a list of objects inside a list
    "suricata.eve.ldap.responses.search_result_entry.attributes.values",  # lists of strings in lists
]


def real_events() -> list[SecurityEvent]:
    files = real_files("suricata-verify-outputs", "eve.json")
    assert files, "tests/data/real/suricata-verify-outputs holds EVE outputs"
    events = []
    for path in files:
        for number, line in enumerate(path.read_text().splitlines()):
            if line.strip():
                events.append(parse_line(line, "eve", origin=str(path), offset=number))
    return events


@pytest.fixture(scope="module")
def events() -> list[SecurityEvent]:
    found = real_events()
    assert len(found) > 100
    return found


def scalars(event: SecurityEvent, field: str) -> list[Any]:
    """The field's values as the store keeps terms: booleans as 0/1, strings up to 256 characters."""
    out = []
    for value in values_at(event.to_document(), field):
        if isinstance(value, bool):
            out.append(int(value))
        elif isinstance(value, str) and len(value) > 256:
            continue
        elif isinstance(value, str | int | float):
            out.append(value)
    return out


def ids(store: Store, *filters: Any) -> set[str]:
    page = store.search(Kind.events, SearchQuery(filters=tuple(filters), size=1000))
    return {hit.id for hit in page.hits}


def test_no_index_rows_for_the_raw_record_and_ecs_fields_keep_theirs(sqlite_store: SqliteStore) -> None:
    with sqlite3.connect(sqlite_store.path) as conn:
        raw = conn.execute("SELECT count(*) FROM events_kv WHERE field LIKE 'suricata.eve%'").fetchone()[0]
        ecs = conn.execute("SELECT count(*) FROM events_kv WHERE field = 'event.category'").fetchone()[0]
    assert raw == 0
    assert ecs > 0


@pytest.mark.parametrize("field", FIELDS)
def test_term_filter_on_raw_fields(
    sqlite_store: SqliteStore, events: list[SecurityEvent], field: str
) -> None:
    counts = Counter(value for event in events for value in set(scalars(event, field)))
    assert counts, f"the real records hold {field}"
    for value, _n in counts.most_common(3):
        expected = {event.id for event in events if value in scalars(event, field)}
        assert ids(sqlite_store, Term(field, (value,))) == expected, (field, value)
        assert ids(sqlite_store, Not(Term(field, (value,)))) == {e.id for e in events} - expected
    assert ids(sqlite_store, Term(field, ("no such value",))) == set()


@pytest.mark.parametrize("field", FIELDS)
def test_exists_filter_on_raw_fields(
    sqlite_store: SqliteStore, events: list[SecurityEvent], field: str
) -> None:
    expected = {event.id for event in events if values_at(event.to_document(), field)}
    assert ids(sqlite_store, Exists(field)) == expected


def test_exists_on_an_object_holding_raw_fields(
    sqlite_store: SqliteStore, events: list[SecurityEvent]
) -> None:
    alerts = {
        event.id for event in events if values_at(event.to_document(), "suricata.eve.alert.signature_id")
    }
    assert alerts and ids(sqlite_store, Exists("suricata.eve.alert")) == alerts
    everything = {event.id for event in events}
    assert ids(sqlite_store, Exists("suricata")) == everything  # `suricata` holds the raw record only


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [
        ("suricata.eve.flow.pkts_toserver", 2, 10),
        ("suricata.eve.pcap_cnt", 3, 40),
        ("suricata.eve.dnp3.application.objects.points.index", 1, 5),
        ("suricata.eve.flow.start", datetime(2010, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)),
    ],
)
def test_range_filter_on_raw_fields(
    sqlite_store: SqliteStore, events: list[SecurityEvent], field: str, low: Any, high: Any
) -> None:
    def number(value: Any) -> float | None:
        return (
            as_epoch(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else None
        )

    bound_low = low.timestamp() if isinstance(low, datetime) else low
    bound_high = high.timestamp() if isinstance(high, datetime) else high
    expected = {
        event.id
        for event in events
        if any(
            (n := number(value)) is not None and bound_low <= n <= bound_high
            for value in values_at(event.to_document(), field)
        )
    }
    assert expected, field
    assert ids(sqlite_store, Range(field, gte=low, lte=high)) == expected


def test_cidr_filter_on_a_raw_address(sqlite_store: SqliteStore, events: list[SecurityEvent]) -> None:
    field = "suricata.eve.flow.src_ip"
    addresses = [ipaddress.ip_address(value) for event in events for value in scalars(event, field)]
    assert addresses
    network = ipaddress.ip_network(f"{addresses[0]}/{8 if addresses[0].version == 4 else 32}", strict=False)
    expected = {
        event.id
        for event in events
        if any(ipaddress.ip_address(value) in network for value in scalars(event, field))
    }
    assert ids(sqlite_store, Cidr(field, str(network))) == expected


@pytest.mark.parametrize("field", FIELDS)
def test_terms_aggregation_on_raw_fields(
    sqlite_store: SqliteStore, events: list[SecurityEvent], field: str
) -> None:
    counts = Counter(str(value) for event in events for value in set(scalars(event, field)))
    result = sqlite_store.aggregate(Kind.events, SearchQuery(), [TermsAgg("t", field, size=1000)])
    assert {bucket.key: bucket.count for bucket in result["t"].buckets} == dict(counts)
    # with a filter on an ECS field, and with a text query
    dns = [event for event in events if values_at(event.to_document(), "dns.question.name")]
    narrowed = Counter(str(value) for event in dns for value in set(scalars(event, field)))
    result = sqlite_store.aggregate(
        Kind.events, SearchQuery(filters=(Exists("dns.question.name"),)), [TermsAgg("t", field, size=1000)]
    )
    assert {bucket.key: bucket.count for bucket in result["t"].buckets} == dict(narrowed)


def test_terms_aggregation_of_raw_field_over_text_matches(
    sqlite_store: SqliteStore, events: list[SecurityEvent]
) -> None:
    # the searched text is `message` and `rule.name` ("GPL ATTACK_RESPONSE id check returned root",
    # "DNP3 Data match", ...); event.original is not searched (ECS)
    searched = ("message", "rule.name")
    matching = [
        event
        for event in events
        if "dnp3"
        in tokens(" ".join(str(value) for name in searched for value in values_at(event.to_document(), name)))
    ]
    assert matching
    counts = Counter(str(v) for event in matching for v in set(scalars(event, "suricata.eve.event_type")))
    result = sqlite_store.aggregate(
        Kind.events, SearchQuery(text="dnp3"), [TermsAgg("t", "suricata.eve.event_type", size=100)]
    )
    assert {bucket.key: bucket.count for bucket in result["t"].buckets} == dict(counts)


def test_average_and_histogram_on_raw_fields(sqlite_store: SqliteStore, events: list[SecurityEvent]) -> None:
    per_doc = [set(scalars(event, "suricata.eve.flow.pkts_toserver")) for event in events]
    numbers = [value for values in per_doc for value in values]
    result = sqlite_store.aggregate(
        Kind.events, SearchQuery(), [AvgAgg("avg", "suricata.eve.flow.pkts_toserver")]
    )
    assert result["avg"].value == pytest.approx(sum(numbers) / len(numbers))
    starts = []
    for event in events:
        epochs = [as_epoch(value) for value in values_at(event.to_document(), "suricata.eve.flow.start")]
        if epochs := [epoch for epoch in epochs if epoch is not None]:
            starts.append(min(epochs))
    result = sqlite_store.aggregate(
        Kind.events,
        SearchQuery(),
        [DateHistogramAgg("h", "suricata.eve.flow.start", "day", split_by="suricata.eve.event_type")],
    )
    buckets = result["h"].buckets
    assert sum(bucket.count for bucket in buckets) == len(starts)
    assert {key for bucket in buckets for key in bucket.split} == {
        str(v)
        for e in events
        if e.get("suricata.eve.flow.start")
        for v in scalars(e, "suricata.eve.event_type")
    }


def test_raw_fields_on_both_backends(store: Store, events: list[SecurityEvent]) -> None:
    """Elasticsearch keeps `suricata.eve` as one flattened field: the same keyword questions answer alike."""
    assert store.index_events(events).indexed == len(events)
    store.refresh()
    types = Counter(str(event.get("suricata.eve.event_type")) for event in events)
    for event_type, n in types.items():
        assert (
            store.count(Kind.events, SearchQuery(filters=(Term("suricata.eve.event_type", (event_type,)),)))
            == n
        )
    alerts = sum(1 for event in events if event.get("suricata.eve.alert.signature_id") is not None)
    assert (
        store.count(Kind.events, SearchQuery(filters=(Exists("suricata.eve.alert.signature_id"),))) == alerts
    )
    result = store.aggregate(Kind.events, SearchQuery(), [TermsAgg("t", "suricata.eve.event_type", size=100)])
    assert {bucket.key: bucket.count for bucket in result["t"].buckets} == dict(types)
