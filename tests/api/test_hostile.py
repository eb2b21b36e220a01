"""Issue 11 items 7-8: hostile input is refused with 422, never a 500 — tampered page cursors on every
paged route (both backends), and lone surrogates in JSON bodies."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from tests.api.conftest import Api


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor(value: object) -> str:
    return _b64(json.dumps(value).encode())


TAMPERED = {
    "not base64": "%%%",
    "not json": _b64(b"\xff\xfe{"),
    "an object": _cursor({"a": 1}),
    "a number": _cursor(7),
    "too short": _cursor([1]),
    "too long": _cursor([1, 2, 3, 4, 5, 6, 7]),
    "dict without b": _cursor([{"x": 1}, 5]),
    "bad hex": _cursor([{"b": "zz"}, 5]),
    "nested list": _cursor([[1, 2], 5]),
    "object value": _cursor([{"b": "00", "c": {"d": 1}}, 5]),
    "huge int": _cursor([10**30, 5]),
    "huge negative": _cursor([-(10**30), -(10**40)]),
    "bool": _cursor([True, False]),
    "nan": _b64(b"[NaN, 5]"),
    "infinity": _b64(b"[Infinity, 5]"),
    "deep": _b64(b"[" * 1500 + b"]" * 1500),
    "long": _cursor(["x" * 3000, 5]),
    "unicode": _cursor(["\ud800", 5]),
}
ROUTES = {"/articles": "press", "/events": "security", "/incidents": "security"}
SORTS = {"/articles": [None, "published_at", "-published_at"], "/events": [None], "/incidents": [None]}


@pytest.mark.parametrize("route", list(ROUTES))
def test_a_tampered_cursor_is_422_never_500(api: Api, route: str) -> None:
    failures: list[str] = []
    with api.client(ROUTES[route]) as client:
        for sort in SORTS[route]:
            for two in (1, 2, 3):
                for name, cursor in TAMPERED.items():
                    params = {"cursor": cursor, "size": two}
                    if sort:
                        params["sort"] = sort
                    try:
                        answer = client.get(route, params=params)
                    except httpx.TransportError as exc:  # the server fell over mid-answer
                        failures.append(f"{route} sort={sort} {name}: {type(exc).__name__}")
                        continue
                    if answer.status_code != 422:
                        failures.append(
                            f"{route} sort={sort} {name}: {answer.status_code} {answer.text[:120]}"
                        )
                    elif "detail" not in answer.json():
                        failures.append(f"{route} {name}: 422 without a message")
            first = client.get(route, params={"size": 1, **({"sort": sort} if sort else {})}).json()
            if first.get("next_cursor"):  # a cursor this API issued still works
                page = client.get(route, params={"size": 1, "cursor": first["next_cursor"]})
                assert page.status_code == 200, page.text
    assert not failures, "\n".join(failures)


SURROGATE = '"\\ud800"'  # a lone surrogate, as JSON text: legal JSON, not a Unicode string


def _raw(client: object, method: str, url: str, body: str) -> int:
    answer = client.request(method, url, content=body, headers={"Content-Type": "application/json"})  # type: ignore[attr-defined]
    assert answer.status_code != 500, f"{method} {url}: {answer.text[:200]}"
    return int(answer.status_code)


def test_a_lone_surrogate_in_a_json_body_is_422(api: Api) -> None:
    with api.client("press") as press:
        assert _raw(press, "POST", "/watchlists", f'{{"name": {SURROGATE}, "terms": ["a"]}}') == 422
        assert _raw(press, "POST", "/watchlists", f'{{"name": "n", "terms": [{SURROGATE}]}}') == 422
    with api.client("security") as security:
        assert _raw(security, "POST", "/incidents/inc1/notes", f'{{"text": {SURROGATE}}}') == 422
        assert _raw(security, "PATCH", "/incidents/inc1", f'{{"assignee": {SURROGATE}}}') == 422
        assert _raw(security, "PATCH", "/incidents/inc1", '{"assignee": "a\\udfff b"}') == 422
    with api.client("admin") as admin:
        assert _raw(admin, "POST", "/keys", f'{{"name": {SURROGATE}, "role": "press"}}') == 422
        assert _raw(admin, "POST", "/keys", '{"name": "ok", "role": "press"}') == 201
    with api.client("security") as security:  # nothing was half-written
        assert security.get("/incidents/inc1").json()["assignee"] in (None, "")
