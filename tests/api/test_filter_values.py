"""Unknown filter values are a 422 listing the allowed ones, not a 200 with no hits (both backends)."""

from __future__ import annotations

import pytest

from nlp.taxonomy import TONES, TOPICS
from tests.api.conftest import Api


@pytest.mark.parametrize(
    ("parameter", "value", "allowed"),
    [
        ("tone", "angry", list(TONES)),
        ("topic", "Thời sự", list(TOPICS)),
        ("outlet", "nosuch", ["huengaynay", "vnexpress", "baothuathienhue"]),  # registry, and the store's
    ],
)
@pytest.mark.parametrize("route", ["/articles", "/articles/stats", "/articles/export.csv"])
def test_an_unknown_filter_value_is_422_listing_the_allowed_values(
    api: Api, route: str, parameter: str, value: str, allowed: list[str]
) -> None:
    with api.client("press") as client:
        answer = client.get(route, params={parameter: value})
    assert answer.status_code == 422, answer.text
    message = answer.json()["detail"][0]
    assert message["loc"][-1] == parameter and repr(value) in message["msg"]
    assert all(name in message["msg"] for name in allowed)


def test_known_values_still_filter(api: Api) -> None:
    with api.client("press") as client:
        known = client.get(
            "/articles", params={"tone": "negative", "topic": [*TOPICS, "xa-hoi"]}
        ).json()  # xa-hoi: only stored
        stored_only = client.get("/articles", params={"outlet": "baothuathienhue"})  # not in the registry
    assert known["total"] > 0
    assert stored_only.status_code == 200 and stored_only.json()["total"] > 0
