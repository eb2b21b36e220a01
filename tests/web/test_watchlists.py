"""Watchlist backfill: a new, changed or deleted watchlist is applied to the articles already stored,
through the API and through the web app, on both backends."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.auth import Role, create_key
from api.backfill import term_queries
from nlp.entities import use_gazetteer
from nlp.watchlists import Watchlist, matched_terms
from store.sqlite import SqliteStore
from tests.api.conftest import make_settings
from tests.api.live import LiveServer
from tests.web.conftest import Web, csrf_of
from tests.web.seed import ARTICLES, USERS


def containing(text: str) -> set[str]:
    """Titles of the seeded articles whose text contains `text` (case-insensitive, as written)."""
    return {a.title for a in ARTICLES if text.lower() in f"{a.title}\n{a.sapo}\n{a.body}".lower()}


def wait_done(client: httpx.Client, watchlist_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        response = client.get(f"/watchlists/{watchlist_id}/backfill")
        if response.status_code == 200 and response.json()["state"] != "running":
            progress: dict[str, Any] = response.json()
            return progress
        time.sleep(0.1)
    raise AssertionError(f"the backfill of {watchlist_id} did not finish")


def tagged(client: httpx.Client, watchlist_id: str) -> set[str]:
    items = client.get("/articles", params={"watchlist": watchlist_id, "size": 100}).json()["items"]
    return {item["title"] for item in items}


def api_client(web: Web) -> httpx.Client:
    _, key = create_key(web.store, name="watchlists", role=Role.press)
    client = web.client()
    client.headers["X-API-Key"] = key
    return client


def test_a_new_watchlist_tags_the_articles_already_stored(web: Web) -> None:
    with api_client(web) as client:
        assert (
            client.post("/watchlists", json={"name": "Tỉnh nhà", "terms": ["Thừa Thiên Huế"]}).status_code
            == 201
        )
        progress = wait_done(client, "tinh-nha")
        assert progress["state"] == "done"
        assert tagged(client, "tinh-nha") == containing("thừa thiên huế")
        assert progress["matched"] == len(containing("thừa thiên huế"))
        article = client.get(f"/articles/{ARTICLES[2].id}").json()
        assert {"text": "Thừa Thiên Huế", "type": "WATCH", "normalized": "thua thien hue"} in article[
            "entities"
        ]


def test_changing_terms_retags_and_deleting_untags(web: Web) -> None:
    with api_client(web) as client:
        assert client.post("/watchlists", json={"name": "Lễ hội", "terms": ["bão số 5"]}).status_code == 201
        wait_done(client, "le-hoi")
        assert tagged(client, "le-hoi") == containing("bão số 5")
        assert client.patch("/watchlists/le-hoi", json={"terms": ["festival", "du khách"]}).status_code == 200
        wait_done(client, "le-hoi")
        assert tagged(client, "le-hoi") == containing("festival") | containing("du khách")
        storm = client.get(f"/articles/{ARTICLES[2].id}").json()
        assert "le-hoi" not in storm["watchlists"]
        assert not any(e["type"] == "WATCH" and e["text"] == "bão số 5" for e in storm["entities"])
        assert client.delete("/watchlists/le-hoi").status_code == 204
        wait_done(client, "le-hoi")
        assert tagged(client, "le-hoi") == set()


def test_a_term_without_diacritics_matches_every_spelling_and_other_tags_stay(web: Web) -> None:
    with api_client(web) as client:
        assert client.post("/watchlists", json={"name": "Bao", "terms": ["bao"]}).status_code == 201
        wait_done(client, "bao")
        assert tagged(client, "bao") == containing("bão") | containing("bao") | containing("bảo")
        digital = client.get(f"/articles/{ARTICLES[5].id}").json()
        assert "chuyen-doi-so" in digital["watchlists"]  # a tag the enrichment set is not touched


def test_many_terms_are_searched_in_queries_the_grammar_accepts() -> None:
    terms = [f"cơ quan số {n}" for n in range(40)]
    queries = term_queries(terms)
    assert len(queries) > 1
    assert all(len(q) <= 500 and len(q.split()) - q.count(" OR ") <= 32 for q in queries)
    assert sum(q.count('"') // 2 for q in queries) == 40


def test_watchlists_page_creates_shows_progress_and_deletes(web: Web) -> None:
    with web.signed_in("press") as client:
        csrf = csrf_of(client.get("/theo-doi").text)
        made = client.post(
            "/theo-doi",
            data={"csrf": csrf, "action": "create", "name": "Vàng", "terms": "giá vàng\nvàng SJC"},
        )
        assert made.status_code == 303 and made.headers["location"] == "/theo-doi"
        deadline = time.monotonic() + 30
        row = ""
        while "Xong:" not in row and time.monotonic() < deadline:
            found = re.search(r'<tr id="wl-vang">(.*?)</tr>', client.get("/theo-doi").text, re.S)
            row = found.group(1) if found else ""
            time.sleep(0.1)
        assert f"Xong: {len(containing('giá vàng'))} bài khớp" in row
        empty = client.post(
            "/theo-doi", data={"csrf": csrf, "action": "create", "name": "Rỗng", "terms": " "}
        )
        assert "error=" in empty.headers["location"]
        forged = client.post("/theo-doi", data={"csrf": "x", "action": "delete", "id": "vang"})
        assert forged.status_code == 403
        gone = client.post("/theo-doi", data={"csrf": csrf, "action": "delete", "id": "vang"})
        assert gone.status_code == 303
        assert 'id="wl-vang"' not in client.get("/theo-doi").text


# -- gazetteer entities -----------------------------------------------------------------------------

HUE_TITLES = {a.title for a in ARTICLES if "Huế" in f"{a.title}\n{a.sapo}\n{a.body}"}


def test_an_entity_watchlist_matches_every_alias_of_the_entity(web: Web) -> None:
    with api_client(web) as client:
        # as a term, "TP Huế" occurs in no seeded article; as the gazetteer entity it names, it is Huế
        # under every alias: "Huế", "cố đô Huế", "Thừa Thiên Huế"
        made = client.post("/watchlists", json={"name": "Thành phố", "entities": ["TP Huế"]})
        assert made.status_code == 201 and made.json()["entities"] == ["Huế"]
        assert made.json()["terms"] == [] and made.json()["visibility"] == "shared"
        progress = wait_done(client, "thanh-pho")
        assert progress["state"] == "done"
        assert tagged(client, "thanh-pho") == HUE_TITLES
        assert any("Thừa Thiên Huế" in t and "Huế" not in t.replace("Thừa Thiên Huế", "") for t in HUE_TITLES)
        as_term = client.post("/watchlists", json={"name": "Chữ TP Huế", "terms": ["TP Huế"]})
        assert as_term.status_code == 201
        wait_done(client, "chu-tp-hue")
        assert tagged(client, "chu-tp-hue") == containing("tp huế") == set()
        assert client.patch("/watchlists/thanh-pho", json={"entities": ["Hà Nội"]}).status_code == 200
        wait_done(client, "thanh-pho")
        assert not any("Hà Nội" in a.title + a.body for a in ARTICLES)
        assert tagged(client, "thanh-pho") == set()  # every Huế tag was taken off again


def test_an_unknown_entity_or_an_empty_watchlist_is_refused_clearly(web: Web) -> None:
    with api_client(web) as client:
        unknown = client.post("/watchlists", json={"name": "Lạ", "entities": ["Xứ Sở Thần Tiên"]})
        assert unknown.status_code == 422
        assert "'Xứ Sở Thần Tiên' is not an entity or alias of the gazetteer" in unknown.text
        empty = client.post("/watchlists", json={"name": "Trống", "terms": [" "], "entities": []})
        assert empty.status_code == 422 and "at least one non-blank term or gazetteer entity" in empty.text
        private = client.post("/watchlists", json={"name": "Riêng", "terms": ["x"], "visibility": "private"})
        assert private.status_code == 422 and "needs its owner" in private.text
        nobody = client.post(
            "/watchlists", json={"name": "Riêng", "terms": ["x"], "visibility": "private", "owner": "ai.do"}
        )
        assert nobody.status_code == 422 and "no user account 'ai.do'" in nobody.text
    with web.signed_in("press") as page:
        csrf = csrf_of(page.get("/theo-doi").text)
        refused = page.post(
            "/theo-doi",
            data={"csrf": csrf, "action": "create", "name": "Lạ", "terms": "", "entities": "Xứ Sở Thần Tiên"},
        )
        shown = page.get(refused.headers["location"]).text
        assert "“Xứ Sở Thần Tiên” không có trong danh bạ thực thể" in shown


# -- shared or private ------------------------------------------------------------------------------


def test_a_private_watchlist_is_its_owners_only(web: Web) -> None:
    owner, other = USERS["press"], USERS["admin"]
    with web.signed_in("press") as page:
        csrf = csrf_of(page.get("/theo-doi").text)
        made = page.post(
            "/theo-doi",
            data={"csrf": csrf, "action": "create", "name": "Của tôi", "terms": "", "entities": "Huế",
                  "visibility": "private"},
        )  # fmt: skip
        assert made.status_code == 303 and made.headers["location"] == "/theo-doi"
        wid = f"cua-toi~{owner}"
        mine = page.get("/theo-doi").text
        row = re.search(rf'<tr id="wl-{re.escape(wid)}">(.*?)</tr>', mine, re.S)
        assert row and "Riêng của tôi" in row.group(1) and "Huế" in row.group(1)
    with web.signed_in("admin") as page:
        csrf = csrf_of(page.get("/theo-doi").text)
        assert f'id="wl-{wid}"' not in page.get("/theo-doi").text
        # the same name is free for another person's own list, and they cannot touch the first one
        other_list = page.post(
            "/theo-doi",
            data={
                "csrf": csrf,
                "action": "create",
                "name": "Của tôi",
                "terms": "festival",
                "visibility": "private",
            },
        )
        assert other_list.headers["location"] == "/theo-doi"
        gone = page.post("/theo-doi", data={"csrf": csrf, "action": "delete", "id": wid})
        assert "Kh%C3%B4ng%20c%C3%B3%20danh%20s%C3%A1ch%20n%C3%A0y" in gone.headers["location"]
    with api_client(web) as client:
        wait_done(client, wid)
        assert tagged(client, wid) == HUE_TITLES
        office = {w["id"] for w in client.get("/watchlists").json()}
        assert wid not in office and f"cua-toi~{other}" not in office
        as_owner = {w["id"]: w for w in client.get("/watchlists", params={"owner": owner}).json()}
        assert as_owner[wid]["owner"] == owner and as_owner[wid]["visibility"] == "private"
        assert f"cua-toi~{other}" not in as_owner
    # the search page's watchlist facet: the owner sees theirs by name, another person not at all
    spelled = (f"cua-toi~{owner}", f"cua-toi%7E{owner}")
    with web.signed_in("press") as page:
        found = page.get("/search", params={"q": "Huế"}).text
        assert "Của tôi" in found and any(s in found for s in spelled)
    with web.signed_in("admin") as page:
        found = page.get("/search", params={"q": "Huế"}).text
        assert not any(s in found for s in spelled)  # (admin's own "Của tôi" is there: festival Huế)
    # and the report's watchlist section: the owner's private list in the owner's report only
    with web.signed_in("press") as page:
        assert (
            "Thực thể: Huế"
            in page.get("/bao-cao", params={"since": "2026-11-01", "until": "2026-11-30"}).text
        )
    with web.signed_in("admin") as page:
        report = page.get("/bao-cao", params={"since": "2026-11-01", "until": "2026-11-30"}).text
        assert "Thực thể: Huế" not in report and "Từ khóa: festival" in report


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("Mưa lớn ở TP. Huế từ đêm qua.", True),
        ("Thừa Thiên - Huế chuẩn bị ứng phó bão.", True),
        ("Du khách đến cố đô Huế.", True),
        ("chè huế ngon", False),  # the extraction wants the name's capital letter
        ("Đêm Huê tình", False),  # nor another spelling
        ("Đà Nẵng đón khách.", False),
    ],
)
def test_an_entity_entry_matches_the_entity_under_its_aliases_only(text: str, matches: bool) -> None:
    watchlist = Watchlist("hue", "Huế", [], ["Huế"])
    assert matched_terms(text, [watchlist]) == ([("hue", "Huế")] if matches else [])


def test_entity_watchlists_resolve_against_the_administrators_gazetteer(tmp_path: Path) -> None:
    """The API reads the gazetteer in force when it starts, as a crawl does: an entity only the edited
    gazetteer has is accepted, under its canonical name (before, the shipped file was read: 422)."""
    edited = tmp_path / "nlp" / "gazetteer.toml"
    edited.parent.mkdir(parents=True)
    edited.write_text('[ORG]\n"Trung tâm IOC Huế" = ["IOC Huế"]\n', encoding="utf-8")
    store = SqliteStore(tmp_path / "store.sqlite3")
    store.init()
    try:
        _, key = create_key(store, name="gazetteer", role=Role.press)
        with (
            LiveServer(create_app(make_settings(tmp_path), store)) as server,
            httpx.Client(base_url=server.base_url, headers={"X-API-Key": key}, timeout=30) as client,
        ):
            made = client.post("/watchlists", json={"name": "IOC", "entities": ["IOC Huế"]})
            assert made.status_code == 201, made.text
            assert made.json()["entities"] == ["Trung tâm IOC Huế"]
    finally:
        use_gazetteer(None)  # the shipped file again, for the tests after this one
        store.close()


def test_a_watchlist_is_shared_or_taken_back_by_its_owner(web: Web) -> None:
    owner = USERS["press"]
    with api_client(web) as client:
        made = client.post("/watchlists", json={"name": "Sân bay", "terms": ["Phú Bài"]})
        assert made.status_code == 201 and made.json()["owner"] is None
        nobody = client.patch("/watchlists/san-bay", json={"visibility": "private"})
        assert nobody.status_code == 422 and "needs its owner" in nobody.text
        mine = client.patch("/watchlists/san-bay", json={"visibility": "private", "owner": owner})
        assert mine.status_code == 200 and (mine.json()["visibility"], mine.json()["owner"]) == (
            "private",
            owner,
        )
        assert "san-bay" not in {w["id"] for w in client.get("/watchlists").json()}
        assert "san-bay" in {w["id"] for w in client.get("/watchlists", params={"owner": owner}).json()}
    with web.signed_in("admin") as page:
        assert 'id="wl-san-bay"' not in page.get("/theo-doi").text
    with web.signed_in("press") as page:
        csrf = csrf_of(page.get("/theo-doi").text)
        assert 'id="private-san-bay"' in page.get("/theo-doi").text  # the owner's form offers the choice
        shared = page.post(
            "/theo-doi",
            data={
                "csrf": csrf,
                "action": "update",
                "id": "san-bay",
                "terms": "Phú Bài",
                "visibility": "shared",
            },
        )
        assert shared.headers["location"] == "/theo-doi"
    with web.signed_in("admin") as page:
        csrf = csrf_of(page.get("/theo-doi").text)
        listing = page.get("/theo-doi").text
        assert 'id="wl-san-bay"' in listing and 'id="private-san-bay"' not in listing  # not the owner
        page.post(
            "/theo-doi",
            data={
                "csrf": csrf,
                "action": "update",
                "id": "san-bay",
                "terms": "Phú Bài",
                "visibility": "private",
            },
        )  # forged: someone else's watchlist is not taken private
    with api_client(web) as client:
        assert client.get("/watchlists/san-bay").json()["visibility"] == "shared"
