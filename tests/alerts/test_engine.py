"""Alerts kept in the store (both backends): evaluated over stored articles, deduplicated by key and
updated as a story grows; per-user read marks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from alerts.engine import evaluate, is_unread, list_alerts, mark_read, read_marks
from store.models import Article
from store.query import RecordKind

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _article(n: int, outlet: str, hours_ago: float, **fields: Any) -> Article:
    return Article(
        url=f"https://{outlet}.example/{n}",
        outlet=outlet,
        title=f"Bài {n}",
        published_at=NOW - timedelta(hours=hours_ago),
        **fields,
    )


def test_a_growing_story_is_one_alert_updated_and_unread_again(store: Any) -> None:
    store.put_records(
        RecordKind.watchlists, {"ubnd-hue": {"id": "ubnd-hue", "name": "UBND Huế", "terms": ["x"]}}
    )
    first = [
        _article(i, o, 5 - i, story_cluster="s1") for i, o in enumerate(["vnexpress", "tuoitre", "thanhnien"])
    ]
    store.index_articles(first)
    store.refresh()
    fired = evaluate(store, NOW)
    assert [a["kind"] for a in fired] == ["story_spread"]
    assert len(fired[0]["article_ids"]) == 3 and "3 báo" in fired[0]["why"]
    assert evaluate(store, NOW) == []  # nothing new: no second alert, no update

    mark_read(store, "an", fired)
    assert not is_unread(list_alerts(store)[0], read_marks(store, "an"))

    store.index_articles([_article(9, "dantri", 1, story_cluster="s1", watchlists=["ubnd-hue"])])
    store.refresh()
    later = NOW + timedelta(minutes=5)
    updated = evaluate(store, later)
    kinds = sorted(a["kind"] for a in updated)
    assert kinds == ["story_spread", "watchlist_match"]
    story = next(a for a in updated if a["kind"] == "story_spread")
    assert len(story["article_ids"]) == 4 and story["updates"] == 1
    assert story["fired_at"] == NOW.isoformat() and story["updated_at"] == later.isoformat()
    stored = list_alerts(store)
    assert len(stored) == 2
    marks = read_marks(store, "an")
    assert all(is_unread(a, marks) for a in stored)  # the story grew after it was read
    assert read_marks(store, "binh") == {}


def test_people_who_chose_e_mail_are_mailed_outside_their_quiet_hours(store: Any) -> None:
    from alerts.engine import email_recipients, in_quiet_hours, save_prefs

    save_prefs(store, "an", "an@so.example", True, 22, 6)  # quiet overnight, Vietnam time
    save_prefs(store, "binh", "binh@so.example", True, None, None)
    save_prefs(store, "chi", "chi@so.example", False, None, None)  # chose the in-app list only
    mark_read(store, "an", [{"id": "x", "updated_at": "2026"}])  # read marks keep the choice
    night = datetime(2026, 3, 10, 16, 30, tzinfo=UTC)  # 23:30 in Vietnam
    day = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
    assert sorted(email_recipients(store, night)) == ["binh@so.example"]
    assert sorted(email_recipients(store, day)) == ["an@so.example", "binh@so.example"]
    assert in_quiet_hours({"quiet_from": 12, "quiet_to": 14}, datetime(2026, 3, 10, 6, 0, tzinfo=UTC))
    assert not in_quiet_hours({"quiet_from": 12, "quiet_to": 14}, datetime(2026, 3, 10, 7, 0, tzinfo=UTC))
