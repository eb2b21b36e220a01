"""The alert scenario of `vigil demo`: the bundled snapshot corpus (68 articles spread over a year) is
too sparse to raise a spike or a silence with the shipped rules, so the demo plants a small, clearly
marked scenario (titles start with "[Minh họa]", URLs under .invalid) timed just before `now`, then runs
the real rules over the whole store: one alert of each kind comes out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from alerts.engine import evaluate
from store.models import Article, Entity
from store.protocol import Store
from store.query import RecordKind

MARK = "[Minh họa]"
WATCHLIST: dict[str, Any] = {  # a shared watchlist on a gazetteer entity: every alias of it matches
    "id": "minh-hoa-ubnd",
    "name": "UBND tỉnh (minh họa)",
    "terms": [],
    "entities": ["UBND TP Huế"],
    "visibility": "shared",
    "owner": None,
}


def _article(n: int, outlet: str, at: datetime, title: str, **fields: Any) -> Article:
    return Article(
        url=f"https://{outlet}.demo-canh-bao.invalid/{n}",
        outlet=outlet,
        title=f"{MARK} {title}",
        body=f"{title}. Bài minh họa do vigil demo tạo để trình diễn cảnh báo.",
        published_at=at,
        **fields,
    )


def scenario(now: datetime) -> list[Article]:
    ubnd = Entity(text="UBND tỉnh Thừa Thiên Huế", type="ORG", normalized="ubnd tinh thua thien hue")
    story = [
        _article(
            i,
            outlet,
            now - timedelta(hours=5 - i),
            "Sạt lở đất vùi nhà dân ở A Lưới",
            story_cluster="minh-hoa-sat-lo",
        )
        for i, outlet in enumerate(["vnexpress", "tuoitre", "thanhnien"])
    ]
    negative = [
        _article(
            10 + i,
            outlet,
            now - timedelta(hours=1 + 3 * i),
            f"Người dân phản ánh UBND tỉnh Thừa Thiên Huế chậm giải quyết hồ sơ ({i + 1})",
            tone="negative",
            entities=[ubnd],
            watchlists=[WATCHLIST["id"]],
        )
        for i, outlet in enumerate(["dantri", "laodong", "nld", "vietnamnet", "tienphong", "cand"])
    ]
    silent = [
        _article(30 + i, "baoquangtri", now - timedelta(hours=50 + 3 * i), f"Tin địa phương số {i + 1}")
        for i in range(10)
    ]
    return story + negative + silent


def run_scenario(store: Store, now: datetime | None = None) -> list[dict[str, Any]]:
    """Plant the scenario and run the rules; returns the alerts raised."""
    now = now or datetime.now(UTC)
    store.put_records(RecordKind.watchlists, {WATCHLIST["id"]: WATCHLIST})
    result = store.index_articles(scenario(now))
    if result.errors:
        raise RuntimeError(f"the demo alert scenario was not stored: {result.errors[0][1]}")
    store.refresh()
    return evaluate(store, now)
