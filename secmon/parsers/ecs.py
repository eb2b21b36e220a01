"""Small helpers shared by the parsers: building ECS documents fast and safely.

Parsers build the nested ECS dict directly (no deepcopy, no generic flatten/unflatten) because the
EVE path must run at tens of MiB/s; these helpers keep the repeated bits in one place.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from core.text import ELLIPSIS, ONE_LINE_CAP
from core.text import one_line as text  # a field's value in a `message`
from store.ids import stable_id
from store.models import ERROR_TEXT_CAP, SecurityEvent

_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, start=1)}


VALUE_CAP = ONE_LINE_CAP  # characters of one field's value in a `message`
MESSAGE_CAP = 512  # characters of a built `message`


def bounded(message: str, cap: int = MESSAGE_CAP) -> str:
    """A whole `message` cut to `cap` characters (ending with "…" when cut)."""
    return message if len(message) <= cap else message[: cap - 1] + ELLIPSIS


class LineError(ValueError):
    """Raised inside a parser for a line it cannot parse; turned into a pipeline_error event."""


def make_event(
    line: str,
    timestamp: datetime,
    doc: dict[str, Any],
    *,
    origin: str,
    offset: int,
    path: str | None = None,
) -> SecurityEvent:
    """Wrap a parsed ECS doc; the id makes re-delivery of the same line at the same offset harmless.

    Construction skips validation: every parser guarantees an aware timestamp and a dict doc.
    """
    doc["event"]["original"] = line
    log: dict[str, Any] = {"offset": offset}
    if path is not None:
        log["file"] = {"path": path}
    doc["log"] = log if "log" not in doc else {**doc["log"], **log}
    return _construct(stable_id(origin, str(offset), line), timestamp, doc)


_FIELDS = frozenset(("id", "timestamp", "doc"))
_new = object.__new__
_set = object.__setattr__


def _slot_setter(name: str) -> Callable[[Any, Any], None]:
    """The setter of one of pydantic's slots on BaseModel (falls back to object.__setattr__)."""
    for klass in SecurityEvent.__mro__:
        descriptor = vars(klass).get(name)
        if descriptor is not None and hasattr(descriptor, "__set__"):
            return descriptor.__set__
    return lambda obj, value: _set(obj, name, value)


_set_fields = _slot_setter("__pydantic_fields_set__")
_set_extra = _slot_setter("__pydantic_extra__")
_set_private = _slot_setter("__pydantic_private__")


def _fast_construct(event_id: str, timestamp: datetime, doc: dict[str, Any]) -> SecurityEvent:
    """What `model_construct` does for this three-field model, at a third of its cost (hot path): the
    instance's own __dict__ filled in place, pydantic's slots set through their descriptors."""
    event = _new(SecurityEvent)
    event.__dict__.update(id=event_id, timestamp=timestamp, doc=doc)
    _set_fields(event, set(_FIELDS))
    _set_extra(event, None)
    _set_private(event, None)
    return event


def _slow_construct(event_id: str, timestamp: datetime, doc: dict[str, Any]) -> SecurityEvent:
    return SecurityEvent.model_construct(id=event_id, timestamp=timestamp, doc=doc)


def _pick_constructor() -> Callable[[str, datetime, dict[str, Any]], SecurityEvent]:
    """Use the fast path only if it builds exactly what pydantic builds (checked once, at import)."""
    sample = ("x", datetime(2026, 1, 1, tzinfo=UTC), {"event": {"kind": "event"}})
    try:
        fast, slow = _fast_construct(*sample), _slow_construct(*sample)
        same = fast == slow and fast.model_dump() == slow.model_dump() and vars(fast) == vars(slow)
    except (AttributeError, TypeError):
        same = False
    return _fast_construct if same else _slow_construct


_construct = _pick_constructor()


def error_event(
    line: str,
    dataset: str,
    message: str,
    *,
    origin: str,
    offset: int,
    received_at: datetime | None,
    path: str | None = None,
) -> SecurityEvent:
    """A line that did not parse: kept (never dropped) with the reason, timestamped when received.

    Its `message` is the line's own text (its first ERROR_TEXT_CAP characters, one line, NFC):
    `event.original` is stored but not searched, so this is what finds a garbled line by text."""
    doc: dict[str, Any] = {
        "event": {"kind": "pipeline_error", "dataset": dataset},
        "error": {"message": message},
        "message": text(line, ERROR_TEXT_CAP),
    }
    return make_event(line, received_at or datetime.now(UTC), doc, origin=origin, offset=offset, path=path)


def tz_from_offset(text: str) -> timezone:
    """`+0700` / `-04:00` / `Z` → a fixed-offset timezone."""
    if text in ("Z", "z", ""):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    if len(digits) != 4 or not digits.isdigit():
        raise LineError(f"bad timezone offset {text!r}")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def infer_year(month: int, day: int, clock: str, received_at: datetime, tz: timezone) -> datetime:
    """A syslog-style timestamp without a year: the year of `received_at`, unless that puts the event
    more than a day in the future (a December line read in January belongs to last year)."""
    hh, mm, ss = clock.split(":")
    second, _, frac = ss.partition(".")
    micro = int((frac + "000000")[:6]) if frac else 0
    ref = received_at.astimezone(tz)
    try:
        stamp = datetime(ref.year, month, day, int(hh), int(mm), int(second), micro, tzinfo=tz)
    except ValueError:  # 29 Feb in a non-leap year: it must be last leap year's
        stamp = datetime(ref.year - 1, month, day, int(hh), int(mm), int(second), micro, tzinfo=tz)
    if stamp - ref > timedelta(days=1):
        stamp = stamp.replace(year=stamp.year - 1)
    return stamp


IP_CACHE = 65_536  # answers of is_ip kept (then it starts again): DNS answers and clients repeat a lot
_IP_ANSWERS: dict[str, bool] = {}


def is_ip(value: str) -> bool:
    """True for an IPv4/IPv6 literal (hostnames go to `*.domain`, not `*.ip`).

    `ipaddress.ip_address` is pure Python (~2 us, ~1.9 us per EVE dns event on real runs): its answer is
    kept per string (short strings only, at most IP_CACHE of them)."""
    known = _IP_ANSWERS.get(value)
    if known is not None:
        return known
    try:
        ipaddress.ip_address(value)
        answer = True
    except ValueError:
        answer = False
    if len(value) <= 64:
        if len(_IP_ANSWERS) >= IP_CACHE:
            _IP_ANSWERS.clear()
        _IP_ANSWERS[value] = answer
    return answer


def endpoint(address: str) -> dict[str, Any]:
    """`source`/`destination`-style object for an address that may be an IP or a host name."""
    return {"ip": address} if is_ip(address) else {"domain": address}


def to_int(text: str | None) -> int | None:
    if text is None or text in ("-", ""):
        return None
    try:
        return int(text)
    except ValueError:
        return None
