"""The report "Báo cáo theo dõi báo chí" mailed on a schedule (alerts/report.py): the schedule's
arithmetic, its validation, and the mail itself against the local STARTTLS server (aiosmtpd), rendered
from the seeded store on both backends: once per occurrence, a failure logged and retried."""

from __future__ import annotations

import email
import email.header
import logging
import socket
from datetime import UTC, date, datetime, timedelta, timezone
from email.message import Message
from pathlib import Path

import pytest

from alerts.report import REPORT_STATE, latest_occurrence, send_scheduled_report
from api.web.pages_report import render_standalone
from api.web.render import make_templates
from core.config import AlertSettings, ReportSettings, load_settings
from core.errors import ConfigError
from store.query import RecordKind
from tests.alerts.test_email import Mailbox, _settings, smtp_server
from tests.web.conftest import Web
from tests.web.seed import ARTICLES
from tests.web.test_report import pdf_text

__all__ = ["smtp_server"]  # the local STARTTLS server fixture, shared
VN = timezone(timedelta(hours=7))


def test_the_latest_occurrence_of_a_weekly_and_a_daily_schedule() -> None:
    # 23/11/2026 is a Monday
    monday_7 = datetime(2026, 11, 23, 7, 0, tzinfo=VN)
    assert latest_occurrence("monday 07:00", "+07:00", monday_7) == monday_7
    assert latest_occurrence(
        "monday 07:00", "+07:00", monday_7 - timedelta(minutes=1)
    ) == monday_7 - timedelta(days=7)
    assert latest_occurrence("Thứ Hai 07:00", "+07:00", datetime(2026, 11, 26, 0, 0, tzinfo=UTC)) == monday_7
    # 00:30 UTC on Monday is 07:30 in Vietnam: the same occurrence, however `now` is written
    assert latest_occurrence("monday 07:00", "+07:00", datetime(2026, 11, 23, 0, 30, tzinfo=UTC)) == monday_7
    assert latest_occurrence("daily 07:00", "+07:00", datetime(2026, 11, 25, 6, 0, tzinfo=VN)) == datetime(
        2026, 11, 24, 7, 0, tzinfo=VN
    )
    assert latest_occurrence("", "+07:00", monday_7) is None


@pytest.mark.parametrize(
    ("schedule", "offset", "message"),
    [
        ("monday 7am", "+07:00", "alerts.report.schedule = 'monday 7am': not '<day> HH:MM'"),
        ("mon 07:00", "+07:00", "'mon' is not a day: use '<day> HH:MM'"),
        ("monday 24:00", "+07:00", "24:00 is not a time of day (00:00 to 23:59)"),
        ("monday 07:00", "Asia/Ho_Chi_Minh", "alerts.report.utc_offset = 'Asia/Ho_Chi_Minh': use an offset"),
    ],
)
def test_a_bad_schedule_is_refused_saying_what_is_allowed(schedule: str, offset: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(None, alerts={"report": {"schedule": schedule, "utc_offset": offset}})
    assert message in str(caught.value)
    assert "VIGIL_ALERTS__REPORT__" in str(caught.value)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens there once closed


def _html_of(message: Message) -> tuple[str, dict[str, bytes]]:
    html, files = "", {}
    for part in message.walk():
        if part.get_filename():
            files[str(part.get_filename())] = part.get_payload(decode=True)
        elif part.get_content_type() == "text/html":
            html = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return html, files


def test_the_weekly_report_is_mailed_once_and_a_failure_is_retried(
    web: Web, smtp_server: tuple[Mailbox, int, Path], caplog: pytest.LogCaptureFixture
) -> None:
    mailbox, port, cert = smtp_server
    web.store.delete_record(RecordKind.state, REPORT_STATE)
    good = _settings(port, cert)
    good.report = ReportSettings(schedule="monday 07:00", email_to=["giam.doc@so.example"], retry_minutes=10)
    down = good.model_copy(update={"smtp": good.smtp.model_copy(update={"port": _closed_port()})})
    templates = make_templates()
    rendered: list[tuple[date, date]] = []

    def render(since: date, until: date) -> tuple[str, bytes | None]:
        rendered.append((since, until))
        return render_standalone(web.store, templates, since, until, "https://vigil.so.example", pdf=True)

    monday_7 = datetime(2026, 11, 23, 7, 0, tzinfo=VN)
    assert send_scheduled_report(good, web.store, monday_7 - timedelta(minutes=1), render) == 0  # not yet
    with caplog.at_level(logging.ERROR, logger="alerts.report"):
        assert send_scheduled_report(down, web.store, monday_7 + timedelta(minutes=1), render) == 0
    assert "report: 2026-11-23T07:00:00+07:00 not sent (attempt 1" in caplog.text
    state = web.store.get_record(RecordKind.state, REPORT_STATE)
    assert state is not None and state["attempts"] == 1 and "sent_for" not in state
    # within retry_minutes nothing is tried, even with the server back
    assert send_scheduled_report(good, web.store, monday_7 + timedelta(minutes=5), render) == 0
    assert mailbox.messages == []
    assert send_scheduled_report(good, web.store, monday_7 + timedelta(minutes=12), render) == 1
    assert send_scheduled_report(good, web.store, monday_7 + timedelta(hours=3), render) == 0  # once
    assert send_scheduled_report(good, web.store, monday_7 + timedelta(days=3), render) == 0
    assert len(mailbox.messages) == 1 and mailbox.recipients == [["giam.doc@so.example"]]
    assert mailbox.tls == [True]
    assert rendered[-1] == (date(2026, 11, 16), date(2026, 11, 22))  # the week before the Monday

    message = mailbox.messages[0]
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    assert subject == "[Vigil] Báo cáo theo dõi báo chí 16/11/2026 – 22/11/2026"
    html, files = _html_of(message)
    name = "bao-cao-theo-doi-bao-chi-2026-11-16-2026-11-22"
    assert sorted(files) == [f"{name}.html", f"{name}.pdf"]
    attached = files[f"{name}.html"].decode("utf-8").replace("\r\n", "\n")
    assert attached.strip() == html.replace("\r\n", "\n").strip()  # the page itself, for a browser
    text = pdf_text(files[f"{name}.pdf"])
    assert "Từ ngày 16/11/2026 đến ngày 22/11/2026" in text
    assert all(" ".join(a.title.split()) in text for a in ARTICLES if a.tone == "negative")
    for section in ('id="coverage"', 'id="top-stories"', 'id="negative"', 'id="watchlists"'):
        assert section in html
    assert "Từ ngày 16/11/2026 đến ngày 22/11/2026" in html
    assert "<style>" in html and 'href="/static' not in html  # self-contained
    negative = [a for a in ARTICLES if a.tone == "negative"]
    assert negative and all(a.title in html for a in negative)
    assert "https://vigil.so.example/article/" in html
    assert "tự động theo lịch gửi báo cáo" in html


def test_without_a_schedule_or_a_server_nothing_is_sent(web: Web) -> None:
    def render(since: date, until: date) -> str:
        raise AssertionError("not rendered when nothing is due")

    now = datetime(2026, 11, 23, 8, 0, tzinfo=VN)
    assert send_scheduled_report(AlertSettings(email_to=["a@so.example"]), web.store, now, render) == 0
    no_server = AlertSettings(email_to=["a@so.example"], report=ReportSettings(schedule="monday 07:00"))
    assert send_scheduled_report(no_server, web.store, now, render) == 0
