"""The helper scripts on a shared machine: the stand-in script uses its own port, refuses a server it did
not start and stops only its own; the system-package script stops only daemons it installed."""

from __future__ import annotations

import http.server
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "es-standin.sh"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def standin(command: str, port: int, data: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "VIGIL_STANDIN_PORT": str(port),
        "VIGIL_STANDIN_DATA": str(data),
        "VENV": str(Path(sys.executable).parent.parent),
    }
    return subprocess.run(["bash", str(SCRIPT), command], capture_output=True, text=True, env=env, timeout=90)


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"status":"green"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def foreign_server() -> Iterator[int]:
    """Someone else's Elasticsearch-looking server on a port."""
    server = http.server.HTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


def test_the_standin_script_refuses_a_server_it_did_not_start(foreign_server: int, tmp_path: Path) -> None:
    result = standin("up", foreign_server, tmp_path / "noida")
    assert result.returncode == 1
    assert f"port {foreign_server} is in use by a server this script did not start" in result.stderr
    assert standin("down", foreign_server, tmp_path / "noida").returncode == 0  # and does not stop it


def test_the_standin_script_starts_on_its_own_port_and_stops_only_its_own(tmp_path: Path) -> None:
    assert re.search(r'PORT="\$\{VIGIL_STANDIN_PORT:-(\d+)\}"', SCRIPT.read_text()).group(1) != "9200"  # type: ignore[union-attr]
    port = free_port()
    data = tmp_path / "noida"
    try:
        up = standin("up", port, data)
        assert up.returncode == 0, up.stderr
        assert f"up on http://127.0.0.1:{port}" in up.stdout
        _store_a_document(port, data)  # its status line now ends "(N B saved)": still recognised as ours
        again = standin("up", port, data)
        assert again.returncode == 0 and "already up" in again.stdout
        assert standin("url", port, data).stdout.strip() == f"http://127.0.0.1:{port}"
    finally:
        down = standin("down", port, data)
    assert down.returncode == 0 and "stopped" in down.stdout
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # nothing listens any more


def _store_a_document(port: int, data: Path) -> None:
    """Write and flush a document, then wait until the stand-in reports data saved in its status."""
    base = f"http://127.0.0.1:{port}"
    put = urllib.request.Request(
        f"{base}/t1/_doc/1?refresh=true",
        data=b'{"a": 1}',
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(put, timeout=10).close()
    urllib.request.urlopen(urllib.request.Request(f"{base}/t1/_flush", method="POST"), timeout=10).close()
    noida = Path(sys.executable).parent / "noida-db"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = subprocess.run(
            [str(noida), "status", "--data-dir", str(data)], capture_output=True, text=True
        )
        if "saved" in status.stdout:
            return
        time.sleep(0.5)
    raise AssertionError(f"the stand-in never reported saved data: {status.stdout}")


def test_the_system_package_script_kills_no_daemon_by_name() -> None:
    text = (REPO / "scripts" / "install-system-deps.sh").read_text()
    assert not re.search(r"\b(pkill|killall)\b", text)
    assert "stop_installed nginx nginx" in text  # stops nginx only when it installed it
    syntax = subprocess.run(
        ["bash", "-n", str(REPO / "scripts" / "install-system-deps.sh")], capture_output=True
    )
    assert syntax.returncode == 0
