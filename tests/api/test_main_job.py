"""`vigil run` as a user runs it: a real process following a real log file, serving the API; log lines
become events and an incident, which an alert-stream client receives within 2 s of its detection;
SIGTERM stops it cleanly with the log offsets committed. Two API processes share the port, so the
stream may be served by the one that did not detect the incident (they meet in the store)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from secmon.detect import load_rules
from tests.conftest import Backend

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _offsets(node: Any) -> list[int]:
    if isinstance(node, dict):
        found = [node["offset"]] if isinstance(node.get("offset"), int) else []
        return found + [o for value in node.values() for o in _offsets(value)]
    if isinstance(node, list):
        return [o for value in node for o in _offsets(value)]
    return []


def test_vigil_run_follows_logs_streams_incidents_and_stops_on_sigterm(
    tmp_path: Path, backend: Backend
) -> None:
    rule = next(r for r in load_rules() if r.id == "ssh-brute-force")
    log_file = tmp_path / "auth.log"
    log_file.write_text("Dec 10 05:59:00 gw-portal sshd[1]: Server listening on 0.0.0.0 port 22.\n")
    config = tmp_path / "vigil.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "data"}"\n[api]\nworkers = 2\n'
        f'[[secmon.logs]]\npath = "{log_file}"\nformat = "syslog"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "VIGIL_CONFIG": str(config), **backend.env()}  # each store backend
    cli = [sys.executable, "-m", "vigil.cli"]
    made = subprocess.run(
        [*cli, "keys", "create", "--role", "security"], capture_output=True, text=True, env=env
    )
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    port = _free_port()
    service = subprocess.Popen(
        [*cli, "run", "--no-crawl", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    received: list[tuple[dict[str, Any], datetime]] = []
    try:
        with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=10) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert service.poll() is None and time.monotonic() < deadline, "vigil run did not start"
                time.sleep(0.2)

            streaming = threading.Event()

            def listen() -> None:
                with client.stream("GET", "/alerts/stream", timeout=httpx.Timeout(10, read=20)) as stream:
                    for line in stream.iter_lines():
                        streaming.set()  # the stream's first line: it watches from now on
                        if line.startswith("data:"):
                            received.append((json.loads(line[5:]), datetime.now(UTC)))
                            return

            listener = threading.Thread(target=listen, daemon=True)
            listener.start()
            # on a loaded machine the stream may open later than any fixed sleep: wait for it
            assert streaming.wait(timeout=20), "the alert stream did not open"
            with log_file.open("a", encoding="utf-8") as handle:
                handle.write("\n".join(rule.tests.fire) + "\n")
            listener.join(timeout=15)
            assert received, "no incident arrived on the alert stream"
            incident, at = received[0]
            assert incident["rule_id"] == "ssh-brute-force"
            detected = datetime.fromisoformat(incident["updated_at"].replace("Z", "+00:00"))
            assert (at - detected).total_seconds() < 2.0
            deadline = time.monotonic() + 10  # Elasticsearch shows new events within its refresh interval
            while True:
                events = client.get("/events", params={"event.dataset": "system.auth", "size": 100}).json()
                if events["total"] >= len(rule.tests.fire) or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            assert events["total"] >= len(rule.tests.fire)
    finally:
        service.send_signal(signal.SIGTERM)
        try:
            _, stderr = service.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            service.kill()
            raise
    assert service.returncode == 0, stderr
    assert "stopped cleanly" in stderr
    registry = json.loads((tmp_path / "data" / "secmon" / "registry.json").read_text())
    assert log_file.stat().st_size in _offsets(registry)
