"""Press alerts by e-mail through the configured SMTP server (STARTTLS, then login when a username is
set). One message per run with every new or updated alert: what, why, and links to the articles."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Any

from core.config import AlertSettings


def compose(alerts: list[dict[str, Any]], sender: str, recipients: list[str], base_url: str) -> EmailMessage:
    message = EmailMessage()
    count = len(alerts)
    first = alerts[0]
    message["Subject"] = (
        f"[Vigil] {first['rule_title']}: {first['title']}"
        if count == 1
        else f"[Vigil] {count} cảnh báo báo chí mới hoặc cập nhật"
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
    settings: AlertSettings, alerts: list[dict[str, Any]], base_url: str, people: list[str] | None = None
) -> int:
    """Mail the alerts to `settings.email_to` and `people` (who chose e-mail in the web app); returns
    how many recipients were sent to (0 when no server or recipient is configured, or no alert)."""
    smtp = settings.smtp
    recipients = list(dict.fromkeys([*settings.email_to, *(people or [])]))
    if not alerts or not smtp.host or not recipients:
        return 0
    message = compose(alerts, smtp.sender, recipients, base_url)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds) as client:
        if smtp.starttls:
            context = ssl.create_default_context(cafile=str(smtp.ca_file) if smtp.ca_file else None)
            client.starttls(context=context)
        if smtp.username:
            client.login(smtp.username, smtp.password.get_secret_value() if smtp.password else "")
        refused = client.send_message(message)
    return len(recipients) - len(refused)
