"""SearchQuery → Elasticsearch DSL, built by Vigil from parsed clauses (never raw user DSL).

Text: every clause is required; a word is a `multi_match` and a phrase a `multi_match` of type
`phrase` over the kind's text fields, all analysed by `vigil_folding` (the query text is folded too).
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import Any

from store import querytext
from store.elastic_schema import ID_FIELD, exact_field
from store.errors import InvalidQuery
from store.query import (
    TEXT_FIELDS,
    TIME_FIELD,
    Aggregation,
    AvgAgg,
    Cidr,
    DateHistogramAgg,
    Exists,
    Filter,
    Kind,
    Not,
    Range,
    SearchQuery,
    Term,
    TermsAgg,
)
from store.sqlite_query import zone_offset
from store.textsearch import Clause


def text_fields(kind: Kind, query: SearchQuery) -> tuple[str, ...]:
    fields = query.text_fields or TEXT_FIELDS[kind]
    for name in fields:
        if name not in TEXT_FIELDS[kind]:
            allowed = ", ".join(TEXT_FIELDS[kind])
            raise InvalidQuery(f"cannot search text in {name!r} of {kind}; searchable: {allowed}")
    return fields


def build_query(kind: Kind, query: SearchQuery) -> tuple[dict[str, Any], list[Clause]]:
    tree = querytext.parse(query.text)
    clauses = querytext.highlight_clauses(tree)
    fields = list(text_fields(kind, query))
    must: list[dict[str, Any]] = [] if tree is None else [text_dsl(tree, fields)]
    filters = [filter_dsl(kind, item) for item in query.filters]
    if not must and not filters:
        return {"match_all": {}}, clauses
    return {"bool": {"must": must, "filter": filters}}, clauses


def text_dsl(node: querytext.Node, fields: list[str]) -> dict[str, Any]:
    """The query tree as a bool query over the folded text fields (words as multi_match)."""
    if isinstance(node, querytext.Word):
        text = " ".join(node.tokens)
        if node.phrase:
            return {"multi_match": {"query": text, "fields": fields, "type": "phrase"}}
        return {"multi_match": {"query": text, "fields": fields, "operator": "and"}}
    if isinstance(node, querytext.Or):
        return {"bool": {"should": [text_dsl(c, fields) for c in node.children], "minimum_should_match": 1}}
    if isinstance(node, querytext.Not):
        return {"bool": {"must_not": [text_dsl(node.child, fields)]}}
    must = [text_dsl(c, fields) for c in node.children if not isinstance(c, querytext.Not)]
    must_not = [text_dsl(c.child, fields) for c in node.children if isinstance(c, querytext.Not)]
    return {"bool": {"must": must, "must_not": must_not}}


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidQuery(f"range bound {value.isoformat()} has no time zone; give one (e.g. +07:00)")
        return value.isoformat()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidQuery(f"range bound {value!r} is neither a number nor a datetime")
    return value


def filter_dsl(kind: Kind, item: Filter) -> dict[str, Any]:
    if isinstance(item, Not):
        return {"bool": {"must_not": [filter_dsl(kind, item.filter)]}}
    if not item.field:
        raise InvalidQuery("a filter needs a field name")
    if isinstance(item, Term):
        if item.field == "id":
            return {"ids": {"values": [str(value) for value in item.values]}}
        return {"terms": {exact_field(kind, item.field): list(item.values)}}
    if isinstance(item, Range):
        bounds = {
            op: _value(value)
            for op, value in (("gte", item.gte), ("lte", item.lte), ("gt", item.gt), ("lt", item.lt))
            if value is not None
        }
        if not bounds:
            return {"exists": {"field": item.field}}
        return {"range": {item.field: bounds}}
    if isinstance(item, Exists):
        return {"exists": {"field": item.field}}
    if isinstance(item, Cidr):
        try:
            network = ipaddress.ip_network(item.cidr, strict=False)
        except ValueError:
            raise InvalidQuery(f"{item.cidr!r} is not a network (write it like 10.0.0.0/8)") from None
        return {"term": {item.field: str(network)}}
    raise InvalidQuery(f"unsupported filter {item!r}")


def build_sort(kind: Kind, query: SearchQuery, has_text: bool) -> list[Any]:
    """Sort clauses, missing values last, ending with the id keyword so the order is total (cursor-safe)."""
    sort: list[Any] = []
    items = list(query.sort)
    if not items:
        sort.append(
            {"_score": {"order": "desc"}}
            if has_text
            else {TIME_FIELD[kind]: {"order": "desc", "missing": "_last"}}
        )
    for item in items:
        order = "desc" if item.descending else "asc"
        if item.field == "_score":
            if has_text:
                sort.append({"_score": {"order": order}})
            continue
        field = ID_FIELD[kind] if item.field == "id" else exact_field(kind, item.field)
        sort.append({field: {"order": order, "missing": "_last", "unmapped_type": "keyword"}})
    sort.append({ID_FIELD[kind]: {"order": "asc"}})
    return sort


def build_aggs(kind: Kind, aggregations: list[Aggregation]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for agg in aggregations:
        if isinstance(agg, TermsAgg):
            out[agg.name] = {"terms": {"field": exact_field(kind, agg.field), "size": agg.size}}
        elif isinstance(agg, AvgAgg):
            out[agg.name] = {"avg": {"field": agg.field}}
        elif isinstance(agg, DateHistogramAgg):
            if agg.interval not in ("hour", "day", "week", "month"):
                raise InvalidQuery(f"interval {agg.interval!r} is not one of hour, day, week, month")
            offset = zone_offset(agg.time_zone).utcoffset(None)
            assert offset is not None
            minutes = int(offset.total_seconds()) // 60
            zone = f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
            body: dict[str, Any] = {
                "date_histogram": {
                    "field": agg.field,
                    "calendar_interval": agg.interval,
                    "time_zone": zone,  # a fixed offset: IANA names give wrong buckets on some servers
                    "min_doc_count": 1,
                }
            }
            if agg.split_by:
                body["aggs"] = {"split": {"terms": {"field": exact_field(kind, agg.split_by), "size": 100}}}
            out[agg.name] = body
        else:
            raise InvalidQuery(f"unsupported aggregation {agg!r}")
    return out


def bucket_key(bucket: dict[str, Any]) -> str:
    """A terms bucket key as text, the same as the SQLite store gives (booleans as 1/0)."""
    return str(bucket["key"])
