"""Issue 11 items 3 and 6: an Elasticsearch outage does not stop ingestion. A private stand-in (its own
port and data dir; the shared one on 9200 is never touched) is stopped and started under a running
follower and before a start: events are spooled, detections are kept locally and become incidents when
the cluster is back, every line is stored once, and the outage is told in a few log lines, not tracebacks.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.config import Settings
from secmon.pipeline import ingest_paths
from store.elastic import ElasticStore
from store.query import Kind, SearchQuery
from tests.conftest import noida_down, noida_up
from tests.helpers import free_port
from tests.secmon.test_detect_pipeline import failures

pytestmark = pytest.mark.elastic


class Cluster:
    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.data = root / "noida"
        self.url = f"http://127.0.0.1:{self.port}"
        self.up()

    def up(self) -> None:
        noida_up(self.data, self.port)

    def down(self) -> None:
        noida_down(self.data)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    own = Cluster(tmp_path)
    try:
        yield own
    finally:
        own.down()


def settings_for(tmp_path: Path, cluster: Cluster, prefix: str) -> Settings:
    return Settings.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "store": {
                "backend": "elasticsearch",
                "elasticsearch": {
                    "hosts": [cluster.url],
                    "index_prefix": prefix,
                    "request_timeout": 3,
                    "max_retries": 0,
                },
            },
            "secmon": {"batch_lines": 50},
        }
    )


def wait_for(predicate: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except Exception:  # the cluster is down or starting: ask again
            pass
        time.sleep(0.2)
    return False


def counts(settings: Settings) -> tuple[int, list[str]]:
    store = ElasticStore.from_settings(settings)
    try:
        store.refresh()
        events = store.count(Kind.events, SearchQuery())
        page = store.search(Kind.incidents, SearchQuery(size=100))
        return events, sorted(h.source["source_ip"] for h in page.hits)
    finally:
        store.close()


def test_follow_keeps_going_through_an_outage_and_reconciles_after(
    tmp_path: Path, cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings = settings_for(tmp_path, cluster, "t" + uuid.uuid4().hex[:10])
    store = ElasticStore.from_settings(settings)
    store.init()
    log = tmp_path / "auth.log"
    log.write_text("\n".join(failures("203.0.113.40", 8)) + "\n")
    stop = threading.Event()
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["summary"] = ingest_paths(
                settings, store, [str(log)], fmt="syslog", follow=True, stop=stop.is_set, poll_interval=0.1
            )
        except BaseException as exc:
            result["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        assert wait_for(lambda: counts(settings) == (8, ["203.0.113.40"]), 60)
        cluster.down()
        with log.open("a") as handle:  # written during the outage: an attack and other lines
            handle.write("\n".join(failures("203.0.113.41", 8, start=100)) + "\n")
        time.sleep(3)
        assert worker.is_alive(), result.get("error")  # it did not exit
        with log.open("a") as handle:
            handle.write("\n".join(failures("203.0.113.42", 8, start=200)) + "\n")
        time.sleep(2)
        assert worker.is_alive(), result.get("error")
        cluster.up()
        assert wait_for(
            lambda: counts(settings) == (24, ["203.0.113.40", "203.0.113.41", "203.0.113.42"]), 90
        ), counts(settings)
    finally:
        stop.set()
        worker.join(timeout=60)
        store.close()
    assert "error" not in result, result.get("error")
    summary = result["summary"]
    assert summary.lines_read == 24 and summary.events_spooled >= 16
    outage_lines = [r for r in caplog.records if "unavailable" in r.getMessage() or "back" in r.getMessage()]
    assert 1 <= len(outage_lines) <= 6, [r.getMessage() for r in outage_lines]
    assert not [r for r in caplog.records if r.exc_info], "no tracebacks during an outage"
    assert not [r for r in caplog.records if "Retrying request" in r.getMessage()]


def test_a_start_while_the_cluster_is_down_spools_and_reconciles(tmp_path: Path, cluster: Cluster) -> None:
    prefix = "t" + uuid.uuid4().hex[:10]
    settings = settings_for(tmp_path, cluster, prefix)
    log = tmp_path / "auth.log"
    log.write_text("\n".join(failures("203.0.113.50", 8)) + "\n")
    cluster.down()
    env = {
        "VIGIL_DATA_DIR": str(tmp_path / "data"),
        "VIGIL_STORE__BACKEND": "elasticsearch",
        "VIGIL_STORE__ELASTICSEARCH__HOSTS": json.dumps([cluster.url]),
        "VIGIL_STORE__ELASTICSEARCH__INDEX_PREFIX": prefix,
        "VIGIL_STORE__ELASTICSEARCH__REQUEST_TIMEOUT": "3",
        "VIGIL_STORE__ELASTICSEARCH__MAX_RETRIES": "0",
        "PATH": os.environ.get("PATH", ""),
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "logs", "ingest", "--json", str(log)],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    summary = json.loads(done.stdout)
    assert summary["lines_read"] == 8 and summary["events_spooled"] == 8
    assert summary["detections"] >= 1  # detection ran locally
    cluster.up()
    # the next run (or `vigil run`) replays the spool and records the deferred detections
    (tmp_path / "later.log").write_text("\n".join(failures("203.0.113.51", 2, start=500)) + "\n")
    again = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "logs", "ingest", "--json", str(tmp_path / "later.log")],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        check=False,
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert wait_for(lambda: counts(settings) == (10, ["203.0.113.50"]), 60), counts(settings)


def test_deferred_detections_come_back_as_they_were(tmp_path: Path) -> None:
    """Every field of a Detection survives the local file (the engine's own output, not a hand-made one)."""
    from secmon.deferred import DeferredDetections
    from secmon.detect import DetectionEngine, load_rules
    from secmon.parsers import parse_line

    engine = DetectionEngine(load_rules(None))
    found = []
    for n, line in enumerate(failures("203.0.113.60", 8)):
        found.extend(engine.process(parse_line(line, "syslog", origin="t", offset=n)))
    assert found
    deferred = DeferredDetections(tmp_path / "d.jsonl")
    deferred.append(found)
    back, length = deferred.peek()
    assert back == found
    deferred.drop(length)
    assert not deferred and deferred.peek() == ([], 0)
