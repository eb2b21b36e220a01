"""Detection figures on real public logs, with Vigil's default configuration (bundled rules, no assets).

    .venv/bin/python bench/detections.py [--shared ../shared/data] [--json]

Reads the team's shared data folder (default: ../shared/data beside this clone; not part of the repository:
several of these files carry no licence) and says so, and exits 2, when it is missing. Each file is ingested
end to end (`ingest_paths`: parse → detect → incidents) into its own fresh embedded store, as
`vigil logs ingest FILE` would, and compared with who attacked according to the file's own labels:

- Suricata runs (suricata-eve-realruns/): the attacking source named in each run's description (the Nmap
  scanner, the lab's scanning machine, the host the Zeus signature names); the background run has none.
- Web scanner runs (apache-scanner-access-logs/): every source of the file (per the PROVENANCE, every line
  is the named tool's traffic). The lines are wrapped in an extra pair of quotes there: removed first.
- sshd (loghub-openssh/, loghub-linux/): from loghub's own structured CSV (its template ids, not Vigil's
  parser): a source with at least 5 failed passwords (OpenSSH E9/E10/E14, "message repeated N times" counts
  N) or 5 PAM authentication failures with its rhost (Linux E16–E19) is an attacker.
- Benign (loghub-apache error log, elastic/examples access log): no attacker; every incident is a false one.

Printed per file: lines, attackers, attackers named by an incident, attackers missed, incidents naming
someone else (false), and the detections per rule. None of these files were used to write the rules
(they were written from the OpenSSH/PAM catalogue, the products' documentation and hand-made samples).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import Settings  # noqa: E402
from secmon.pipeline import ingest_paths  # noqa: E402
from store.models import Incident  # noqa: E402
from store.query import Kind, SearchQuery  # noqa: E402
from store.sqlite import SqliteStore  # noqa: E402

Labels = Callable[[Path], set[str]]


@dataclass
class Case:
    path: str  # under the shared data folder
    fmt: str
    kind: str  # "attack" or "benign"
    attackers: set[str] | Labels = field(default_factory=set)
    unwrap: bool = False  # lines wrapped in an extra pair of double quotes


def _all_sources(path: Path) -> set[str]:
    return {
        line.split(" ", 1)[0].strip('"') for line in path.read_text(errors="replace").splitlines() if line
    }


_FROM = re.compile(r"from (\S+) port \d+")
_REPEATED = re.compile(r"message repeated (\d+) times")
_RHOST = re.compile(r"rhost=(\S+)")


def _openssh_attackers(path: Path) -> set[str]:
    failures: Counter[str] = Counter()
    with (path.parent / "OpenSSH_2k.log_structured.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            found = _FROM.search(row["Content"])
            if row["EventId"] in ("E9", "E10") and found:
                failures[found.group(1)] += 1
            elif row["EventId"] == "E14" and found:
                times = _REPEATED.search(row["Content"])
                failures[found.group(1)] += int(times.group(1)) if times else 1
    return {source for source, count in failures.items() if count >= 5}


def _linux_attackers(path: Path) -> set[str]:
    failures: Counter[str] = Counter()
    with (path.parent / "Linux_2k.log_structured.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            found = _RHOST.search(row["Content"])
            if row["EventId"] in ("E16", "E17", "E18", "E19") and found:
                failures[found.group(1)] += 1
    return {source for source, count in failures.items() if count >= 5}


CASES = [
    Case("suricata-eve-realruns/muntaha-nmap-custom-rules/eve.json", "eve", "attack", {"192.168.137.1"}),
    Case("suricata-eve-realruns/chala-ids-lab/eve.json", "eve", "attack", {"10.56.157.182"}),
    Case("suricata-eve-realruns/zeus-malware-pcap/eve.json", "eve", "attack", {"192.168.230.133"}),
    Case("suricata-eve-realruns/magnc-flow-ssh-tls/eve.json", "eve", "benign"),
    Case("apache-scanner-access-logs/acunetix.txt", "apache", "attack", _all_sources, unwrap=True),
    Case("apache-scanner-access-logs/netsparker.txt", "apache", "attack", _all_sources, unwrap=True),
    Case("apache-scanner-access-logs/w3af.txt", "apache", "attack", _all_sources, unwrap=True),
    Case("loghub-openssh/OpenSSH_2k.log", "syslog", "attack", _openssh_attackers),
    Case("loghub-linux/Linux_2k.log", "syslog", "attack", _linux_attackers),
    Case("loghub-apache/Apache_2k.log", "apache", "benign"),
    Case("elastic-examples-apache-access/apache_logs", "apache", "benign"),
]


def measure(case: Case, path: Path) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        source = path
        if case.unwrap:
            source = Path(tmp) / path.name
            lines = path.read_text(errors="replace").splitlines()
            source.write_text(
                "".join(line[1:-1] + "\n" if line.startswith('"') else line + "\n" for line in lines)
            )
        store = SqliteStore(Path(tmp) / "store.sqlite3")
        store.init()
        try:
            started = time.monotonic()
            summary = ingest_paths(Settings.model_validate({"data_dir": tmp}), store, [str(source)], case.fmt)
            seconds = time.monotonic() - started
            store.refresh()
            incidents = [
                Incident.model_validate(h.source)
                for h in store.search(Kind.incidents, SearchQuery(size=10_000)).hits
            ]
        finally:
            store.close()
    attackers = case.attackers(path) if callable(case.attackers) else set(case.attackers)
    # an incident names its attacker by IP, else (sshd/PAM with UseDNS) by the host name the log gave
    named = {i.source_ip or i.source_domain for i in incidents if i.source_ip or i.source_domain}
    false = [i for i in incidents if (i.source_ip or i.source_domain) not in attackers]
    return {
        "file": case.path,
        "kind": case.kind,
        "lines": summary.lines_read,
        "parse_errors": summary.parse_errors,
        "attackers": len(attackers),
        "named": len(attackers & named),
        "missed": sorted(attackers - named),
        "incidents": len(incidents),
        "false_incidents": len(false),
        "false_sources": sorted({str(i.source_ip or i.source_domain) for i in false}),
        "detections": dict(summary.detections_by_rule.most_common()),
        "seconds": round(seconds, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--json", action="store_true", help="one JSON object per file")
    args = parser.parse_args()
    if not args.shared.is_dir():
        print(
            f"the shared data folder {args.shared} is missing: these figures need the real logs there "
            "(not redistributed with Vigil); pass --shared DIR",
            file=sys.stderr,
        )
        return 2
    totals: Counter[str] = Counter()
    for case in CASES:
        path = args.shared / case.path
        if not path.exists():
            print(f"{case.path}: missing under {args.shared}, skipped", file=sys.stderr)
            continue
        row = measure(case, path)
        for key in ("attackers", "named", "incidents", "false_incidents"):
            totals[f"{case.kind}_{key}"] += int(row[key])  # type: ignore[call-overload]
        if args.json:
            print(json.dumps(row))
            continue
        print(
            f"{row['file']}: {row['lines']:,} lines ({row['parse_errors']} parse errors), "
            f"{row['seconds']} s\n"
            f"  attackers {row['attackers']}, named {row['named']}, missed {row['missed'] or 'none'}\n"
            f"  incidents {row['incidents']}, naming someone else {row['false_incidents']}"
            f"{' ' + str(row['false_sources']) if row['false_sources'] else ''}\n"
            f"  detections {row['detections'] or 'none'}"
        )
    if not args.json:
        print(
            f"TOTAL attack files: {totals['attack_named']}/{totals['attack_attackers']} attackers named, "
            f"{totals['attack_false_incidents']} of {totals['attack_incidents']} incidents naming someone "
            "else; "
            f"benign files: {totals['benign_incidents']} incidents"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
