"""The `Store` protocol: what every backend offers. One contract test suite runs against all."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from store.models import Article, Incident, SecurityEvent
from store.query import Aggregation, AggResult, BulkResult, Kind, RecordKind, SearchPage, SearchQuery


@runtime_checkable
class Store(Protocol):
    def init(self) -> None:
        """Create tables / index templates; idempotent, safe to call at every start."""

    def ping(self) -> bool:
        """True when the backend answers."""

    def close(self) -> None: ...

    def index_articles(self, articles: Sequence[Article]) -> BulkResult: ...

    def index_events(self, events: Sequence[SecurityEvent]) -> BulkResult: ...

    def index_incidents(self, incidents: Sequence[Incident]) -> BulkResult: ...

    def get_article(self, article_id: str) -> Article | None: ...

    def get_event(self, event_id: str) -> SecurityEvent | None: ...

    def get_incident(self, incident_id: str) -> Incident | None: ...

    def search(self, kind: Kind, query: SearchQuery) -> SearchPage: ...

    def count(self, kind: Kind, query: SearchQuery) -> int: ...

    def aggregate(
        self, kind: Kind, query: SearchQuery, aggregations: Sequence[Aggregation]
    ) -> dict[str, AggResult]: ...

    def update_incident(self, incident: Incident, expected_version: int) -> Incident:
        """Replace an incident if its stored version is still `expected_version`; raises Conflict."""

    def delete_matching(self, kind: Kind, query: SearchQuery) -> int:
        """Delete every document matching the query's filters; returns how many (retention)."""

    def put_records(self, kind: RecordKind, records: dict[str, dict[str, Any]]) -> None: ...

    def get_record(self, kind: RecordKind, record_id: str) -> dict[str, Any] | None: ...

    def list_records(self, kind: RecordKind, limit: int = 1000) -> list[dict[str, Any]]: ...

    def delete_record(self, kind: RecordKind, record_id: str) -> bool: ...

    def refresh(self) -> None:
        """Make all writes visible to search (a no-op where they already are)."""

    def replay_spool(self) -> int:
        """Send batches spooled during an outage; returns how many documents were replayed."""

    def stats(self) -> dict[str, int]:
        """Document count per kind."""


# -- abilities some backends have: the API asks with isinstance, and the type checker knows what it gets


@runtime_checkable
class Warmable(Protocol):
    """A store that holds search data in memory (the embedded one) and can load it ahead of searches."""

    def warm(self) -> None:
        """Load what searches hold in memory now; safe to call from a background thread."""


@runtime_checkable
class Generational(Protocol):
    """A store that can tell cheaply whether anything was written since an answer was computed."""

    def generation(self) -> int:
        """A number that changes whenever any writer (in any process) commits; answers cached under
        the current generation are still the store's answers."""


@runtime_checkable
class Spooling(Protocol):
    """A store that spools writes to disk while its backend is unreachable (Elasticsearch)."""

    def pending_documents(self) -> int:
        """How many documents wait in the spool."""
