"""Generate Kibana saved objects (NDJSON) for Vigil's indices.

Data views for articles, events and incidents; a "Press coverage" dashboard (volume, share of voice,
tone trend, topics) and a "Security overview" dashboard (incidents by severity, top sources, alerts
over time, top signatures). Visualizations are the aggregation-based kind, which every Kibana 8/9
imports without a Lens migration. `referenced_fields()` lists every field the objects use, so a
test can check each exists in the index mappings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

_VERSION = "8.8.0"


@dataclass(frozen=True)
class DataView:
    id: str
    kind: str  # articles | events | incidents
    time_field: str
    name: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    data_view: str
    vis_type: str  # histogram | line | pie | table | tagcloud
    time_field: str | None = None  # a date_histogram on this field
    terms_field: str | None = None  # a terms split on this field
    split_series: bool = False  # with a time field: split the series by `terms_field`
    query: str = ""  # KQL, fields checked like the others
    query_fields: tuple[str, ...] = ()
    size: int = 10


@dataclass(frozen=True)
class Dashboard:
    id: str
    title: str
    description: str
    charts: tuple[Chart, ...] = field(default_factory=tuple)


DATA_VIEWS = (
    DataView("vigil-articles", "articles", "published_at", "Vigil articles"),
    DataView("vigil-events", "events", "@timestamp", "Vigil security events"),
    DataView("vigil-incidents", "incidents", "last_seen", "Vigil incidents"),
)

DASHBOARDS = (
    Dashboard(
        "vigil-press-coverage",
        "Vigil — press coverage",
        "Coverage volume, share of voice by outlet, tone trend and topics.",
        (
            Chart("vigil-press-volume", "Articles per day", "vigil-articles", "histogram", "published_at"),
            Chart(
                "vigil-press-share", "Share of voice by outlet", "vigil-articles", "pie", terms_field="outlet"
            ),
            Chart(
                "vigil-press-tone",
                "Tone trend",
                "vigil-articles",
                "line",
                "published_at",
                "tone",
                split_series=True,
                size=3,
            ),
            Chart("vigil-press-topics", "Topics", "vigil-articles", "pie", terms_field="topic", size=15),
        ),
    ),
    Dashboard(
        "vigil-security-overview",
        "Vigil — security overview",
        "Incidents by severity, top attacking sources, alerts over time and top signatures.",
        (
            Chart(
                "vigil-sec-severity",
                "Incidents by severity",
                "vigil-incidents",
                "pie",
                terms_field="severity",
            ),
            Chart(
                "vigil-sec-sources", "Top sources", "vigil-events", "table", terms_field="source.ip", size=15
            ),
            Chart(
                "vigil-sec-alerts",
                "Alerts over time",
                "vigil-events",
                "histogram",
                "@timestamp",
                query="event.kind : alert",
                query_fields=("event.kind",),
            ),
            Chart(
                "vigil-sec-signatures",
                "Top signatures",
                "vigil-events",
                "table",
                terms_field="rule.name.keyword",
                query="event.kind : alert",
                query_fields=("event.kind",),
                size=15,
            ),
        ),
    ),
)


def _aggs(chart: Chart) -> list[dict[str, Any]]:
    aggs: list[dict[str, Any]] = [
        {"id": "1", "enabled": True, "type": "count", "schema": "metric", "params": {}}
    ]
    if chart.time_field:
        aggs.append(
            {
                "id": "2",
                "enabled": True,
                "type": "date_histogram",
                "schema": "segment",
                "params": {"field": chart.time_field, "interval": "auto", "min_doc_count": 1},
            }
        )
    if chart.terms_field:
        schema = "group" if chart.split_series else ("bucket" if chart.vis_type == "table" else "segment")
        aggs.append(
            {
                "id": "3",
                "enabled": True,
                "type": "terms",
                "schema": schema,
                "params": {"field": chart.terms_field, "size": chart.size, "order": "desc", "orderBy": "1"},
            }
        )
    return aggs


def _params(chart: Chart) -> dict[str, Any]:
    if chart.vis_type == "pie":
        return {
            "type": "pie",
            "addTooltip": True,
            "addLegend": True,
            "legendPosition": "right",
            "isDonut": True,
        }
    if chart.vis_type == "table":
        return {"perPage": 15, "showPartialRows": False, "showMetricsAtAllLevels": False, "showTotal": False}
    if chart.vis_type == "tagcloud":
        return {"scale": "linear", "orientation": "single", "minFontSize": 14, "maxFontSize": 48}
    mode = "normal"
    return {
        "type": chart.vis_type,
        "addTooltip": True,
        "addLegend": True,
        "legendPosition": "right",
        "times": [],
        "addTimeMarker": False,
        "grid": {"categoryLines": False},
        "categoryAxes": [
            {
                "id": "CategoryAxis-1",
                "type": "category",
                "position": "bottom",
                "show": True,
                "scale": {"type": "linear"},
                "labels": {"show": True, "filter": True, "truncate": 100},
                "title": {},
            }
        ],
        "valueAxes": [
            {
                "id": "ValueAxis-1",
                "name": "LeftAxis-1",
                "type": "value",
                "position": "left",
                "show": True,
                "scale": {"type": "linear", "mode": "normal"},
                "labels": {"show": True, "rotate": 0, "filter": False, "truncate": 100},
                "title": {"text": "Count"},
            }
        ],
        "seriesParams": [
            {
                "show": True,
                "type": "line" if chart.vis_type == "line" else "histogram",
                "mode": mode,
                "data": {"label": "Count", "id": "1"},
                "valueAxis": "ValueAxis-1",
                "drawLinesBetweenPoints": True,
                "showCircles": True,
            }
        ],
    }


def _search_source(query: str, with_index: bool) -> str:
    source: dict[str, Any] = {"query": {"query": query, "language": "kuery"}, "filter": []}
    if with_index:
        source["indexRefName"] = "kibanaSavedObjectMeta.searchSourceJSON.index"
    return json.dumps(source)


def data_view_object(view: DataView, index_prefix: str) -> dict[str, Any]:
    return {
        "type": "index-pattern",
        "id": view.id,
        "attributes": {
            "title": f"{index_prefix}-{view.kind}*",
            "name": view.name,
            "timeFieldName": view.time_field,
        },
        "references": [],
        "coreMigrationVersion": _VERSION,
    }


def chart_object(chart: Chart) -> dict[str, Any]:
    vis_state = {"title": chart.title, "type": chart.vis_type, "params": _params(chart), "aggs": _aggs(chart)}
    return {
        "type": "visualization",
        "id": chart.id,
        "attributes": {
            "title": chart.title,
            "description": "",
            "version": 1,
            "visState": json.dumps(vis_state, ensure_ascii=False),
            "uiStateJSON": "{}",
            "kibanaSavedObjectMeta": {"searchSourceJSON": _search_source(chart.query, True)},
        },
        "references": [
            {
                "name": "kibanaSavedObjectMeta.searchSourceJSON.index",
                "type": "index-pattern",
                "id": chart.data_view,
            }
        ],
        "coreMigrationVersion": _VERSION,
    }


def dashboard_object(dashboard: Dashboard) -> dict[str, Any]:
    panels = []
    for index, _chart in enumerate(dashboard.charts):
        panels.append(
            {
                "panelIndex": str(index + 1),
                "gridData": {
                    "x": (index % 2) * 24,
                    "y": (index // 2) * 15,
                    "w": 24,
                    "h": 15,
                    "i": str(index + 1),
                },
                "type": "visualization",
                "panelRefName": f"panel_{index}",
                "embeddableConfig": {},
            }
        )
    return {
        "type": "dashboard",
        "id": dashboard.id,
        "attributes": {
            "title": dashboard.title,
            "description": dashboard.description,
            "panelsJSON": json.dumps(panels),
            "optionsJSON": json.dumps({"useMargins": True, "hidePanelTitles": False}),
            "timeRestore": True,
            "timeFrom": "now-30d",
            "timeTo": "now",
            "refreshInterval": {"pause": False, "value": 60000},
            "kibanaSavedObjectMeta": {"searchSourceJSON": _search_source("", False)},
        },
        "references": [
            {"name": f"panel_{index}", "type": "visualization", "id": chart.id}
            for index, chart in enumerate(dashboard.charts)
        ],
        "coreMigrationVersion": _VERSION,
    }


def saved_objects(index_prefix: str = "vigil") -> list[dict[str, Any]]:
    """Every object, data views first (Kibana resolves references in file order on import)."""
    objects = [data_view_object(view, index_prefix) for view in DATA_VIEWS]
    for dashboard in DASHBOARDS:
        objects.extend(chart_object(chart) for chart in dashboard.charts)
    objects.extend(dashboard_object(dashboard) for dashboard in DASHBOARDS)
    return objects


def to_ndjson(index_prefix: str = "vigil") -> str:
    return "".join(json.dumps(obj, ensure_ascii=False) + "\n" for obj in saved_objects(index_prefix))


def referenced_fields() -> dict[str, set[str]]:
    """Fields each index kind must have for the objects to work: kind → field names."""
    kinds = {view.id: view.kind for view in DATA_VIEWS}
    fields: dict[str, set[str]] = {view.kind: {view.time_field} for view in DATA_VIEWS}
    for dashboard in DASHBOARDS:
        for chart in dashboard.charts:
            used = fields[kinds[chart.data_view]]
            used.update(f for f in (chart.time_field, chart.terms_field) if f)
            used.update(chart.query_fields)
    return fields
