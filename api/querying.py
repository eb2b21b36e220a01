"""Turn the user's query parameters into a `store.query.SearchQuery`.

The user's `q` is checked here with the store's one grammar (store/querytext.py: words, "phrases", OR,
NOT/-word, parentheses); backends compile the parsed tree, so nothing a user types reaches one as DSL.
Every problem is a `BadParameter` with a message that says what to fix (→ 422).
"""

from __future__ import annotations

import ipaddress
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from api.errors import BadParameter
from store import querytext
from store.query import Cidr, Filter, Range, Term

VIETNAM = timezone(timedelta(hours=7))


@dataclass(frozen=True)
class ParsedQuery:
    """The user's search text, checked against the one grammar (store/querytext.py)."""

    text: str | None
    tree: querytext.Node | None

    def to_text(self) -> str | None:
        """The text handed to the store, which parses it with the same grammar."""
        return self.text


def parse_user_query(q: str | None, parameter: str = "q") -> ParsedQuery:
    """Check `q` (words, "phrases", OR, NOT/-word, parentheses): a syntax error is a 422 saying what to
    fix, never a silent 0 hits. Diacritics are kept (the store folds for matching)."""
    try:
        tree = querytext.parse(q)
    except querytext.QuerySyntaxError as exc:
        raise BadParameter(parameter, exc.message) from None
    return ParsedQuery(unicodedata.normalize("NFC", q) if tree is not None and q else None, tree)


def parse_time(value: str | None, parameter: str, *, end_of_day: bool = False) -> datetime | None:
    """An ISO date or datetime; a date means Vietnam's calendar day, naive times are Vietnam time."""
    if value is None or value == "":
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime.combine(day, time.max if end_of_day else time.min, tzinfo=VIETNAM)
            return moment
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadParameter(
            parameter, f"{value!r} is not a date (2026-01-31) or ISO datetime (2026-01-31T08:00:00+07:00)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM)
    if not datetime(1970, 1, 2, tzinfo=UTC) <= moment <= datetime(9998, 1, 1, tzinfo=UTC):
        raise BadParameter(parameter, f"{value!r} is out of range")
    return moment


def time_range(field: str, since: str | None, until: str | None) -> list[Filter]:
    """A Range filter on `field` from the `since`/`until` parameters (inclusive)."""
    start = parse_time(since, "since")
    end = parse_time(until, "until", end_of_day=True)
    if start and end and start > end:
        raise BadParameter("since", f"since ({since}) is after until ({until})")
    if start is None and end is None:
        return []
    return [Range(field, gte=start, lte=end)]


def terms(field: str, values: list[str] | None) -> list[Filter]:
    """A Term filter when the user gave values (blank values ignored)."""
    cleaned = tuple(v.strip() for v in values or () if v and v.strip())
    return [Term(field, cleaned)] if cleaned else []


def ip_filter(field: str, value: str | None) -> list[Filter]:
    """An exact IP (Term) or a network in CIDR notation (Cidr)."""
    if value is None or not value.strip():
        return []
    value = value.strip()
    try:
        if "/" in value:
            network = ipaddress.ip_network(value, strict=False)
            return [Cidr(field, str(network))]
        return [Term(field, (str(ipaddress.ip_address(value)),))]
    except ValueError:
        raise BadParameter(field, f"{value!r} is not an IP address or CIDR network (10.0.0.0/8)") from None
