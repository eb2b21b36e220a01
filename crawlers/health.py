"""Outlet health: when each outlet was last fetched successfully, how much it publishes, whether an
outlet that usually publishes has gone silent (a block, a dead feed), and whether its page layout
seems to have changed (its selectors stopped finding the title, body, date or authors).

The crawl child writes one `outlet_health` record per outlet into the store after every crawl, so
any process (the API, `vigil sources check`) reads the same view.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from core.config import Settings
from crawlers.item import WATCHED
from crawlers.outlet import Outlet
from crawlers.registry import registry_for
from crawlers.state import CrawlState
from store.protocol import Store
from store.query import Kind, Range, RecordKind, SearchQuery, Term

WINDOW_DAYS = 7  # articles per day are averaged over this window
BASELINE_DAYS = 30  # an outlet "usually publishes" when it published in this window
LAYOUT_MIN_PAGES = 4  # a crawl reading fewer of an outlet's pages says nothing about its layout
LAYOUT_JUMP = 0.5  # a field's share of pages not read by the selectors rising this much: layout changed
BASELINE_WEIGHT = 0.3  # each crawl's weight in the moving baseline of those shares


@dataclass
class OutletHealth:
    name: str
    domain: str
    last_success: datetime | None
    articles_per_day: float
    silent: bool
    last_attempt: datetime | None = None
    last_errors: int = 0
    articles_total: int = 0
    # per watched field (title, body, published_at, authors): the share of the last crawl's pages whose
    # value did not come from the outlet's selectors (a fallback, or empty), and the fields whose share
    # jumped above the outlet's usual one: its layout has probably changed
    fallback_shares: dict[str, float] = field(default_factory=dict)
    layout_changed: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("last_success", "last_attempt"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def layout_watch(outlet: Outlet, stats: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """This crawl's fallback shares per watched field, the outlet's baseline, and the fields that jumped.

    Without a baseline yet, the title and body of an outlet whose layouts have selectors for them are
    expected from the selectors (share 0); other fields start from what this crawl saw. A crawl that
    raises the alarm does not move the baseline, so the warning stays until the layout is fixed."""
    pages = int(stats.get(f"outlet/{outlet.name}/fields/pages", 0))
    if pages < LAYOUT_MIN_PAGES:
        return previous
    shares = {
        name: round(int(stats.get(f"outlet/{outlet.name}/fields/fallback/{name}", 0)) / pages, 3)
        for name in WATCHED
    }
    baseline: dict[str, float] = dict(previous.get("baseline") or {})
    newest = outlet.parser_for(None)
    for name in WATCHED:
        if name not in baseline:
            selected = {"title": newest.title, "body": newest.body}.get(name)
            baseline[name] = 0.0 if selected else shares[name]
    changed = [name for name in WATCHED if shares[name] - baseline[name] >= LAYOUT_JUMP]
    if not changed:
        baseline = {
            name: round((1 - BASELINE_WEIGHT) * baseline[name] + BASELINE_WEIGHT * shares[name], 3)
            for name in WATCHED
        }
    return {"pages": pages, "shares": shares, "baseline": baseline, "changed": changed}


def record_health(store: Store, state: CrawlState, outlets: list[Outlet], stats: dict[str, Any]) -> None:
    """Write this crawl's per-outlet fetch times, error counts and layout watch into the store's records."""
    known = state.outlets()
    previous = {
        outlet.name: store.get_record(RecordKind.outlet_health, outlet.name) or {} for outlet in outlets
    }
    records: dict[str, dict[str, Any]] = {}
    for outlet in outlets:
        name = outlet.name
        entry = known.get(name, {})
        errors = sum(int(v) for k, v in stats.items() if k.startswith(f"outlet/{name}/errors/"))
        records[name] = {
            "name": name,
            "last_success": entry.get("last_success"),
            "last_attempt": entry.get("last_attempt"),
            "articles_indexed": entry.get("articles", 0),
            "last_errors": errors,
            "layout": layout_watch(outlet, stats, previous[name].get("layout") or {}),
        }
    for name, record in records.items():
        if record["last_success"] is None:
            record["last_success"] = previous[name].get("last_success")
    store.put_records(RecordKind.outlet_health, records)


def outlet_health(store: Store, settings: Settings, now: datetime | None = None) -> list[OutletHealth]:
    """Health of every registry outlet. "Silent": it published in the last BASELINE_DAYS days but nothing
    in the last `crawl.silent_after_hours`, or it has not been fetched successfully for that long."""
    moment = now or datetime.now(UTC)
    quiet_after = timedelta(hours=settings.crawl.silent_after_hours)
    report = []
    for outlet in registry_for(settings).outlets:
        record = store.get_record(RecordKind.outlet_health, outlet.name) or {}
        by_outlet = Term("outlet", (outlet.name,))
        week = store.count(
            Kind.articles,
            SearchQuery(
                filters=(by_outlet, Range("published_at", gte=moment - timedelta(days=WINDOW_DAYS))), size=0
            ),
        )
        baseline = store.count(
            Kind.articles,
            SearchQuery(
                filters=(by_outlet, Range("published_at", gte=moment - timedelta(days=BASELINE_DAYS))), size=0
            ),
        )
        recent = store.count(
            Kind.articles,
            SearchQuery(filters=(by_outlet, Range("published_at", gte=moment - quiet_after)), size=0),
        )
        total = store.count(Kind.articles, SearchQuery(filters=(by_outlet,), size=0))
        last_success = _when(record.get("last_success"))
        stale_fetch = last_success is not None and moment - last_success > quiet_after
        report.append(
            OutletHealth(
                name=outlet.name,
                domain=outlet.domain,
                last_success=last_success,
                last_attempt=_when(record.get("last_attempt")),
                articles_per_day=round(week / WINDOW_DAYS, 2),
                silent=(baseline > 0 and recent == 0) or stale_fetch,
                last_errors=int(record.get("last_errors", 0)),
                articles_total=total,
                fallback_shares=dict((record.get("layout") or {}).get("shares") or {}),
                layout_changed=list((record.get("layout") or {}).get("changed") or []),
            )
        )
    return report
