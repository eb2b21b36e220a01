"""nlp.enrich on pydantic articles (duck-typed), batch and single, with watchlists."""

from __future__ import annotations

from pydantic import BaseModel, Field

from nlp.enrich import enrich, enrich_batch
from nlp.watchlists import Watchlist


class Entity(BaseModel):
    text: str
    type: str
    normalized: str = ""


class Story(BaseModel):
    """Not store.models.Article: enrich must work on any model with title/sapo/body."""

    title: str
    sapo: str = ""
    body: str = ""
    topic: str | None = None
    topic_score: float | None = None
    tone: str | None = None
    tone_score: float | None = None
    entities: list[Entity] = Field(default_factory=list)
    watchlists: list[str] = Field(default_factory=list)


FLOOD = Story(
    title="Huế: mưa lớn gây ngập sâu, sạt lở ở A Lưới",
    sapo="Mưa lớn kéo dài khiến nhiều khu dân cư ở TP Huế bị ngập, ông Lê Trí Thanh chỉ đạo sơ tán dân.",
)
MATCH = Story(
    title="Đội tuyển Việt Nam thắng Thái Lan 3-0", body="Tiền đạo ghi cú đúp, đội nhà vô địch giải đấu."
)


def test_enrich_returns_same_type_with_fields() -> None:
    lists = [Watchlist("hue", "Huế", ["Hue"]), Watchlist("dn", "Đà Nẵng", ["Đà Nẵng"])]
    result = enrich(FLOOD, lists)
    assert type(result) is Story and result is not FLOOD
    assert result.topic == "moi-truong" and 0.0 < (result.topic_score or 0) <= 1.0
    assert result.tone == "negative" and 0.0 < (result.tone_score or 0) <= 1.0
    found = {(e.type, e.text) for e in result.entities}
    assert {("LOC", "A Lưới"), ("PER", "Lê Trí Thanh"), ("WATCH", "Hue")} <= found
    assert result.watchlists == ["hue"]
    assert FLOOD.topic is None  # the input is not modified


def test_enrich_batch_keeps_order() -> None:
    results = enrich_batch([MATCH, FLOOD, MATCH])
    assert [r.topic for r in results] == ["the-thao", "moi-truong", "the-thao"]
    assert results[0].watchlists == []
    assert enrich_batch([]) == []


def test_enrich_works_on_store_article() -> None:
    from store.models import Article

    article = Article(url="https://example.vn/a", outlet="example", title=MATCH.title, body=MATCH.body)
    enriched = enrich(article)
    assert isinstance(enriched, Article) and enriched.topic == "the-thao"
    assert enriched.url == article.url
