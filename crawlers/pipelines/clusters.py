"""Story clusters: syndicated or lightly edited copies of a story, across outlets, share a cluster id.

Candidates come from MinHash LSH bands over the lead and body (headlines are often rewritten by each
outlet) kept in the crawl state; a candidate with estimated Jaccard ≥ `SAME_STORY` is the same story.
A story's cluster id is the id of the first article seen with it, and `story_outlets` counts the
distinct outlets that carried it. Articles indexed earlier learn the new count through
`_story_members`, which the index pipeline re-writes. `fingerprint` is the article's SimHash.
"""

from __future__ import annotations

from scrapy.crawler import Crawler

from crawlers.context import crawl_context
from crawlers.item import ArticleItem
from crawlers.state import CrawlState
from nlp.fingerprint import (
    SAME_STORY,
    bands,
    fingerprints,
    jaccard,
    signature_bytes,
    signature_from_bytes,
    to_hex,
)


class StoryClusterPipeline:
    def __init__(self, crawler: Crawler, state: CrawlState, threshold: float) -> None:
        self.crawler = crawler
        self.state = state
        self.threshold = threshold
        self.clusters: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoryClusterPipeline:
        state = crawl_context(crawler).state
        return cls(crawler, state, crawler.settings.getfloat("VIGIL_SAME_STORY", SAME_STORY))

    def close_spider(self) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("clusters", len(self.clusters))

    def process_item(self, item: ArticleItem) -> ArticleItem:
        article = item.article
        article_id = article.id
        text = "\n".join((article.sapo, article.body))
        simple, signature = fingerprints(text)
        band_keys = bands(signature)
        best: tuple[float, str] | None = None
        for other, cluster_id in self.state.cluster_candidates(band_keys):
            similarity = jaccard(signature, signature_from_bytes(other))
            if similarity >= self.threshold and (best is None or similarity > best[0]):
                best = (similarity, cluster_id)
        assert self.crawler.stats is not None
        cluster_id = best[1] if best else article_id
        self.crawler.stats.inc_value("pipeline/cluster/joined" if best else "pipeline/cluster/new")
        self.state.add_to_cluster(
            band_keys, signature_bytes(signature), cluster_id, article.outlet, article_id
        )
        outlets, members = self.state.cluster_members(cluster_id)
        article.fingerprint = to_hex(simple)
        article.story_cluster = cluster_id
        article.story_outlets = max(outlets, 1)
        item.story_members = [member for member in members if member != article_id] if best else []
        self.clusters.add(cluster_id)
        return item
