"""Vietnamese publication dates: every format the registry's outlets print, tz-aware, plausible only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawlers.dates import parse_vn_date, parse_vn_date_strict
from crawlers.errors import InvalidDate

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
ICT = timezone(timedelta(hours=7))
FRIDAY_1143 = datetime(2019, 7, 26, 11, 43, tzinfo=ICT)


@pytest.mark.parametrize(
    "text",
    [
        "Thứ Sáu, 26/7/2019, 11:43 (GMT+7)",  # VnExpress
        "26/07/2019 11:43 GMT+7",  # Tuổi Trẻ, Thanh Niên
        "11:43 26/07/2019",  # Người Lao Động
        "Thứ sáu, 26/07/2019 - 11:43",  # Dân Trí
        "Thứ Sáu, 26-07-2019, 11:43",  # Nhân Dân
        "Thứ Sáu, 11:43, 26/07/2019",  # VOV
        "Thứ Sáu, 11:43 26/07/2019",  # CAND
        "11:43 - 26/07/2019",  # Huế Ngày Nay
        "26/07/2019 | 11:43",  # TRT
        "26/07/2019 11:43:00",  # hue.gov.vn
        "Thứ Sáu, 26/07/2019 11:43 (GMT+7)",  # Lao Động
        "11h43 ngày 26/7/2019",
        "2019-07-26T11:43:00+07:00",  # JSON-LD / meta
        "2019-07-26T04:43:00Z",
        "2019-07-26 11:43",  # Dân Trí datetime attribute, no zone
        "Fri, 26 Jul 2019 11:43:00 +0700",  # RSS pubDate
    ],
)
def test_every_outlet_format_gives_the_same_instant(text: str) -> None:
    value = parse_vn_date(text, now=NOW)
    assert value == FRIDAY_1143
    assert value is not None and value.tzinfo is not None


def test_a_date_without_a_zone_is_read_in_vietnam_time() -> None:
    value = parse_vn_date("26/07/2019 11:43", now=NOW)
    assert value is not None and value.utcoffset() == timedelta(hours=7)
    assert value.astimezone(UTC).hour == 4


def test_another_zone_can_be_given_for_an_outlet() -> None:
    value = parse_vn_date("26/07/2019 11:43", now=NOW, tz="UTC")
    assert value == datetime(2019, 7, 26, 11, 43, tzinfo=UTC)


def test_an_explicit_offset_wins_over_the_default_zone() -> None:
    assert parse_vn_date("26/07/2019 11:43 GMT+9", now=NOW) == datetime(2019, 7, 26, 2, 43, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "ago"),
    [
        ("2 giờ trước", timedelta(hours=2)),
        ("45 phút trước", timedelta(minutes=45)),
        ("3 ngày trước", timedelta(days=3)),
        ("1 tuần trước", timedelta(days=7)),
        ("Cập nhật 5 tiếng trước", timedelta(hours=5)),
    ],
)
def test_relative_dates_count_back_from_now(text: str, ago: timedelta) -> None:
    value = parse_vn_date(text, now=NOW)
    assert value == NOW - ago
    assert value is not None and value.utcoffset() == timedelta(hours=7)


def test_wordy_dates() -> None:
    assert parse_vn_date("Huế, ngày 26 tháng 7 năm 2019", now=NOW) == datetime(2019, 7, 26, tzinfo=ICT)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("26/07/2030 11:43", "future"),
        ("Thứ Hai, 28/12/2026, 09:00 (GMT+7)", "future"),
        ("01/01/1970 00:00", "before 1995"),
        ("31/12/1994 23:59", "before 1995"),
        ("31/02/2019 10:00", "no date"),
        ("Tin nóng", "no date"),
        ("", "empty"),
    ],
)
def test_implausible_or_missing_dates_are_rejected(text: str, why: str) -> None:
    assert parse_vn_date(text, now=NOW) is None
    with pytest.raises(InvalidDate, match=why):
        parse_vn_date_strict(text, now=NOW)


def test_a_few_minutes_of_clock_skew_is_not_the_future() -> None:
    skewed = (NOW + timedelta(minutes=5)).astimezone(ICT)
    assert parse_vn_date(skewed.strftime("%d/%m/%Y %H:%M"), now=NOW) == skewed
