"""Alerts by e-mail against a real local SMTP server (aiosmtpd) that demands STARTTLS and a login."""

from __future__ import annotations

import email
import smtplib
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from alerts.email import send_alerts
from core.config import AlertSettings, SmtpSettings

USER, PASSWORD = "vigil", "mat-khau-thu-9"  # smtplib logs in with ASCII passwords only


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    tls: list[bool] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.original_content or b""))
        self.recipients.append(list(envelope.rcpt_tos))
        self.tls.append(session.ssl is not None)
        return "250 OK"


def _authenticate(server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword) and data.login == USER.encode() and data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[tuple[Mailbox, int, Path]]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticate,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield mailbox, port, cert
    finally:
        controller.stop()


ALERT = {
    "id": "a1",
    "rule_title": "Câu chuyện lan rộng trên nhiều báo",
    "title": "Ngộ độc thực phẩm ở trường học",
    "why": "3 báo đưa tin (thanhnien, tuoitre, vnexpress)",
    "article_ids": ["x1", "x2"],
}


def _settings(port: int, ca: Path, password: str = PASSWORD) -> AlertSettings:
    return AlertSettings(
        email_to=["bao.chi@so.example", "giam.doc@so.example"],
        smtp=SmtpSettings(
            host="127.0.0.1",
            port=port,
            username=USER,
            password=password,
            sender="vigil@so.example",
            ca_file=ca,
        ),
    )


def test_alerts_arrive_over_starttls_after_login(smtp_server: tuple[Mailbox, int, Path]) -> None:
    mailbox, port, cert = smtp_server
    assert send_alerts(_settings(port, cert), [ALERT], "https://vigil.so.example") == 2
    assert mailbox.tls == [True]
    assert sorted(mailbox.recipients[0]) == ["bao.chi@so.example", "giam.doc@so.example"]
    message = mailbox.messages[0]
    assert str(email.header.make_header(email.header.decode_header(message["Subject"]))) == (
        "[Vigil] Câu chuyện lan rộng trên nhiều báo: Ngộ độc thực phẩm ở trường học"
    )
    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    assert "3 báo đưa tin" in body and "https://vigil.so.example/article/x2" in body


def test_a_wrong_password_is_refused_and_nothing_is_delivered(smtp_server: tuple[Mailbox, int, Path]) -> None:
    mailbox, port, cert = smtp_server
    settings = _settings(port, cert, password="sai")
    settings.smtp.timeout_seconds = 3  # smtplib retries with another mechanism, which aiosmtpd leaves hanging
    with pytest.raises(smtplib.SMTPException):
        send_alerts(settings, [ALERT], "http://x")
    assert mailbox.messages == []


def test_nothing_is_sent_without_a_server_or_alerts() -> None:
    assert send_alerts(AlertSettings(email_to=["a@b.example"]), [ALERT], "http://x") == 0
    assert send_alerts(_settings(1, Path("none")), [], "http://x") == 0


def test_an_evaluation_through_the_api_mails_its_new_alerts_once(
    smtp_server: tuple[Mailbox, int, Path], tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    import httpx

    from api.app import create_app
    from api.auth import Role, create_key
    from store.models import Article
    from store.sqlite import SqliteStore
    from tests.api.conftest import make_settings
    from tests.api.live import LiveServer

    mailbox, port, cert = smtp_server
    settings = make_settings(tmp_path).model_copy(update={"alerts": _settings(port, cert)})
    store = SqliteStore(tmp_path / "store.sqlite3")
    store.init()
    now = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
    store.index_articles(
        [
            Article(url=f"https://{o}.example/1", outlet=o, title="Lũ ở Huế", story_cluster="lu",
                    published_at=now - timedelta(hours=i))
            for i, o in enumerate(["vnexpress", "tuoitre", "thanhnien"])
        ]
    )  # fmt: skip
    store.refresh()
    _, key = create_key(store, name="mail", role=Role.press)
    with (
        LiveServer(create_app(settings, store)) as server,
        httpx.Client(base_url=server.base_url, headers={"X-API-Key": key}, timeout=30) as api,
    ):
        first = api.post("/alerts/evaluate", params={"at": now.isoformat()})
        assert first.status_code == 200 and [a["kind"] for a in first.json()] == ["story_spread"]
        assert api.post("/alerts/evaluate", params={"at": now.isoformat()}).json() == []
    store.close()
    assert len(mailbox.messages) == 1 and mailbox.tls == [True]
    body = mailbox.messages[0].get_payload(decode=True).decode("utf-8")
    assert "Lũ ở Huế" in body and f"{server.base_url}/article/" in body


def test_the_daily_digest_is_mailed_once_a_day_from_seven(
    smtp_server: tuple[Mailbox, int, Path], tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    from alerts.email import send_digest
    from alerts.engine import evaluate
    from store.models import Article
    from store.sqlite import SqliteStore

    mailbox, port, cert = smtp_server
    store = SqliteStore(tmp_path / "store.sqlite3")
    store.init()
    raised_at = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)  # 17:00 in Vietnam, the day before
    store.index_articles(
        [
            Article(url=f"https://{o}.example/d", outlet=o, title="Cháy chợ Đông Ba", story_cluster="chay",
                    published_at=raised_at - timedelta(hours=i + 1))
            for i, o in enumerate(["vnexpress", "tuoitre", "thanhnien"])
        ]
    )  # fmt: skip
    store.refresh()
    assert len(evaluate(store, raised_at)) == 1
    settings = _settings(port, cert)
    six = datetime(2026, 3, 9, 23, 0, tzinfo=UTC)  # 06:00 on the 10th in Vietnam: not yet
    assert send_digest(settings, store, six, "http://vigil") == 0
    eight = six + timedelta(hours=2)
    assert send_digest(settings, store, eight, "http://vigil") == 2
    assert send_digest(settings, store, eight + timedelta(hours=1), "http://vigil") == 0  # once a day
    assert len(mailbox.messages) == 1
    subject = str(email.header.make_header(email.header.decode_header(mailbox.messages[0]["Subject"])))
    assert subject.startswith("[Vigil] Tổng hợp cảnh báo ngày 10/03/2026: 1 cảnh báo")
    store.close()


def test_a_private_watchlists_alerts_go_to_its_owner_only(
    smtp_server: tuple[Mailbox, int, Path], tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    from alerts.email import deliver, send_digest
    from alerts.engine import email_recipients, evaluate, list_alerts, save_prefs
    from api.web.pages_alerts import fresh_alerts
    from store.models import Article
    from store.query import RecordKind
    from store.sqlite import SqliteStore

    mailbox, port, cert = smtp_server
    store = SqliteStore(tmp_path / "store.sqlite3")
    store.init()
    store.put_records(
        RecordKind.watchlists,
        {
            "vang~bao.chi": {"id": "vang~bao.chi", "name": "Vàng", "terms": ["vàng"], "visibility": "private",
                             "owner": "bao.chi"},
            "le-hoi": {"id": "le-hoi", "name": "Lễ hội", "terms": ["festival"], "visibility": "shared",
                       "owner": "nguoi.khac"},
        },
    )  # fmt: skip
    save_prefs(store, "bao.chi", "bao.chi@so.example", True, None, None)
    save_prefs(store, "nguoi.khac", "nguoi.khac@so.example", True, None, None)
    now = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
    store.index_articles(
        [
            Article(url="https://a.example/vang", outlet="vnexpress", title="Giá vàng tăng",
                    watchlists=["vang~bao.chi"], published_at=now - timedelta(hours=1)),
            Article(url="https://a.example/fest", outlet="tuoitre", title="Festival Huế",
                    watchlists=["le-hoi"], published_at=now - timedelta(hours=2)),
        ]
    )  # fmt: skip
    store.refresh()
    raised = evaluate(store, now)
    owners = {a["subject"]: a["owner"] for a in raised}
    assert owners == {"vang~bao.chi": "bao.chi", "le-hoi": None}
    # the office's alert: alerts.email_to and both people who chose e-mail (3 addresses); the private
    # one: its owner only, not the office's addresses (giam.doc) nor the other person
    assert deliver(_settings(port, cert), store, raised, "http://vigil", now) == 3 + 1
    by_subject = {
        str(email.header.make_header(email.header.decode_header(m["Subject"]))): sorted(r)
        for m, r in zip(mailbox.messages, mailbox.recipients, strict=True)
    }
    assert by_subject == {
        "[Vigil] Bài mới khớp danh sách theo dõi: Lễ hội: Festival Huế": [
            "bao.chi@so.example",
            "giam.doc@so.example",
            "nguoi.khac@so.example",
        ],
        "[Vigil] Bài mới khớp danh sách theo dõi: Vàng: Giá vàng tăng": ["bao.chi@so.example"],
    }
    assert {a["subject"] for a in list_alerts(store, user="bao.chi")} == {"vang~bao.chi", "le-hoi"}
    assert {a["subject"] for a in list_alerts(store, user="nguoi.khac")} == {"le-hoi"}
    assert {a["subject"] for a in list_alerts(store)} == {"le-hoi"}
    assert [a["subject"] for a in fresh_alerts(store, "", set(), "nguoi.khac")] == ["le-hoi"]
    # the daily digest: the office's to the office and the people; each owner's own to them only
    mailbox.messages.clear()
    mailbox.recipients.clear()
    later = now + timedelta(hours=1)
    people = email_recipients(store, later)  # as vigil run passes them
    assert send_digest(_settings(port, cert), store, later, "http://vigil", people) == 3 + 1
    digests = {
        str(email.header.make_header(email.header.decode_header(m["Subject"]))): sorted(r)
        for m, r in zip(mailbox.messages, mailbox.recipients, strict=True)
    }
    assert digests == {
        "[Vigil] Tổng hợp cảnh báo ngày 10/03/2026: 1 cảnh báo: Lễ hội: Festival Huế": [
            "bao.chi@so.example",
            "giam.doc@so.example",
            "nguoi.khac@so.example",
        ],
        "[Vigil] Tổng hợp cảnh báo ngày 10/03/2026: 1 cảnh báo: Vàng: Giá vàng tăng": ["bao.chi@so.example"],
    }
    store.close()
