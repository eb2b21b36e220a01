"""Domain models shared by every part: Article, SecurityEvent, Incident.

They live in store/ because data flows sources → crawlers/secmon → nlp → store → api: every part
below the API can import store/, and store/ imports none of them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.text import one_line
from store.ids import stable_id


def utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return value


class Entity(BaseModel):
    """A named entity found in an article."""

    model_config = ConfigDict(frozen=True)

    text: str
    type: str = Field(description="PER, ORG, LOC or WATCH (a watchlist term)")
    normalized: str = Field(default="", description="folded form used for matching and facets")


class Article(BaseModel):
    """One press article, as crawled and enriched."""

    url: str
    canonical_url: str = ""
    outlet: str
    title: str
    sapo: str = ""
    body: str = ""
    authors: list[str] = Field(default_factory=list)
    published_at: datetime | None = None
    fetched_at: datetime = Field(default_factory=utcnow)
    category: str = ""
    tags: list[str] = Field(default_factory=list)
    language: str = "vi"
    content_hash: str = ""
    fingerprint: str = Field(default="", description="near-duplicate fingerprint (SimHash/MinHash), hex")
    topic: str | None = None
    topic_score: float | None = None
    tone: str | None = None
    tone_score: float | None = None
    entities: list[Entity] = Field(default_factory=list)
    watchlists: list[str] = Field(default_factory=list, description="ids of watchlists this article matches")
    story_cluster: str | None = None
    story_outlets: int = Field(default=1, ge=1, description="how many outlets carried this story")

    @field_validator("published_at", "fetched_at")
    @classmethod
    def _timezone_aware(cls, value: datetime | None) -> datetime | None:
        return _aware(value)

    @property
    def id(self) -> str:
        """Stable id: the canonical URL when known, else the URL."""
        return article_id(self.canonical_url or self.url)


def article_id(url: str) -> str:
    """The one id of an article, from its canonical URL: the same article crawled twice is one document."""
    return stable_id("article", url)


class SecurityEvent(BaseModel):
    """One security event as an ECS document.

    `doc` is the nested ECS document (`{"@timestamp": …, "event": {"kind": …}, "source": {"ip": …}}`);
    `id` is deterministic (source identity + offset, or a hash of `event.original`).
    """

    id: str
    timestamp: datetime
    doc: dict[str, Any]

    @field_validator("timestamp")
    @classmethod
    def _timezone_aware(cls, value: datetime) -> datetime:
        aware = _aware(value)
        assert aware is not None
        return aware

    def get(self, dotted: str, default: Any = None) -> Any:
        """Read an ECS field by dotted path (`source.ip`), accepting flat or nested storage."""
        return get_path(self.doc, dotted, default)

    def to_document(self) -> dict[str, Any]:
        """The document as indexed: the ECS doc with `@timestamp` set."""
        document = dict(self.doc)
        document["@timestamp"] = self.timestamp.isoformat()
        return document


MAX_ORIGINAL = 64 * 1024  # bytes of a refused line's raw text kept in its pipeline_error
ERROR_TEXT_CAP = (
    2048  # characters of a refused line's text in its `message` (searched; event.original is not)
)


def pipeline_error_doc(original: str, raw: bytes, message: str, dataset: object) -> dict[str, Any]:
    """The `event`, `error` and `message` of a pipeline_error standing for a line that could not be stored:
    the line's text bounded to MAX_ORIGINAL bytes (its full size recorded when cut), why, its dataset, and
    its first ERROR_TEXT_CAP characters on one line as the message, so that a text search still finds it."""
    error: dict[str, Any] = {"message": message[:2000], "type": "refused"}
    if len(raw) > MAX_ORIGINAL:
        original = raw[:MAX_ORIGINAL].decode("utf-8", "ignore")
        error["original_bytes"] = len(raw)
    return {
        "event": {
            "kind": "pipeline_error",
            "dataset": dataset if isinstance(dataset, str) else "unknown",
            "original": original,
        },
        "error": error,
        "message": one_line(original, ERROR_TEXT_CAP),
    }


def get_path(doc: dict[str, Any], dotted: str, default: Any = None) -> Any:
    """Look up `a.b.c` in nested dicts, also accepting literal dotted keys."""
    if dotted in doc:
        return doc[dotted]
    current: Any = doc
    for part in dotted.split("."):
        if not isinstance(current, dict) or part not in current:
            return default
        current = current[part]
    return current


def set_path(doc: dict[str, Any], dotted: str, value: Any) -> None:
    """Set `a.b.c` in nested dicts, creating the intermediate levels."""
    parts = dotted.split(".")
    current = doc
    for part in parts[:-1]:
        current = current.setdefault(part, {})
    current[parts[-1]] = value


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


SEVERITY_RANK = {Severity.low: 1, Severity.medium: 2, Severity.high: 3, Severity.critical: 4}


class IncidentStatus(StrEnum):
    new = "new"
    acknowledged = "acknowledged"
    resolved = "resolved"
    false_positive = "false_positive"


class Note(BaseModel):
    author: str
    text: str
    at: datetime = Field(default_factory=utcnow)


class AuditEntry(BaseModel):
    """Who changed what on an incident."""

    actor: str
    field: str
    old: Any = None
    new: Any = None
    at: datetime = Field(default_factory=utcnow)


class Incident(BaseModel):
    """A group of detections of one rule, from one source, against one asset, within a window."""

    id: str
    rule_id: str
    rule_title: str = ""
    severity: Severity
    status: IncidentStatus = IncidentStatus.new
    first_seen: datetime
    last_seen: datetime
    source_ip: str | None = None
    source_domain: str | None = Field(
        default=None,
        description="the attacker's host name when no IP names it (as sshd/PAM logged it, from reverse DNS: "
        "unverified); None when source_ip is set",
    )
    asset: str | None = None
    agency: str | None = None
    entities: dict[str, list[str]] = Field(default_factory=dict, description="e.g. {'user.name': [...]}")
    event_count: int = Field(default=0, ge=0)
    event_ids: list[str] = Field(default_factory=list, description="evidence, most recent last (capped)")
    assignee: str | None = None
    notes: list[Note] = Field(default_factory=list)
    audit: list[AuditEntry] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list, description="ATT&CK tags of the rule")
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, ge=1, description="bumped on every change; the alert stream orders by it")
    last_change: str | None = Field(
        default=None,
        description="what its latest version did: incident.opened, incident.updated or incident.escalated "
        "(the event name of the alert stream and of webhooks)",
    )

    @field_validator("first_seen", "last_seen", "updated_at")
    @classmethod
    def _timezone_aware(cls, value: datetime) -> datetime:
        aware = _aware(value)
        assert aware is not None
        return aware
