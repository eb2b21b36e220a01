"""Outlet health: when each outlet was last fetched successfully, how much it publishes, and whether
an outlet that usually publishes has gone silent (a layout change, a block, a dead feed).

The crawl child writes one `outlet_health` record per outlet into the store after every crawl, so
any process (the API, `vigil sources check`) reads the same view.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from core.config import Settings
from crawlers.registry import registry_for
from crawlers.state import CrawlState
from store.protocol import Store
from store.query import Kind, Range, RecordKind, SearchQuery, Term

WINDOW_DAYS = 7  # articles per day are averaged over this window
BASELINE_DAYS = 30  # an outlet "usually publishes" when it published in this window


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


def record_health(store: Store, state: CrawlState, outlets: list[str], stats: dict[str, Any]) -> None:
    """Write this crawl's per-outlet fetch times and error counts into the store's records."""
    known = state.outlets()
    records: dict[str, dict[str, Any]] = {}
    for name in outlets:
        entry = known.get(name, {})
        errors = sum(int(v) for k, v in stats.items() if k.startswith(f"outlet/{name}/errors/"))
        records[name] = {
            "name": name,
            "last_success": entry.get("last_success"),
            "last_attempt": entry.get("last_attempt"),
            "articles_indexed": entry.get("articles", 0),
            "last_errors": errors,
        }
    previous = {name: store.get_record(RecordKind.outlet_health, name) or {} for name in records}
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
            )
        )
    return report
