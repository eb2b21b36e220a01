"""Story clusters: syndicated or lightly edited copies of a story, across outlets, share a cluster id.

The fingerprint is a SimHash of the lead and body (headlines are often rewritten by each outlet); a
story's cluster id is the id of the first article seen with it, and `story_outlets` counts the
distinct outlets that carried it. Articles indexed earlier learn the new count through
`_story_members`, which the index pipeline re-writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler

from crawlers.state import CrawlState
from nlp.fingerprint import MAX_DISTANCE, bands, distance, from_hex, simhash, to_hex
from store.ids import stable_id


class StoryClusterPipeline:
    def __init__(self, crawler: Crawler, state: CrawlState, max_distance: int) -> None:
        self.crawler = crawler
        self.state = state
        self.max_distance = max_distance
        self.clusters: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoryClusterPipeline:
        state = CrawlState(Path(crawler.settings.get("VIGIL_STATE_PATH")))
        return cls(crawler, state, crawler.settings.getint("VIGIL_CLUSTER_MAX_DISTANCE", MAX_DISTANCE))

    def close_spider(self) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("clusters", len(self.clusters))
        self.state.close()

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        article_id = stable_id("article", item["canonical_url"])
        fingerprint = simhash("\n".join((item.get("sapo") or "", item.get("body") or "")))
        band_values = bands(fingerprint)
        best: tuple[int, str] | None = None
        for other_hex, cluster_id, _outlet in self.state.cluster_candidates(band_values):
            gap = distance(fingerprint, from_hex(other_hex))
            if gap <= self.max_distance and (best is None or gap < best[0]):
                best = (gap, cluster_id)
        assert self.crawler.stats is not None
        cluster_id = best[1] if best else article_id
        self.crawler.stats.inc_value("pipeline/cluster/joined" if best else "pipeline/cluster/new")
        self.state.add_to_cluster(band_values, to_hex(fingerprint), cluster_id, item["outlet"], article_id)
        outlets, members = self.state.cluster_members(cluster_id)
        item["fingerprint"] = to_hex(fingerprint)
        item["story_cluster"] = cluster_id
        item["story_outlets"] = max(outlets, 1)
        self.clusters.add(cluster_id)
        item["_story_members"] = [member for member in members if member != article_id] if best else []
        return item
