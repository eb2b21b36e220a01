"""Which incidents Vigil raises, with its default configuration, on each log file given.

    .venv/bin/python scripts/measure_detections.py FILE [FILE …] [--format auto|eve|…]

Each file is ingested end to end (`secmon.pipeline.ingest_paths`: parse → detect → incidents) into its own
fresh embedded store, with the bundled rules and no assets. Prints, per file, the incidents (severity,
source, rules that saw it, evidence count). Used to check the shared real Suricata runs (attack runs must
raise an incident naming their attacker, benign runs none) — it reads only the files it is given.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from core.config import Settings
from secmon.pipeline import ingest_paths
from store.models import Incident
from store.query import Kind, SearchQuery
from store.sqlite import SqliteStore


def incidents_of(path: Path, fmt: str) -> list[Incident]:
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "store.sqlite3")
        store.init()
        settings = Settings.model_validate({"data_dir": tmp})
        ingest_paths(settings, store, [str(path)], fmt)
        store.refresh()
        hits = store.search(Kind.incidents, SearchQuery(size=1000)).hits
        return [Incident.model_validate(h.source) for h in hits]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--format", default="auto")
    args = parser.parse_args()
    for path in args.files:
        found = incidents_of(path, args.format)
        print(f"{path}: {len(found)} incident(s)")
        for incident in sorted(found, key=lambda i: (i.source_ip or i.source_domain or "", i.first_seen)):
            rules = ",".join(incident.entities.get("vigil.rule", [incident.rule_id]))
            victims = ",".join(incident.entities.get("victim", []))
            print(
                f"  {incident.severity.value:8} attacker={incident.source_ip or incident.source_domain}"
                f" victim={victims or incident.asset}"
                f" rules={rules} events={incident.event_count}"
            )


if __name__ == "__main__":
    main()
