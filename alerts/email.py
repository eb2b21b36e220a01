"""Press alerts by e-mail through the configured SMTP server (STARTTLS, then login when a username is
set). One message per run with every new or updated alert: what, why, and links to the articles."""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from alerts.engine import email_people, office_alerts
from alerts.kinds import VIETNAM
from core.config import AlertSettings
from store.protocol import Store
from store.query import RecordKind


def compose(
    alerts: list[dict[str, Any]], sender: str, recipients: list[str], base_url: str, subject: str = ""
) -> EmailMessage:
    message = EmailMessage()
    count = len(alerts)
    first = alerts[0]
    message["Subject"] = (
        f"[Vigil] {first['rule_title']}: {first['title']}"
        if count == 1
        else f"[Vigil] {subject or f'{count} cảnh báo báo chí mới hoặc cập nhật'}"
    )
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    lines = []
    for alert in alerts:
        lines.append(f"{alert['rule_title']}: {alert['title']}")
        lines.append(f"  Lý do: {alert['why']}")
        for article_id in alert.get("article_ids", [])[:10]:
            lines.append(f"  {base_url.rstrip('/')}/article/{article_id}")
        lines.append("")
    lines.append(f"Xem tất cả: {base_url.rstrip('/')}/thong-bao")
    message.set_content("\n".join(lines))
    return message


def send_alerts(
    settings: AlertSettings,
    alerts: list[dict[str, Any]],
    base_url: str,
    people: list[str] | None = None,
    subject: str = "",
    office: bool = True,
) -> int:
    """Mail the alerts to `settings.email_to` (unless `office` is False) and `people` (who chose e-mail
    in the web app); returns how many recipients were sent to (0 when no server or recipient is
    configured, or no alert)."""
    smtp = settings.smtp
    recipients = list(dict.fromkeys([*(settings.email_to if office else []), *(people or [])]))
    if not alerts or not smtp.host or not recipients:
        return 0
    message = compose(alerts, smtp.sender, recipients, base_url, subject)
    return send_message(settings, message, recipients)


def send_message(settings: AlertSettings, message: EmailMessage, recipients: list[str]) -> int:
    """Send through the configured server (STARTTLS, then login when a username is set); returns the
    recipients accepted."""
    smtp = settings.smtp
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds) as client:
        if smtp.starttls:
            context = ssl.create_default_context(cafile=str(smtp.ca_file) if smtp.ca_file else None)
            client.starttls(context=context)
        if smtp.username:
            client.login(smtp.username, smtp.password.get_secret_value() if smtp.password else "")
        refused = client.send_message(message, to_addrs=recipients)
    return len(recipients) - len(refused)


def deliver(
    settings: AlertSettings, store: Store, alerts: list[dict[str, Any]], base_url: str, now: datetime
) -> int:
    """Mail new and updated alerts where they belong: the office's to `email_to` and every person who
    chose e-mail; an alert of a private watchlist to its owner only (when they chose e-mail and are not
    in quiet hours). Returns the recipients mailed."""
    people = email_people(store, now)
    sent = send_alerts(settings, office_alerts(alerts), base_url, list(people.values()))
    owners = sorted({str(a["owner"]) for a in alerts if a.get("owner")})
    for owner in owners:
        if owner in people:
            mine = [a for a in alerts if a.get("owner") == owner]
            sent += send_alerts(settings, mine, base_url, [people[owner]], office=False)
    return sent


DIGEST_HOUR = 7  # Vietnam time


def list_records_since(store: Store, since: str) -> list[dict[str, Any]]:
    """Every alert (the office's and everyone's own) updated at or after `since`, latest first."""
    records = store.list_records(RecordKind.alerts, limit=10_000)
    found = [a for a in records if str(a.get("updated_at", "")) >= since]
    return sorted(found, key=lambda a: str(a.get("updated_at", "")), reverse=True)


def _digest_title(alerts: list[dict[str, Any]], local: datetime) -> str:
    return f"Tổng hợp cảnh báo ngày {local:%d/%m/%Y}: {len(alerts)} cảnh báo"


def _digest(alerts: list[dict[str, Any]], local: datetime) -> list[dict[str, Any]]:
    return [{**alerts[0], "rule_title": _digest_title(alerts, local)}] if len(alerts) == 1 else alerts


DIGEST_STATE = "alerts:digest"


def send_digest(
    settings: AlertSettings, store: Store, now: datetime, base_url: str, people: list[str] | None = None
) -> int:
    """Once a day, from DIGEST_HOUR (Vietnam time), mail the office's alerts raised or updated in the 24
    hours before (to `email_to` and `people`), and each owner of a private watchlist who chose e-mail
    their own; returns the recipients mailed (0 when not due, already sent today, or nothing to say)."""
    local = now.astimezone(VIETNAM)
    if local.hour < DIGEST_HOUR:
        return 0
    state = store.get_record(RecordKind.state, DIGEST_STATE) or {}
    today = local.date().isoformat()
    if state.get("sent_for") == today:
        return 0
    since = (now - timedelta(hours=24)).isoformat()
    everything = list_records_since(store, since)
    recent = [a for a in everything if not a.get("owner")]
    sent = 0
    if recent:
        sent = send_alerts(
            settings, _digest(recent, local), base_url, people, subject=_digest_title(recent, local)
        )
    # each owner of a private watchlist who chose e-mail: a digest of their own alerts, to them only
    addresses = email_people(store, now)
    for owner in sorted({str(a["owner"]) for a in everything if a.get("owner")} & set(addresses)):
        mine = [a for a in everything if a.get("owner") == owner]
        sent += send_alerts(
            settings,
            _digest(mine, local),
            base_url,
            [addresses[owner]],
            _digest_title(mine, local),
            office=False,
        )
    record = {"sent_for": today, "alerts": len(recent), "sent": sent}
    store.put_records(RecordKind.state, {DIGEST_STATE: record})
    return sent
