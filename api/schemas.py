"""Request and response bodies: Create / Update for input, Public for output (never store records)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.auth import Role
from store.models import IncidentStatus, Severity


def _unicode_only(value: Any, path: str = "body") -> None:
    """Refuse a lone surrogate anywhere in a JSON body (legal JSON escapes, not Unicode text):
    it would fail later, when stored or encoded, as a 500."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(
                f"{path} holds a lone surrogate (\\ud800-\\udfff): send valid Unicode text"
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _unicode_only(key, path)
            _unicode_only(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            _unicode_only(item, path)


class _Input(BaseModel):
    """Bodies the API accepts: no unknown fields, text stripped and valid Unicode."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _valid_unicode(cls, data: Any) -> Any:
        _unicode_only(data)
        return data


# --- press ---------------------------------------------------------------------------------------


class EntityPublic(BaseModel):
    text: str
    type: str
    normalized: str = ""


class ArticlePublic(BaseModel):
    id: str
    url: str
    outlet: str
    title: str
    sapo: str = ""
    authors: list[str] = []
    published_at: datetime | None = None
    category: str = ""
    topic: str | None = None
    topic_score: float | None = Field(default=None, description="calibrated probability of `topic`")
    topic_uncertain: bool = Field(default=False, description="topic_score below nlp.uncertain_below")
    tone: str | None = None
    tone_score: float | None = Field(default=None, description="calibrated probability of `tone`")
    tone_uncertain: bool = Field(default=False, description="tone_score below nlp.uncertain_below")
    entities: list[EntityPublic] = []
    watchlists: list[str] = []
    story_cluster: str | None = None
    story_outlets: int = 1
    score: float | None = Field(default=None, description="relevance, when sorted by relevance")
    highlights: dict[str, list[str]] = Field(
        default_factory=dict, description="field → fragments, matches wrapped in <em>…</em>"
    )


class ArticlePage(BaseModel):
    total: int = Field(description="matching articles; a lower bound when total_is_lower_bound is true")
    total_is_lower_bound: bool = Field(
        default=False,
        description="true when counting stopped early (more than `total` articles match): the page "
        "counts exactly up to `api.total_exact_up_to` (10,000) matches, as Elasticsearch's "
        "track_total_hits; /articles/stats "
        "always counts exactly",
    )
    items: list[ArticlePublic]
    next_cursor: str | None = Field(default=None, description="pass as `cursor` to get the next page")


class StoryArticle(BaseModel):
    id: str
    outlet: str
    title: str
    url: str
    published_at: datetime | None = None


class GazetteerBody(_Input):
    toml: str = Field(max_length=5_000_000, description="the whole gazetteer, as nlp/data/gazetteer.toml")


class GazetteerPublic(BaseModel):
    toml: str
    file: str = Field(description="where it is kept")
    entries: dict[str, int] = Field(description="entries per section (LOC, ORG, PER, STOP)")


class LabelCorrectionIn(_Input):
    topic: str | None = Field(default=None, description="one of Vigil's 12 topic slugs")
    tone: str | None = Field(default=None, description="positive, neutral or negative")


class LabelCorrection(BaseModel):
    """A press officer's correction of an article's labels: it overrides the model on that article."""

    article_id: str
    topic: str | None = None
    tone: str | None = None
    by: str = Field(description="the API key's name (id) that made the correction")
    at: str = Field(description="when (UTC, ISO 8601)")
    model_topic: str | None = Field(default=None, description="the model's topic before the correction")
    model_tone: str | None = Field(default=None, description="the model's tone before the correction")


class ArticleDetail(ArticlePublic):
    body: str = ""
    story: list[StoryArticle] = Field(
        default_factory=list, description="the same story as carried by other outlets"
    )
    correction: LabelCorrection | None = None


class DayCount(BaseModel):
    date: str
    count: int


class OutletShare(BaseModel):
    outlet: str
    count: int
    share: float


class ToneDay(BaseModel):
    date: str
    counts: dict[str, int]


class KeyCount(BaseModel):
    key: str
    count: int


class ArticleStats(BaseModel):
    total: int
    volume_per_day: list[DayCount]
    share_of_voice: list[OutletShare]
    tone_trend: list[ToneDay]
    top_topics: list[KeyCount]
    top_entities: list[KeyCount]


class OutletPublic(BaseModel):
    name: str
    domain: str
    last_success: datetime | None = None
    articles_per_day: float = 0.0
    silent: bool = Field(default=False, description="an outlet that usually publishes has gone quiet")
    last_attempt: datetime | None = None
    last_errors: int = 0
    articles_total: int = 0
    fallback_shares: dict[str, float] = Field(
        default_factory=dict,
        description="per field (title, body, published_at, authors): share of the last crawl's pages whose "
        "value came from a fallback (JSON-LD, meta tags, generic extraction) or came out empty",
    )
    layout_changed: list[str] = Field(
        default_factory=list,
        description="fields whose share jumped: the outlet's layout has probably changed",
    )


class WatchlistCreate(_Input):
    name: str = Field(min_length=1, max_length=200)
    terms: list[str] = Field(default_factory=list, max_length=500)
    entities: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="canonical entities of the gazetteer (an alias is resolved to its entity): each matches "
        'every alias, e.g. "Huế" matches "TP Huế" and "Thừa Thiên Huế"',
    )
    visibility: Literal["shared", "private"] = Field(
        default="shared", description="shared: the whole office; private: its owner only"
    )
    owner: str | None = Field(
        default=None, max_length=40, description="the user account it belongs to (required when private)"
    )


class WatchlistUpdate(_Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    terms: list[str] | None = Field(default=None, max_length=500)
    entities: list[str] | None = Field(default=None, max_length=100)
    visibility: Literal["shared", "private"] | None = None
    owner: str | None = Field(default=None, max_length=40, description="a new owner (a user account)")


class WatchlistPublic(BaseModel):
    id: str
    name: str
    terms: list[str] = Field(default_factory=list)
    entities: list[str] = Field(default_factory=list)
    visibility: Literal["shared", "private"] = "shared"
    owner: str | None = None


# --- security ------------------------------------------------------------------------------------


class NotePublic(BaseModel):
    author: str
    text: str
    at: datetime


class AuditPublic(BaseModel):
    actor: str
    field: str
    old: Any = None
    new: Any = None
    at: datetime


class IncidentPublic(BaseModel):
    id: str
    rule_id: str
    rule_title: str = ""
    severity: Severity
    status: IncidentStatus
    first_seen: datetime
    last_seen: datetime
    source_ip: str | None = None
    source_domain: str | None = Field(
        default=None,
        description="the attacker's host name when no IP names it: as sshd/PAM logged it (reverse DNS, "
        "PAM rhost=), not verified",
    )
    asset: str | None = None
    agency: str | None = None
    entities: dict[str, list[str]] = {}
    event_count: int = 0
    assignee: str | None = None
    tags: list[str] = []
    notes: list[NotePublic] = []
    audit: list[AuditPublic] = []
    updated_at: datetime
    version: int
    last_change: str | None = Field(
        default=None, description="incident.opened, incident.updated or incident.escalated"
    )


class IncidentPage(BaseModel):
    total: int
    items: list[IncidentPublic]
    next_cursor: str | None = None


class EventPublic(BaseModel):
    id: str
    timestamp: datetime
    doc: dict[str, Any] = Field(description="the ECS document")


class EventPage(BaseModel):
    total: int
    items: list[EventPublic]
    next_cursor: str | None = None


class IncidentEventPage(BaseModel):
    total: int = Field(description="events of the incident in all (its evidence log)")
    offset: int
    items: list[EventPublic] = Field(description="oldest first")
    next_offset: int | None = Field(default=None, description="offset of the next page; null on the last")


class IncidentDetail(IncidentPublic):
    events: list[EventPublic] = Field(default_factory=list, description="evidence events, most recent last")


class IncidentUpdate(_Input):
    status: IncidentStatus | None = None
    assignee: str | None = Field(default=None, max_length=200)


class NoteCreate(_Input):
    text: str = Field(min_length=1, max_length=10_000)


class DetectionRulePublic(BaseModel):
    id: str
    title: str
    level: str = ""
    description: str = ""
    tags: list[str] = []


class SuricataRulePublic(BaseModel):
    sid: str
    msg: str = ""
    details: dict[str, Any] = {}


class RulesPublic(BaseModel):
    detection: list[DetectionRulePublic]
    suricata: list[SuricataRulePublic]


# --- ops and keys --------------------------------------------------------------------------------


class HealthPublic(BaseModel):
    status: str
    version: str


class ReadyPublic(BaseModel):
    status: str
    backend: str
    documents: dict[str, int] = {}


class KeyCreate(_Input):
    name: str = Field(min_length=1, max_length=100)
    role: Role


class KeyPublic(BaseModel):
    id: str
    name: str
    role: Role
    created_at: datetime


class KeyCreated(KeyPublic):
    key: str = Field(description="the key itself: shown once, store it now")


class Message(BaseModel):
    """An error: what went wrong and what to do."""

    detail: str
