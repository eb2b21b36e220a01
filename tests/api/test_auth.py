"""Every route × {no key, wrong key, press, security, admin} → the expected status, over HTTP."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from api.app import create_app
from tests.api.conftest import Api, make_settings
from tests.api.seed import ARTICLES

_counter = itertools.count()


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    template: str  # the route as declared, to check the matrix covers every route
    allowed: frozenset[str | None]
    ok: int
    body: Callable[[], Any] | None = None


PRESS: frozenset[str | None] = frozenset({"press", "admin"})
SECURITY: frozenset[str | None] = frozenset({"security", "admin"})
ANY: frozenset[str | None] = frozenset({"press", "security", "admin"})
ADMIN: frozenset[str | None] = frozenset({"admin"})
ARTICLE = ARTICLES[0].id

CASES = [
    Case("GET", "/health", "/health", frozenset({None, "wrong", *ANY}), 200),
    Case("GET", "/ready", "/ready", ANY, 200),
    Case("GET", "/metrics", "/metrics", SECURITY, 200),
    Case("GET", "/articles", "/articles", PRESS, 200),
    Case("GET", "/articles/stats", "/articles/stats", PRESS, 200),
    Case("GET", "/articles/export.csv", "/articles/export.csv", PRESS, 200),
    Case("GET", f"/articles/{ARTICLE}", "/articles/{article_id}", PRESS, 200),
    Case("GET", "/outlets", "/outlets", PRESS, 200),
    Case(
        "PUT",
        "/articles/none/labels",
        "/articles/{article_id}/labels",
        PRESS,
        404,
        lambda: {"tone": "positive"},
    ),
    Case("GET", "/gazetteer", "/gazetteer", ADMIN, 200),
    Case("PUT", "/gazetteer", "/gazetteer", ADMIN, 422, lambda: {"toml": "[LOC\n"}),
    Case("GET", "/watchlists", "/watchlists", PRESS, 200),
    Case(
        "POST",
        "/watchlists",
        "/watchlists",
        PRESS,
        201,
        lambda: {"name": f"matrix {next(_counter)}", "terms": ["Huế"]},
    ),
    Case("GET", "/watchlists/none", "/watchlists/{watchlist_id}", PRESS, 404),
    Case("GET", "/watchlists/none/backfill", "/watchlists/{watchlist_id}/backfill", PRESS, 404),
    Case("PATCH", "/watchlists/none", "/watchlists/{watchlist_id}", PRESS, 404, lambda: {"terms": ["x"]}),
    Case("DELETE", "/watchlists/none", "/watchlists/{watchlist_id}", PRESS, 404),
    Case("GET", "/alerts", "/alerts", PRESS, 200),
    Case("POST", "/alerts/evaluate", "/alerts/evaluate", PRESS, 200),
    Case("GET", "/incidents", "/incidents", SECURITY, 200),
    Case("GET", "/incidents/inc1", "/incidents/{incident_id}", SECURITY, 200),
    Case("GET", "/incidents/inc1/events", "/incidents/{incident_id}/events", SECURITY, 200),
    Case("PATCH", "/incidents/none", "/incidents/{incident_id}", SECURITY, 404, lambda: {"assignee": "x"}),
    Case(
        "POST",
        "/incidents/none/notes",
        "/incidents/{incident_id}/notes",
        SECURITY,
        404,
        lambda: {"text": "x"},
    ),
    Case("GET", "/events", "/events", SECURITY, 200),
    Case("GET", "/rules", "/rules", SECURITY, 200),
    Case("GET", "/alerts/stream", "/alerts/stream", SECURITY, 200),
    Case("GET", "/keys", "/keys", ADMIN, 200),
    Case("POST", "/keys", "/keys", ADMIN, 201, lambda: {"name": "matrix", "role": "press"}),
    Case("DELETE", "/keys/0000000000", "/keys/{key_id}", ADMIN, 404),
]
CALLERS = [None, "wrong", "press", "security", "admin"]
WRONG_KEY = "vgl_0123456789_" + "x" * 43


def test_matrix_covers_every_route(tmp_path: Any) -> None:
    from store.sqlite import SqliteStore

    app = create_app(make_settings(tmp_path), SqliteStore(tmp_path / "s.sqlite3"))
    declared = {(method.upper(), path) for path, ops in app.openapi()["paths"].items() for method in ops}
    assert declared == {(case.method, case.template) for case in CASES}


def _expected(case: Case, caller: str | None) -> int:
    if caller in case.allowed:
        return case.ok
    if caller is None or caller == "wrong":
        return 401
    return 403


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.template}")
def test_auth_matrix(api: Api, case: Case) -> None:
    got = {}
    for caller in CALLERS:
        key = WRONG_KEY if caller == "wrong" else None
        with api.client(caller if caller not in (None, "wrong") else None, key=key) as client:
            body = case.body() if case.body else None
            with client.stream(case.method, case.path, json=body) as response:
                got[caller] = response.status_code
    assert got == {caller: _expected(case, caller) for caller in CALLERS}


def test_revoked_key_stops_working(api: Api) -> None:
    with api.client("admin") as admin:
        created = admin.post("/keys", json={"name": "temporary", "role": "security"}).json()
        assert created["key"].startswith("vgl_")
        with api.client(key=created["key"]) as temp:
            assert temp.get("/incidents").status_code == 200
            assert admin.delete(f"/keys/{created['id']}").status_code == 204
            assert temp.get("/incidents").status_code == 401
        listed = admin.get("/keys").json()
    assert created["id"] not in {k["id"] for k in listed}
    assert all("key" not in k and "key_hash" not in k for k in listed)


def test_keys_are_stored_hashed(api: Api) -> None:
    from store.query import RecordKind

    records = api.store.list_records(RecordKind.api_keys)
    raw_keys = set(api.keys.values())
    assert records and all(len(r["key_hash"]) == 64 for r in records)
    assert not any(raw in str(record) for record in records for raw in raw_keys)
