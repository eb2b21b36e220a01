"""Backend-neutral queries, pages and aggregations.

User input reaches a backend only through these types: a backend turns them into its own query
(SQL with bound parameters, or Elasticsearch DSL built by Vigil), never splicing raw user DSL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal


class Kind(StrEnum):
    """The searchable collections."""

    articles = "articles"
    events = "events"
    incidents = "incidents"


class RecordKind(StrEnum):
    """Small auxiliary collections kept by key (not searched by text)."""

    watchlists = "watchlists"
    api_keys = "api_keys"
    rules = "rules"
    outlet_health = "outlet_health"
    state = "state"
    users = "users"  # people who sign in to the web app (api/web/users.py)
    sessions = "sessions"  # their signed-in sessions, by hash of the cookie
    label_corrections = "label_corrections"  # press officers' topic/tone corrections (nlp/corrections.py)
    alerts = "alerts"  # press alerts, one per deduplication key (alerts/engine.py)
    notifications = "notifications"  # per web-app user: which alerts they have read (alerts/engine.py)


# The time field each kind sorts and buckets by, and the fields its free text searches.
TIME_FIELD: dict[Kind, str] = {
    Kind.articles: "published_at",
    Kind.events: "@timestamp",
    Kind.incidents: "last_seen",
}
TEXT_FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.articles: ("title", "sapo", "body"),
    Kind.events: ("message", "rule.name"),
    Kind.incidents: ("rule_title", "notes.text"),
}

Scalar = str | int | float | bool


@dataclass(frozen=True)
class Term:
    """`field` equals one of `values` (on a list field: any element does)."""

    field: str
    values: tuple[Scalar, ...]


@dataclass(frozen=True)
class Range:
    """`field` within bounds; datetimes must be timezone-aware."""

    field: str
    gte: datetime | float | None = None
    lte: datetime | float | None = None
    gt: datetime | float | None = None
    lt: datetime | float | None = None


@dataclass(frozen=True)
class Exists:
    field: str


@dataclass(frozen=True)
class Not:
    filter: Filter


@dataclass(frozen=True)
class Cidr:
    """`field` (an IP) inside the network `cidr`."""

    field: str
    cidr: str


Filter = Term | Range | Exists | Not | Cidr


@dataclass(frozen=True)
class SortField:
    field: str  # "_score" for relevance
    descending: bool = True


@dataclass(frozen=True)
class SearchQuery:
    """Full text (folded: with or without diacritics; "quoted phrases"), filters, sort, page.

    `text` is the user's words, parsed by the backend as terms and quoted phrases only; operators
    are not interpreted. An empty sort means relevance when there is text, newest first otherwise.
    """

    text: str | None = None
    text_fields: tuple[str, ...] | None = None
    filters: tuple[Filter, ...] = ()
    sort: tuple[SortField, ...] = ()
    size: int = 20
    offset: int = 0
    cursor: str | None = None
    highlight: bool = False
    # count the total exactly up to this many hits, then stop (Elasticsearch's track_total_hits):
    # the page's `total` is then this number and `total_is_lower_bound` is set. None counts every hit.
    track_total_hits: int | None = None


@dataclass
class Hit:
    id: str
    source: dict[str, Any]
    score: float | None = None
    highlights: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class SearchPage:
    hits: list[Hit]
    total: int
    next_cursor: str | None = None
    # True when counting stopped at the query's `track_total_hits`: there are at least `total` hits
    total_is_lower_bound: bool = False


@dataclass(frozen=True)
class TermsAgg:
    name: str
    field: str
    size: int = 10


@dataclass(frozen=True)
class DateHistogramAgg:
    """Counts per calendar interval in `time_zone` (Vietnam: +07:00, no DST), optionally split by a term."""

    name: str
    field: str
    interval: Literal["hour", "day", "week", "month"] = "day"
    time_zone: str = "+07:00"
    split_by: str | None = None


@dataclass(frozen=True)
class AvgAgg:
    name: str
    field: str


Aggregation = TermsAgg | DateHistogramAgg | AvgAgg


@dataclass
class Bucket:
    key: str
    count: int
    split: dict[str, int] = field(default_factory=dict)


@dataclass
class AggResult:
    buckets: list[Bucket] = field(default_factory=list)
    value: float | None = None


@dataclass
class BulkResult:
    """Outcome of a batch write: what was indexed, spooled for later, or rejected (with reasons)."""

    indexed: int = 0
    spooled: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (doc id, reason)

    @property
    def ok(self) -> bool:
        return not self.errors
