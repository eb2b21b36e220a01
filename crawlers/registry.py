"""The outlet registry: the press that covers Thừa Thiên Huế, one entry per outlet (data, not code,
in crawlers/publishers/).

Each entry's newest parser is checked by tests/crawlers/test_registry.py against a snapshot page in
crawlers/snapshots/sites/<domain>/ and its expected JSON; an entry without a snapshot fails there.
Selectors follow each outlet's live layout as known at `valid_from`; when a layout changes, add a
ParserVersion with the new date and keep the old one.
"""

from __future__ import annotations

from crawlers.errors import UnknownOutlet
from crawlers.outlet import Outlet
from crawlers.publishers.local import HUEGOV, HUENGAYNAY, TRT
from crawlers.publishers.national import (
    BAOVANHOA,
    CAND,
    DANTRI,
    LAODONG,
    NHANDAN,
    NLD,
    THANHNIEN,
    TIENPHONG,
    TUOITRE,
    VIETNAMNET,
    VNEXPRESS,
    VOV,
)

OUTLETS: tuple[Outlet, ...] = (
    HUENGAYNAY,
    TRT,
    HUEGOV,
    BAOVANHOA,
    VNEXPRESS,
    TUOITRE,
    THANHNIEN,
    DANTRI,
    VIETNAMNET,
    NHANDAN,
    LAODONG,
    NLD,
    TIENPHONG,
    VOV,
    CAND,
)

_BY_NAME = {outlet.name: outlet for outlet in OUTLETS}


def get_outlet(name: str) -> Outlet:
    """The registry entry called `name`; UnknownOutlet lists the valid names."""
    try:
        return _BY_NAME[name.lower()]
    except KeyError:
        raise UnknownOutlet(
            f"no outlet named {name!r}; known outlets: {', '.join(sorted(_BY_NAME))} "
            "(see `vigil sources list`)"
        ) from None


def select_outlets(names: list[str] | None) -> list[Outlet]:
    """The outlets called `names`, or the whole registry when none are given."""
    if not names:
        return list(OUTLETS)
    return [get_outlet(name) for name in names]


def outlet_for_host(host: str) -> Outlet | None:
    """The outlet owning a host name (www., m., amp. sub-domains included), or None."""
    for outlet in OUTLETS:
        if outlet.owns(host):
            return outlet
    return None
