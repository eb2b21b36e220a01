"""The demo's alert scenario raises one alert of each kind with the shipped rules (both backends)."""

from __future__ import annotations

from typing import Any

from alerts.demo import MARK, run_scenario
from store.query import Kind, SearchQuery


def test_the_demo_scenario_raises_each_kind(store: Any) -> None:
    raised = run_scenario(store)
    kinds = sorted({a["kind"] for a in raised})
    assert kinds == ["negative_spike", "outlet_silent", "story_spread", "watchlist_match"]
    silent = [a for a in raised if a["kind"] == "outlet_silent"]
    assert [a["subject"] for a in silent] == ["baoquangtri"]
    for alert in raised:
        assert alert["why"] and alert["article_ids"]
        for article_id in alert["article_ids"]:
            article = store.get_article(article_id)
            assert article is not None and article.title.startswith(MARK)
    assert store.count(Kind.articles, SearchQuery()) == 19
