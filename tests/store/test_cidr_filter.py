"""A network filter on the embedded store selects exactly the addresses inside the network, whatever the
prefix length: the text-range narrowing that lets the address index serve it must never drop or add one."""

from __future__ import annotations

import ipaddress
import random
from datetime import UTC, datetime
from pathlib import Path

from store.models import SecurityEvent
from store.query import Cidr, Kind, SearchQuery
from store.sqlite import SqliteStore

# addresses whose texts sit next to each other: 10.x beside 100.x and 1.x, 9.255.x beside 10.0.x …
NEIGHBOURS = ["1.2.3.4", "10.0.0.0", "10.0.0.1", "10.255.255.255", "100.1.2.3", "101.0.0.1", "9.255.255.255"]
NEIGHBOURS += ["11.0.0.0", "172.15.255.255", "172.16.0.1", "172.31.255.255", "172.32.0.0", "2001:db8::1"]
NEIGHBOURS += [
    "::ffff:10.0.0.1",
    "192.168.1.1",
    "192.168.10.1",
    "192.168.100.1",
    "0.0.0.0",
    "255.255.255.255",
]


def _addresses(rng: random.Random) -> list[str]:
    made = {str(ipaddress.IPv4Address(rng.getrandbits(32))) for _ in range(300)}
    made |= {f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}" for _ in range(100)}
    return sorted(made | set(NEIGHBOURS))


def _networks(rng: random.Random, addresses: list[str]) -> list[str]:
    chosen = ["10.0.0.0/8", "172.16.0.0/12", "192.168.1.0/24", "0.0.0.0/0", "100.0.0.0/6", "2001:db8::/32"]
    for _ in range(60):
        seed = ipaddress.ip_address(rng.choice(addresses))
        length = rng.randrange(0, seed.max_prefixlen + 1)
        chosen.append(str(ipaddress.ip_network(f"{seed}/{length}", strict=False)))
    return chosen


def test_network_filters_select_exactly_the_addresses_inside(tmp_path: Path) -> None:
    rng = random.Random(20261205)
    addresses = _addresses(rng)
    store = SqliteStore(tmp_path / "store.sqlite3")
    store.init()
    try:
        now = datetime(2026, 12, 5, tzinfo=UTC)
        store.index_events(
            [
                SecurityEvent(
                    id=f"e{i}",
                    timestamp=now,
                    doc={"event": {"kind": "event"}, "source": {"ip": a}, "related": {"ip": [a, "8.8.8.8"]}},
                )
                for i, a in enumerate(addresses)
            ]
        )
        store.refresh()
        for text in _networks(rng, addresses):
            network = ipaddress.ip_network(text)
            expected = {a for a in addresses if ipaddress.ip_address(a) in network}
            for field in ("source.ip", "related.ip"):  # a column of its own, and a multi-valued field
                hits = store.search(Kind.events, SearchQuery(filters=(Cidr(field, text),), size=1000)).hits
                got = {h.source["source"]["ip"] for h in hits}
                if field == "related.ip" and ipaddress.ip_address("8.8.8.8") in network:
                    expected_here = set(addresses)
                else:
                    expected_here = expected
                assert got == expected_here, (field, text, sorted(got ^ expected_here)[:5])
    finally:
        store.close()
