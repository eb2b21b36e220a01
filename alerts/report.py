"""The report "Báo cáo theo dõi báo chí" mailed on a schedule (`[alerts.report]`, e.g. every Monday
07:00 +07:00): `vigil run` asks `send_scheduled_report` every minute; it sends once per scheduled
occurrence (the latest one at or before now, within `CATCH_UP` of it: a service started at 09:00 on the
Monday still sends that Monday's report, one started on the Wednesday waits for the next Monday), the
`days` whole days before the sending day, as an HTML body and the same page attached as a file.
A failure is logged and recorded, and retried `retry_minutes` later; the state is the store record
`alerts:report` (RecordKind.state)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from alerts.email import send_message
from core.config import AlertSettings, parse_report_schedule
from store.protocol import Store
from store.query import RecordKind
from store.sqlite_query import zone_offset

log = logging.getLogger(__name__)
REPORT_STATE = "alerts:report"
CATCH_UP = timedelta(hours=24)
TITLE = "Báo cáo theo dõi báo chí"

# renders the report of days `since`..`until` (inclusive): a standalone HTML page, and the PDF or None
Render = Callable[[date, date], tuple[str, bytes | None]]


def latest_occurrence(schedule: str, offset: str, now: datetime) -> datetime | None:
    """The most recent scheduled moment at or before `now` (None: no schedule)."""
    parsed = parse_report_schedule(schedule)
    if parsed is None:
        return None
    weekday, hour, minute = parsed
    local = now.astimezone(zone_offset(offset))
    moment = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if weekday is None:
        return moment if moment <= local else moment - timedelta(days=1)
    moment -= timedelta(days=(local.weekday() - weekday) % 7)
    return moment if moment <= local else moment - timedelta(days=7)


def report_range(occurrence: datetime, days: int) -> tuple[date, date]:
    """The `days` whole days before the sending day (in the schedule's zone)."""
    until = occurrence.date() - timedelta(days=1)
    return until - timedelta(days=days - 1), until


def compose_report(
    html: str, pdf: bytes | None, since: date, until: date, sender: str, recipients: list[str]
) -> EmailMessage:
    message = EmailMessage()
    period = f"{since:%d/%m/%Y} – {until:%d/%m/%Y}"
    message["Subject"] = f"[Vigil] {TITLE} {period}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message.set_content(
        f"{TITLE} từ ngày {since:%d/%m/%Y} đến ngày {until:%d/%m/%Y}.\n"
        "Báo cáo nằm trong thư (HTML) và trong các tệp đính kèm (PDF để in; HTML để mở bằng trình duyệt)."
    )
    message.add_alternative(html, subtype="html")
    name = f"bao-cao-theo-doi-bao-chi-{since.isoformat()}-{until.isoformat()}"
    if pdf is not None:
        message.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{name}.pdf")
    message.add_attachment(
        html.encode("utf-8"),
        maintype="text",
        subtype="html",
        filename=f"{name}.html",
    )
    return message


def send_scheduled_report(settings: AlertSettings, store: Store, now: datetime, render: Render) -> int:
    """Mail the report if an occurrence is due and not yet sent; returns the recipients mailed (0 when
    not due, already sent, waiting to retry, or nobody to send to). Never raises for a mail or render
    failure: it is logged, kept in the state record and retried after `retry_minutes`."""
    config = settings.report
    occurrence = latest_occurrence(config.schedule, config.utc_offset, now)
    recipients = list(dict.fromkeys(config.email_to or settings.email_to))
    if occurrence is None or not settings.smtp.host or not recipients or now - occurrence > CATCH_UP:
        return 0
    state: dict[str, Any] = store.get_record(RecordKind.state, REPORT_STATE) or {}
    due = occurrence.isoformat()
    if state.get("sent_for") == due:
        return 0
    if state.get("failed_for") == due and state.get("retry_at", "") > now.isoformat():
        return 0
    since, until = report_range(occurrence, config.days)
    try:
        html, pdf = render(since, until)
        message = compose_report(html, pdf, since, until, settings.smtp.sender, recipients)
        sent = send_message(settings, message, recipients)
    except Exception as exc:  # a mail server down, a store error while rendering: logged, retried
        attempts = int(state.get("attempts", 0)) + 1 if state.get("failed_for") == due else 1
        retry_at = now + timedelta(minutes=config.retry_minutes)
        log.error(
            "report: %s not sent (attempt %d, next at %s): %s", due, attempts, retry_at.isoformat(), exc
        )
        failed = {**state, "failed_for": due, "attempts": attempts, "error": str(exc)[:500]}
        store.put_records(RecordKind.state, {REPORT_STATE: {**failed, "retry_at": retry_at.isoformat()}})
        return 0
    record = {"sent_for": due, "sent_at": now.isoformat(), "recipients": sent, "since": since.isoformat(),
              "until": until.isoformat()}  # fmt: skip
    store.put_records(RecordKind.state, {REPORT_STATE: record})
    log.warning("report: %s mailed to %d recipients", due, sent)
    return sent
