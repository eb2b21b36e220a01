"""Each item pipeline on its own, inside a real Scrapy crawler (settings, stats, NotConfigured)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.test import get_crawler

from crawlers.context import CrawlContext
from crawlers.item import ArticleItem
from crawlers.pipelines import PIPELINES
from crawlers.pipelines.clusters import StoryClusterPipeline
from crawlers.pipelines.dedup import CanonicalUrlPipeline, ExactDedupPipeline
from crawlers.pipelines.enrich import EnrichPipeline
from crawlers.pipelines.index import IndexPipeline
from crawlers.pipelines.text import NormalisePipeline, ValidatePipeline
from crawlers.state import CrawlState
from store.models import Article
from store.protocol import Store
from tests.crawlers.conftest import make_settings
from vigil.snapshots.corpus import load_corpus


@pytest.fixture
def states(tmp_path: Path) -> Iterator[list[CrawlState]]:
    """The crawl states the test's crawlers opened (one state file), closed at the end."""
    opened: list[CrawlState] = []
    yield opened
    for state in opened:
        state.close()


def _crawler(tmp_path: Path, states: list[CrawlState], store: Store | None = None, **settings: Any):  # type: ignore[no-untyped-def]
    """A Scrapy crawler holding the crawl context `crawlers.runner` gives a real crawl."""
    state = CrawlState(tmp_path / "state.sqlite3")
    states.append(state)
    context = CrawlContext(make_settings(tmp_path), state, store)
    crawler = get_crawler(settings_dict={"VIGIL_CRAWL": context, **settings})
    crawler.stats.open_spider()
    return crawler


def _item(**fields: Any) -> ArticleItem:
    text = next(t for t in load_corpus() if t.role == "article")
    values: dict[str, Any] = {
        "url": "https://vnexpress.net/a-1.html?utm_source=x",
        "outlet": "vnexpress",
        "title": text.title,
        "sapo": text.lead,
        "body": "\n\n".join(text.paragraphs),
        "authors": ["Lê Minh Hoàng"],
        "tags": [],
        "category": "Thời sự",
        "canonical_url": "",
    }
    values.update(fields)
    return ArticleItem(Article(**values))


def test_pipelines_run_in_the_documented_order() -> None:
    names = [name.rsplit(".", 1)[1] for name, _ in sorted(PIPELINES.items(), key=lambda kv: kv[1])]
    assert names == [
        "ValidatePipeline",
        "NormalisePipeline",
        "CanonicalUrlPipeline",
        "ExactDedupPipeline",
        "StoryClusterPipeline",
        "EnrichPipeline",
        "IndexPipeline",
    ]


@pytest.mark.parametrize(
    ("fields", "reason"), [({"title": "  "}, "missing_title"), ({"body": "Ngắn."}, "missing_body")]
)
def test_validate_drops_with_a_counted_reason(
    tmp_path: Path, states: list[CrawlState], fields: dict[str, Any], reason: str
) -> None:
    crawler = _crawler(tmp_path, states)
    pipeline = ValidatePipeline.from_crawler(crawler)
    with pytest.raises(DropItem, match=reason):
        pipeline.process_item(_item(**fields))
    assert crawler.stats.get_value(f"pipeline/validate/dropped/{reason}") == 1
    assert pipeline.process_item(_item()).article.title
    assert crawler.stats.get_value("pipeline/validate/passed") == 1


def test_normalise_applies_nfc_and_keeps_paragraphs(tmp_path: Path, states: list[CrawlState]) -> None:
    pipeline = NormalisePipeline.from_crawler(_crawler(tmp_path, states))
    decomposed = "Thu\u0309a Thie\u0302n Hue\u0302\u0301"
    item = pipeline.process_item(
        _item(title=f"  {decomposed}  ", body="Đoạn   một.\n\n\nĐoạn hai.", authors=["A", "A", " "])
    )
    assert item.article.title == "Thủa Thiên Huế"
    assert item.article.body == "Đoạn một.\n\nĐoạn hai."
    assert item.article.authors == ["A"]


def test_canonical_prefers_a_same_site_rel_canonical_and_ignores_an_offsite_one(
    tmp_path: Path, states: list[CrawlState]
) -> None:
    crawler = _crawler(tmp_path, states)
    pipeline = CanonicalUrlPipeline.from_crawler(crawler)
    same = pipeline.process_item(_item(canonical_url="https://vnexpress.net/a-1.html"))
    assert same.article.canonical_url == "https://vnexpress.net/a-1.html"
    offsite = pipeline.process_item(_item(canonical_url="https://other.example/copy.html"))
    assert offsite.article.canonical_url == "https://vnexpress.net/a-1.html"
    assert crawler.stats.get_value("pipeline/canonical/offsite_ignored") == 1


def test_exact_dedup_persists_across_crawler_instances(tmp_path: Path, states: list[CrawlState]) -> None:
    first = ExactDedupPipeline.from_crawler(_crawler(tmp_path, states))
    item = _item(canonical_url="https://vnexpress.net/a-1.html")
    assert first.process_item(copy.deepcopy(item)).article.content_hash
    crawler = _crawler(tmp_path, states)
    second = ExactDedupPipeline.from_crawler(crawler)  # a later run, same state file
    with pytest.raises(DropItem, match="duplicate_url"):
        second.process_item(copy.deepcopy(item))
    with pytest.raises(DropItem, match="duplicate_content"):
        second.process_item(
            _item(canonical_url="https://vnexpress.net/a-1-copy.html", title=item.article.title.upper())
        )
    other_outlet = _item(canonical_url="https://tuoitre.vn/a-1.htm", outlet="tuoitre")
    assert second.process_item(other_outlet)  # syndication is not a duplicate: it is a story cluster
    assert crawler.stats.get_value("duplicates") == 2


def test_story_cluster_groups_copies_and_counts_outlets(tmp_path: Path, states: list[CrawlState]) -> None:
    pipeline = StoryClusterPipeline.from_crawler(_crawler(tmp_path, states))
    original = pipeline.process_item(_item(canonical_url="https://vnexpress.net/a-1.html"))
    copied = pipeline.process_item(
        _item(
            canonical_url="https://tuoitre.vn/b.htm",
            outlet="tuoitre",
            title="Tít khác",
            body=_item().article.body + " (Theo TTXVN)",
        )
    )
    other = pipeline.process_item(
        _item(
            canonical_url="https://tuoitre.vn/c.htm",
            outlet="tuoitre",
            sapo="",
            body="Một câu chuyện hoàn toàn khác về thời tiết ở Huế hôm nay.",
        )
    )
    assert copied.article.story_cluster == original.article.story_cluster != other.article.story_cluster
    assert copied.article.story_outlets == 2 and other.article.story_outlets == 1
    assert copied.story_members == [original.article.story_cluster]


def test_enrichment_is_not_configured_when_switched_off(tmp_path: Path, states: list[CrawlState]) -> None:
    with pytest.raises(NotConfigured):
        EnrichPipeline.from_crawler(_crawler(tmp_path, states, VIGIL_ENRICH=False))


def test_indexing_is_not_configured_without_a_store(tmp_path: Path, states: list[CrawlState]) -> None:
    with pytest.raises(NotConfigured):
        IndexPipeline.from_crawler(_crawler(tmp_path, states))
