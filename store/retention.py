"""Retention: each index keeps documents for the days `store.retention` gives (none: for ever).

`prune` deletes what is older, on either backend: events by @timestamp, articles by published_at,
incidents by last_seen once closed (an open incident is never pruned). `vigil store prune` runs it;
run it daily (deploy/systemd/vigil-prune.timer). On a real cluster the events data stream is also
trimmed by its ILM policy's delete phase (store.elastic.events_policy).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.config import RetentionSettings
from store.models import IncidentStatus
from store.protocol import Store
from store.query import TIME_FIELD, Filter, Kind, Range, SearchQuery, Term


@dataclass(frozen=True)
class Expiry:
    kind: Kind
    days: int
    query: SearchQuery  # what is due for deletion


def expiries(retention: RetentionSettings, now: datetime) -> list[Expiry]:
    plan = [
        (Kind.events, retention.events_days, ()),
        (Kind.articles, retention.articles_days, ()),
        (
            Kind.incidents,
            retention.incidents_days,
            (Term("status", (IncidentStatus.resolved.value, IncidentStatus.false_positive.value)),),
        ),
    ]
    out = []
    for kind, days, extra in plan:
        if days is None:
            continue
        field = "last_seen" if kind is Kind.incidents else TIME_FIELD[kind]
        filters: tuple[Filter, ...] = (Range(field, lt=now - timedelta(days=days)), *extra)
        out.append(Expiry(kind, days, SearchQuery(filters=filters, size=0)))
    return out


def prune(
    store: Store, retention: RetentionSettings, now: datetime, *, dry_run: bool = False
) -> dict[str, int]:
    """Delete (or, with `dry_run`, count) what each index keeps beyond its retention; per kind."""
    done: dict[str, int] = {}
    for expiry in expiries(retention, now):
        if dry_run:
            done[expiry.kind.value] = store.count(expiry.kind, expiry.query)
        else:
            done[expiry.kind.value] = store.delete_matching(expiry.kind, expiry.query)
    return done
