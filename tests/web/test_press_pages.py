"""The press pages over HTTP: search (grammar, accents, facets, filters, highlights), article, dashboard."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape

from store.query import RecordKind
from tests.web.conftest import Web, csrf_of
from tests.web.seed import ARTICLES

STORM_TITLES = {a.title for a in ARTICLES if "bão" in a.title.lower()}  # the three "bão" headlines
BAO_TITLES = STORM_TITLES | {ARTICLES[0].title, ARTICLES[1].title}  # + "Bao nhiêu…", "Bảo tồn…"


def hit_titles(html: str) -> list[str]:
    """Result titles in page order (marks removed)."""
    found = re.findall(r'<h2><a href="/article/[0-9a-f]+">(.*?)</a></h2>', html, re.S)
    return [unescape(re.sub(r"</?mark>", "", title)) for title in found]


def test_typed_diacritics_rank_exact_accent_matches_first(web: Web) -> None:
    with web.signed_in("press") as client:
        page = client.get("/search", params={"q": "bão"})
    assert page.status_code == 200
    titles = hit_titles(page.text)
    assert set(titles) == BAO_TITLES  # no diacritics needed to match: all five fold to "bao"
    assert set(titles[:3]) == STORM_TITLES  # "bão" before "bao"/"bảo"


def test_no_diacritics_finds_every_spelling(web: Web) -> None:
    with web.signed_in("press") as client:
        page = client.get("/search", params={"q": "bao"})
    assert set(hit_titles(page.text)) == BAO_TITLES
    assert "5 bài báo" in page.text


def test_or_not_phrases_and_groups(web: Web) -> None:
    with web.signed_in("press") as client:
        either = hit_titles(client.get("/search", params={"q": "vàng OR festival"}).text)
        excluded = hit_titles(client.get("/search", params={"q": 'huế -"số 5"'}).text)
        grouped = hit_titles(client.get("/search", params={"q": '(bão OR festival) NOT "khắc phục"'}).text)
    assert set(either) == {ARTICLES[6].title, ARTICLES[7].title}
    assert set(excluded) == {ARTICLES[1].title, ARTICLES[5].title, ARTICLES[7].title}
    assert set(grouped) == (BAO_TITLES - {ARTICLES[3].title}) | {ARTICLES[7].title}


def test_a_syntax_error_is_shown_in_vietnamese_not_as_zero_hits(web: Web) -> None:
    with web.signed_in("press") as client:
        page = client.get("/search", params={"q": '"bão số 5'})
        paren = client.get("/search", params={"q": "(bão OR lũ"})
    assert page.status_code == 422
    assert "Thiếu dấu ngoặc kép đóng" in page.text
    assert "0 bài báo" not in page.text
    assert paren.status_code == 422 and "Thiếu dấu ngoặc đóng" in paren.text


def test_the_api_reads_the_same_grammar(web: Web) -> None:
    from api.auth import Role, create_key

    _, key = create_key(web.store, name="grammar", role=Role.press)
    with web.client() as client:
        client.headers["X-API-Key"] = key
        found = client.get("/articles", params={"q": "vàng OR festival"}).json()
        refused = client.get("/articles", params={"q": "(vàng"})
    assert {item["title"] for item in found["items"]} == {ARTICLES[6].title, ARTICLES[7].title}
    assert refused.status_code == 422 and "parenthesis" in refused.text


def test_snippets_are_escaped_with_only_the_marks_as_markup(web: Web) -> None:
    with web.signed_in("press") as client:
        page = client.get("/search", params={"q": "cơn bão"})
    assert "&lt;b&gt;và&lt;/b&gt;" in page.text  # the sapo's literal "<b>" stays text
    assert "<b>và</b>" not in page.text
    assert "<mark>bão</mark>" in page.text


def test_facets_count_and_filters_narrow(web: Web) -> None:
    with web.signed_in("press") as client:
        page = client.get("/search", params={"q": "huế"})
        assert re.search(r"Môi trường - Thiên tai</a> <span class=\"count\">\(3\)</span>", page.text)
        assert re.search(r"Tiêu cực</a> <span class=\"count\">\(3\)</span>", page.text)
        local_count = sum(
            1 for a in ARTICLES if a.outlet == "huengaynay" and "huế" in (a.title + a.body).lower()
        )
        assert f'Báo địa phương</a> <span class="count">({local_count})</span>' in page.text
        negative = hit_titles(client.get("/search", params={"q": "huế", "tone": "negative"}).text)
        local = hit_titles(client.get("/search", params={"scope": "local"}).text)
        dated = hit_titles(client.get("/search", params={"since": "22/11/2026", "until": "22/11/2026"}).text)
        iso = hit_titles(client.get("/search", params={"since": "2026-11-22", "until": "2026-11-22"}).text)
        bad_day = client.get("/search", params={"since": "31/02/2026"})
        reversed_days = client.get("/search", params={"since": "23/11/2026", "until": "20/11/2026"})
        entity = hit_titles(client.get("/search", params={"entity": "Sở Thông tin và Truyền thông"}).text)
        watch = hit_titles(client.get("/search", params={"watchlist": "chuyen-doi-so"}).text)
    assert set(negative) == STORM_TITLES
    assert set(local) == {a.title for a in ARTICLES if a.outlet == "huengaynay"}
    assert set(dated) == set(iso) == {ARTICLES[6].title, ARTICLES[7].title}  # a Vietnamese calendar day
    assert bad_day.status_code == 422 and "dd/mm/yyyy" in bad_day.text
    assert reversed_days.status_code == 422 and "ngày bắt đầu phải trước" in reversed_days.text
    assert entity == [ARTICLES[5].title] and watch == [ARTICLES[5].title]


def test_sort_by_date_and_by_spread(web: Web) -> None:
    with web.signed_in("press") as client:
        by_date = hit_titles(client.get("/search", params={"sort": "date"}).text)
        by_spread = hit_titles(client.get("/search", params={"sort": "spread"}).text)
    newest_first = [a.title for a in sorted(ARTICLES, key=lambda a: a.published_at or 0, reverse=True)]  # type: ignore[arg-type,return-value]
    assert by_date == newest_first
    assert set(by_spread[:3]) == STORM_TITLES  # carried by three outlets


def test_article_page_shows_labels_story_and_vietnamese_dates(web: Web) -> None:
    storm = ARTICLES[2]
    with web.signed_in("press") as client:
        page = client.get(f"/article/{storm.id}")
        missing = client.get("/article/" + "0" * 32)
    assert page.status_code == 200
    text = page.text
    assert storm.title in text and "Huế Ngày Nay" in text and "Báo địa phương" in text
    assert "08:00 20/11/2026" in text  # dd/mm/yyyy in +07:00
    assert "Môi trường - Thiên tai" in text and "Tiêu cực" in text
    assert f'href="{storm.url}"' in text
    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', text, re.S)
    assert timeline is not None
    assert timeline.group(1).count("<li>") == 3  # the story's three outlets, oldest first
    assert timeline.group(1).index("20/11/2026") < timeline.group(1).index("21/11/2026")
    assert missing.status_code == 404 and "Không tìm thấy bài báo" in missing.text


def test_coverage_dashboard_draws_every_chart_and_serves_its_data(web: Web) -> None:
    with web.signed_in("press") as client:
        page = client.get("/coverage", params={"q": "huế"})
        assert page.status_code == 200
        for chart in ("volume", "tone", "share", "topics", "entities", "scope"):
            figure = re.search(
                rf'<figure class="chart panel" id="chart-{chart}">(.*?)</figure>', page.text, re.S
            )
            assert figure is not None, chart
            assert "<svg" in figure.group(1) and "<rect" in figure.group(1), chart
        share = client.get("/coverage/data/share.csv", params={"q": "huế"})
        as_json = client.get("/coverage/data/volume.json", params={"q": "huế"}).json()
        stories = client.get("/coverage/data/stories.csv", params={"q": "huế"})
    huế = [a for a in ARTICLES if "huế" in (a.title + a.sapo + a.body).lower()]
    rows = list(csv.reader(io.StringIO(share.text.lstrip("\ufeff"))))
    assert rows[0] == ["Nhãn", "Số bài"]
    assert sum(int(count) for _, count in rows[1:]) == len(huế)
    assert share.headers["content-disposition"].endswith('filename="vigil-share.csv"')
    assert as_json["columns"][0] == "Ngày"
    assert sum(sum(row[1:]) for row in as_json["rows"]) == len(huế)
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4}", row[0]) for row in as_json["rows"])
    story_rows = list(csv.reader(io.StringIO(stories.text.lstrip("\ufeff"))))
    assert story_rows[1][1] == "3"  # the storm story, carried by three outlets, first
    assert json.dumps(as_json, ensure_ascii=False).count("Bão") == 0  # numbers only, no titles


def test_a_press_officer_corrects_the_tone_and_the_record_names_them(web: Web) -> None:
    """Last in the module: it changes an article's tone (nlp/corrections.py records it)."""
    gold = ARTICLES[6]  # "Giá vàng hôm nay tăng mạnh", neutral
    with web.signed_in("press") as client:
        page = client.get(f"/article/{gold.id}")
        csrf = csrf_of(page.text)
        forged = client.post(
            f"/article/{gold.id}/labels", data={"csrf": "x", "topic": "kinh-te", "tone": "negative"}
        )
        assert forged.status_code == 403
        saved = client.post(
            f"/article/{gold.id}/labels", data={"csrf": csrf, "topic": "kinh-te", "tone": "negative"}
        )
        assert saved.status_code == 303
        after = client.get(saved.headers["location"]).text
    record = web.store.get_record(RecordKind.label_corrections, gold.id)
    assert record is not None
    assert record["tone"] == "negative" and record["model_tone"] == "neutral" and "topic" not in record
    assert record["by"] == "Người dùng press (bao.chi)"
    stored = web.store.get_article(gold.id)
    assert stored is not None and stored.tone == "negative" and stored.topic == "kinh-te"
    assert "Đã lưu nhãn đã sửa" in after and "Đã sửa bởi Người dùng press (bao.chi)" in after
    assert "mô hình đoán sắc thái “Trung tính”" in after
