"""One ingester: `vigil logs parse` prints what `vigil logs ingest` stores, and `vigil run`'s Ingester reads
the same; the format, the time zone and the asset tags are decided in one place (secmon/sources.py).

Real commands (`vigil` in a subprocess) on real files, each store backend; the configuration gives one log a
zone (+07:00), the other none, and names an asset, so a path that handled any of them differently shows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from secmon.pipeline import Ingester
from store.query import Kind, SearchQuery
from tests.conftest import Backend

ROOT = Path(__file__).resolve().parents[2]

AUTH = [  # OpenSSH 8.x on Ubuntu; the "check pass" line has no address: it is its pid's connection's
    "Dec 10 06:00:00 gw-portal sshd[31001]: Invalid user admin from 193.32.162.9 port 41874",
    "Dec 10 06:00:00 gw-portal sshd[31001]: pam_unix(sshd:auth): check pass; user unknown",
    "Dec 10 06:00:02 gw-portal sshd[31001]: Failed password for invalid user admin from 193.32.162.9 "
    "port 41874 ssh2",
    "Dec 10 06:00:03 gw-portal sshd[31001]: Connection closed by invalid user admin 193.32.162.9 "
    "port 41874 [preauth]",
    "   ",
    "Dec 10 06:01:00 gw-portal sshd[31002]: Accepted publickey for ops from 10.20.0.21 port 50122 ssh2: "
    "ED25519 SHA256:Zk3bq4yTqf0vR1mFq3c9dWm8k2a7s5p0xJ4uH6nLwQc",
]
NGINX_ERROR = [
    '2026/10/10 13:55:36 [error] 1234#1234: *5 open() "/usr/share/nginx/html/.env" failed (2: No such file '
    'or directory), client: 45.77.1.9, server: hue.gov.vn, request: "GET /.env HTTP/1.1", host: "hue.gov.vn"',
]
EVE = [
    json.dumps(
        {
            "timestamp": "2026-10-10T13:00:03.500000+0700",
            "flow_id": 80,
            "in_iface": "eth0",
            "event_type": "alert",
            "src_ip": "45.77.1.9",
            "src_port": 51000,
            "dest_ip": "10.20.0.5",
            "dest_port": 80,
            "proto": "TCP",
            "alert": {
                "action": "allowed",
                "gid": 1,
                "signature_id": 2024364,
                "rev": 3,
                "signature": "ET SCAN Possible Nmap User-Agent Observed",
                "category": "Web Application Attack",
                "severity": 2,
            },
        },
        separators=(",", ":"),
    ),
    "x" * 3000,  # not EVE: a pipeline_error, dated when it was read
]


def _write(tmp_path: Path, backend: Backend) -> tuple[Path, list[str]]:
    logs = tmp_path / "logs"
    logs.mkdir()
    paths = []
    for name, lines in (("auth.log", AUTH), ("nginx-error.log", NGINX_ERROR), ("eve.json", EVE)):
        path = logs / name
        path.write_text("\n".join(lines) + "\n")
        paths.append(str(path))
    config = tmp_path / "vigil.toml"
    store = backend.store_settings()
    store_toml = f'backend = "{store["backend"]}"\n'
    if backend.elastic:
        store_toml += (
            f'[store.elasticsearch]\nhosts = ["{backend.es_url}"]\nindex_prefix = "{backend.prefix}"\n'
        )
    config.write_text(
        f'data_dir = "{tmp_path / "data"}"\n'
        f"[store]\n{store_toml}"
        "[secmon]\n"
        f'logs = [{{ path = "{logs}/auth*.log", format = "syslog", timezone = "+07:00" }},'
        f' {{ path = "{logs}/nginx-*.log" }}, {{ path = "{logs}/eve.json", format = "eve" }}]\n'
        "[[secmon.assets]]\n"
        'name = "web-portal"\nagency = "Sở TT&TT"\ncriticality = "high"\ncidrs = ["10.20.0.0/24"]\n'
    )
    return config, paths


def _vigil(config: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    return subprocess.run(
        [sys.executable, "-c", "from vigil.cli import main; main()", "--config", str(config), *args],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        env=env,
    )


def _stored(backend: Backend, tmp_path: Path) -> dict[str, dict[str, Any]]:
    store = backend.open(tmp_path / "data")
    try:
        store.refresh()
        hits = store.search(Kind.events, SearchQuery(size=100)).hits
        return {h.source["event"]["original"]: h.source for h in hits}
    finally:
        store.close()


def test_parse_prints_the_documents_ingest_stores(tmp_path: Path, backend: Backend) -> None:
    config, paths = _write(tmp_path, backend)
    parsed = _vigil(config, "logs", "parse", *paths)
    assert parsed.returncode == 0, parsed.stderr.decode()
    printed = [json.loads(line) for line in parsed.stdout.splitlines()]
    ingested = _vigil(config, "logs", "ingest", *paths)
    assert ingested.returncode == 0, ingested.stderr.decode()
    stored = _stored(backend, tmp_path)

    # every line (the blank-looking one and the one that is not EVE included) is one document, both ways
    assert len(printed) == len(AUTH) + len(NGINX_ERROR) + len(EVE) == len(stored)
    by_original = {doc["event"]["original"]: doc for doc in printed}
    assert sorted(by_original) == sorted(stored)
    for original, doc in by_original.items():
        assert _same(stored[original]) == _same(doc), original

    # what was decided once: the configured zone (+07:00 for auth*.log, UTC for the error log)
    failed = datetime.fromisoformat(by_original[AUTH[2]]["@timestamp"])
    assert (failed.utcoffset(), failed.astimezone(UTC).strftime("%d %H:%M:%S")) == (
        timedelta(hours=7),
        "09 23:00:02",
    )
    error = datetime.fromisoformat(by_original[NGINX_ERROR[0]]["@timestamp"])
    assert error == datetime(2026, 10, 10, 13, 55, 36, tzinfo=UTC)
    # the address-less line correlated by pid, and the asset of 10.20.0.0/24
    assert by_original[AUTH[1]]["source"]["ip"] == "193.32.162.9"
    assert by_original[EVE[0]]["vigil"]["asset"]["name"] == "web-portal"
    assert by_original[AUTH[5]]["log"]["file"]["path"] == paths[0]


def test_the_main_jobs_ingester_stores_the_same_documents(tmp_path: Path, backend: Backend) -> None:
    config, paths = _write(tmp_path, backend)
    parsed = _vigil(config, "logs", "parse", *paths)
    assert parsed.returncode == 0, parsed.stderr.decode()
    printed = {d["event"]["original"]: d for d in (json.loads(x) for x in parsed.stdout.splitlines())}

    from core.config import load_settings

    settings = load_settings(config)
    store = backend.open(tmp_path / "data")
    ingester = Ingester(settings, store)
    try:
        summary = ingester.run_once()
    finally:
        ingester.close()
        store.close()
    assert summary.lines_read == len(printed)
    stored = _stored(backend, tmp_path)
    assert {k: _same(v) for k, v in stored.items()} == {k: _same(v) for k, v in printed.items()}


def _same(doc: dict[str, Any]) -> dict[str, Any]:
    """The document, less the time of a line that could not be parsed (when it was read: each run's own)."""
    if doc["event"].get("kind") == "pipeline_error":
        return {k: v for k, v in doc.items() if k != "@timestamp"}
    return doc
