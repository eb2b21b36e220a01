"""Press officers' flows over real HTTP, on both store backends."""

from __future__ import annotations

import csv
import io

from tests.api.conftest import Api
from tests.api.seed import ARTICLES


def _titles(response_json: dict) -> set[str]:
    return {item["title"] for item in response_json["items"]}


def test_search_finds_with_and_without_diacritics(api: Api) -> None:
    with api.client("press") as client:
        folded = client.get("/articles", params={"q": "thua thien hue"}).json()
        accented = client.get("/articles", params={"q": "Thừa Thiên Huế"}).json()
    assert _titles(folded) == _titles(accented) == {"Thừa Thiên Huế đẩy mạnh chuyển đổi số"}


def test_phrase_outlet_tone_and_date_filters(api: Api) -> None:
    with api.client("press") as client:
        phrase = client.get("/articles", params={"q": '"chuyen doi so"'}).json()
        assert _titles(phrase) == {"Thừa Thiên Huế đẩy mạnh chuyển đổi số", "Chuyển đổi số ở cấp xã tại Huế"}
        by_outlet = client.get("/articles", params={"outlet": "tuoitre", "tone": "negative"}).json()
        assert _titles(by_outlet) == {"Sạt lở đất ở huyện A Lưới"}
        by_day = client.get("/articles", params={"since": "2026-11-22", "until": "2026-11-22"}).json()
        assert _titles(by_day) == {"Festival Huế thu hút du khách", "Sạt lở đất ở huyện A Lưới"}
        by_entity = client.get("/articles", params={"entity": "Thừa Thiên Huế"}).json()
        assert by_entity["total"] == 3
        by_watchlist = client.get(
            "/articles", params={"watchlist": "chuyen-doi-so", "topic": "cong-nghe"}
        ).json()
        assert by_watchlist["total"] == 2


def test_relevance_highlights_and_date_sort(api: Api) -> None:
    with api.client("press") as client:
        relevance = client.get("/articles", params={"q": "Huế", "sort": "relevance"}).json()
        dated = client.get("/articles", params={"q": "Huế", "sort": "date"}).json()
    assert relevance["items"][0]["score"] is not None
    assert any(
        "<em>" in frag
        for item in relevance["items"]
        for frags in item["highlights"].values()
        for frag in frags
    )
    dates = [item["published_at"] for item in dated["items"]]
    assert dates == sorted(dates, reverse=True)


def test_cursor_pagination_walks_every_article_once(api: Api) -> None:
    seen: list[str] = []
    cursor = None
    with api.client("press") as client:
        for _ in range(10):
            params: dict[str, str | int] = {"size": 4, "sort": "date"}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/articles", params=params).json()
            seen.extend(item["id"] for item in page["items"])
            cursor = page["next_cursor"]
            if not cursor:
                break
    assert sorted(seen) == sorted(article.id for article in ARTICLES)


def test_article_detail_lists_the_story_in_other_outlets(api: Api) -> None:
    first = ARTICLES[0]
    with api.client("press") as client:
        detail = client.get(f"/articles/{first.id}").json()
        missing = client.get("/articles/does-not-exist")
    assert detail["body"] == first.body
    assert [(a["outlet"], a["title"]) for a in detail["story"]] == [
        ("tuoitre", "Chuyển đổi số ở cấp xã tại Huế")
    ]
    assert missing.status_code == 404


def test_stats_volume_share_tone_topics(api: Api) -> None:
    with api.client("press") as client:
        stats = client.get("/articles/stats").json()
        filtered = client.get("/articles/stats", params={"outlet": "vnexpress"}).json()
    assert stats["total"] == 6
    assert {d["date"]: d["count"] for d in stats["volume_per_day"]} == {
        "2026-11-20": 2,
        "2026-11-21": 1,
        "2026-11-22": 2,
        "2026-11-23": 1,
    }
    assert {s["outlet"]: s["count"] for s in stats["share_of_voice"]} == {
        "baothuathienhue": 2,
        "tuoitre": 2,
        "vnexpress": 2,
    }
    tone = {d["date"]: d["counts"] for d in stats["tone_trend"]}
    assert tone["2026-11-22"] == {"positive": 1, "negative": 1}
    assert stats["top_topics"][0] in ({"key": "cong-nghe", "count": 2}, {"key": "xa-hoi", "count": 2})
    assert stats["top_entities"] == [{"key": "Thừa Thiên Huế", "count": 3}]
    assert filtered["total"] == 2


def test_export_csv_is_utf8_with_bom(api: Api) -> None:
    with api.client("press") as client:
        response = client.get("/articles/export.csv", params={"q": "Huế"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["published_at", "outlet", "title"]
    assert "Mưa lớn gây ngập lụt tại Huế" in {row[2] for row in rows[1:]}


def test_low_scores_are_marked_uncertain_in_search_detail_and_export(api: Api) -> None:
    with api.client("press") as client:
        items = client.get("/articles", params={"q": "ngập lụt"}).json()["items"]
        flood = next(item for item in items if item["title"] == "Mưa lớn gây ngập lụt tại Huế")
        detail = client.get(f"/articles/{flood['id']}").json()
        export = client.get("/articles/export.csv", params={"q": "ngập lụt"})
        others = client.get("/articles", params={"q": "vàng"}).json()["items"]
    for body in (flood, detail):
        assert (body["topic_score"], body["topic_uncertain"]) == (0.93, False)
        assert (body["tone_score"], body["tone_uncertain"]) == (0.42, True)
    assert others and not any(item["topic_uncertain"] or item["tone_uncertain"] for item in others)
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    row = next(r for r in rows if r["title"] == "Mưa lớn gây ngập lụt tại Huế")
    assert (row["topic_score"], row["topic_uncertain"]) == ("0.930", "")
    assert (row["tone_score"], row["tone_uncertain"]) == ("0.420", "uncertain")


def test_the_uncertainty_threshold_is_the_setting() -> None:
    from api.routes.press import uncertainty

    source = {"topic": "kinh-te", "topic_score": 0.55, "tone": "neutral", "tone_score": 0.7}
    assert uncertainty(source, 0.5) == {"topic_uncertain": False, "tone_uncertain": False}
    assert uncertainty(source, 0.6) == {"topic_uncertain": True, "tone_uncertain": False}
    assert uncertainty({"topic": None, "topic_score": None}, 0.9)["topic_uncertain"] is False


def test_watchlist_crud(api: Api) -> None:
    with api.client("press") as client:
        created = client.post("/watchlists", json={"name": "Lãnh đạo tỉnh", "terms": ["Chủ tịch UBND", " "]})
        assert created.status_code == 201, created.text
        body = created.json()
        assert body == {
            "id": "lanh-dao-tinh",
            "name": "Lãnh đạo tỉnh",
            "terms": ["Chủ tịch UBND"],
            "entities": [],
            "visibility": "shared",
            "owner": None,
        }
        assert client.post("/watchlists", json={"name": "Lãnh đạo tỉnh", "terms": ["x"]}).status_code == 409
        changed = client.patch("/watchlists/lanh-dao-tinh", json={"terms": ["Bí thư", "Chủ tịch"]}).json()
        assert changed["terms"] == ["Bí thư", "Chủ tịch"]
        assert [w["id"] for w in client.get("/watchlists").json()] == ["lanh-dao-tinh"]
        assert client.delete("/watchlists/lanh-dao-tinh").status_code == 204
        assert client.get("/watchlists/lanh-dao-tinh").status_code == 404
        assert client.post("/watchlists", json={"name": "x", "terms": []}).status_code == 422


def test_bad_parameters_are_422_with_a_message(api: Api) -> None:
    with api.client("press") as client:
        quote = client.get("/articles", params={"q": '"unclosed'})
        dates = client.get("/articles", params={"since": "2026-12-01", "until": "2026-11-01"})
        not_a_date = client.get("/articles", params={"since": "yesterday"})
        size = client.get("/articles", params={"size": 0})
        cursor = client.get("/articles", params={"cursor": "not-a-cursor"})
    assert quote.status_code == 422 and "quote" in quote.text
    assert dates.status_code == 422 and "after" in dates.text
    assert not_a_date.status_code == 422 and "2026-01-31" in not_a_date.text
    assert size.status_code == 422
    assert cursor.status_code == 422


def test_outlets_list_the_registry_with_health(api: Api) -> None:
    from crawlers.registry import OUTLETS

    with api.client("press") as client:
        outlets = client.get("/outlets").json()
    assert {o["name"] for o in outlets} == {outlet.name for outlet in OUTLETS}
    assert all(o["layout_changed"] == [] and "fallback_shares" in o for o in outlets)
    assert all(o["last_success"] is None for o in outlets)  # nothing crawled into this store
