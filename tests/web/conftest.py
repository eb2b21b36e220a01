"""Fixtures: a seeded store per backend served by a real uvicorn on 127.0.0.1, and signed-in clients."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app
from core.config import Settings
from store.protocol import Store
from tests.api.conftest import open_backend
from tests.api.live import LiveServer
from tests.web.seed import PASSWORD, USERS, seed

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Web:
    base_url: str
    store: Store
    settings: Settings
    backend: str
    app: FastAPI

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=15, follow_redirects=False)

    @contextmanager
    def signed_in(self, role: str) -> Iterator[httpx.Client]:
        with self.client() as client:
            response = login(client, USERS[role], PASSWORD)
            assert response.status_code == 303, response.text
            yield client


def csrf_of(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    form = client.get("/login")
    assert form.status_code == 200
    return client.post(
        "/login", data={"username": username, "password": password, "csrf": csrf_of(form.text), "next": "/"}
    )


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("elastic", marks=pytest.mark.elastic)], ids=str
)
def web(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    backend: str = request.param
    store, settings = open_backend(request, backend, tmp_path_factory.mktemp(f"web-{backend}"))
    seed(store)
    app = create_app(settings, store)
    with LiveServer(app) as server:
        yield Web(server.base_url, store, settings, backend, app)
    if backend == "elastic":
        store.drop_indices()  # type: ignore[attr-defined]
    store.close()
