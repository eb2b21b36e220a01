"""The four alert kinds as pure functions over articles (no store): each returns the alerts its rule
finds at `now`, each with a deduplication key, the articles behind it and a sentence saying why."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from alerts.rules import Rule

VIETNAM = timezone(timedelta(hours=7))


@dataclass(frozen=True)
class Item:
    """What the rules read of one stored article."""

    id: str
    outlet: str
    published_at: datetime
    title: str = ""
    url: str = ""
    tone: str | None = None
    watchlists: tuple[str, ...] = ()
    entities: tuple[tuple[str, str, str], ...] = ()  # (type, normalized, text)
    story_cluster: str | None = None

    @classmethod
    def from_source(cls, article_id: str, source: dict[str, Any]) -> Item | None:
        value = source.get("published_at")
        if not value:
            return None
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return cls(
            id=article_id,
            outlet=str(source.get("outlet") or ""),
            published_at=moment,
            title=str(source.get("title") or ""),
            url=str(source.get("url") or ""),
            tone=source.get("tone"),
            watchlists=tuple(source.get("watchlists") or ()),
            entities=tuple(
                (
                    str(e.get("type", "")),
                    str(e.get("normalized") or e.get("text", "")),
                    str(e.get("text", "")),
                )
                for e in source.get("entities") or ()
            ),
            story_cluster=source.get("story_cluster") or None,
        )


@dataclass
class Alert:
    key: str  # deduplication: one alert per key, updated as it grows
    kind: str
    subject: str
    title: str
    why: str
    article_ids: list[str]
    metric: dict[str, Any] = field(default_factory=dict)


def poisson_upper_tail(count: int, lam: float) -> float:
    """P(X >= count) for X ~ Poisson(lam), summed over the tail itself (exact for tiny tails too)."""
    if count <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    term = math.exp(count * math.log(lam) - lam - math.lgamma(count + 1))
    total, k = 0.0, count
    while term > total * 1e-16 or k < lam:
        total += term
        k += 1
        term *= lam / k
        if term == 0.0 and k > lam:
            break
    return min(1.0, total)


def watchlist_match(items: Iterable[Item], rule: Rule, now: datetime, names: dict[str, str]) -> list[Alert]:
    since = now - timedelta(hours=float(rule.get("lookback_hours")))
    groups: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for item in items:
        if since <= item.published_at <= now:
            for wid in item.watchlists:
                groups[(wid, item.story_cluster or item.id)].append(item)
    alerts = []
    for (wid, story), found in sorted(groups.items()):
        found.sort(key=lambda i: i.published_at)
        outlets = sorted({i.outlet for i in found})
        name = names.get(wid, wid)
        alerts.append(
            Alert(
                key=f"watchlist_match:{wid}:{story}",
                kind="watchlist_match",
                subject=wid,
                title=f"{name}: {found[0].title}",
                why=f"{len(found)} bài mới khớp danh sách theo dõi «{name}» ({len(outlets)} báo: "
                f"{', '.join(outlets)})",
                article_ids=[i.id for i in found],
                metric={"articles": len(found), "outlets": len(outlets)},
            )
        )
    return alerts


def _subjects(item: Item, entity_types: set[str]) -> set[tuple[str, str]]:
    found = {("watchlist", wid) for wid in item.watchlists}
    found |= {("entity", norm) for etype, norm, _ in item.entities if etype in entity_types and norm}
    return found


def negative_spike(items: Iterable[Item], rule: Rule, now: datetime, names: dict[str, str]) -> list[Alert]:
    hours = float(rule.get("window_hours"))
    windows = int(rule.get("baseline_windows"))
    min_count = int(rule.get("min_count"))
    p_max = float(rule.get("p_value"))
    floor = float(rule.get("baseline_floor"))
    types = set(rule.get("entity_types"))
    width = timedelta(hours=hours)
    start = now - width * (windows + 1)
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * (windows + 1))
    current: dict[tuple[str, str], list[Item]] = defaultdict(list)
    labels: dict[str, str] = {}
    for item in items:
        if item.tone != "negative" or not (start <= item.published_at < now):
            continue
        index = int((now - item.published_at) / width)  # 0: the current window
        for _etype, norm, text in item.entities:
            labels.setdefault(norm, text)
        for subject in _subjects(item, types):
            counts[subject][index] += 1
            if index == 0:
                current[subject].append(item)
    if hours == 24:
        bucket = now.astimezone(VIETNAM).strftime("%Y-%m-%d")
    else:
        bucket = str(int(now.timestamp() // (hours * 3600)))
    alerts = []
    for subject, series in sorted(counts.items()):
        count = series[0]
        mean = sum(series[1:]) / windows
        lam = max(mean, floor)
        p = poisson_upper_tail(count, lam)
        if count < min_count or p > p_max:
            continue
        kind, key = subject
        name = names.get(key, key) if kind == "watchlist" else labels.get(key, key)
        what = f"danh sách «{name}»" if kind == "watchlist" else f"«{name}»"
        alerts.append(
            Alert(
                key=f"negative_spike:{kind}:{key}:{bucket}",
                kind="negative_spike",
                subject=f"{kind}:{key}",
                title=f"Tin tiêu cực về {what} tăng đột biến",
                why=f"{count} bài tiêu cực về {what} trong {hours:g} giờ qua, so với trung bình "
                f"{mean:.1f} mỗi {hours:g} giờ trong {windows} khoảng trước; Poisson P(X ≥ {count} | "
                f"λ = {lam:.2f}) = {p:.2g} ≤ {p_max:g}, và ≥ {min_count} bài",
                article_ids=[i.id for i in sorted(current[subject], key=lambda i: i.published_at)],
                metric={"count": count, "baseline_mean": round(mean, 3), "p_value": float(f"{p:.4g}")},
            )
        )
    return alerts


def story_spread(items: Iterable[Item], rule: Rule, now: datetime, names: dict[str, str]) -> list[Alert]:
    need = int(rule.get("min_outlets"))
    within = timedelta(hours=float(rule.get("within_hours")))
    since = now - timedelta(hours=float(rule.get("lookback_hours")))
    clusters: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        if item.story_cluster and item.published_at <= now:
            clusters[item.story_cluster].append(item)
    alerts = []
    for cluster, found in sorted(clusters.items()):
        found.sort(key=lambda i: i.published_at)
        if found[-1].published_at < since:
            continue
        reached = None
        for first in found:  # the earliest window of `within` holding `need` outlets
            inside = {
                i.outlet for i in found if first.published_at <= i.published_at <= first.published_at + within
            }
            if len(inside) >= need:
                reached = first
                break
        if reached is None:
            continue
        outlets = sorted({i.outlet for i in found})
        alerts.append(
            Alert(
                key=f"story_spread:{cluster}",
                kind="story_spread",
                subject=cluster,
                title=found[0].title,
                why=f"{len(outlets)} báo đưa tin ({', '.join(outlets)}); ≥ {need} báo trong vòng "
                f"{within.total_seconds() / 3600:g} giờ kể từ "
                f"{reached.published_at.astimezone(VIETNAM):%d/%m/%Y %H:%M} (giờ Việt Nam)",
                article_ids=[i.id for i in found],
                metric={"outlets": len(outlets), "articles": len(found)},
            )
        )
    return alerts


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def outlet_silent(items: Iterable[Item], rule: Rule, now: datetime, names: dict[str, str]) -> list[Alert]:
    since = now - timedelta(days=float(rule.get("history_days")))
    minimum = int(rule.get("min_articles"))
    by_outlet: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        if since <= item.published_at <= now:
            by_outlet[item.outlet].append(item)
    alerts = []
    for outlet, found in sorted(by_outlet.items()):
        if len(found) < minimum:
            continue
        found.sort(key=lambda i: i.published_at)
        gaps = [
            (b.published_at - a.published_at).total_seconds() / 3600 for a, b in itertools.pairwise(found)
        ]
        usual = _quantile(gaps, float(rule.get("gap_quantile")))
        limit = max(float(rule.get("factor")) * usual, float(rule.get("min_silence_hours")))
        silence = (now - found[-1].published_at).total_seconds() / 3600
        if silence <= limit:
            continue
        name = names.get(outlet, outlet)
        alerts.append(
            Alert(
                key=f"outlet_silent:{outlet}:{found[-1].id}",
                kind="outlet_silent",
                subject=outlet,
                title=f"{name} không đăng bài mới {silence:.0f} giờ",
                why=f"bài gần nhất của {name} cách đây {silence:.1f} giờ; khoảng cách thường gặp "
                f"(phân vị {float(rule.get('gap_quantile')):g} của {len(gaps)} khoảng trong "
                f"{float(rule.get('history_days')):g} ngày) là {usual:.1f} giờ, ngưỡng {limit:.1f} giờ",
                article_ids=[found[-1].id],
                # not the silence's length: an alert that changes every hour would be "updated" (and
                # mailed) at every run; `why` says how long it has lasted at the last update
                metric={"usual_gap_hours": round(usual, 2), "since": found[-1].published_at.isoformat()},
            )
        )
    return alerts


EVALUATORS = {
    "watchlist_match": watchlist_match,
    "negative_spike": negative_spike,
    "story_spread": story_spread,
    "outlet_silent": outlet_silent,
}
