"""The triage pages over HTTP: list with filters, incident timeline, assign/status/note audited by name."""

from __future__ import annotations

import re

from tests.api.seed import INCIDENTS
from tests.web.conftest import Web, csrf_of


def test_incident_list_filters_by_status_and_severity(web: Web) -> None:
    with web.signed_in("security") as client:
        everything = client.get("/security")
        critical = client.get("/security", params={"severity": "critical"})
        acknowledged = client.get("/security", params={"status": "acknowledged"})
    assert everything.status_code == 200 and "3 sự cố" in everything.text
    assert "1 sự cố" in critical.text and "suricata-alert" in critical.text
    assert "ssh-brute-force" not in critical.text
    assert "1 sự cố" in acknowledged.text and "web-scan" in acknowledged.text
    assert "Nghiêm trọng" in everything.text and "Đang xử lý" in everything.text


def test_incident_page_shows_events_in_order_and_why_its_severity(web: Web) -> None:
    with web.signed_in("security") as client:
        page = client.get("/security/incident/inc1")
    assert page.status_code == 200
    events = re.search(r'<ol class="timeline" id="events">(.*?)</ol>', page.text, re.S)
    assert events is not None
    assert events.group(1).index("Failed password for root") < events.group(1).index(
        "Failed password for admin"
    )
    reason = re.search(r'<dd id="severity-reason">(.*?)</dd>', page.text, re.S)
    assert reason is not None and "Cao" in reason.group(1) and "2 sự kiện" in reason.group(1)


def test_a_security_user_triages_and_the_audit_names_the_person(web: Web) -> None:
    with web.signed_in("security") as client:
        form = client.get("/security/incident/inc3")
        csrf = csrf_of(form.text)
        changed = client.post(
            "/security/incident/inc3",
            data={"csrf": csrf, "action": "triage", "status": "acknowledged", "assignee": "an.ninh"},
        )
        assert changed.status_code == 303
        noted = client.post(
            "/security/incident/inc3", data={"csrf": csrf, "action": "note", "note": "Đã chặn IP <script>"}
        )
        assert noted.status_code == 303
        page = client.get("/security/incident/inc3").text
    incident = web.store.get_incident("inc3")
    assert incident is not None
    assert incident.status.value == "acknowledged" and incident.assignee == "an.ninh"
    actors = {entry.actor for entry in incident.audit}
    assert actors == {"Người dùng security (an.ninh)"}
    assert incident.notes[-1].author == "Người dùng security (an.ninh)"
    assert "Đã chặn IP &lt;script&gt;" in page


def test_a_triage_post_without_the_csrf_token_changes_nothing(web: Web) -> None:
    with web.signed_in("security") as client:
        refused = client.post("/security/incident/inc1", data={"action": "triage", "status": "resolved"})
    assert refused.status_code == 403
    incident = web.store.get_incident("inc1")
    assert incident is not None and incident.status.value == "new"


def test_a_forbidden_status_change_is_explained(web: Web) -> None:
    with web.signed_in("security") as client:
        csrf = csrf_of(client.get("/security/incident/inc2").text)
        response = client.post(
            "/security/incident/inc2",
            data={"csrf": csrf, "action": "triage", "status": "new", "assignee": ""},
            follow_redirects=True,
        )
        bogus = client.post(
            "/security/incident/inc2",
            data={"csrf": csrf, "action": "triage", "status": "no-such-status"},
            follow_redirects=True,
        )
    assert response.status_code == 200
    assert "chỉ có thể chuyển sang: Đã xử lý, Báo động giả" in response.text
    assert "Trạng thái không hợp lệ" in bogus.text
    incident = web.store.get_incident("inc2")
    assert incident is not None and incident.status.value == "acknowledged"


def test_the_severity_reason_names_the_rule_level_and_the_asset_weight(web: Web) -> None:
    """secmon records "rule <level> × asset <criticality> → <severity>" when an asset weighs in.
    Last in the module: it adds an incident."""
    from store.models import Incident, Severity

    weighed = Incident.model_validate(
        {
            **INCIDENTS[0].model_dump(),
            "id": "inc-weighed",
            "severity": "critical",
            "entities": {"severity.reason": ["rule high × asset high → critical"]},
        }
    )
    assert web.store.index_incidents([weighed]).ok
    web.store.refresh()
    with web.signed_in("security") as client:
        page = client.get("/security/incident/inc-weighed")
    reason = re.search(r'<dd id="severity-reason">(.*?)</dd>', page.text, re.S)
    assert reason is not None
    assert "Mức Nghiêm trọng" in reason.group(1) and "ở mức Cao" in reason.group(1)
    assert "độ quan trọng của hệ thống bị nhắm (Cao)" in reason.group(1)
    plain = weighed.model_copy(
        update={
            "id": "inc-plain",
            "severity": Severity.medium,
            "entities": {"severity.reason": ["rule medium → medium (no asset criticality applies)"]},
        }
    )
    assert web.store.index_incidents([plain]).ok
    web.store.refresh()
    with web.signed_in("security") as client:
        page = client.get("/security/incident/inc-plain")
    reason = re.search(r'<dd id="severity-reason">(.*?)</dd>', page.text, re.S)
    assert reason is not None and "Mức Trung bình: theo mức của quy tắc" in reason.group(1)
    assert "không có mức quan trọng riêng" in reason.group(1)


def test_an_attacker_known_only_by_its_host_name_is_shown_as_an_unverified_name(web: Web) -> None:
    named = INCIDENTS[0].model_copy(
        update={"id": "inc-named", "source_ip": None, "source_domain": "dsl-203-0-113-45.example.net"}
    )
    assert web.store.index_incidents([named]).ok
    web.store.refresh()
    with web.signed_in("security") as client:
        page = client.get("/security/incident/inc-named")
        listing = client.get("/security")
    source = re.search(r'<dd id="incident-source">(.*?)</dd>', page.text, re.S)
    assert source is not None
    assert "dsl-203-0-113-45.example.net" in source.group(1) and "chưa xác minh" in source.group(1)
    assert "dsl-203-0-113-45.example.net <small>(tên máy, chưa xác minh)</small>" in listing.text
