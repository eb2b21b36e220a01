"""The main job runs the press alert rules after each crawl and mails what they raise; a mail server
that is down is logged and does not stop the schedule."""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.config import AlertSettings, ReportSettings, Settings, SmtpSettings
from secmon.notify.webhook import verify
from store.models import Article
from store.query import RecordKind
from store.sqlite import SqliteStore
from tests.alerts.test_email import Mailbox, smtp_server
from tests.alerts.test_email import _settings as _mail_settings
from tests.secmon.test_notify import Receiver
from vigil.main_job import Service

__all__ = ["smtp_server"]  # the local STARTTLS server fixture, shared


def spreading_story(now: datetime, outlets: int) -> list[Article]:
    """One story told by `outlets` outlets in the last hours: three make a story_spread alert."""
    names = ["vnexpress", "tuoitre", "thanhnien", "dantri"][:outlets]
    return [
        Article(url=f"https://{o}.example/1", outlet=o, title="Lũ", story_cluster="lu",
                published_at=now - timedelta(hours=i + 1))
        for i, o in enumerate(names)
    ]  # fmt: skip


def test_alerts_run_after_a_crawl_even_when_the_mail_server_is_down(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings.model_validate({"data_dir": tmp_path}).model_copy(
        update={
            "alerts": AlertSettings(
                email_to=["a@so.example"], smtp=SmtpSettings(host="127.0.0.1", port=port, timeout_seconds=2)
            )
        }
    )
    store = SqliteStore(tmp_path / "store.sqlite3")
    store.init()
    store.index_articles(spreading_story(datetime.now(UTC), 3))
    store.refresh()
    service = Service(settings, store, crawl=False, logs=False)
    with caplog.at_level(logging.WARNING):
        raised = service.run_alerts()
    assert [a["kind"] for a in raised] == ["story_spread"]
    assert [r["kind"] for r in store.list_records(RecordKind.alerts)] == ["story_spread"]
    assert "the e-mail was not sent" in caplog.text
    assert service.run_alerts() == []
    store.close()


def test_alert_e_mails_link_to_the_public_url(tmp_path: Path, smtp_server: tuple[Mailbox, int, Path]) -> None:
    """Behind a reverse proxy the service listens on 127.0.0.1; the links people get must open."""
    mailbox, port, cert = smtp_server
    settings = Settings.model_validate(
        {"data_dir": tmp_path, "api": {"public_url": "https://vigil.so.example/ioc/"}}
    ).model_copy(update={"alerts": _mail_settings(port, cert)})
    store = SqliteStore(tmp_path / "store.sqlite3")
    store.init()
    store.index_articles(spreading_story(datetime.now(UTC), 3))
    store.refresh()
    assert [a["kind"] for a in Service(settings, store, crawl=False, logs=False).run_alerts()] == [
        "story_spread"
    ]
    store.close()
    body = mailbox.messages[0].get_payload(decode=True).decode("utf-8")
    assert "https://vigil.so.example/ioc/article/" in body and "127.0.0.1" not in body


def test_alerts_reach_signed_webhooks_under_the_sse_event_names(tmp_path: Path) -> None:
    receiver = Receiver()
    try:
        settings = Settings.model_validate(
            {"data_dir": tmp_path, "alerts": {"webhooks": [{"url": receiver.url, "secret": "bí-mật"}]}}
        )
        store = SqliteStore(tmp_path / "store.sqlite3")
        store.init()
        articles = spreading_story(datetime.now(UTC), 4)
        store.index_articles(articles[:3])
        store.refresh()
        service = Service(settings, store, crawl=False, logs=False)
        first = service.run_alerts()
        store.index_articles(articles[3:])
        store.refresh()
        service.run_alerts()
        assert [b["event"] for b in receiver.bodies()] == ["alert.opened", "alert.updated"]
        assert receiver.bodies()[0]["alert"]["id"] == first[0]["id"]
        assert receiver.bodies()[1]["alert"]["metric"]["outlets"] == 4
        for request in receiver.requests:
            assert verify(request["body"], "bí-mật", request["headers"]["X-Vigil-Signature"])
        store.close()
    finally:
        receiver.close()


def test_vigil_run_has_a_report_worker_that_mails_the_scheduled_report(
    tmp_path: Path, smtp_server: tuple[Mailbox, int, Path]
) -> None:
    _, port, cert = smtp_server
    mailbox = smtp_server[0]
    alerts = _mail_settings(port, cert)
    alerts.report = ReportSettings(schedule="daily 00:00", email_to=["giam.doc@so.example"])
    settings = Settings.model_validate({"data_dir": tmp_path}).model_copy(update={"alerts": alerts})
    store = SqliteStore(tmp_path / "store.sqlite3")
    store.init()
    try:
        unscheduled = settings.model_copy(update={"alerts": _mail_settings(port, cert)})
        assert Service(unscheduled, store, crawl=False, logs=False).workers() == []  # no schedule, no worker
        service = Service(settings, store, crawl=False, logs=False)
        workers = {w.name: w for w in service.workers()}
        assert set(workers) == {"report"}
        worker = workers["report"]
        assert worker.step(worker.setup()) == 60.0  # then it looks again a minute later
        assert worker.step(worker.setup()) == 60.0  # once per occurrence: not sent again
        assert len(mailbox.messages) == 1 and mailbox.recipients == [["giam.doc@so.example"]]
        files = sorted(str(p.get_filename()) for p in mailbox.messages[0].walk() if p.get_filename())
        assert [f.rsplit(".", 1)[1] for f in files] == ["html", "pdf"]
        assert store.get_record(RecordKind.state, "alerts:report")["recipients"] == 1
    finally:
        store.close()
