"""The Elasticsearch store (production): official 9.x client, own templates, bulk writes, spool on outage.

Writes never fail because the cluster is down: a batch that cannot be sent is appended to the local
spool (`store.spool`) and replayed before the next successful write, or by `replay_spool()`. Every
document has a deterministic `_id`, so a batch sent twice is still one document per id. Reads raise
`StoreUnavailable` while the cluster is down.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from elasticsearch import ApiError, ConflictError, Elasticsearch, NotFoundError, TransportError

from core.config import Settings
from store.cursor import decode_cursor, encode_cursor
from store.documents import (
    article_document,
    article_from,
    event_document,
    event_from,
    incident_document,
    incident_from,
)
from store.elastic_bulk import BulkWriter, action
from store.elastic_query import (
    bucket_key,
    build_aggs,
    build_query,
    build_sort,
    text_fields,
)
from store.elastic_schema import Layout, load
from store.errors import Conflict, InvalidQuery, NotFound, StoreUnavailable
from store.models import Article, Incident, SecurityEvent
from store.query import (
    Aggregation,
    AggResult,
    Bucket,
    BulkResult,
    DateHistogramAgg,
    Hit,
    Kind,
    RecordKind,
    SearchPage,
    SearchQuery,
)
from store.spool import Spool
from store.sqlite_query import zone_offset

log = logging.getLogger(__name__)
_logged: set[str] = set()
# Elasticsearch's default index.max_result_window: `from + size` of one search may not exceed it.
MAX_RESULT_WINDOW = 10_000


def _log_once(key: str, message: str) -> None:
    if key not in _logged:
        _logged.add(key)
        log.info(message)


class ElasticStore:
    """The `Store` protocol over an Elasticsearch cluster; call `init()` once after opening."""

    page_size = 1000  # documents per request when reading an unbounded set (search_after over a PIT)

    def __init__(
        self,
        hosts: list[str] | str = "http://127.0.0.1:9200",
        index_prefix: str = "vigil",
        spool_dir: str | Path = "vigil-data/spool/elasticsearch",
        *,
        client: Elasticsearch | None = None,
        max_retries: int = 3,
        retry_backoff: float = 0.5,
        use_data_streams: bool | None = None,
        events_retention_days: int | None = 365,
        **client_options: Any,
    ) -> None:
        self.layout = Layout(index_prefix)
        self.events_retention_days = events_retention_days
        self.spool = Spool(Path(spool_dir))
        self._use_data_streams = use_data_streams
        self.data_streams = False
        self.ilm = False
        self._installed = False
        hosts_list = [hosts] if isinstance(hosts, str) else list(hosts)
        client_options.setdefault("request_timeout", 30.0)
        client_options.setdefault("max_retries", 1)
        client_options.setdefault("retry_on_timeout", True)
        self.client = client or Elasticsearch(hosts_list, **client_options)
        self.writer = BulkWriter(self.client, self.spool, self._ensure_installed, max_retries, retry_backoff)

    @classmethod
    def from_settings(cls, settings: Settings) -> ElasticStore:
        es = settings.store.elasticsearch
        options: dict[str, Any] = {"request_timeout": es.request_timeout, "verify_certs": es.verify_certs}
        if es.username and es.password:
            options["basic_auth"] = (es.username, es.password.get_secret_value())
        if es.api_key:
            options["api_key"] = es.api_key.get_secret_value()
        if es.ca_certs:
            options["ca_certs"] = str(es.ca_certs)
        return cls(
            hosts=es.hosts,
            index_prefix=es.index_prefix,
            spool_dir=settings.state_path("spool", "elasticsearch"),
            max_retries=es.max_retries,
            events_retention_days=settings.store.retention.events_days,
            **options,
        )

    # -- lifecycle -----------------------------------------------------------------------------

    def init(self) -> None:
        """Install component + index templates (and the ILM policy on a real cluster), create the indices.

        When the cluster is unreachable this only warns: a long-running job starts anyway, its writes
        are spooled, and the templates are installed before the first batch is sent. `ping()` tells.
        """
        try:
            self._install()
        except TransportError as exc:
            log.warning("Elasticsearch unreachable at start (%s); writes are spooled until it answers", exc)

    def _ensure_installed(self) -> None:
        if not self._installed:
            try:
                self._install()
            except TransportError as exc:
                raise StoreUnavailable(f"Elasticsearch is unreachable: {exc}") from exc

    def _install(self) -> None:
        self.ilm = self._supported("ilm", lambda: self.client.ilm.get_lifecycle())
        detected = self._supported("data streams", lambda: self.client.indices.get_data_stream(name="*"))
        self.data_streams = (
            detected if self._use_data_streams is None else self._use_data_streams and detected
        )
        if self.ilm and self.data_streams:
            self.client.ilm.put_lifecycle(
                name=self.layout.ilm_policy, policy=events_policy(self.events_retention_days)
            )
        for name, body in self.layout.component_templates().items():
            self.client.cluster.put_component_template(
                name=name, template=body["template"], meta=body["_meta"]
            )
        for name, body in self.layout.index_templates(self.data_streams, self.ilm).items():
            self.client.indices.put_index_template(name=name, **body)
        for kind in ("articles", "incidents", "records"):
            index = self.layout.index(kind)
            if not self.client.indices.exists(index=index):
                try:
                    self.client.indices.create(index=index)
                except ApiError as exc:
                    if "resource_already_exists" not in str(exc):
                        raise
        self._installed = True

    def _supported(self, feature: str, probe: Any) -> bool:
        try:
            probe()
        except ApiError as exc:
            _log_once(
                feature, f"Elasticsearch: no {feature} here ({exc.meta.status}); using plain/dated indices"
            )
            return False
        return True

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except TransportError:
            return False

    def close(self) -> None:
        self.client.close()

    def refresh(self) -> None:
        self._call(
            lambda: self.client.indices.refresh(
                index=f"{self.layout.prefix}-*", ignore_unavailable=True, allow_no_indices=True
            )
        )

    def drop_indices(self) -> None:
        """Delete every index, data stream and template of this prefix (tests; `vigil store` reset)."""
        prefix = self.layout.prefix
        try:
            names = list(
                self.client.indices.get(index=f"{prefix}-*", allow_no_indices=True, ignore_unavailable=True)
            )
            for name in names:
                self.client.indices.delete(index=name, ignore_unavailable=True)
            for name in self.layout.index_templates(False, False):
                self.client.options(ignore_status=404).indices.delete_index_template(name=name)
            for name in self.layout.component_templates():
                self.client.options(ignore_status=404).cluster.delete_component_template(name=name)
        except TransportError as exc:
            raise StoreUnavailable(f"Elasticsearch is unreachable: {exc}") from exc

    def _call(self, request: Any) -> Any:
        """Run a read; turn transport failures into StoreUnavailable and query errors into InvalidQuery."""
        try:
            return request()
        except NotFoundError:
            raise
        except ApiError as exc:
            if exc.meta.status == 400:
                raise InvalidQuery(f"Elasticsearch rejected the query: {_reason(exc)}") from exc
            raise StoreUnavailable(f"Elasticsearch answered {exc.meta.status}: {_reason(exc)}") from exc
        except TransportError as exc:
            raise StoreUnavailable(f"Elasticsearch is unreachable: {exc}") from exc

    # -- writes --------------------------------------------------------------------------------

    def index_articles(self, articles: Sequence[Article]) -> BulkResult:
        index = self.layout.index("articles")
        actions = [action("index", index, doc_id, doc) for doc_id, doc in map(article_document, articles)]
        return self.writer.write("articles", actions)

    def index_events(self, events: Sequence[SecurityEvent]) -> BulkResult:
        actions = []
        for event in events:
            doc_id, doc = event_document(event)
            own = doc.get("vigil")  # the ingester's fields (vigil.asset, vigil.attempt) stay
            doc["vigil"] = {**own, "id": doc_id} if isinstance(own, dict) else {"id": doc_id}
            index = self.layout.event_index(doc.get("@timestamp"), self.data_streams)
            actions.append(action("create" if self.data_streams else "index", index, doc_id, doc))
        return self.writer.write("events", actions)

    def index_incidents(self, incidents: Sequence[Incident]) -> BulkResult:
        index = self.layout.index("incidents")
        actions = [action("index", index, doc_id, doc) for doc_id, doc in map(incident_document, incidents)]
        # visible to searches on return, as in SQLite: another ingester (or this one after a restart)
        # looks for the open incident by search, and would open a duplicate within the refresh interval
        return self.writer.write("incidents", actions, visible=True)

    def pending_documents(self) -> int:
        """How many documents wait in the spool (`store.protocol.Spooling`)."""
        return self.spool.pending_documents()

    def replay_spool(self) -> int:
        """Send spooled batches in order, each marked done once acknowledged; raises if still down."""
        return self.writer.replay()

    def delete_matching(self, kind: Kind, query: SearchQuery) -> int:
        """Delete every document matching `query` (filters only); returns how many (retention)."""
        dsl, _clauses = build_query(kind, query)
        response = self._call(
            lambda: self.client.delete_by_query(
                index=self.layout.read_target(kind),
                query=dsl,
                conflicts="proceed",
                refresh=True,
                ignore_unavailable=True,
                allow_no_indices=True,
            )
        )
        return int(response.get("deleted", 0))

    def update_incident(self, incident: Incident, expected_version: int) -> Incident:
        """Store `incident` as version `expected_version + 1` if the stored one is `expected_version`."""
        index = self.layout.index("incidents")
        try:
            current = self._call(lambda: self.client.get(index=index, id=incident.id))
        except NotFoundError:
            raise NotFound(f"no incident {incident.id}") from None
        stored_version = current["_source"].get("version")
        if stored_version != expected_version:
            raise Conflict(
                f"incident {incident.id} is at version {stored_version}, "
                f"not {expected_version}: reload and retry"
            )
        updated = incident.model_copy(update={"version": expected_version + 1})
        try:
            self._call(
                lambda: self.client.index(
                    index=index,
                    id=incident.id,
                    document=incident_document(updated)[1],
                    if_seq_no=current["_seq_no"],
                    if_primary_term=current["_primary_term"],
                    refresh="wait_for",
                )
            )
        except ConflictError:
            raise Conflict(f"incident {incident.id} changed meanwhile: reload and retry") from None
        return updated

    # -- reads ---------------------------------------------------------------------------------

    def _get(self, kind: str, doc_id: str) -> dict[str, Any] | None:
        try:
            response = self._call(lambda: self.client.get(index=self.layout.index(kind), id=doc_id))
        except NotFoundError:
            return None
        source: dict[str, Any] = response["_source"]
        return source

    def get_article(self, article_id: str) -> Article | None:
        doc = self._get("articles", article_id)
        return article_from(doc) if doc is not None else None

    def get_incident(self, incident_id: str) -> Incident | None:
        doc = self._get("incidents", incident_id)
        return incident_from(doc) if doc is not None else None

    def get_event(self, event_id: str) -> SecurityEvent | None:
        response = self._call(
            lambda: self.client.search(
                index=self.layout.read_target(Kind.events),
                query={"ids": {"values": [event_id]}},
                size=1,
                ignore_unavailable=True,
                allow_no_indices=True,
            )
        )
        hits = response["hits"]["hits"]
        return event_from(event_id, _public(Kind.events, hits[0]["_source"])) if hits else None

    def count(self, kind: Kind, query: SearchQuery) -> int:
        dsl, _clauses = build_query(kind, query)
        response = self._call(
            lambda: self.client.count(
                index=self.layout.read_target(kind), query=dsl, ignore_unavailable=True, allow_no_indices=True
            )
        )
        return int(response["count"])

    def search(self, kind: Kind, query: SearchQuery) -> SearchPage:
        if query.size < 0 or query.offset < 0:
            raise InvalidQuery("size and offset must not be negative")
        if query.track_total_hits is not None and query.track_total_hits < 0:
            raise InvalidQuery("track_total_hits must not be negative")
        if not query.cursor and query.offset + query.size > MAX_RESULT_WINDOW:
            raise InvalidQuery(
                f"offset + size may not exceed {MAX_RESULT_WINDOW:,}; page further with the cursor "
                "of the previous page instead of an offset"
            )
        dsl, clauses = build_query(kind, query)
        sort = build_sort(kind, query, bool(clauses))
        # one more than asked tells whether there is a next page, unless that crosses the result window
        probe = 1 if query.cursor or query.offset + query.size < MAX_RESULT_WINDOW else 0
        body: dict[str, Any] = {"query": dsl, "sort": sort, "size": query.size + probe}
        body["track_total_hits"] = True if query.track_total_hits is None else query.track_total_hits
        if query.cursor:
            body["search_after"] = decode_cursor(query.cursor, len(sort))
        elif query.offset:
            body["from_"] = query.offset
        if query.highlight and clauses:
            fields = text_fields(kind, query)
            body["highlight"] = {
                "fields": {name: {"number_of_fragments": 3, "fragment_size": 160} for name in fields},
                "pre_tags": ["<em>"],
                "post_tags": ["</em>"],
                "encoder": "html",  # the text is escaped; only the marks are markup
            }
        response = self._call(
            lambda: self.client.search(
                index=self.layout.read_target(kind), ignore_unavailable=True, allow_no_indices=True, **body
            )
        )
        raw_hits = response["hits"]["hits"]
        total = response["hits"]["total"]
        more = len(raw_hits) > query.size or (
            not probe and len(raw_hits) == query.size and query.offset + query.size < int(total["value"])
        )
        raw_hits = raw_hits[: query.size]
        hits = [
            Hit(
                id=hit["_id"],
                source=_public(kind, hit["_source"]),
                score=hit.get("_score"),
                highlights=dict(hit.get("highlight", {})),
            )
            for hit in raw_hits
        ]
        cursor = encode_cursor(raw_hits[-1]["sort"]) if more and raw_hits else None
        return SearchPage(
            hits=hits,
            total=int(total["value"]),
            next_cursor=cursor,
            total_is_lower_bound=total.get("relation") == "gte",
        )

    def aggregate(
        self, kind: Kind, query: SearchQuery, aggregations: Sequence[Aggregation]
    ) -> dict[str, AggResult]:
        dsl, _clauses = build_query(kind, query)
        aggs = build_aggs(kind, list(aggregations))
        response = self._call(
            lambda: self.client.search(
                index=self.layout.read_target(kind),
                query=dsl,
                aggs=aggs,
                size=0,
                ignore_unavailable=True,
                allow_no_indices=True,
            )
        )
        raw = response.get("aggregations", {})
        out: dict[str, AggResult] = {}
        for agg in aggregations:
            body = raw.get(agg.name, {})
            if "buckets" not in body:
                out[agg.name] = AggResult(value=body.get("value"))
                continue
            buckets = []
            for bucket in body["buckets"]:
                if isinstance(agg, DateHistogramAgg):
                    key = _histogram_key(bucket["key"], agg.time_zone)
                    split = {
                        bucket_key(sub): int(sub["doc_count"])
                        for sub in bucket.get("split", {}).get("buckets", [])
                    }
                    buckets.append(Bucket(key=key, count=int(bucket["doc_count"]), split=split))
                else:
                    buckets.append(Bucket(key=bucket_key(bucket), count=int(bucket["doc_count"])))
            out[agg.name] = AggResult(buckets=buckets)
        return out

    # -- records -------------------------------------------------------------------------------

    def _record_id(self, kind: RecordKind, record_id: str) -> str:
        return f"{kind.value}:{record_id}"

    def put_records(self, kind: RecordKind, records: dict[str, dict[str, Any]]) -> None:
        self._ensure_installed()
        index = self.layout.index("records")
        operations: list[dict[str, Any]] = []
        for record_id, doc in records.items():
            operations.append({"index": {"_index": index, "_id": self._record_id(kind, record_id)}})
            operations.append({"kind": kind.value, "id": record_id, "doc": doc})
        if not operations:
            return
        response = self._call(lambda: self.client.bulk(operations=operations, refresh="wait_for"))
        if response.get("errors"):
            reasons = [item for item in response["items"] if int(next(iter(item.values()))["status"]) >= 300]
            raise StoreUnavailable(
                f"Elasticsearch rejected {len(reasons)} {kind.value} record(s): {reasons[:3]}"
            )

    def get_record(self, kind: RecordKind, record_id: str) -> dict[str, Any] | None:
        doc = self._get("records", self._record_id(kind, record_id))
        return doc["doc"] if doc is not None else None

    def list_records(self, kind: RecordKind, limit: int = 1000) -> list[dict[str, Any]]:
        """Up to `limit` records in id order, read `page_size` at a time (any limit, no result window)."""
        hits = self.scan(self.layout.index("records"), {"term": {"kind": kind.value}}, [{"id": "asc"}], limit)
        return [hit["_source"]["doc"] for hit in hits]

    def scan(
        self, index: str, query: dict[str, Any], sort: list[Any], limit: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every hit of `query` (up to `limit`) in `sort` order, by search_after over a point in time.

        The point in time keeps the pages consistent while others write; it is closed at the end.
        """
        try:
            opened = self._call(lambda: self.client.open_point_in_time(index=index, keep_alive="1m"))
        except NotFoundError:
            return
        pit = opened["id"]
        after: list[Any] | None = None
        left = limit
        try:
            while left is None or left > 0:
                size = self.page_size if left is None else min(self.page_size, left)
                body: dict[str, Any] = {"pit": {"id": pit, "keep_alive": "1m"}, "size": size}
                if after is not None:
                    body["search_after"] = after
                response = self._call(
                    lambda body=body: self.client.search(
                        query=query, sort=sort, track_total_hits=False, **body
                    )
                )
                pit = response.get("pit_id", pit)
                hits = response["hits"]["hits"]
                yield from hits
                if left is not None:
                    left -= len(hits)
                if len(hits) < size:
                    return
                after = hits[-1]["sort"]
        finally:
            try:
                self.client.close_point_in_time(id=pit)
            except (ApiError, TransportError) as exc:  # it expires on its own after keep_alive
                log.debug("could not close a point in time: %s", exc)

    def delete_record(self, kind: RecordKind, record_id: str) -> bool:
        try:
            self._call(
                lambda: self.client.delete(
                    index=self.layout.index("records"),
                    id=self._record_id(kind, record_id),
                    refresh="wait_for",
                )
            )
        except NotFoundError:
            return False
        return True

    def stats(self) -> dict[str, int]:
        return {kind.value: self.count(kind, SearchQuery()) for kind in Kind}


def _public(kind: Kind, source: dict[str, Any]) -> dict[str, Any]:
    """The document as the caller indexed it (without the sort tie-breaker `vigil.id` added to events)."""
    if kind is Kind.events and "vigil" in source:
        vigil = source["vigil"]
        source = {key: value for key, value in source.items() if key != "vigil"}
        own = {key: value for key, value in vigil.items() if key != "id"} if isinstance(vigil, dict) else {}
        if own:
            source["vigil"] = own
    return source


def events_policy(retention_days: int | None) -> dict[str, Any]:
    """The ILM policy of the events data stream: roll over, and delete after `retention_days`
    (store.retention.events_days; none: keep for ever)."""
    policy: dict[str, Any] = json.loads(json.dumps(load("ilm-events")["policy"]))
    if retention_days is None:
        policy["phases"].pop("delete", None)
    else:
        policy["phases"]["delete"]["min_age"] = f"{retention_days}d"
    return policy


def _reason(exc: ApiError) -> str:
    """The root cause Elasticsearch gives (e.g. "Result window is too large…"), not only its type."""
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    if isinstance(error, dict):
        causes = error.get("root_cause") or [error]
        reason = causes[0].get("reason") if isinstance(causes[0], dict) else None
        if reason:
            return f"{exc.message}: {reason}"
    return str(exc.message)


def _histogram_key(epoch_ms: int | float, time_zone: str) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=zone_offset(time_zone)).isoformat()
