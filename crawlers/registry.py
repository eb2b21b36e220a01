"""The outlet registry: every `*.toml` file of `crawlers/outlets/` (one outlet each), plus those of
an administrator's `crawl.outlets_dir` (a file named like a bundled outlet replaces it).

Each outlet's layouts are checked by tests/crawlers/test_registry.py against saved pages of that
layout and their expected fields (tests/data/crawlers/<outlet>/); an outlet without one fails there.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from core.config import Settings
from crawlers.errors import OutletFileError, UnknownOutlet
from crawlers.outlet import Outlet, load_outlet

OUTLETS_DIR = Path(__file__).resolve().parent / "outlets"


@dataclass(frozen=True)
class Registry:
    outlets: tuple[Outlet, ...]

    def get(self, name: str) -> Outlet:
        """The entry called `name`; UnknownOutlet lists the valid names."""
        for outlet in self.outlets:
            if outlet.name == name.lower():
                return outlet
        raise UnknownOutlet(
            f"no outlet named {name!r}; known outlets: {', '.join(sorted(o.name for o in self.outlets))} "
            "(see `vigil sources list`)"
        )

    def select(self, names: list[str] | None) -> list[Outlet]:
        """The outlets called `names`, or the whole registry when none are given."""
        return [self.get(name) for name in names] if names else list(self.outlets)

    def for_host(self, host: str) -> Outlet | None:
        """The outlet owning a host name (www., m., amp. sub-domains included), or None."""
        return next((outlet for outlet in self.outlets if outlet.owns(host)), None)


def outlet_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise OutletFileError(
            f"the outlets folder {folder} does not exist (check crawl.outlets_dir)", key=str(folder)
        )
    return sorted(folder.glob("*.toml"))


@cache
def load_registry(extra: Path | None = None) -> Registry:
    """The bundled outlets and those of `extra`; OutletFileError names a bad file and its key."""
    by_name: dict[str, Outlet] = {}
    for folder in (OUTLETS_DIR, *([extra] if extra else [])):
        for path in outlet_files(folder):
            outlet = load_outlet(path)
            by_name[outlet.name] = outlet
    owners: dict[str, str] = {}
    for outlet in by_name.values():
        for domain in (outlet.domain, *outlet.aliases):
            if owners.setdefault(domain, outlet.name) != outlet.name:
                raise OutletFileError(
                    f"{domain} belongs to both {owners[domain]} and {outlet.name}: a domain has one outlet",
                    key=f"{outlet.name}.domain",
                )
    return Registry(tuple(by_name.values()))


def registry_for(settings: Settings) -> Registry:
    """The registry this deployment crawls (bundled outlets + `crawl.outlets_dir`)."""
    return load_registry(settings.crawl.outlets_dir)


BUNDLED = load_registry(None)
OUTLETS = BUNDLED.outlets
