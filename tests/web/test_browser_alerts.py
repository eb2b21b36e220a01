"""Press alerts in the real browser: an alert raised while the notifications page is open appears live
(Server-Sent Events with the session cookie), then is marked read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from alerts.engine import evaluate
from api.app import create_app
from store.models import Article
from store.protocol import Store
from tests.api.conftest import open_backend
from tests.api.live import LiveServer
from tests.web.seed import seed
from tests.web.test_browser import browser, navigates, shot, sign_in, wait

__all__ = ["browser"]  # the module's Chromium fixture, shared


@pytest.fixture(scope="module")
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Store]]:
    store, settings = open_backend(request, "sqlite", tmp_path_factory.mktemp("browser-alerts"))
    seed(store)
    with LiveServer(create_app(settings, store)) as server:
        yield server.base_url, store
    store.close()


def test_an_alert_arrives_live_in_the_open_page_and_is_marked_read(
    browser: WebDriver, served: tuple[str, Store]
) -> None:
    site, store = served
    sign_in(browser, site, "press")
    navigates(browser, browser.find_element(By.LINK_TEXT, "Thông báo").click)
    assert "Chưa có thông báo nào." in browser.page_source
    now = datetime.now(UTC)
    store.index_articles(
        [
            Article(url=f"https://{o}.example/lu-quet", outlet=o, title="Lũ quét ở Nam Đông",
                    story_cluster="lu-quet", published_at=now - timedelta(hours=3 - i))
            for i, o in enumerate(["vnexpress", "tuoitre", "thanhnien"])
        ]
    )  # fmt: skip
    store.refresh()
    raised = evaluate(store, now + timedelta(seconds=1))
    assert [a["kind"] for a in raised] == ["story_spread"]
    wait(browser).until(lambda d: "Lũ quét ở Nam Đông" in d.find_element(By.ID, "live-alerts").text)
    assert "Mới: " in browser.find_element(By.ID, "live-alerts").text
    shot(browser, "20-alert-live")
    navigates(browser, browser.find_element(By.LINK_TEXT, "Tải lại để xem và đánh dấu đã đọc").click)
    item = f"li#alert-{raised[0]['id']}"
    assert "unread" in browser.find_element(By.CSS_SELECTOR, item).get_attribute("class")
    navigates(browser, browser.find_element(By.CSS_SELECTOR, f"{item} button").click)
    assert "unread" not in browser.find_element(By.CSS_SELECTOR, item).get_attribute("class")
