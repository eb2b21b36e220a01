"""The four alert kinds on synthetic articles with known answers: spikes that must fire and quiet
series that must stay quiet, spreading stories, silent outlets."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from alerts.kinds import (
    Item,
    negative_spike,
    outlet_silent,
    poisson_upper_tail,
    story_spread,
    watchlist_match,
)
from alerts.rules import load_rules

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
RULES = load_rules()


def _item(n: int, hours_ago: float, **fields: object) -> Item:
    values: dict = {"outlet": "vnexpress", "tone": "negative", "watchlists": ("ubnd-hue",)}
    values.update(fields)
    return Item(id=f"a{n}", published_at=NOW - timedelta(hours=hours_ago), **values)


def _series(counts: list[int]) -> list[Item]:
    """counts[0] negative articles in the current day, counts[k] in the k-th day before, spread evenly."""
    items = []
    for day, count in enumerate(counts):
        for j in range(count):
            items.append(_item(len(items), day * 24 + (j + 0.5) * 24 / count))
    return items


def test_poisson_upper_tail_matches_the_definition() -> None:
    lam = 2.0
    by_hand = 1 - sum(math.exp(-lam) * lam**i / math.factorial(i) for i in range(7))
    assert poisson_upper_tail(7, lam) == pytest.approx(by_hand)
    assert poisson_upper_tail(0, lam) == 1.0


def test_a_planted_burst_of_negative_articles_fires_once_with_its_articles() -> None:
    items = _series([12, 1, 2, 1, 0, 2, 1, 1])
    alerts = negative_spike(items, RULES["negative_spike"], NOW, {"ubnd-hue": "UBND Huế"})
    assert [a.subject for a in alerts] == ["watchlist:ubnd-hue"]
    assert alerts[0].metric["count"] == 12
    assert len(alerts[0].article_ids) == 12
    assert "UBND Huế" in alerts[0].why and "Poisson" in alerts[0].why


def test_tiny_numbers_never_fire_even_from_a_zero_baseline() -> None:
    items = _series([4, 0, 0, 0, 0, 0, 0, 0])  # 4 against nothing: under min_count 5
    assert negative_spike(items, RULES["negative_spike"], NOW, {}) == []


def test_a_steady_busy_subject_stays_quiet() -> None:
    items = _series([11, 9, 10, 12, 8, 10, 11, 9])
    assert negative_spike(items, RULES["negative_spike"], NOW, {}) == []


def test_positive_articles_do_not_count() -> None:
    items = [_item(i, i * 0.5, tone="positive") for i in range(20)]
    assert negative_spike(items, RULES["negative_spike"], NOW, {}) == []


def test_quiet_random_weeks_stay_quiet_and_planted_spikes_fire() -> None:
    """200 Poisson weeks at a steady rate: (almost) no alert; the same weeks with a burst: all fire."""
    rng = random.Random(16)
    false_alarms = 0
    caught = 0
    for _ in range(200):
        rate = rng.uniform(0.5, 6)
        counts = [_poisson(rng, rate) for _ in range(8)]
        false_alarms += bool(negative_spike(_series(counts), RULES["negative_spike"], NOW, {}))
        counts[0] = max(5, int(rate * 4 + 8))
        caught += bool(negative_spike(_series(counts), RULES["negative_spike"], NOW, {}))
    assert false_alarms <= 2
    assert caught == 200


def _poisson(rng: random.Random, lam: float) -> int:
    count, product, limit = 0, rng.random(), math.exp(-lam)
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def test_a_story_reaching_three_outlets_within_six_hours_spreads() -> None:
    items = [
        _item(1, 10, outlet="vnexpress", story_cluster="s1", title="Sạt lở"),
        _item(2, 8, outlet="tuoitre", story_cluster="s1"),
        _item(3, 6, outlet="thanhnien", story_cluster="s1"),
        _item(4, 30, outlet="vnexpress", story_cluster="s2"),
        _item(5, 20, outlet="tuoitre", story_cluster="s2"),  # 10 h apart
        _item(6, 12, outlet="thanhnien", story_cluster="s2"),
        _item(7, 5, outlet="vnexpress", story_cluster="s3"),
        _item(8, 4, outlet="vnexpress", story_cluster="s3"),  # the same outlet twice
        _item(9, 3, outlet="tuoitre", story_cluster="s3"),
    ]
    alerts = story_spread(items, RULES["story_spread"], NOW, {})
    assert [a.key for a in alerts] == ["story_spread:s1"]
    assert alerts[0].article_ids == ["a1", "a2", "a3"] and alerts[0].metric["outlets"] == 3
    assert alerts[0].title == "Sạt lở"


def test_an_outlet_silent_beyond_its_usual_gap() -> None:
    hourly = [_item(i, 30 + i, outlet="hue-today") for i in range(20)]  # every hour until 30 h ago
    steady = [_item(100 + i, 0.5 + i, outlet="baothuathienhue") for i in range(20)]  # still publishing
    sparse = [_item(200 + i, 10 + 48 * i, outlet="weekly") for i in range(6)]  # every 2 days, 10 h ago
    alerts = outlet_silent(hourly + steady + sparse, RULES["outlet_silent"], NOW, {"hue-today": "Huế Today"})
    assert [a.subject for a in alerts] == ["hue-today"]
    assert alerts[0].article_ids == ["a0"] and "Huế Today" in alerts[0].why


def test_an_outlet_with_too_little_history_is_not_judged() -> None:
    few = [_item(i, 100 + i, outlet="rare") for i in range(3)]
    assert outlet_silent(few, RULES["outlet_silent"], NOW, {}) == []


def test_watchlist_matches_group_by_story_and_ignore_old_articles() -> None:
    items = [
        _item(1, 2, story_cluster="s1", outlet="vnexpress"),
        _item(2, 1, story_cluster="s1", outlet="tuoitre"),
        _item(3, 3, outlet="tuoitre"),
        _item(4, 48, outlet="tuoitre"),  # older than the lookback (24 h)
        _item(5, 1, watchlists=()),
    ]
    alerts = watchlist_match(items, RULES["watchlist_match"], NOW, {"ubnd-hue": "UBND Huế"})
    assert sorted(a.key for a in alerts) == ["watchlist_match:ubnd-hue:a3", "watchlist_match:ubnd-hue:s1"]
    grouped = next(a for a in alerts if a.key.endswith("s1"))
    assert grouped.article_ids == ["a1", "a2"] and "UBND Huế" in grouped.why


def test_poisson_tail_keeps_its_precision_far_out() -> None:
    by_hand = sum(math.exp(-0.5) * 0.5**i / math.factorial(i) for i in range(30, 80))
    assert poisson_upper_tail(30, 0.5) == pytest.approx(by_hand, rel=1e-9)
    assert poisson_upper_tail(3, 10.0) == pytest.approx(
        1 - sum(math.exp(-10) * 10**i / math.factorial(i) for i in range(3)), rel=1e-9
    )
