"""Liveness, readiness, Prometheus metrics and the per-key rate limit, over HTTP."""

from __future__ import annotations

from pathlib import Path

from api.app import create_app
from api.auth import Role, create_key
from tests.api.conftest import Api, make_settings
from tests.api.live import LiveServer


def test_health_needs_no_key_and_ready_reports_documents(api: Api) -> None:
    with api.client() as anonymous:
        assert anonymous.get("/health").json()["status"] == "ok"
    with api.client("press") as client:
        ready = client.get("/ready").json()
    assert ready["status"] == "ready" and ready["backend"] == api.settings.store.backend
    assert ready["documents"]["articles"] == 6


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or (line.startswith(name + "{") and line.split(" ")[0] == name):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in metrics")


def test_metrics_expose_store_counts_and_requests(sqlite_api: Api) -> None:
    outbox = sqlite_api.settings.data_dir / "secmon" / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / "0001.json").write_text("{}")  # one webhook notification waiting for delivery
    with sqlite_api.client("security") as client:
        client.get("/incidents")
        response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert _metric(text, 'vigil_incidents{severity="critical"}') == 1
    assert _metric(text, 'vigil_incidents{severity="high"}') >= 1
    assert _metric(text, "vigil_pipeline_errors") == 1
    assert _metric(text, "vigil_articles") == 6
    assert _metric(text, "vigil_store_up") == 1
    assert _metric(text, 'vigil_queue_depth{queue="notification_outbox"}') == 1
    assert 'vigil_http_requests_total{method="GET",route="/incidents",status="200"}' in text


def test_rate_limit_per_key(tmp_path: Path) -> None:
    from store.sqlite import SqliteStore

    store = SqliteStore(tmp_path / "s.sqlite3")
    store.init()
    _, first = create_key(store, name="a", role=Role.press)
    _, second = create_key(store, name="b", role=Role.press)
    import httpx

    with LiveServer(create_app(make_settings(tmp_path, rate_limit_per_minute=3), store)) as server:
        with httpx.Client(base_url=server.base_url, headers={"X-API-Key": first}) as client:
            statuses = [client.get("/watchlists").status_code for _ in range(4)]
            limited = client.get("/watchlists")
        with httpx.Client(base_url=server.base_url, headers={"X-API-Key": second}) as other:
            other_status = other.get("/watchlists").status_code
    store.close()
    assert statuses == [200, 200, 200, 429]
    assert int(limited.headers["Retry-After"]) >= 1
    assert other_status == 200


def test_stats_answers_are_reused_for_the_configured_seconds(tmp_path: Path) -> None:
    import time

    import httpx

    from store.sqlite import SqliteStore
    from tests.api.seed import ARTICLES

    store = SqliteStore(tmp_path / "s.sqlite3")
    store.init()
    assert store.index_articles(ARTICLES[:2]).ok
    _, key = create_key(store, name="p", role=Role.press)
    app = create_app(make_settings(tmp_path, stats_cache_seconds=1.0), store)
    with (
        LiveServer(app) as server,
        httpx.Client(base_url=server.base_url, headers={"X-API-Key": key}) as client,
    ):
        first = client.get("/articles/stats").json()["total"]
        assert store.index_articles(ARTICLES[2:3]).ok
        cached = client.get("/articles/stats").json()["total"]
        time.sleep(1.1)
        fresh = client.get("/articles/stats").json()["total"]
    store.close()
    assert (first, cached, fresh) == (2, 2, 3)
