"""Press alerts through HTTP: planted articles raise one alert of each kind (POST /alerts/evaluate),
the list (GET /alerts) and the notifications page with per-user read/unread marks; a second run on
the same data raises nothing new; a story that grows updates its alert."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from api.auth import Role, create_key
from store.models import Article
from store.query import RecordKind
from tests.web.conftest import Web, csrf_of

NOW = datetime.now(UTC).replace(microsecond=0)


def _article(n: int, outlet: str, hours_ago: float, **fields: Any) -> Article:
    values: dict[str, Any] = {"title": f"Tin cảnh báo {n}", "body": "…"}
    values.update(fields)
    values.setdefault("published_at", NOW - timedelta(hours=hours_ago))
    return Article(url=f"https://{outlet}.example/canh-bao/{n}", outlet=outlet, **values)


def _plant(web: Web) -> None:
    web.store.put_records(
        RecordKind.watchlists, {"so-y-te": {"id": "so-y-te", "name": "Sở Y tế", "terms": ["Sở Y tế"]}}
    )
    spread = [
        _article(i, outlet, 4 - i, story_cluster="ngo-doc", title="Ngộ độc thực phẩm ở trường học")
        for i, outlet in enumerate(["vnexpress", "tuoitre", "thanhnien"])
    ]
    negative = [
        _article(
            10 + i, "dantri", 2 + i, tone="negative", watchlists=["so-y-te"], title=f"Sở Y tế bị phê bình {i}"
        )
        for i in range(6)
    ]
    silent = [_article(30 + i, "baohue", 40 + 2 * i) for i in range(10)]  # every 2 h until 40 h ago
    result = web.store.index_articles(spread + negative + silent)
    assert result.ok
    web.store.refresh()


def test_each_kind_fires_once_and_is_listed_and_read_per_user(web: Web) -> None:
    _plant(web)
    _, key = create_key(web.store, name="alerts", role=Role.press)
    with httpx.Client(base_url=web.base_url, headers={"X-API-Key": key}, timeout=30) as api:
        fired = api.post("/alerts/evaluate", params={"at": NOW.isoformat()})
        assert fired.status_code == 200, fired.text
        kinds = {a["kind"] for a in fired.json()}
        assert kinds == {"watchlist_match", "negative_spike", "story_spread", "outlet_silent"}
        spike = next(a for a in fired.json() if a["kind"] == "negative_spike" and "so-y-te" in a["subject"])
        assert spike["metric"]["count"] == 6 and "Poisson" in spike["why"]
        assert api.post("/alerts/evaluate", params={"at": NOW.isoformat()}).json() == []  # deduplicated
        listed = api.get("/alerts").json()
        assert len(listed) == len(fired.json())
        silent = api.get("/alerts", params={"kind": "outlet_silent"}).json()
        assert [a["subject"] for a in silent] == ["baohue"]

        story = next(a for a in listed if a["kind"] == "story_spread")
        with web.signed_in("press") as press:
            html = press.get("/thong-bao").text
            assert f'id="alert-{story["id"]}" class="alert story_spread unread"' in html
            assert "Ngộ độc thực phẩm ở trường học" in html and "/article/" in html
            marked = press.post(
                "/thong-bao", data={"csrf": csrf_of(html), "action": "read", "id": story["id"]}
            )
            assert marked.status_code == 303
            html = press.get("/thong-bao").text
            assert f'id="alert-{story["id"]}" class="alert story_spread read"' in html
            assert story["id"] not in press.get("/thong-bao", params={"chua_doc": "1"}).text
        with web.signed_in("admin") as admin:  # read marks are per user
            assert (
                f'id="alert-{story["id"]}" class="alert story_spread unread"' in admin.get("/thong-bao").text
            )

        web.store.index_articles([_article(40, "dantri", 1, story_cluster="ngo-doc")])
        web.store.refresh()
        later = (NOW + timedelta(minutes=1)).isoformat()
        grown = [
            a
            for a in api.post("/alerts/evaluate", params={"at": later}).json()
            if a["kind"] == "story_spread"
        ]
        assert [a["id"] for a in grown] == [story["id"]]
        assert grown[0]["metric"]["outlets"] == 4 and grown[0]["updates"] == 1
        with web.signed_in("press") as press:  # grown since it was read: unread again
            assert (
                f'id="alert-{story["id"]}" class="alert story_spread unread"' in press.get("/thong-bao").text
            )


def test_evaluate_refuses_a_time_without_zone(web: Web) -> None:
    _, key = create_key(web.store, name="alerts-tz", role=Role.press)
    with httpx.Client(base_url=web.base_url, headers={"X-API-Key": key}, timeout=30) as api:
        assert api.post("/alerts/evaluate", params={"at": "2026-03-10T12:00:00"}).status_code == 422


def test_the_open_notifications_page_hears_a_new_alert_live(web: Web) -> None:
    _, key = create_key(web.store, name="alerts-live", role=Role.press)
    with web.signed_in("press") as press:
        page = press.get("/thong-bao").text
        assert 'id="live-alerts"' in page and "/static/notifications.js" in page
        with press.stream("GET", "/thong-bao/stream", timeout=30) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            assert next(lines).startswith("retry:")
            at = datetime.now(UTC) + timedelta(minutes=5)
            web.store.index_articles(
                [
                    _article(50 + i, outlet, 1 + i, story_cluster="cau-sap", title="Cầu treo bị sập",
                             published_at=at - timedelta(hours=1 + i))
                    for i, outlet in enumerate(["vov", "nhandan", "cand"])
                ]
            )  # fmt: skip
            web.store.refresh()
            with httpx.Client(base_url=web.base_url, headers={"X-API-Key": key}, timeout=30) as api:
                raised = api.post("/alerts/evaluate", params={"at": at.isoformat()}).json()
            assert any(a["kind"] == "story_spread" and a["subject"] == "cau-sap" for a in raised)
            event, data = "", ""
            for line in lines:
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and "Cầu treo bị sập" in line:
                    data = line
                    break
            assert event == "alert.opened" and '"kind": "story_spread"' in data


def test_silence_that_lasts_is_not_an_update_every_run(web: Web) -> None:
    _, key = create_key(web.store, name="alerts-quiet", role=Role.press)
    with httpx.Client(base_url=web.base_url, headers={"X-API-Key": key}, timeout=30) as api:
        later = (NOW + timedelta(hours=2)).isoformat()
        raised = api.post("/alerts/evaluate", params={"at": later}).json()
    assert "outlet_silent" not in {a["kind"] for a in raised}


def test_a_person_chooses_e_mail_and_quiet_hours_on_the_page(web: Web) -> None:
    from alerts.engine import read_prefs

    with web.signed_in("press") as press:
        html = press.get("/thong-bao").text
        form = {"csrf": csrf_of(html), "action": "prefs", "email": "khong-hop-le", "email_on": "1"}
        refused = press.post("/thong-bao", data=form)
        assert refused.headers["location"].endswith("loi=email")
        assert "Địa chỉ e-mail không hợp lệ." in press.get(refused.headers["location"]).text
        form.update(email="bao.chi@so.example", quiet_from="22", quiet_to="6")
        assert press.post("/thong-bao", data=form).status_code == 303
        html = press.get("/thong-bao").text
    assert read_prefs(web.store, "bao.chi") == {
        "email": "bao.chi@so.example", "email_on": True, "quiet_from": 22, "quiet_to": 6
    }  # fmt: skip
    assert (
        'value="bao.chi@so.example"' in html and 'name="email_on" type="checkbox" value="1" checked' in html
    )


def test_an_evaluation_replayed_for_a_past_moment_is_heard_live(web: Web) -> None:
    """`?at=` a year ago: the alert's updated_at is then, but it is written now, so the open page hears
    it (before, the stream compared updated_at with the moment it connected and stayed silent)."""
    _, key = create_key(web.store, name="alerts-replay", role=Role.press)
    at = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    with web.signed_in("press") as press, press.stream("GET", "/thong-bao/stream", timeout=30) as stream:
        lines = stream.iter_lines()
        assert next(lines).startswith("retry:")
        web.store.index_articles(
            [
                _article(70 + i, outlet, 0, story_cluster="lo-dat-cu", title="Sạt lở đèo năm ngoái",
                         published_at=at - timedelta(hours=1 + i))
                for i, outlet in enumerate(["vov", "nhandan", "cand"])
            ]
        )  # fmt: skip
        web.store.refresh()
        with httpx.Client(base_url=web.base_url, headers={"X-API-Key": key}, timeout=30) as api:
            raised = api.post("/alerts/evaluate", params={"at": at.isoformat()}).json()
        assert any(a["subject"] == "lo-dat-cu" and a["updated_at"].startswith("2025-06-01") for a in raised)
        heard = ""
        deadline = time.monotonic() + 10  # a silent stream still sends a keep-alive every 15 s
        for line in lines:
            if time.monotonic() > deadline:
                break
            if line.startswith("data:") and "Sạt lở đèo năm ngoái" in line:
                heard = line
                break
        assert '"kind": "story_spread"' in heard
