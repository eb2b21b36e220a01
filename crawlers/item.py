"""The one item of a crawl, from the spider to the store: the `Article` (the store's model, never a
dict) and what only the crawl needs to know about it."""

from __future__ import annotations

from dataclasses import dataclass, field

from store.models import Article

# where a field's value came from, best first (see crawlers.extract)
SOURCES = ("selectors", "jsonld", "meta", "generic", "feed")
# the fields whose sources outlet health watches for a layout change
WATCHED = ("title", "body", "published_at", "authors")


@dataclass
class ArticleItem:
    article: Article
    parser: str = ""  # the parser version that read the page: "<outlet>@<valid_from>", or "generic"
    sources: dict[str, str] = field(default_factory=dict)  # field → one of SOURCES; absent: empty
    story_members: list[str] = field(default_factory=list)  # earlier articles of the same story

    def fallback_fields(self) -> list[str]:
        """The watched fields that the outlet's own selectors did not fill (from a fallback, or empty)."""
        return [name for name in WATCHED if self.sources.get(name) != "selectors"]
