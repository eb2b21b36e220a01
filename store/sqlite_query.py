"""SearchQuery → SQL for the SQLite store (bound parameters only; user text never becomes SQL).

Layout it queries, per kind `k`:
- `k(rid, id, ts, version, f0…fN)`: ts = the kind's time field as epoch seconds; f0…fN = the
  kind's COLUMNS: its FACETS (single-valued keyword fields, filtered and counted often; covered by
  the time index) then its STORED fields (single-valued scalars, most without an index);
- `k_doc(rid, doc)`: the document as JSON (what every read returns; everything else derives from it);
- `k_kv(field, value, num, rid)`: every other scalar leaf of the document (list elements share their
  list's path; strings longer than LONG_TEXT are left out), `num` = numbers and dates as epoch seconds;
- `k_fts`: contentless FTS5 over the kind's text fields, in `textsearch.index_form`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from store import querytext
from store.errors import InvalidQuery
from store.query import TEXT_FIELDS, TIME_FIELD, Cidr, Exists, Filter, Kind, Not, Range, SearchQuery, Term
from store.textsearch import Clause

LONG_TEXT = 256  # longer strings are not terms: they stay out of k_kv
NULL_DESC = -1e308  # missing sort values go last in both directions, as in Elasticsearch; also the
# stored time (ts) of a document without one, so the time index orders it last when newest-first
FACETS: dict[Kind, tuple[str, ...]] = {
    Kind.articles: ("outlet", "topic", "category", "tone", "language", "story_cluster"),
    Kind.events: (
        "event.kind", "event.dataset", "event.module", "event.action", "event.outcome",
        "source.ip", "destination.ip", "host.name", "observer.name",
    ),
    Kind.incidents: ("rule_id", "severity", "status", "agency", "asset", "source_ip", "assignee"),
}  # fmt: skip


# Single-valued fields kept as plain, unindexed columns after the facets (not in k_kv, not in the
# covering time index): identifiers and scores that are filtered rarely. In k_kv each would be one
# insert at a random place of a large B-tree per document, which was most of the cost of bulk
# indexing (every such insert dirties a page that the commit writes); as columns they ride along
# with the row. A filter on them scans the narrow main table.
#
# Events: the single-valued ECS scalars of network, DNS, web, TLS and auth events (ECS defines each as
# one keyword or number; dates stay in k_kv, where ranges and histograms read them as times). In k_kv
# they were ~2/3 of an event's rows and most of the cost of ingesting Suricata EVE (each a row at a
# random place of the kv B-tree); the four that the API filters on (INDEXED_FACETS) have an index.
STORED: dict[Kind, tuple[str, ...]] = {
    Kind.articles: (
        "url", "canonical_url", "content_hash", "fingerprint", "topic_score", "tone_score", "story_outlets",
    ),
    Kind.events: (
        "destination.port", "user.name", "url.path", "http.response.status_code",
        "source.port", "source.bytes", "source.packets", "destination.bytes", "destination.packets",
        "network.bytes", "network.packets", "network.transport", "network.protocol", "log.offset",
        "event.severity", "rule.category", "rule.version", "dns.id", "dns.question.name", "dns.question.type",
        "dns.type", "dns.response_code", "http.request.method", "http.version", "http.response.body.bytes",
        "url.domain", "process.name", "process.pid", "source.domain", "destination.domain", "host.hostname",
        "file.size", "tls.version", "tls.version_protocol", "tls.client.ja3", "tls.server.ja3s",
        "tls.client.server_name", "log.file.path",
    ),
    Kind.incidents: (),
}  # fmt: skip
COLUMNS: dict[Kind, tuple[str, ...]] = {kind: FACETS[kind] + STORED[kind] for kind in Kind}


# The kinds whose columns are held in memory (store.sqlite_fast): articles, searched and charted all
# day by press officers.
# Security events can number millions and are re-read whenever a log is ingested again (replaced
# documents mean a full reload, seconds at that size, holding up the API process): they stay in SQL,
# as do incidents, few and rewritten at every update.
HELD_KINDS = frozenset({Kind.articles})


# Facets worth a b-tree: selective lookups (a story, an address, a rule). The others are read from
# the narrow main table (a scan of it is cheap) and cost no index upkeep at bulk-index time.
INDEXED_FACETS = {
    "story_cluster", "source.ip", "destination.ip", "host.name", "rule_id", "source_ip",
    "destination.port", "user.name", "url.path", "http.response.status_code",
}  # fmt: skip


# Multi-valued keyword fields counted often: k_kv has a partial index (rid, field, value) for them.
# Plain identifiers only: they are written into SQL as literals (never user input).
MULTI_FACETS = (
    "entities.text", "entities.type", "tags", "authors", "watchlists",
    "event.category", "event.type", "related.ip", "rule.id",
)  # fmt: skip


# Kinds whose multi-valued facets have the partial index k_kv_multi(rid, field, value), for counting
# them over a selective filter or a text query in SQL. Not articles: their facets are counted from
# the in-memory columns (store.sqlite_fast), and the index was ~60% of the cost of writing k_kv
# while bulk indexing articles. Not events either: for EVE it was ~12 µs of each event's ~70 µs of
# writes (three inserts of event.category/event.type a line); their counts scan the field's k_kv rows.
MULTI_INDEXED = frozenset({Kind.incidents})


# Subtrees kept only in the stored document, with no k_kv rows: Elasticsearch keeps them as one
# `flattened` field. The raw Suricata EVE record repeats what the ECS fields hold and was ~70% of the
# events' k_kv rows (~48 a real event), most of the cost of ingesting EVE. A filter or an aggregation
# on a field inside reads the documents instead (`store.sqlite_doconly`): same answers, slower.
DOC_ONLY: dict[Kind, frozenset[str]] = {
    Kind.articles: frozenset(),
    Kind.events: frozenset({"suricata.eve", "event.original"}),
    Kind.incidents: frozenset(),
}


def doc_only(kind: Kind, field: str) -> bool:
    """Whether `field` lies inside one of the kind's DOC_ONLY subtrees (it has no k_kv rows)."""
    return any(field == root or field.startswith(root + ".") for root in DOC_ONLY[kind])


def above_doc_only(kind: Kind, field: str) -> bool:
    """Whether a DOC_ONLY subtree lies below `field` (`suricata` holds `suricata.eve`)."""
    return any(root.startswith(field + ".") for root in DOC_ONLY[kind])


def multi_in() -> str:
    """The exact IN list of the partial index: SQLite uses it only for queries repeating that term."""
    return ", ".join(f"'{name}'" for name in MULTI_FACETS)


def facet_column(kind: Kind, field: str) -> str | None:
    """The column holding `field` when it is one of the kind's facets or stored columns."""
    columns = COLUMNS[kind]
    return f"t.f{columns.index(field)}" if field in columns else None


def json_path(field: str) -> str:
    """A SQLite JSON path for a dotted field (`@timestamp` → `$."@timestamp"`)."""
    return "$" + "".join('."' + part.replace('"', "") + '"' for part in field.split("."))


@dataclass
class Compiled:
    """The FROM/WHERE part of a query with its parameters, plus what ranking and highlights need."""

    from_sql: str
    where: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    clauses: list[Clause] = field(default_factory=list)
    has_text: bool = False
    fts_name: str = ""  # the FTS table in from_sql (for MATCH and bm25)
    rowid: str = "t.rowid"  # the document's rid in from_sql
    fts_only: bool = False  # ranked by relevance only (the page can be ranked from the FTS table)

    @property
    def score(self) -> str:
        return f"bm25({self.fts_name})"

    @property
    def where_sql(self) -> str:
        return " AND ".join(self.where) if self.where else "1"


def text_columns(kind: Kind) -> list[str]:
    return [f"c{index}" for index in range(len(TEXT_FIELDS[kind]))]


def compile_query(kind: Kind, query: SearchQuery) -> Compiled:
    table = kind.value
    tree = querytext.parse(query.text)
    compiled = Compiled(from_sql=f"{table} t", clauses=querytext.highlight_clauses(tree))
    if tree is not None:
        match = querytext.to_fts5(tree)
        if query.text_fields:
            columns = []
            for name in query.text_fields:
                if name not in TEXT_FIELDS[kind]:
                    allowed = ", ".join(TEXT_FIELDS[kind])
                    raise InvalidQuery(f"cannot search text in {name!r} of {kind}; searchable: {allowed}")
                columns.append(f"c{TEXT_FIELDS[kind].index(name)}")
            match = "{" + " ".join(columns) + "} : (" + match + ")"
        compiled.fts_name = f"{table}_fts"
        compiled.rowid = f"{table}_fts.rowid"
        compiled.has_text = True
        # ranked by relevance only: the page can come from the FTS table alone (see SqliteStore.search)
        compiled.fts_only = all(item.field == "_score" for item in query.sort)
        if query.filters or not compiled.fts_only:
            # the text matches drive: one lookup in the narrow main table per match
            compiled.from_sql = (
                f"{table}_fts CROSS JOIN {table} t INDEXED BY {table}_by_rid ON t.rid = {table}_fts.rowid"
            )
        else:
            compiled.from_sql = compiled.fts_name
        compiled.where.append(f"{compiled.fts_name} MATCH ?")
        compiled.params.append(match)
    for item in query.filters:
        sql, params = filter_sql(kind, item)
        compiled.where.append(sql)
        compiled.params.extend(params)
    return compiled


def term_value(value: Any) -> Any:
    """A Term value as stored (booleans are stored as 0/1)."""
    if isinstance(value, bool):
        return int(value)
    return value


def range_bound(value: datetime | float | None) -> float | None:
    """A Range bound as stored: epoch seconds for a (timezone-aware) datetime, else the number."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidQuery(f"range bound {value.isoformat()} has no time zone; give one (e.g. +07:00)")
        return value.timestamp()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidQuery(f"range bound {value!r} is neither a number nor a datetime")
    return float(value)


def filter_sql(kind: Kind, item: Filter) -> tuple[str, list[Any]]:
    kv = f"{kind.value}_kv"
    if isinstance(item, Not):
        inner, params = filter_sql(kind, item.filter)
        # a column test is NULL where the document has no value: NOT must keep those documents
        # (as Elasticsearch's must_not does), not drop them with the NULL
        return f"NOT coalesce(({inner}), 0)", params
    if not item.field:
        raise InvalidQuery("a filter needs a field name")
    if doc_only(kind, item.field) and item.field != "id":
        return doc_filter_sql(kind, item)
    if isinstance(item, Term):
        if not item.values:
            return "0", []
        marks = ",".join("?" * len(item.values))
        values = [term_value(value) for value in item.values]
        if item.field == "id":
            return f"t.id IN ({marks})", values
        column = facet_column(kind, item.field)
        if column:
            return f"{column} IN ({marks})", values
        if item.field in TEXT_FIELDS[kind]:  # not in k_kv: compare the stored value (a scan)
            return (
                f"t.rid IN (SELECT rid FROM {kind.value}_doc WHERE json_extract(doc, ?) IN ({marks}))",
                [json_path(item.field), *values],
            )
        return f"t.rid IN (SELECT rid FROM {kv} WHERE field = ? AND value IN ({marks}))", [
            item.field,
            *values,
        ]
    if isinstance(item, Range):
        ops = [(">=", item.gte), ("<=", item.lte), (">", item.gt), ("<", item.lt)]
        bounds = [(op, range_bound(value)) for op, value in ops if value is not None]
        if item.field == TIME_FIELD[kind]:
            # a missing time is stored as NULL_DESC (so k_ts_order sorts it last); it is never in a range
            conditions = [f"t.ts {op} ?" for op, _ in bounds]
            if not any(op.startswith(">") for op, _ in bounds):
                conditions.append(f"t.ts > {NULL_DESC}")
            return " AND ".join(conditions), [value for _, value in bounds]
        column = facet_column(kind, item.field)
        if column:
            return " AND ".join([f"{column} IS NOT NULL"] + [f"{column} {op} ?" for op, _ in bounds]), [
                value for _, value in bounds
            ]
        on_num = "".join(f" AND num {op} ?" for op, _ in bounds)
        return (
            f"t.rid IN (SELECT rid FROM {kv} WHERE field = ? AND num IS NOT NULL{on_num})",
            [item.field, *[value for _, value in bounds]],
        )
    if isinstance(item, Exists):
        if item.field == "id":
            return "1", []
        if item.field == TIME_FIELD[kind]:
            return f"t.ts > {NULL_DESC}", []
        column = facet_column(kind, item.field)
        if column:
            return f"{column} IS NOT NULL", []
        in_kv = f"t.rid IN (SELECT rid FROM {kv} WHERE field = ? OR (field > ? AND field < ?))"
        params = [item.field, item.field + ".", item.field + "/"]
        if above_doc_only(kind, item.field):  # part of what it holds is in the document only
            doc_sql, doc_params = doc_filter_sql(kind, item)
            return f"({in_kv} OR {doc_sql})", [*params, *doc_params]
        if item.field in TEXT_FIELDS[kind]:  # text fields are not in k_kv
            return (
                f"({in_kv} OR json_type((SELECT doc FROM {kind.value}_doc d WHERE d.rid = t.rid), ?) "
                "NOT IN ('null', 'array'))",
                [*params, json_path(item.field)],
            )
        return in_kv, params
    if isinstance(item, Cidr):
        try:
            network = ipaddress.ip_network(item.cidr, strict=False)
        except ValueError:
            raise InvalidQuery(f"{item.cidr!r} is not a network (write it like 10.0.0.0/8)") from None
        column = facet_column(kind, item.field)
        prefix_range = text_prefix_range(network)
        narrow, narrow_params = "", []
        if prefix_range is not None:
            narrow, narrow_params = "{v} >= ? AND {v} < ? AND ", list(prefix_range)
        if column:
            return (
                narrow.format(v=column) + f"vigil_in_network({column}, ?)",
                [*narrow_params, str(network)],
            )
        return (
            f"t.rid IN (SELECT rid FROM {kv} WHERE field = ? AND {narrow.format(v='value')}"
            "vigil_in_network(value, ?))",
            [item.field, *narrow_params, str(network)],
        )
    raise InvalidQuery(f"unsupported filter {item!r}")


def doc_filter_sql(kind: Kind, item: Term | Range | Exists | Cidr) -> tuple[str, list[Any]]:
    """A filter on a DOC_ONLY field: tested on each candidate document by a function over the rows
    its derivation would have given the field (`store.sqlite_doconly`, registered on every connection)."""
    doc = f"(SELECT doc FROM {kind.value}_doc d WHERE d.rid = t.rid)"
    if isinstance(item, Term):
        if not item.values:
            return "0", []
        values = [term_value(value) for value in item.values]
        return f"vigil_doc_term({doc}, ?, ?)", [item.field, orjson.dumps(values).decode()]
    if isinstance(item, Range):
        ops = [(">=", item.gte), ("<=", item.lte), (">", item.gt), ("<", item.lt)]
        bounds = [[op, range_bound(value)] for op, value in ops if value is not None]
        return f"vigil_doc_range({doc}, ?, ?)", [item.field, orjson.dumps(bounds).decode()]
    if isinstance(item, Exists):
        return f"vigil_doc_exists({doc}, ?)", [item.field]
    try:
        network = ipaddress.ip_network(item.cidr, strict=False)
    except ValueError:
        raise InvalidQuery(f"{item.cidr!r} is not a network (write it like 10.0.0.0/8)") from None
    return f"vigil_doc_cidr({doc}, ?, ?)", [item.field, str(network)]


def text_prefix_range(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> tuple[str, str] | None:
    """Bounds [low, high) of the texts that can hold an address of `network`, so an index on the
    address column narrows the rows before vigil_in_network checks each. An IPv4 network's whole
    leading octets (three at most, so a /32's text still falls inside) are a text prefix:
    "10.0.0.0/8" → "10." … "10/" ("/" follows "."). IPv6 texts (compressed forms) and networks
    shorter than /8 have no such prefix: None."""
    if network.version != 4 or network.prefixlen < 8:
        return None
    octets = str(network.network_address).split(".")[: min(network.prefixlen // 8, 3)]  # a /32 too
    prefix = ".".join(octets)
    return prefix + ".", prefix + "/"


def in_network(value: Any, network: str) -> int:
    """SQL function vigil_in_network(ip, cidr): 1 when the text `value` is an address inside `network`."""
    if not isinstance(value, str):
        return 0
    try:
        return int(ipaddress.ip_address(value) in ipaddress.ip_network(network, strict=False))
    except ValueError:
        return 0


@dataclass
class SortKey:
    expr: str
    ascending: bool  # SQL direction
    params: list[Any] = field(default_factory=list)


def sort_keys(kind: Kind, query: SearchQuery, compiled: Compiled) -> list[SortKey]:
    """ORDER BY keys, missing values last, ending with the id so the order is total (cursor-safe)."""
    keys: list[SortKey] = []
    if not query.sort:
        if compiled.has_text:
            keys.append(SortKey(compiled.score, ascending=True))
        else:
            keys.append(SortKey("t.ts", ascending=False))
    for item in query.sort:
        if item.field == "_score":
            if compiled.has_text:  # bm25() is lower for better matches: most relevant first = ascending
                keys.append(SortKey(compiled.score, ascending=item.descending))
            continue
        if item.field == "id":
            keys.append(SortKey("t.id", ascending=not item.descending))
            continue
        params: list[Any] = []
        if item.field == TIME_FIELD[kind]:
            # missing times are NULL_DESC: last when descending; sorted last explicitly when ascending
            expr = "t.ts" if item.descending else f"(CASE WHEN t.ts = {NULL_DESC} THEN X'ff' ELSE t.ts END)"
            keys.append(SortKey(expr, ascending=not item.descending))
            continue
        else:
            doc = f"(SELECT doc FROM {kind.value}_doc d WHERE d.rid = t.rid)"
            base = facet_column(kind, item.field) or f"json_extract({doc}, ?)"
            if base.startswith("json_extract"):
                params = [json_path(item.field)]
        missing = f"{NULL_DESC}" if item.descending else "X'ff'"
        keys.append(SortKey(f"coalesce({base}, {missing})", ascending=not item.descending, params=params))
    keys.append(SortKey(compiled.rowid, ascending=True))  # rowid = rid, kept when a document is re-indexed
    return keys


def after_sql(keys: list[SortKey], values: list[Any]) -> tuple[str, list[Any]]:
    """Rows strictly after `values` in the order of `keys` (keyset pagination)."""
    ors: list[str] = []
    params: list[Any] = []
    for index, key in enumerate(keys):
        ands: list[str] = []
        for previous, value in zip(keys[:index], values[:index], strict=True):
            ands.append(f"{previous.expr} = ?")
            params.extend([*previous.params, value])
        ands.append(f"{key.expr} {'>' if key.ascending else '<'} ?")
        params.extend([*key.params, values[index]])
        ors.append("(" + " AND ".join(ands) + ")")
    return "(" + " OR ".join(ors) + ")", params


def zone_offset(time_zone: str) -> timezone:
    """A fixed offset for "+07:00"/"Z"/"UTC"; an IANA name is turned into its current offset."""
    text = time_zone.strip()
    if text in ("Z", "UTC", "utc"):
        return UTC
    if text[:1] in "+-" and len(text) == 6 and text[3] == ":":
        try:
            sign = 1 if text[0] == "+" else -1
            return timezone(sign * timedelta(hours=int(text[1:3]), minutes=int(text[4:6])))
        except ValueError:
            pass
    try:
        offset = datetime.now(ZoneInfo(text)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidQuery(f"time zone {time_zone!r} is not an offset like +07:00") from None
    return timezone(offset or timedelta(0))


def bucket_sql(interval: str, value_expr: str, offset_seconds: int) -> str:
    """SQL for the start (epoch seconds) of the calendar `interval` holding `value_expr`, in the zone."""
    local = f"(CAST({value_expr} AS INTEGER) + {offset_seconds})"
    if interval == "hour":
        start = f"({local} - ({local} % 3600))"
    elif interval == "day":
        start = f"({local} - ({local} % 86400))"
    elif interval == "week":  # weeks start on Monday; 1970-01-01 was a Thursday
        day = f"({local} / 86400)"
        start = f"(({day} - (({day} + 3) % 7)) * 86400)"
    elif interval == "month":
        start = f"CAST(strftime('%s', {local}, 'unixepoch', 'start of month') AS INTEGER)"
    else:
        raise InvalidQuery(f"interval {interval!r} is not one of hour, day, week, month")
    return f"({start} - {offset_seconds})"


def bucket_start(interval: str, epoch: int, offset_seconds: int) -> int:
    """`bucket_sql` in Python (same arithmetic), for counting rows already read."""
    local = epoch + offset_seconds
    if interval == "hour":
        start = local - local % 3600
    elif interval == "day":
        start = local - local % 86400
    elif interval == "week":
        day = local // 86400
        start = (day - (day + 3) % 7) * 86400
    elif interval == "month":
        moment = datetime.fromtimestamp(local, tz=UTC)
        start = int(datetime(moment.year, moment.month, 1, tzinfo=UTC).timestamp())
    else:
        raise InvalidQuery(f"interval {interval!r} is not one of hour, day, week, month")
    return start - offset_seconds


def bucket_key(epoch: int, zone: timezone) -> str:
    return datetime.fromtimestamp(epoch, tz=zone).isoformat()
