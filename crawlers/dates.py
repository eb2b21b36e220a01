"""Publication dates as Vietnamese outlets print them, turned into timezone-aware datetimes.

Handles "Thứ Sáu, 26/7/2019, 11:43 (GMT+7)", "26/07/2019 11:43 GMT+7", "11:43 26/07/2019",
"26-07-2019 - 11:43", "Ngày 26 tháng 7 năm 2019", "2 giờ trước", ISO 8601 (JSON-LD, meta tags) and
RFC 822 (RSS). A date without a zone is read in Asia/Ho_Chi_Minh. A date in the future or before 1995
is not a publication date (a template bug, a countdown, an epoch default) and is rejected.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from crawlers.errors import InvalidDate

DEFAULT_TZ = "Asia/Ho_Chi_Minh"
EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)
# Clocks of outlets and of the crawler differ a little; beyond this a date is "in the future".
FUTURE_TOLERANCE = timedelta(minutes=15)

_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})(?!\d)")
_YMD = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_WORDY = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_TIME = re.compile(
    r"(?<![\d/.-])(\d{1,2})\s*(?::|h|giờ)\s*(\d{2})(?:\s*:\s*(\d{2}))?(?![\d/])", re.IGNORECASE
)
_ZONE = re.compile(r"(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
_RELATIVE = re.compile(r"(\d+)\s*(giây|phút|giờ|tiếng|ngày|tuần|tháng)\s*trước", re.IGNORECASE)
_UNIT_SECONDS = {
    "giây": 1,
    "phút": 60,
    "giờ": 3600,
    "tiếng": 3600,
    "ngày": 86400,
    "tuần": 7 * 86400,
    "tháng": 30 * 86400,
}


def parse_vn_date(text: str | None, *, now: datetime | None = None, tz: str = DEFAULT_TZ) -> datetime | None:
    """The datetime in `text`, or None when there is none or it is implausible (see the strict form)."""
    try:
        return parse_vn_date_strict(text, now=now, tz=tz)
    except InvalidDate:
        return None


def parse_vn_date_strict(text: str | None, *, now: datetime | None = None, tz: str = DEFAULT_TZ) -> datetime:
    """The datetime in `text`; raises InvalidDate saying why it was refused."""
    reference = now or datetime.now(UTC)
    if reference.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise InvalidDate("empty date")
    value = _parse(cleaned, reference, ZoneInfo(tz))
    if value is None:
        raise InvalidDate(f"no date found in {cleaned!r}")
    if value > reference + FUTURE_TOLERANCE:
        raise InvalidDate(f"{cleaned!r} is in the future ({value.isoformat()})")
    if value < EARLIEST:
        raise InvalidDate(f"{cleaned!r} is before 1995 ({value.isoformat()})")
    return value


def _parse(text: str, now: datetime, local: tzinfo) -> datetime | None:
    for parser in (_iso, _rfc822):
        found = parser(text, local)
        if found is not None:
            return found
    relative = _RELATIVE.search(text)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2).lower()
        return (now - timedelta(seconds=amount * _UNIT_SECONDS[unit])).astimezone(local)
    lowered = text.lower()
    if "vừa xong" in lowered or "vừa mới" in lowered:
        return now.astimezone(local)
    return _numeric(text, local)


def _iso(text: str, local: tzinfo) -> datetime | None:
    candidate = text.strip()
    if not re.match(
        r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$", candidate
    ):
        return None
    try:
        value = datetime.fromisoformat(candidate.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=local)


def _rfc822(text: str, local: tzinfo) -> datetime | None:
    if not re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}", text):
        return None
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=local)


def _numeric(text: str, local: tzinfo) -> datetime | None:
    day_month_year: tuple[int, int, int] | None = None
    remainder = text
    for pattern, order in ((_WORDY, "dmy"), (_DMY, "dmy"), (_YMD, "ymd")):
        match = pattern.search(text)
        if match:
            a, b, c = (int(group) for group in match.groups())
            day_month_year = (a, b, c) if order == "dmy" else (c, b, a)
            remainder = text[: match.start()] + " " + text[match.end() :]
            break
    if day_month_year is None:
        return None
    day, month, year = day_month_year
    hour = minute = second = 0
    zone_match = _ZONE.search(remainder)
    if zone_match:
        remainder = remainder[: zone_match.start()] + " " + remainder[zone_match.end() :]
    time_match = _TIME.search(remainder)
    if time_match:
        hour, minute = int(time_match.group(1)), int(time_match.group(2))
        second = int(time_match.group(3) or 0)
    zone: tzinfo = local
    if zone_match:
        sign = 1 if zone_match.group(1) == "+" else -1
        offset = timedelta(hours=int(zone_match.group(2)), minutes=int(zone_match.group(3) or 0))
        zone = timezone(sign * offset)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:
        return None
