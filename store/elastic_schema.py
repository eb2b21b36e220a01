"""Vigil's Elasticsearch layout: index names, composable templates (from store/mappings/*.json), field lookup.

Layout for prefix `p`: `p-articles`, `p-incidents`, `p-records` (plain indices) and events in
`p-events-YYYY.MM` (month of the event's own timestamp, so a re-sent event lands on the same
document), or in the data stream `p-events` with an ILM policy when the cluster has both features
(the stand-in has neither; detected at init and logged once).
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from store.query import TIME_FIELD, Kind

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"
INDEX_KINDS = ("articles", "events", "incidents", "records")
# Tie-breaker of every sort (sorting on _id is disabled on recent clusters): a keyword holding the id.
ID_FIELD = {Kind.articles: "id", Kind.events: "vigil.id", Kind.incidents: "id"}


@cache
def load(name: str) -> dict[str, Any]:
    with (MAPPINGS_DIR / f"{name}.json").open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


class Layout:
    """Names of templates and indices for one prefix."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def index(self, kind: str) -> str:
        return f"{self.prefix}-{kind}"

    def read_target(self, kind: Kind) -> str:
        """What searches address: the events pattern covers dated indices and the data stream."""
        return f"{self.prefix}-events*" if kind is Kind.events else self.index(kind.value)

    def event_index(self, stamp: str | None, data_stream: bool) -> str:
        if data_stream:
            return self.index("events")
        month = "undated"
        if stamp:
            try:
                month = datetime.fromisoformat(stamp).strftime("%Y.%m")
            except ValueError:
                month = "undated"
        return f"{self.prefix}-events-{month}"

    def component_templates(self) -> dict[str, dict[str, Any]]:
        body = {f"{self.prefix}-settings": load("settings")}
        for kind in INDEX_KINDS:
            body[f"{self.prefix}-{kind}-mappings"] = load(kind)
        return body

    def index_templates(self, data_stream: bool, ilm: bool) -> dict[str, dict[str, Any]]:
        templates: dict[str, dict[str, Any]] = {}
        for kind in INDEX_KINDS:
            pattern = f"{self.prefix}-{kind}*" if kind == "events" else f"{self.prefix}-{kind}"
            template: dict[str, Any] = {
                "index_patterns": [pattern],
                "composed_of": [f"{self.prefix}-settings", f"{self.prefix}-{kind}-mappings"],
                "priority": 200,
                "_meta": {"managed_by": "vigil"},
            }
            if kind == "events" and data_stream:
                template["data_stream"] = {}
                if ilm:
                    template["template"] = {"settings": {"index.lifecycle.name": self.ilm_policy}}
            templates[f"{self.prefix}-{kind}"] = template
        return templates

    @property
    def ilm_policy(self) -> str:
        return f"{self.prefix}-events-policy"


@cache
def keyword_subfields(kind: str) -> frozenset[str]:
    """Text fields with a `.keyword` sub-field: terms, sorts and facets use the sub-field."""
    out: set[str] = set()

    def walk(properties: dict[str, Any], prefix: str) -> None:
        for name, spec in properties.items():
            path = f"{prefix}{name}"
            if spec.get("type") == "text" and "keyword" in spec.get("fields", {}):
                out.add(path)
            if "properties" in spec:
                walk(spec["properties"], path + ".")

    walk(load(kind)["template"]["mappings"]["properties"], "")
    return frozenset(out)


def exact_field(kind: Kind, field: str) -> str:
    """The field to use for exact matching, sorting and aggregations."""
    if field in keyword_subfields(kind.value):
        return f"{field}.keyword"
    return field


def time_field(kind: Kind) -> str:
    return TIME_FIELD[kind]
