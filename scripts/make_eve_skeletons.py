"""Write tests/data/store/eve-skeletons.jsonl: the shape of real Suricata EVE records without their content.

The real runs in the team's shared data (suricata-eve-realruns) are publicly posted with no licence, so
they are not redistributed. What the Elasticsearch mapping test needs from them is only their shape:
every key path, each value's JSON type, every event type, a `stats` record's ~500 leaves. This keeps
exactly that — key names are Suricata's own (its EVE schema is GPL-2.0) — and replaces every value
that carries the third party's traffic: addresses become documentation addresses (RFC 5737/3849),
text becomes "x", numbers 1 (0 stays 0), times one fixed instant. Protocol enumerations that Suricata
itself defines (event_type, proto, app_proto, action, direction, state, type, rrtype, rcode, method)
are kept so the parser sees well-formed records.

    python scripts/make_eve_skeletons.py ../shared/data/suricata-eve-realruns/*/eve.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "store" / "eve-skeletons.jsonl"
KEPT = {"event_type", "proto", "app_proto", "action", "direction", "state", "type", "rrtype", "rcode"}
KEPT |= {"http_method", "reason", "pkt_src"}
TIMES = {"timestamp", "start", "end", "flow_start"}
ADDRESSES = {"src_ip": "192.0.2.10", "dest_ip": "198.51.100.20"}


def skeleton(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: skeleton(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [skeleton(value[0], key)] if value else []
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return type(value)(0 if value == 0 else 1)
    if key in ADDRESSES:
        return "2001:db8::1" if ":" in value else ADDRESSES[key]
    if key in TIMES:
        return "2025-01-01T00:00:00.000000+0000"
    return value if key in KEPT else "x"


def main(paths: list[str]) -> None:
    """One skeleton per (event type, key set): the first record of each type and its widest one."""
    chosen: dict[str, dict[str, Any]] = {}
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
            record = json.loads(line)
            kind = f"{Path(path).parent.name}:{record['event_type']}"
            size = len(json.dumps(record))
            chosen.setdefault(kind + ":first", record)
            widest = chosen.get(kind + ":widest")
            if widest is None or size > len(json.dumps(widest)):
                chosen[kind + ":widest"] = record
    lines = {json.dumps(skeleton(r), ensure_ascii=False, sort_keys=True) for r in chosen.values()}
    OUT.write_text("".join(line + "\n" for line in sorted(lines)), encoding="utf-8")
    print(f"{len(lines)} skeletons -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1:])
