"""The Kibana saved objects: valid NDJSON, consistent references, and every field they use exists
(with an aggregatable type) in Vigil's index mappings (store/mappings/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from store.kibana.saved_objects import DASHBOARDS, DATA_VIEWS, referenced_fields, to_ndjson

MAPPINGS = Path(__file__).resolve().parents[2] / "store" / "mappings"
AGGREGATABLE = {"keyword", "date", "ip", "long", "integer", "short", "float", "double", "boolean"}


def flatten(properties: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Dotted field name → type, including object sub-properties and multi-fields."""
    out: dict[str, str] = {}
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        if "properties" in spec:
            out.update(flatten(spec["properties"], f"{path}."))
        if "type" in spec:
            out[path] = spec["type"]
        for sub, sub_spec in spec.get("fields", {}).items():
            out[f"{path}.{sub}"] = sub_spec["type"]
    return out


def mapped_fields(kind: str) -> dict[str, str]:
    document = json.loads((MAPPINGS / f"{kind}.json").read_text(encoding="utf-8"))
    return flatten(document["template"]["mappings"]["properties"])


@pytest.fixture(scope="module")
def objects() -> list[dict[str, Any]]:
    return [json.loads(line) for line in to_ndjson("vigil").splitlines()]


def test_ndjson_is_one_valid_object_per_line(objects: list[dict[str, Any]]) -> None:
    assert len(objects) == len(DATA_VIEWS) + sum(len(d.charts) for d in DASHBOARDS) + len(DASHBOARDS)
    assert len({(o["type"], o["id"]) for o in objects}) == len(objects)
    types = {o["type"] for o in objects}
    assert types == {"index-pattern", "visualization", "dashboard"}
    for obj in objects:
        if obj["type"] == "visualization":
            json.loads(obj["attributes"]["visState"])
            json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
        if obj["type"] == "dashboard":
            panels = json.loads(obj["attributes"]["panelsJSON"])
            refs = {r["name"] for r in obj["references"]}
            assert {p["panelRefName"] for p in panels} == refs


def test_every_reference_points_to_an_object_in_the_file(objects: list[dict[str, Any]]) -> None:
    present = {(o["type"], o["id"]) for o in objects}
    position = {(o["type"], o["id"]): i for i, o in enumerate(objects)}
    for index, obj in enumerate(objects):
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in present
            assert position[(ref["type"], ref["id"])] < index  # referenced objects come first


def test_data_views_cover_the_three_kinds_with_their_index_names(objects: list[dict[str, Any]]) -> None:
    views = {o["id"]: o["attributes"] for o in objects if o["type"] == "index-pattern"}
    assert {v["title"] for v in views.values()} == {"vigil-articles*", "vigil-events*", "vigil-incidents*"}
    titles = {o["attributes"]["title"] for o in objects if o["type"] == "dashboard"}
    assert titles == {"Vigil — press coverage", "Vigil — security overview"}


@pytest.mark.parametrize("kind", ["articles", "events", "incidents"])
def test_every_referenced_field_exists_in_the_mappings(kind: str) -> None:
    mapped = mapped_fields(kind)
    for field in sorted(referenced_fields()[kind]):
        assert field in mapped, f"{kind}: field {field!r} is not in store/mappings/{kind}.json"
        assert mapped[field] in AGGREGATABLE, f"{kind}: {field!r} is {mapped[field]}, not aggregatable"


def test_time_fields_are_dates() -> None:
    for view in DATA_VIEWS:
        assert mapped_fields(view.kind)[view.time_field] == "date"


def test_the_field_check_catches_a_missing_field() -> None:
    assert "no.such.field" not in mapped_fields("events")
    assert mapped_fields("articles")["title"] == "text"  # text fields would be rejected as not aggregatable
