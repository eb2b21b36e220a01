"""An administrator reads and replaces the entity gazetteer through the API (issue 13 item 4)."""

from __future__ import annotations

from nlp.entities import GAZETTEER_FILE, extract_entities, gazetteer_path, use_gazetteer
from tests.api.conftest import Api

OWN = """[LOC]
"Huế" = ["TP Huế", "Thừa Thiên Huế"]

[ORG]
"Trung tâm IOC Huế" = ["IOC Huế", "Trung tâm Giám sát điều hành đô thị thông minh Huế"]

[STOP]
words = ["Anh"]
"""


def test_an_administrator_replaces_the_gazetteer_and_a_crawl_start_reads_it(api: Api) -> None:
    with api.client("admin") as client:
        shipped = client.get("/gazetteer").json()
        bad = client.put("/gazetteer", json={"toml": "[LOC\n"})
        unknown = client.put("/gazetteer", json={"toml": '[PLACES]\n"Huế" = []\n'})
        not_a_list = client.put("/gazetteer", json={"toml": '[ORG]\n"IOC" = "Trung tâm"\n'})
        done = client.put("/gazetteer", json={"toml": OWN})
        now = client.get("/gazetteer").json()
    with api.client("press") as client:
        assert client.get("/gazetteer").status_code == 403
        assert client.put("/gazetteer", json={"toml": OWN}).status_code == 403
    assert shipped["toml"] == GAZETTEER_FILE.read_text(encoding="utf-8") and shipped["entries"]["LOC"] > 50
    assert (bad.status_code, unknown.status_code, not_a_list.status_code) == (422, 422, 422)
    assert "TOML" in str(bad.json()["detail"]) and "[PLACES]" in str(unknown.json()["detail"])
    assert done.status_code == 200, done.text
    assert done.json()["entries"] == {"LOC": 1, "ORG": 1, "STOP": 1}
    edited = api.settings.data_dir / "nlp" / "gazetteer.toml"
    assert now["file"] == str(edited) and now["toml"] == OWN.strip()
    # what a crawl (or `vigil nlp classify`) does when it starts: the edited file is the one in force
    path = gazetteer_path(api.settings.nlp.gazetteer_file, api.settings.data_dir)
    assert path == edited
    try:
        use_gazetteer(path)
        found = extract_entities("IOC Huế họp về mưa lũ ở Thừa Thiên Huế; Anh nói.")
    finally:
        use_gazetteer(None)
    assert [(e["type"], e["text"]) for e in found] == [("ORG", "Trung tâm IOC Huế"), ("LOC", "Huế")]


def test_a_replaced_gazetteer_is_in_force_in_the_api_at_once(api: Api) -> None:
    """An entity the administrator just added can be watched without restarting the API."""
    watchlist = {"name": "IOC theo dõi", "entities": ["IOC Huế"], "visibility": "shared"}
    try:
        with api.client("admin") as admin, api.client("press") as press:
            before = press.post("/watchlists", json=watchlist)
            assert admin.put("/gazetteer", json={"toml": OWN}).status_code == 200
            after = press.post("/watchlists", json=watchlist)
    finally:
        use_gazetteer(None)  # the server runs in this process: leave the shipped gazetteer in force
    assert before.status_code == 422, before.text
    assert after.status_code == 201, after.text
    assert after.json()["entities"] == ["Trung tâm IOC Huế"]
