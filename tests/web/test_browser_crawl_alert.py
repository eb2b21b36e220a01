"""End to end (issue 16, item 5): with an entity watchlist made in the web app, real Scrapy crawls the
bundled snapshot outlets (the real local snapshot server of the crawler tests) with enrichment on;
the rules run (POST /alerts/evaluate, replayed at an hour after the matching article, whose date is
fixed in the snapshot) and the alert arrives live in the open Thông báo page of the real browser
(Server-Sent Events with the session cookie) and in the local STARTTLS server's mailbox."""

from __future__ import annotations

import email.header
import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from api.app import create_app
from api.auth import Role, create_key
from api.web.users import create_user
from core.config import Settings
from crawlers.runner import run_crawl
from store.factory import open_store
from store.protocol import Store
from store.query import Kind, SearchQuery
from tests.alerts.test_email import Mailbox, _settings, smtp_server
from tests.api.live import LiveServer
from tests.crawlers.conftest import make_settings, snapshot_site
from tests.web.seed import PASSWORD, USERS
from tests.web.test_browser import browser, navigates, shot, sign_in, wait
from vigil.snapshots import EXPECTED_DIR, SnapshotSite

__all__ = ["browser", "smtp_server", "snapshot_site"]  # shared fixtures
pytestmark = pytest.mark.slow

# the snapshot article the watchlist is about: its title writes the city "TP.Huế"
CASE = next(
    case
    for case in json.loads((EXPECTED_DIR / "baodanang.json").read_text(encoding="utf-8"))
    if case["expected"]["title"].startswith("TP.Huế đang mưa rất to")
)
STORY = CASE["expected"]


@pytest.fixture
def served(tmp_path: Path, smtp_server: tuple[Mailbox, int, Path]) -> Iterator[tuple[str, Store, Settings]]:
    _, port, cert = smtp_server
    settings = make_settings(tmp_path, enrich=True).model_copy(update={"alerts": _settings(port, cert)})
    with open_store(settings) as store, LiveServer(create_app(settings, store)) as server:
        create_user(store, USERS["press"], PASSWORD, Role.press)
        yield server.base_url, store, settings


def test_a_crawled_article_on_a_watchlist_alerts_the_open_page_and_the_mailbox(
    browser: WebDriver,
    served: tuple[str, Store, Settings],
    snapshot_site: SnapshotSite,
    smtp_server: tuple[Mailbox, int, Path],
) -> None:
    site, store, settings = served
    mailbox = smtp_server[0]
    sign_in(browser, site, "press")
    navigates(browser, browser.find_element(By.LINK_TEXT, "Danh sách theo dõi").click)
    browser.find_element(By.ID, "new-name").send_keys("Thành phố Huế")
    browser.find_element(By.ID, "new-entities").send_keys("Thừa Thiên Huế")  # an alias: stored as Huế
    create = browser.find_element(By.XPATH, "//button[normalize-space()='Tạo và áp dụng cho bài cũ']")
    navigates(browser, create.click)
    row = browser.find_element(By.ID, "wl-thanh-pho-hue").text
    assert "Huế" in row and "Dùng chung" in row

    navigates(browser, browser.find_element(By.LINK_TEXT, "Thông báo").click)
    assert "Chưa có thông báo nào." in browser.page_source
    summary = run_crawl(settings, base_url=snapshot_site.base_url)
    assert summary.finish_reason == "finished" and summary.articles > 0
    store.refresh()
    crawled = store.get_article(_id_of(store, CASE["url"]))
    assert crawled is not None and "thanh-pho-hue" in crawled.watchlists  # tagged as it was stored

    at = datetime.fromisoformat(STORY["published_at"]) + timedelta(hours=1)
    _, key = create_key(store, name="e2e", role=Role.press)
    with httpx.Client(base_url=site, headers={"X-API-Key": key}, timeout=60) as api:
        raised = api.post("/alerts/evaluate", params={"at": at.isoformat()})
    assert raised.status_code == 200, raised.text
    matches = [a for a in raised.json() if a["kind"] == "watchlist_match"]
    assert [a["title"] for a in matches] == [f"Thành phố Huế: {STORY['title']}"]

    wait(browser).until(lambda d: STORY["title"] in d.find_element(By.ID, "live-alerts").text)
    live = browser.find_element(By.ID, "live-alerts").text
    assert f"Mới: Bài mới khớp danh sách theo dõi: Thành phố Huế: {STORY['title']}" in live
    shot(browser, "21-crawl-alert-live")

    deadline = time.monotonic() + 20
    while not mailbox.messages and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    assert subject.startswith("[Vigil] ")
    assert f"Bài mới khớp danh sách theo dõi: Thành phố Huế: {STORY['title']}" in f"{subject}\n{body}"
    assert f"{site}/article/{crawled.id}" in body
    assert mailbox.tls and all(mailbox.tls)
    assert sorted(mailbox.recipients[0]) == ["bao.chi@so.example", "giam.doc@so.example"]


def _id_of(store: Store, url: str) -> str:
    for hit in store.search(Kind.articles, SearchQuery(size=500)).hits:
        if hit.source.get("url") == url:
            return hit.id
    raise AssertionError(f"{url} was not crawled")
