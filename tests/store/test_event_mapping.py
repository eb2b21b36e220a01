"""Event documents carry exactly the fields the events mapping declares, and the raw Suricata record cannot
explode the mapping: every EVE type of real Suricata runs (tests/data/store) is ingested into
Elasticsearch and the index ends with the declared fields only, far below the 1,000-field limit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.config import Settings
from secmon.pipeline import ingest_paths
from store.documents import leaves
from store.elastic import ElasticStore
from store.elastic_schema import load
from store.query import Kind, SearchQuery
from store.sqlite import SqliteStore

REPO = Path(__file__).resolve().parents[2]
EVE_SAMPLE = REPO / "tests" / "data" / "store" / "eve-skeletons.jsonl"
GOLDEN = REPO / "tests" / "data" / "secmon" / "golden"
SAMPLES = sorted(p for p in (REPO / "secmon" / "samples").iterdir() if p.suffix in (".log", ".json"))
ASSETS = [
    {
        "name": "lab",
        "agency": "Sở TT&TT",
        "criticality": "high",
        "cidrs": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
        "hostnames": ["LabSZ", "combo"],
    }
]


def mapped(properties: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Leaf field path → type, multi-fields included (name.keyword)."""
    out: dict[str, str] = {}
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        if "properties" in spec:
            out |= mapped(spec["properties"], path + ".")
            continue
        out[path] = spec.get("type", "object")
        for sub, subspec in spec.get("fields", {}).items():
            out[f"{path}.{sub}"] = subspec.get("type", "object")
    return out


DECLARED = mapped(load("events")["template"]["mappings"]["properties"])
FLATTENED = tuple(path for path, kind in DECLARED.items() if kind == "flattened")


def undeclared(doc: dict[str, Any]) -> set[str]:
    return {
        path
        for path, _value in leaves(doc)
        if path not in DECLARED
        and not path.startswith(tuple(f"{f}." for f in FLATTENED))
        and path not in FLATTENED
    }


def settings(data_dir: Path, **store: Any) -> Settings:
    return Settings.model_validate({"data_dir": str(data_dir), "secmon": {"assets": ASSETS}, **store})


def all_events(store: Any) -> Iterator[dict[str, Any]]:
    query = SearchQuery(size=1000)
    while True:
        page = store.search(Kind.events, query)
        yield from (hit.source for hit in page.hits)
        if not page.next_cursor:
            return
        query = SearchQuery(size=1000, cursor=page.next_cursor)


def test_every_field_the_parsers_write_is_declared_in_the_events_mapping(tmp_path: Path) -> None:
    missing: dict[str, str] = {}
    for golden in sorted(GOLDEN.glob("*.json")):
        expected = json.loads(golden.read_text(encoding="utf-8"))["expected"]
        for doc in expected if isinstance(expected, list) else [expected]:
            if isinstance(doc, dict):
                missing |= dict.fromkeys(undeclared(doc), golden.name)
    store = SqliteStore(tmp_path / "store.sqlite3")
    store.init()
    for path in [*SAMPLES, EVE_SAMPLE]:
        ingest_paths(
            settings(tmp_path / "data"), store, [str(path)], fmt="eve" if "eve" in path.name else "auto"
        )
    events = list(all_events(store))
    store.close()
    assert len(events) > 1000 and any("asset" in (doc.get("vigil") or {}) for doc in events)
    for doc in events:
        missing |= dict.fromkeys(undeclared(doc), "samples")
    assert not missing, f"fields written but not declared in store/mappings/events.json: {missing}"
    assert "asset.name" not in DECLARED and "agency" not in DECLARED  # written as vigil.asset.*
    assert {"vigil.asset.name", "vigil.asset.agency", "vigil.asset.criticality"} <= set(DECLARED)


@pytest.mark.elastic
def test_every_eve_type_of_real_runs_leaves_the_mapping_as_declared(
    es_url: str, es_prefix: str, tmp_path: Path
) -> None:
    lines = EVE_SAMPLE.read_text(encoding="utf-8").splitlines()
    types = {json.loads(line)["event_type"] for line in lines}
    assert {"alert", "dns", "flow", "http", "tls", "fileinfo", "dhcp", "ssh", "stats"} <= types
    raw_leaves = {
        f"{json.loads(line)['event_type']}:{p}" for line in lines for p, _ in leaves(json.loads(line))
    }
    assert len(raw_leaves) > 500  # what the mapping would hold with the raw record mapped field by field
    store = ElasticStore(hosts=[es_url], index_prefix=es_prefix, spool_dir=tmp_path / "spool")
    store.init()
    try:
        summary = ingest_paths(settings(tmp_path / "data"), store, [str(EVE_SAMPLE)], fmt="eve")
        assert summary.lines_read == len(lines) and summary.events_indexed == len(lines)
        store.refresh()
        assert store.count(Kind.events, SearchQuery()) == len(lines)
        mappings = store.client.indices.get_mapping(index=f"{es_prefix}-events-*")
        live: dict[str, str] = {}
        for body in mappings.values():
            live |= mapped(body["mappings"].get("properties", {}))
    finally:
        store.drop_indices()
        store.close()
    assert live["suricata.eve"] == "flattened"
    assert set(live) <= set(DECLARED), f"fields added dynamically: {sorted(set(live) - set(DECLARED))}"
    assert len(live) < 400, len(live)  # the default limit is 1,000 fields per index
