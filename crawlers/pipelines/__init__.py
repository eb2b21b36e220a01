"""Item pipelines, one job each, in the order an article goes through them.

validate → normalise → canonical URL → exact dedup → story cluster → enrich → index, each over
the one `crawlers.item.ArticleItem` the spider yields (its `Article` is what the store indexes).
Each returns the item or raises DropItem(reason), counts what it did under `pipeline/<name>/…` in
the crawl stats, reads its settings in `from_crawler` and raises NotConfigured when switched off.
"""

from __future__ import annotations

PIPELINES = {
    "crawlers.pipelines.text.ValidatePipeline": 100,
    "crawlers.pipelines.text.NormalisePipeline": 200,
    "crawlers.pipelines.dedup.CanonicalUrlPipeline": 300,
    "crawlers.pipelines.dedup.ExactDedupPipeline": 400,
    "crawlers.pipelines.clusters.StoryClusterPipeline": 500,
    "crawlers.pipelines.enrich.EnrichPipeline": 600,
    "crawlers.pipelines.index.IndexPipeline": 700,
}
