"""Suricata fast.log (one alert per line) → ECS.

`07/13/2016-22:42:07.573103  [**] [1:2100498:7] MSG [**] [Classification: C] [Priority: 2] {TCP} a:p -> b:q`
The timestamp has no zone (the sensor's local time): it is read in the zone given (UTC by default).
An optional `[Drop]`/`[wDrop]` prefix marks IPS verdicts. IPv6 addresses carry the port after the last colon.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timezone
from typing import Any

from secmon.parsers.ecs import LineError, bounded, text

DATASET = "suricata.fastlog"

_LINE = re.compile(
    r"^(\d\d)/(\d\d)/(\d{4})-(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?\s+"
    r"(?:\[(\w*Drop)\]\s+)?"
    r"\[\*\*\]\s+\[(\d+):(\d+):(\d+)\]\s+(.*?)\s+\[\*\*\]\s+"
    r"(?:\[Classification:\s*(.*?)\]\s+)?"
    r"(?:\[Priority:\s*(\d+)\]\s+)?"
    r"\{([^}]*)\}\s+(\S+)\s+->\s+(\S+)\s*$"
)


def _address(text: str, with_port: bool) -> dict[str, Any]:
    if with_port:
        host, sep, port = text.rpartition(":")
        if sep and port.isdigit() and host:
            return {"ip": host, "port": int(port)}
    return {"ip": text}


def parse_fastlog(line: str, tz: timezone = UTC) -> tuple[datetime, dict[str, Any]]:
    """One fast.log alert line → (timestamp, ECS doc)."""
    match = _LINE.match(line)
    if match is None:
        raise LineError("not a Suricata fast.log alert line")
    (
        mo,
        dd,
        yyyy,
        hh,
        mi,
        ss,
        frac,
        verdict,
        gid,
        sid,
        rev,
        msg,
        classification,
        priority,
        proto,
        src,
        dst,
    ) = match.groups()
    try:
        micro = int((frac or "0").ljust(6, "0"))
        timestamp = datetime(int(yyyy), int(mo), int(dd), int(hh), int(mi), int(ss), micro, tzinfo=tz)
    except ValueError as exc:
        raise LineError(f"bad fast.log timestamp: {exc}") from None

    # Ports are printed for TCP/UDP/SCTP and, by Suricata, for ICMP type/code too: an IPv4 "a:b" or an
    # IPv6 address with >7 colons carries one; a bare IPv6 address (<=7 colons) does not.
    def has_port(text: str) -> bool:
        colons = text.count(":")
        return colons == 1 or colons == 8

    rule: dict[str, Any] = {"id": sid, "version": rev}
    if msg and msg != "(null)":
        rule["name"] = msg
    if classification and classification != "(null)":
        rule["category"] = classification
    event: dict[str, Any] = {
        "kind": "alert",
        "category": ["network", "intrusion_detection"],
        "type": ["info", "denied" if verdict else "allowed"],
        "dataset": DATASET,
        "module": "suricata",
    }
    if priority is not None:
        event["severity"] = int(priority)
    network: dict[str, Any] = {}
    if proto.isdigit():
        network["iana_number"] = proto
    else:
        network["transport"] = proto.lower()
    source, destination = _address(src, has_port(src)), _address(dst, has_port(dst))
    # What an analyst reads, as for an EVE alert: "<signature> <src> -> <dst> <proto> [<classification>]"
    doc: dict[str, Any] = {
        "event": event,
        "message": bounded(
            " ".join(
                part
                for part in (
                    text(rule.get("name")) or f"signature {gid}:{sid}:{rev}",
                    f"{text(src, 64)} -> {text(dst, 64)}",
                    text(proto, 16),
                    f"[{text(classification)}]" if "category" in rule else "",
                    "blocked" if verdict else "",
                )
                if part
            )
        ),
        "rule": rule,
        "source": source,
        "destination": destination,
        "network": network,
        "suricata": {"fastlog": {"gid": int(gid)}},
    }
    if verdict:
        doc["suricata"]["fastlog"]["verdict"] = verdict
    return timestamp, doc
