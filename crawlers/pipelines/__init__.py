"""Item pipelines, one job each, in the order an article goes through them.

validate → normalise → canonical URL → exact dedup → story cluster → enrich → index.
Each returns the item or raises DropItem(reason), counts what it did under `pipeline/<name>/…` in
the crawl stats, reads its settings in `from_crawler` and raises NotConfigured when switched off.
"""

from __future__ import annotations

from typing import Any

from store.models import Article

PIPELINES = {
    "crawlers.pipelines.text.ValidatePipeline": 100,
    "crawlers.pipelines.text.NormalisePipeline": 200,
    "crawlers.pipelines.dedup.CanonicalUrlPipeline": 300,
    "crawlers.pipelines.dedup.ExactDedupPipeline": 400,
    "crawlers.pipelines.clusters.StoryClusterPipeline": 500,
    "crawlers.pipelines.enrich.EnrichPipeline": 600,
    "crawlers.pipelines.index.IndexPipeline": 700,
}
_FIELDS = set(Article.model_fields)


def to_article(item: dict[str, Any]) -> Article:
    """The Article an item describes (extra working keys such as `parser` are left out)."""
    return Article.model_validate({key: value for key, value in item.items() if key in _FIELDS})
