"""Evaluate the rules over the stored articles and keep the alerts as store records (RecordKind.alerts),
one per deduplication key: a key seen again updates its alert (articles merged, why and figures
refreshed, `updated_at` moved) instead of raising another. Per-user read marks are kept as
RecordKind.notifications (one record per user: alert id → the `updated_at` they read).

An alert about a private watchlist (a match, or a negative spike on it) records the watchlist's `owner`:
it is that person's only (their list, their live page, their e-mail), never the office's list, e-mail
or webhooks. Every other alert has `owner` None: the office's."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from alerts.kinds import EVALUATORS, VIETNAM, Alert, Item
from alerts.rules import Rule, load_rules
from store.ids import stable_id
from store.protocol import Store
from store.query import Kind, Range, RecordKind, SearchQuery, SortField

MAX_ARTICLES = 100_000


def history_start(rules: dict[str, Rule], now: datetime) -> datetime:
    """How far back the rules read articles."""
    spike = rules["negative_spike"]
    hours = max(
        float(rules["watchlist_match"].get("lookback_hours")),
        float(spike.get("window_hours")) * (int(spike.get("baseline_windows")) + 1),
        float(rules["story_spread"].get("lookback_hours")) + float(rules["story_spread"].get("within_hours")),
        float(rules["outlet_silent"].get("history_days")) * 24,
    )
    return now - timedelta(hours=hours)


def load_items(store: Store, since: datetime, until: datetime) -> list[Item]:
    query = SearchQuery(
        filters=(Range("published_at", gte=since, lte=until),),
        sort=(SortField("published_at"),),
        size=500,
    )
    items: list[Item] = []
    page = store.search(Kind.articles, query)
    while page.hits and len(items) < MAX_ARTICLES:
        for hit in page.hits:
            item = Item.from_source(hit.id, hit.source)
            if item is not None:
                items.append(item)
        if not page.next_cursor:
            break
        page = store.search(Kind.articles, replace(query, cursor=page.next_cursor))
    return items


def alert_id(key: str) -> str:
    return stable_id("alert", key, length=24)


def evaluate(
    store: Store,
    now: datetime | None = None,
    rules: dict[str, Rule] | None = None,
    outlet_names: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Run every rule at `now`; store new alerts and grown ones; return those (new or updated)."""
    now = now or datetime.now(UTC)
    rules = rules or load_rules()
    items = load_items(store, history_start(rules, now), now)
    watchlists = store.list_records(RecordKind.watchlists, limit=10_000)
    names = {r["id"]: r.get("name", r["id"]) for r in watchlists}
    owners = {r["id"]: r.get("owner") for r in watchlists if r.get("visibility") == "private"}
    names.update(outlet_names or {})
    found: list[Alert] = []
    for kind, evaluator in EVALUATORS.items():
        found.extend(evaluator(items, rules[kind], now, names))
    changed: dict[str, dict[str, Any]] = {}
    stamp = now.isoformat()
    for alert in found:
        record_id = alert_id(alert.key)
        old = store.get_record(RecordKind.alerts, record_id)
        ids = list(dict.fromkeys([*(old or {}).get("article_ids", []), *alert.article_ids]))
        if old is not None and ids == old.get("article_ids") and alert.metric == old.get("metric"):
            continue
        changed[record_id] = {
            "id": record_id,
            "key": alert.key,
            "kind": alert.kind,
            "rule_title": rules[alert.kind].title,
            "subject": alert.subject,
            "title": alert.title,
            "why": alert.why,
            "article_ids": ids,
            "metric": alert.metric,
            "fired_at": (old or {}).get("fired_at", stamp),
            "updated_at": stamp,
            "updates": int((old or {}).get("updates", -1)) + 1,
            # the wall-clock moment it was written (`updated_at` is the evaluation's moment, which a
            # replay, POST /alerts/evaluate?at=, puts in the past): what the live page streams by
            "stored_at": datetime.now(UTC).isoformat(),
            "owner": owners.get(_watchlist_of(alert)),
        }
    if changed:
        store.put_records(RecordKind.alerts, changed)
    return list(changed.values())


def _watchlist_of(alert: Alert) -> str:
    """The watchlist an alert is about ("" when none)."""
    if alert.kind == "watchlist_match":
        return alert.subject
    if alert.kind == "negative_spike" and alert.subject.startswith("watchlist:"):
        return alert.subject.split(":", 1)[1]
    return ""


def list_alerts(store: Store, limit: int = 500, user: str | None = None) -> list[dict[str, Any]]:
    """The alerts `user` may see (the office's and their own; the office's only for None), most
    recently updated first."""
    records = [
        r
        for r in store.list_records(RecordKind.alerts, limit=10_000)
        if not r.get("owner") or r.get("owner") == user
    ]
    return sorted(records, key=lambda r: str(r.get("updated_at", "")), reverse=True)[:limit]


def office_alerts(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in alerts if not a.get("owner")]


def read_marks(store: Store, user: str) -> dict[str, str]:
    record = store.get_record(RecordKind.notifications, user)
    return dict((record or {}).get("read", {}))


def is_unread(alert: dict[str, Any], marks: dict[str, str]) -> bool:
    """Unread until the user reads it, and again once it is updated after that."""
    seen = marks.get(str(alert["id"]))
    return seen is None or seen < str(alert.get("updated_at", ""))


def _save(store: Store, user: str, **changes: Any) -> None:
    record = store.get_record(RecordKind.notifications, user) or {"id": user, "read": {}}
    store.put_records(RecordKind.notifications, {user: {**record, **changes, "id": user}})


def mark_read(store: Store, user: str, alerts: list[dict[str, Any]]) -> None:
    marks = read_marks(store, user)
    for alert in alerts:
        marks[str(alert["id"])] = str(alert.get("updated_at", ""))
    _save(store, user, read=marks)


def mark_unread(store: Store, user: str, alert_ids: list[str]) -> None:
    marks = read_marks(store, user)
    for alert_id_ in alert_ids:
        marks.pop(alert_id_, None)
    _save(store, user, read=marks)


# -- per-user channels: e-mail on or off, to which address, and quiet hours (Vietnam time) -------------


def read_prefs(store: Store, user: str) -> dict[str, Any]:
    record = store.get_record(RecordKind.notifications, user) or {}
    return {
        "email": record.get("email", ""),
        "email_on": bool(record.get("email_on", False)),
        "quiet_from": record.get("quiet_from"),
        "quiet_to": record.get("quiet_to"),
    }


def save_prefs(
    store: Store, user: str, email: str, email_on: bool, quiet_from: int | None, quiet_to: int | None
) -> None:
    _save(store, user, email=email, email_on=email_on, quiet_from=quiet_from, quiet_to=quiet_to)


def in_quiet_hours(prefs: dict[str, Any], now: datetime) -> bool:
    """Quiet from hour `quiet_from` to hour `quiet_to` (Vietnam time; 22 → 6 spans midnight)."""
    start, end = prefs.get("quiet_from"), prefs.get("quiet_to")
    if start is None or end is None or start == end:
        return False
    hour = now.astimezone(VIETNAM).hour
    return start <= hour < end if start < end else hour >= start or hour < end


def email_people(store: Store, now: datetime) -> dict[str, str]:
    """user → address of the people who chose e-mail and are not in their quiet hours now (alerts
    raised during them stay in their in-app list; they are not mailed later)."""
    found = {}
    for record in store.list_records(RecordKind.notifications, limit=10_000):
        prefs = read_prefs(store, str(record["id"]))
        if prefs["email_on"] and prefs["email"] and not in_quiet_hours(prefs, now):
            found[str(record["id"])] = str(prefs["email"])
    return found


def email_recipients(store: Store, now: datetime) -> list[str]:
    """The addresses of `email_people`."""
    return list(email_people(store, now).values())
