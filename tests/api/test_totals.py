"""/articles totals: exact up to `api.total_exact_up_to`, then a lower bound, on both backends."""

from __future__ import annotations

from api.app import create_app
from tests.api.conftest import Api
from tests.api.live import LiveServer
from tests.api.seed import ARTICLES


def test_total_is_exact_then_a_flagged_lower_bound(api: Api) -> None:
    with api.client("press") as client:
        exact = client.get("/articles", params={"sort": "date", "size": 2}).json()
    assert exact["total"] == len(ARTICLES) and exact["total_is_lower_bound"] is False

    # the same store behind an API that counts exactly only up to 2 matches
    settings = api.settings.model_copy(
        update={"api": api.settings.api.model_copy(update={"total_exact_up_to": 2})}
    )
    with LiveServer(create_app(settings, api.store)) as server:
        api_capped = Api(server.base_url, api.keys, api.store, settings, api.backend)
        with api_capped.client("press") as client:
            capped = client.get("/articles", params={"sort": "date", "size": 2}).json()
            small = client.get("/articles", params={"q": "thua thien hue", "sort": "date"}).json()
    assert capped["total_is_lower_bound"] is True
    assert 2 <= capped["total"] < len(ARTICLES)
    assert [item["id"] for item in capped["items"]] == [item["id"] for item in exact["items"]]
    assert capped["next_cursor"] is not None
    # one match: under the cap, so exact
    assert small["total"] == 1 and small["total_is_lower_bound"] is False
