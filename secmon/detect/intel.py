"""Threat-intelligence indicators (IPs, CIDRs, domains) from a plain-text file.

One indicator per line; `#` starts a comment. A domain also matches its sub-domains.
Look-ups are set operations: exact IPs by string, CIDRs by masked integer per prefix length.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from secmon.errors import RuleError


class ThreatIntel:
    def __init__(self, indicators: Iterable[str] = ()) -> None:
        self.ips: set[str] = set()
        self.domains: set[str] = set()
        # prefix length → set of network integers, per IP version
        self._nets: dict[tuple[int, int], set[int]] = {}
        self._cidr_cache: dict[str, bool] = {}  # address → inside some network (addresses repeat a lot)
        for raw in indicators:
            self.add(raw)

    def __len__(self) -> int:
        return len(self.ips) + len(self.domains) + sum(len(s) for s in self._nets.values())

    def add(self, raw: str) -> None:
        text = raw.split("#", 1)[0].strip().lower()
        if not text:
            return
        if "/" in text:
            try:
                net = ipaddress.ip_network(text, strict=False)
            except ValueError:
                raise RuleError(f"threat-intel indicator {raw.strip()!r} is not a valid CIDR") from None
            if net.num_addresses == 1:
                self.ips.add(str(net.network_address))
            else:
                key = (net.version, net.prefixlen)
                self._nets.setdefault(key, set()).add(int(net.network_address))
                self._cidr_cache.clear()
            return
        try:
            self.ips.add(str(ipaddress.ip_address(text)))
        except ValueError:
            self.domains.add(text.rstrip("."))

    def has_ip(self, value: Any) -> bool:
        text = value if isinstance(value, str) else str(value)
        if text in self.ips:
            return True
        if not self._nets:
            return False
        cached = self._cidr_cache.get(text)
        if cached is not None:
            return cached
        if len(self._cidr_cache) > 65_536:
            self._cidr_cache.clear()
        found = self._cidr_cache[text] = self._in_networks(text)
        return found

    def _in_networks(self, text: str) -> bool:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            return False
        number = int(address)
        bits = 32 if address.version == 4 else 128
        for (version, prefix), networks in self._nets.items():
            if version == address.version and (number >> (bits - prefix)) << (bits - prefix) in networks:
                return True
        return False

    def has_domain(self, value: Any) -> bool:
        if not self.domains:
            return False
        name = str(value).lower().rstrip(".")
        if ":" in name and not name.startswith("["):
            name = name.split(":", 1)[0]
        while name:
            if name in self.domains:
                return True
            _, _, name = name.partition(".")
        return False

    @classmethod
    def from_file(cls, path: Path | None) -> ThreatIntel:
        if path is None:
            return cls()
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise RuleError(
                f"cannot read threat-intel file {path}: {exc.strerror} (fix secmon.threat_intel_file)"
            ) from None
        return cls(lines)
