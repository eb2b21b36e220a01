"""Government systems (assets) by CIDR or hostname → agency and criticality.

Events are tagged with the asset they concern (`vigil.asset.{name,agency,criticality}`) so rules can
select on it ("Suricata alert on a critical asset") and incident severity can weigh it:
severity = rule level shifted by criticality (medium is neutral, high +1, critical +2, low −1).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from core.config import AssetSettings
from secmon.fieldpath import getter
from store.models import SEVERITY_RANK, Severity

_RANK_TO_SEVERITY = {rank: severity for severity, rank in SEVERITY_RANK.items()}
_CRITICALITY_SHIFT = {"low": -1, "medium": 0, "high": 1, "critical": 2}
# Where an event names the system it concerns, most specific first. source.ip comes last: it is
# the asset only when a government host is the one talking (outbound C2, scans from inside).
_IP_FIELDS = ("destination.ip", "host.ip", "server.ip", "source.ip")
_NAME_FIELDS = ("host.name", "host.hostname", "url.domain", "destination.domain", "observer.hostname")


def severity_for(level: str, criticality: str | None) -> Severity:
    """Rule level × asset criticality, clamped to low..critical; no asset leaves the level as is."""
    rank = SEVERITY_RANK[Severity(level)] + _CRITICALITY_SHIFT.get(criticality or "medium", 0)
    return _RANK_TO_SEVERITY[max(1, min(4, rank))]


@dataclass(frozen=True)
class Asset:
    name: str
    agency: str
    criticality: str

    def as_doc(self) -> dict[str, str]:
        return {"name": self.name, "agency": self.agency, "criticality": self.criticality}


class AssetIndex:
    """Resolve an event to an asset; look-ups are cached per IP/hostname string."""

    _CACHE_LIMIT = 65_536

    def __init__(self, assets: list[AssetSettings]) -> None:
        self._networks: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, Asset]] = []
        self._hostnames: dict[str, Asset] = {}
        for item in assets:
            asset = Asset(item.name, item.agency, item.criticality)
            for cidr in item.cidrs:
                self._networks.append((ipaddress.ip_network(cidr, strict=False), asset))
            for hostname in item.hostnames:
                self._hostnames[hostname.lower().rstrip(".")] = asset
        # Most specific network first, so a /32 inside a /24 wins.
        self._networks.sort(key=lambda pair: -pair[0].prefixlen)
        self._ip_cache: dict[str, Asset | None] = {}
        self._ip_getters = [getter(f) for f in _IP_FIELDS]
        self._name_getters = [getter(f) for f in _NAME_FIELDS]

    def __bool__(self) -> bool:
        return bool(self._networks or self._hostnames)

    def by_ip(self, value: str) -> Asset | None:
        cached = self._ip_cache.get(value, False)
        if cached is not False:
            return cached  # type: ignore[return-value]
        found: Asset | None = None
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            address = None
        if address is not None:
            for network, asset in self._networks:
                if address.version == network.version and address in network:
                    found = asset
                    break
        if len(self._ip_cache) >= self._CACHE_LIMIT:
            self._ip_cache.clear()
        self._ip_cache[value] = found
        return found

    def by_name(self, value: str) -> Asset | None:
        name = value.lower().rstrip(".")
        if ":" in name:
            name = name.split(":", 1)[0]
        while name:
            if name in self._hostnames:
                return self._hostnames[name]
            _, _, name = name.partition(".")
        return None

    def resolve(self, doc: dict[str, Any]) -> Asset | None:
        if not self:
            return None
        if self._networks:
            for get in self._ip_getters[:-1]:
                value = get(doc)
                if isinstance(value, list):
                    value = value[0] if value else None
                if value is not None and (asset := self.by_ip(str(value))):
                    return asset
        if self._hostnames:
            for get in self._name_getters:
                value = get(doc)
                if isinstance(value, str) and (asset := self.by_name(value)):
                    return asset
        if self._networks:
            value = self._ip_getters[-1](doc)
            if value is not None and (asset := self.by_ip(str(value))):
                return asset
        return None

    def tag(self, doc: dict[str, Any]) -> Asset | None:
        """Write `vigil.asset` into the document when it concerns a known asset."""
        asset = self.resolve(doc)
        if asset is not None:
            vigil = doc.get("vigil")
            if type(vigil) is not dict:
                vigil = doc["vigil"] = {}
            vigil["asset"] = {"name": asset.name, "agency": asset.agency, "criticality": asset.criticality}
        return asset
