"""Fixtures: a seeded store per backend (SQLite always; Elasticsearch stand-in when marked) and a
live uvicorn server on 127.0.0.1 serving `create_app` over it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from core.config import Settings
from nlp.entities import use_gazetteer
from store.protocol import Store
from tests.api.live import LiveServer
from tests.api.seed import seed


@dataclass
class Api:
    base_url: str
    keys: dict[str, str]
    store: Store
    settings: Settings
    backend: str

    def client(self, role: str | None = None, key: str | None = None) -> httpx.Client:
        headers = {}
        if role is not None:
            headers["X-API-Key"] = self.keys[role]
        if key is not None:
            headers["X-API-Key"] = key
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=10)


def make_settings(data_dir: Path, **api: object) -> Settings:
    limits = {"rate_limit_per_minute": 100_000, "failed_auth_per_minute": 100_000}  # tests: not the limits
    return Settings.model_validate({"data_dir": data_dir, "api": {**limits, **api}})


def open_backend(request: pytest.FixtureRequest, backend: str, data_dir: Path) -> tuple[Store, Settings]:
    if backend == "sqlite":
        from store.sqlite import SqliteStore

        settings = make_settings(data_dir)
        store: Store = SqliteStore(data_dir / "store.sqlite3")
    else:
        es_url = request.getfixturevalue("es_url")
        from store.elastic import ElasticStore

        prefix = f"apitest-{uuid.uuid4().hex[:8]}"
        settings = Settings.model_validate(
            {
                "data_dir": data_dir,
                "api": {"rate_limit_per_minute": 100_000, "failed_auth_per_minute": 100_000},
                "store": {
                    "backend": "elasticsearch",
                    "elasticsearch": {"hosts": [es_url], "index_prefix": prefix},
                },
            }
        )
        store = ElasticStore.from_settings(settings)
    store.init()
    return store, settings


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("elastic", marks=pytest.mark.elastic)], ids=str
)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The seeded API over HTTP, once per backend per test module (read-mostly tests)."""
    backend: str = request.param
    store, settings = open_backend(request, backend, tmp_path_factory.mktemp(f"api-{backend}"))
    keys = seed(store)
    with LiveServer(create_app(settings, store)) as server:
        yield Api(server.base_url, keys, store, settings, backend)
    use_gazetteer(None)  # the server ran in this process: a PUT /gazetteer must not outlive it
    if backend == "elastic":
        store.drop_indices()  # type: ignore[attr-defined]
    store.close()


@pytest.fixture(scope="module")
def sqlite_api(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Api]:
    """The seeded API over the embedded store only (auth matrix, fuzzing, SSE)."""
    store, settings = open_backend(request, "sqlite", tmp_path_factory.mktemp("api-sqlite"))
    keys = seed(store)
    with LiveServer(create_app(settings, store)) as server:
        yield Api(server.base_url, keys, store, settings, "sqlite")
    use_gazetteer(None)  # the server ran in this process: a PUT /gazetteer (the fuzzer's) must not outlive it
    store.close()
