"""Issue 11 "Done when": fault injection on the real `vigil logs ingest --follow`, on both backends.

A writer appends EVE lines (alerts that raise incidents among flows, poison lines at random positions)
and rotates the log by rename half-way; meanwhile the ingester is killed with SIGKILL at random moments
and restarted, its webhook receiver accepts connections and never answers, and (Elasticsearch) a private
stand-in cluster is stopped and started under it. At the end every line is a document exactly once:
the counts of lines in and documents out are printed. The seed is printed too (VIGIL_FAULT_SEED=…
replays a run).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from store.query import Kind, SearchQuery
from tests.helpers import interruptible
from tests.secmon.test_notify_beside import Hanging
from tests.secmon.test_outage import Cluster
from tests.secmon.test_poison import poison

TOTAL = 3000


def flow(i: int) -> str:
    return json.dumps(
        {
            "timestamp": f"2026-03-01T10:{i // 60 % 60:02d}:{i % 60:02d}.{i:06d}+0700",
            "event_type": "flow",
            "src_ip": f"10.2.{i // 250 % 250}.{i % 250 + 1}",
            "src_port": 30000 + i % 30000,
            "dest_ip": "10.0.0.3",
            "dest_port": 443,
            "proto": "TCP",
            "flow_id": 5_000_000 + i,
        }
    )


def alert(i: int) -> str:
    return json.dumps(
        {
            "timestamp": f"2026-03-01T11:{i // 60 % 60:02d}:{i % 60:02d}.{i:06d}+0700",
            "event_type": "alert",
            "src_ip": f"198.51.100.{i % 200 + 1}",
            "src_port": 40000 + i % 20000,
            "dest_ip": "10.0.0.3",
            "dest_port": 22,
            "proto": "TCP",
            "flow_id": 7_000_000 + i,
            "alert": {
                "action": "allowed",
                "gid": 1,
                "signature_id": 2001219,
                "rev": 20,
                "signature": "ET SCAN Potential SSH Scan",
                "category": "Attempted Information Leak",
                "severity": 1,
            },
        }
    )


def lines_for(rng: random.Random) -> list[str]:
    lines = [alert(i) if i % 300 == 7 else flow(i) for i in range(TOTAL)]
    for bad in poison():
        lines.insert(rng.randrange(len(lines)), bad)
    return lines


def writer(log: Path, lines: list[str], rng: random.Random, done: threading.Event) -> None:
    """Append in chunks with small pauses; rename-rotate half-way (the new file starts afresh)."""
    half = len(lines) // 2
    position = 0
    while position < len(lines):
        if position >= half > position - 200 and not (log.parent / "app.log.1").exists():
            os.rename(log, log.parent / "app.log.1")
        chunk = lines[position : position + rng.randint(50, 200)]
        with log.open("a") as handle:
            handle.write("".join(line + "\n" for line in chunk))
        position += len(chunk)
        time.sleep(rng.uniform(0.02, 0.15))
    done.set()


def start(tmp_path: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "vigil.cli", "logs", "ingest", "--follow", "--format", "eve", str(log)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "ingest.err").open("ab"),
        preexec_fn=interruptible,
    )


def documents(settings_env: dict[str, str]) -> list[dict[str, Any]]:
    from core.config import load_settings
    from store.factory import make_store

    old = dict(os.environ)
    os.environ.update(settings_env)
    try:
        store = make_store(load_settings())
    finally:
        os.environ.clear()
        os.environ.update(old)
    try:
        store.refresh()
        return [h.source for h in store.search(Kind.events, SearchQuery(size=TOTAL + 100)).hits]
    finally:
        store.close()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("elastic", marks=pytest.mark.elastic)])
def test_kill_9_outage_hanging_webhook_and_poison_lose_nothing_double_nothing(
    tmp_path: Path, backend: str
) -> None:
    seed = int(os.environ.get("VIGIL_FAULT_SEED", random.randrange(1 << 30)))
    print(f"\nfault seed {seed} ({backend})")
    rng = random.Random(seed)
    lines = lines_for(rng)
    hanging = Hanging()
    cluster = Cluster(tmp_path) if backend == "elastic" else None
    config = tmp_path / "vigil.toml"
    config.write_text(f'[[secmon.webhooks]]\nurl = "{hanging.url}"\ntimeout_seconds = 30\n')
    env = {
        "VIGIL_CONFIG": str(config),
        "VIGIL_DATA_DIR": str(tmp_path / "data"),
        "VIGIL_STORE__BATCH_SIZE": "200",
        "PATH": os.environ.get("PATH", ""),
    }
    if cluster is not None:
        env.update(
            {
                "VIGIL_STORE__BACKEND": "elasticsearch",
                "VIGIL_STORE__ELASTICSEARCH__HOSTS": json.dumps([cluster.url]),
                "VIGIL_STORE__ELASTICSEARCH__INDEX_PREFIX": "f" + uuid.uuid4().hex[:10],
                "VIGIL_STORE__ELASTICSEARCH__REQUEST_TIMEOUT": "3",
                "VIGIL_STORE__ELASTICSEARCH__MAX_RETRIES": "0",
            }
        )
    log = tmp_path / "app.log"
    log.write_text("".join(line + "\n" for line in lines[:100]))
    written = threading.Event()
    feeder = threading.Thread(target=writer, args=(log, lines[100:], rng, written), daemon=True)
    process = start(tmp_path, env, log)
    # following has begun once the first batch is committed: files rotated before an ingester ever
    # ran are history it is not asked to read (see secmon.inputs.follower._sibling_wanted)
    registry = tmp_path / "data" / "secmon" / "registry.json"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not registry.exists() or '"offset"' not in registry.read_text()):
        time.sleep(0.1)
    feeder.start()
    kills = 0
    try:
        for round_ in range(5):  # kill -9 at random moments, the cluster down for two of the rounds
            outage = cluster is not None and round_ in (2, 3)
            time.sleep(rng.uniform(3.0, 5.0) if outage else rng.uniform(0.8, 2.5))  # ingest during it
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
            if cluster is not None and round_ == 1:
                cluster.down()
            if cluster is not None and round_ == 3:
                cluster.up()
            process = start(tmp_path, env, log)
        assert written.wait(60)
        deadline = time.monotonic() + 90
        docs: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            try:
                docs = documents(env)
            except Exception:  # the store is starting: ask again
                docs = []
            if len(docs) >= len(lines):
                break
            time.sleep(1)
        time.sleep(1.5)  # anything doubled would show up now
        docs = documents(env)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        hanging.close()
        if cluster is not None:
            cluster.down()
    originals = Counter(d["event"]["original"] for d in docs)
    errors = sum(d["event"]["kind"] == "pipeline_error" for d in docs)
    print(
        f"lines in {len(lines)}, documents out {len(docs)} ({errors} pipeline errors), "
        f"{kills} kill -9, rotation 1, hanging webhook 1"
        + (", cluster stopped and started 1" if cluster is not None else "")
    )
    doubled = [text[:80] for text, n in originals.items() if n > 1]
    assert not doubled, f"doubled: {doubled[:5]}"
    missing = [line[:80] for line in lines if not any(line.startswith(o) for o in originals if o)]
    assert not missing, f"{len(missing)} lines lost, e.g. {missing[:3]}"
    assert len(docs) == len(lines)
