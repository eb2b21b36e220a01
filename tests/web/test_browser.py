"""The web app in a real browser: Debian's headless Chromium driven by Selenium (chromium-driver)
against a real uvicorn on 127.0.0.1, with no network beyond it.

Screenshots of the main pages are saved as artefacts in $VIGIL_TEST_ARTIFACTS (default
test-artifacts/ at the repository root, git-ignored).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from api.app import create_app
from tests.api.conftest import open_backend
from tests.api.live import LiveServer
from tests.web.seed import ARTICLES, PASSWORD, USERS, seed

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("VIGIL_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "screenshots"
STORM_TITLES = {a.title for a in ARTICLES if "bão" in a.title.lower()}
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--window-size=1280,900",
    "--lang=vi",
)


def _binaries() -> tuple[str, str]:
    browser = shutil.which("chromium") or "/usr/bin/chromium"
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (Path(browser).exists() and Path(driver).exists()):
        message = "chromium and chromium-driver are not installed (scripts/install-system-deps.sh)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return browser, driver


@pytest.fixture(scope="module")
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store, settings = open_backend(request, "sqlite", tmp_path_factory.mktemp("browser"))
    seed(store)
    with LiveServer(create_app(settings, store)) as server:
        yield server.base_url
    store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    binary, driver_path = _binaries()
    profile = tempfile.mkdtemp(prefix="vigil-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait(driver: WebDriver) -> WebDriverWait[WebDriver]:
    """A wait that polls through page changes (an element read while its page is replaced is retried)."""
    return WebDriverWait(
        driver, 20, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
    )


def navigates(driver: WebDriver, action: Callable[[], object]) -> None:
    """Do `action` (a click, Enter) and wait until the next page has replaced this one and loaded, so
    nothing is read from a document on its way out."""
    driver.execute_script("document.documentElement.dataset.before = 'yes';")
    action()
    wait(driver).until(
        lambda d: d.execute_script(
            "return !document.documentElement.dataset.before && document.readyState === 'complete';"
        )
    )


def shot(driver: WebDriver, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    assert driver.save_screenshot(str(path)), name
    assert path.stat().st_size > 1000


def sign_in(driver: WebDriver, site: str, role: str) -> None:
    """Through the form, with the keyboard: type, Tab, type, Enter."""
    driver.delete_all_cookies()
    driver.get(f"{site}/login")
    username = driver.find_element(By.ID, "username")
    username.clear()
    navigates(driver, lambda: username.send_keys(USERS[role], Keys.TAB, PASSWORD, Keys.ENTER))
    assert "/login" not in driver.current_url


def result_titles(driver: WebDriver) -> list[str]:
    return [link.text for link in driver.find_elements(By.CSS_SELECTOR, "ol.hits h2 a")]


def search(driver: WebDriver, text: str) -> None:
    box = driver.find_element(By.ID, "q")
    box.clear()
    navigates(driver, lambda: box.send_keys(text, Keys.ENTER))
    assert driver.find_element(By.ID, "q").get_attribute("value") == text


def unlabelled_fields(driver: WebDriver) -> list[str]:
    """Visible inputs, selects and text areas with no <label for> and no aria-label."""
    script = """
      return [...document.querySelectorAll('input, select, textarea')]
        .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
        .filter(el => !(el.id && document.querySelector('label[for="' + el.id + '"]')))
        .filter(el => !el.getAttribute('aria-label'))
        .map(el => el.outerHTML);
    """
    result: list[str] = driver.execute_script(script)
    return result


def test_sign_in_search_with_and_without_diacritics_and_open_an_article(
    browser: WebDriver, site: str
) -> None:
    sign_in(browser, site, "press")
    assert urlsplit(browser.current_url).path == "/search"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    assert unlabelled_fields(browser) == []
    shot(browser, "01-search-empty")

    search(browser, "bão")
    titles = result_titles(browser)
    assert len(titles) == 5 and set(titles[:3]) == STORM_TITLES  # exact accents first
    marks = [m.text.lower() for m in browser.find_elements(By.CSS_SELECTOR, "ol.hits mark")]
    assert "bão" in marks
    shot(browser, "02-search-bao-accented")

    search(browser, "bao")
    assert len(result_titles(browser)) == 5  # no diacritics: every spelling
    search(browser, '"bão số 5')
    error = browser.find_element(By.CSS_SELECTOR, "p.error[role=alert]")
    assert "Thiếu dấu ngoặc kép đóng" in error.text
    assert result_titles(browser) == []
    shot(browser, "03-search-syntax-error")

    search(browser, "bão số 5")
    first = browser.find_elements(By.CSS_SELECTOR, "ol.hits h2 a")[0]
    title = first.text
    navigates(browser, first.click)
    wait(browser).until(expected_conditions.url_contains("/article/"))
    assert browser.find_element(By.TAG_NAME, "h1").text == title
    assert len(browser.find_elements(By.CSS_SELECTOR, "ol.timeline li")) == 3
    assert "Môi trường - Thiên tai" in browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    shot(browser, "04-article")


def test_a_facet_click_narrows_the_results(browser: WebDriver, site: str) -> None:
    sign_in(browser, site, "press")
    search(browser, "huế")
    before = len(result_titles(browser))
    navigates(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "Tiêu cực").click)
    wait(browser).until(expected_conditions.url_contains("tone=negative"))
    assert set(result_titles(browser)) == STORM_TITLES and before > len(STORM_TITLES)


def test_the_coverage_dashboard_draws_its_charts(browser: WebDriver, site: str) -> None:
    sign_in(browser, site, "press")
    browser.get(f"{site}/coverage?q=hu%E1%BA%BF")
    charts = browser.find_elements(By.CSS_SELECTOR, "figure.chart svg")
    assert len(charts) == 6
    for chart in charts:
        drawn = browser.execute_script(
            "const r = arguments[0].querySelectorAll('rect'); const b = arguments[0].getBoundingClientRect();"
            "return [r.length, Math.round(b.width), Math.round(b.height),"
            " [...r].reduce((s, e) => s + e.getBBox().width * e.getBBox().height, 0)];",
            chart,
        )
        rects, width, height, painted = drawn
        assert rects > 0 and width > 100 and height > 30 and painted > 0, drawn
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "p.downloads a")]
    assert any(link.endswith(".csv?q=hu%E1%BA%BF") or ".csv?" in link for link in links)
    shot(browser, "05-coverage")


def test_a_forged_csrf_token_is_refused(browser: WebDriver, site: str) -> None:
    sign_in(browser, site, "press")
    browser.get(f"{site}/search")
    browser.execute_script(
        "document.querySelector('form.who input[name=csrf]').value = 'forged-by-another-site';"
    )
    navigates(browser, browser.find_element(By.CSS_SELECTOR, "form.who button").click)
    wait(browser).until(expected_conditions.title_contains("Không được phép"))
    assert "CSRF" in browser.find_element(By.CSS_SELECTOR, "p.error").text
    shot(browser, "06-csrf-refused")
    browser.get(f"{site}/search")  # still signed in: the forged post did nothing
    assert urlsplit(browser.current_url).path == "/search"


def test_a_press_user_is_refused_the_security_page(browser: WebDriver, site: str) -> None:
    sign_in(browser, site, "press")
    browser.get(f"{site}/security")
    assert "Không được phép" in browser.title
    assert "không có quyền" in browser.find_element(By.CSS_SELECTOR, "p.error").text
    assert browser.find_elements(By.LINK_TEXT, "Sự cố an ninh mạng") == []  # not offered in the menu
    shot(browser, "07-press-refused-security")


def test_a_security_user_triages_an_incident(browser: WebDriver, site: str) -> None:
    sign_in(browser, site, "security")
    assert urlsplit(browser.current_url).path == "/security"
    assert unlabelled_fields(browser) == []
    shot(browser, "08-incidents")
    navigates(browser, browser.find_element(By.LINK_TEXT, "SSH brute force").click)
    wait(browser).until(expected_conditions.url_contains("/security/incident/"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#events li")) == 2
    assert browser.find_element(By.ID, "severity-reason").text
    Select(browser.find_element(By.ID, "status")).select_by_visible_text("Đang xử lý")
    assignee = browser.find_element(By.ID, "assignee")
    assignee.clear()
    assignee.send_keys("an.ninh")
    navigates(browser, browser.find_element(By.XPATH, "//button[text()='Cập nhật']").click)
    wait(browser).until(lambda d: d.find_element(By.ID, "incident-status").text == "Đang xử lý")
    browser.find_element(By.ID, "note").send_keys("Đã chặn địa chỉ nguồn trên tường lửa")
    navigates(browser, browser.find_element(By.XPATH, "//button[text()='Thêm ghi chú']").click)
    wait(browser).until(lambda d: "tường lửa" in d.find_element(By.ID, "notes").text)
    assert browser.find_element(By.ID, "incident-assignee").text == "an.ninh"
    audit = browser.find_element(By.ID, "audit").text
    assert "Người dùng security (an.ninh)" in audit
    shot(browser, "09-incident-triaged")


def test_keyboard_reaches_the_skip_link_then_the_search_box(browser: WebDriver, site: str) -> None:
    sign_in(browser, site, "press")
    browser.get(f"{site}/search")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.get_attribute("class") == "skip" and focused.is_displayed()
    focused.send_keys(Keys.ENTER)  # jump to the main content (same page: no navigation)
    for _ in range(10):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        if browser.switch_to.active_element.get_attribute("id") == "q":
            break
    assert browser.switch_to.active_element.get_attribute("id") == "q"


def test_swagger_ui_renders_offline_from_vigils_own_assets(browser: WebDriver, site: str) -> None:
    browser.get(f"{site}/docs")
    wait(browser).until(
        lambda d: (
            "Vigil"
            in d.execute_script(
                "const t = document.querySelector('.swagger-ui .info .title'); return t ? t.textContent : '';"
            )
        )
    )
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name);")
    assert resources and all(urlsplit(url).netloc == urlsplit(site).netloc for url in resources), resources
    shot(browser, "10-api-docs")


def test_a_new_watchlist_shows_its_matches_among_stored_articles(browser: WebDriver, site: str) -> None:
    sign_in(browser, site, "press")
    navigates(browser, browser.find_element(By.LINK_TEXT, "Danh sách theo dõi").click)
    wait(browser).until(expected_conditions.url_contains("/theo-doi"))
    assert unlabelled_fields(browser) == []
    browser.find_element(By.ID, "new-name").send_keys("Bão lũ")
    browser.find_element(By.ID, "new-terms").send_keys("bão số 5")
    navigates(browser, browser.find_element(By.XPATH, "//button[text()='Tạo và áp dụng cho bài cũ']").click)
    row = "tr#wl-bao-lu td.progress"
    wait(browser).until(
        lambda d: (d.refresh() or True) and "Xong" in d.find_element(By.CSS_SELECTOR, row).text
    )
    assert browser.find_element(By.CSS_SELECTOR, "tr#wl-bao-lu td.matches").text == str(len(STORM_TITLES))
    shot(browser, "11-watchlists")
    navigates(browser, browser.find_element(By.LINK_TEXT, "Bão lũ").click)
    wait(browser).until(expected_conditions.url_contains("watchlist=bao-lu"))
    assert set(result_titles(browser)) == STORM_TITLES
