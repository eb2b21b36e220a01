"""/articles pages are reused while the embedded store is unchanged, and never once it changed."""

from __future__ import annotations

from pathlib import Path

import httpx

from api.app import create_app
from store.models import Article
from store.sqlite import SqliteStore
from tests.api.conftest import make_settings
from tests.api.live import LiveServer
from tests.api.seed import seed


def test_a_reused_page_is_never_older_than_the_store(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    store = SqliteStore(tmp_path / "store.sqlite3")
    store.init()
    keys = seed(store)
    params = {"q": "chuyen doi so", "size": "2"}
    with (
        LiveServer(create_app(settings, store)) as server,
        httpx.Client(base_url=server.base_url, headers={"X-API-Key": keys["press"]}) as client,
    ):
        first = client.get("/articles", params=params)
        again = client.get("/articles", params=params)
        assert first.status_code == again.status_code == 200
        assert first.headers["content-type"] == "application/json"
        assert again.json() == first.json()
        total = first.json()["total"]
        # a writer elsewhere (another connection, as the crawler's process would be) adds a match
        writer = SqliteStore(tmp_path / "store.sqlite3")
        writer.index_articles(
            [Article(url="https://x.vn/cds", outlet="tuoitre", title="Chuyển đổi số ở Phú Vang")]
        )
        writer.close()
        after = client.get("/articles", params=params).json()
        assert after["total"] == total + 1
        # and a change through the API's own store too
        store.index_articles(
            [Article(url="https://x.vn/cds2", outlet="tuoitre", title="Chuyển đổi số ở Hương Thủy")]
        )
        assert client.get("/articles", params=params).json()["total"] == total + 2
    store.close()
