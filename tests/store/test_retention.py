"""Retention per index (store.retention): `vigil store prune` deletes events, articles and closed incidents
older than their days on both backends, leaves open incidents and recent documents; on a real cluster the
events data stream's ILM policy deletes after the events' days."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.config import RetentionSettings
from store.elastic import ElasticStore, events_policy
from store.models import Article, Incident, IncidentStatus, SecurityEvent, Severity
from store.protocol import Store
from store.query import Kind, SearchQuery
from store.retention import prune
from tests.conftest import Backend

NOW = datetime.now(UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def seed(store: Store) -> None:
    store.index_events(
        [SecurityEvent(id=f"ev-{d}", timestamp=ago(d), doc={"event": {"kind": "event"}}) for d in (400, 10)]
    )
    store.index_articles(
        [
            Article(
                url=f"https://bao.example.vn/{d}.html",
                outlet="tuoitre",
                title=f"Bài {d}",
                published_at=ago(d),
            )
            for d in (1000, 1)
        ]
    )
    store.index_incidents(
        [
            Incident(
                id=name,
                rule_id="r",
                severity=Severity.high,
                status=status,
                first_seen=ago(d),
                last_seen=ago(d),
            )
            for name, status, d in (
                ("closed-old", IncidentStatus.resolved, 200),
                ("open-old", IncidentStatus.acknowledged, 200),
                ("closed-new", IncidentStatus.false_positive, 5),
            )
        ]
    )
    store.refresh()


def ids(store: Store, kind: Kind) -> set[str]:
    store.refresh()
    return {hit.id for hit in store.search(kind, SearchQuery(size=50)).hits}


RETENTION = RetentionSettings(events_days=365, articles_days=365, incidents_days=90)


def test_prune_deletes_what_is_older_than_each_index_keeps(store: Store) -> None:
    seed(store)
    assert store.search(Kind.articles, SearchQuery(text="bài", size=10)).total == 2  # columns loaded
    counted = prune(store, RETENTION, NOW, dry_run=True)
    assert counted == {"events": 1, "articles": 1, "incidents": 1}
    assert len(ids(store, Kind.events)) == 2  # a dry run deletes nothing
    assert prune(store, RETENTION, NOW) == {"events": 1, "articles": 1, "incidents": 1}
    assert ids(store, Kind.events) == {"ev-10"}
    assert ids(store, Kind.incidents) == {"open-old", "closed-new"}  # an open incident is never pruned
    [article] = store.search(Kind.articles, SearchQuery(text="bài", size=10)).hits  # also from memory
    assert article.source["published_at"].startswith(ago(1).date().isoformat())
    assert store.stats()["articles"] == 1
    assert prune(store, RetentionSettings(events_days=None, articles_days=None), NOW) == {}


def test_vigil_store_prune_on_each_backend(tmp_path: Path, backend: Backend) -> None:
    store = backend.open(tmp_path / "data")
    seed(store)
    store.close()
    env = {
        **os.environ,
        "VIGIL_DATA_DIR": str(tmp_path / "data"),
        **backend.env(),
        "VIGIL_STORE__RETENTION__EVENTS_DAYS": "30",
    }
    run = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "store", "prune"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "events     deleted 1 older than 30 days" in run.stdout
    assert "articles   kept for ever" in run.stdout
    store = backend.open(tmp_path / "data")
    assert ids(store, Kind.events) == {"ev-10"}
    store.close()


def test_the_events_lifecycle_policy_deletes_after_the_events_days() -> None:
    assert events_policy(30)["phases"]["delete"]["min_age"] == "30d"
    assert "delete" not in events_policy(None)["phases"]
    assert events_policy(30)["phases"]["hot"]["actions"]["rollover"]


@pytest.mark.requires_real_es
def test_a_real_cluster_gets_the_lifecycle_policy_with_the_configured_days(
    es_url: str, es_prefix: str, tmp_path: Path
) -> None:
    store = ElasticStore(hosts=[es_url], index_prefix=es_prefix, spool_dir=tmp_path, events_retention_days=45)
    store.init()
    try:
        assert store.ilm and store.data_streams
        policy = store.client.ilm.get_lifecycle(name=store.layout.ilm_policy)[store.layout.ilm_policy][
            "policy"
        ]
        assert policy["phases"]["delete"]["min_age"] == "45d"
    finally:
        store.drop_indices()
        store.client.options(ignore_status=404).ilm.delete_lifecycle(name=store.layout.ilm_policy)
        store.close()
