"""`vigil demo` as a new user runs it: no internet, one full cycle, a clean exit, on the embedded store and
on Elasticsearch (`--backend elasticsearch --es-url URL`); its state is where the other commands look
(a key made by `vigil keys create` works on the running demo, `vigil incidents list` shows its incidents);
it listens on the port asked for (`--port`, `VIGIL_API__PORT`) and says so when that port is taken."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from api.auth import Role, authenticate
from api.web.users import verify_login
from store.query import Kind, RecordKind, SearchQuery, Term
from tests.conftest import Backend

pytestmark = pytest.mark.slow
VIGIL = [sys.executable, "-m", "vigil.cli"]


def demo_args(backend: Backend) -> list[str]:
    return ["--backend", "elasticsearch", "--es-url", str(backend.es_url)] if backend.elastic else []


def env_for(tmp_path: Path, backend: Backend, **extra: str) -> dict[str, str]:
    return {**os.environ, "VIGIL_DATA_DIR": str(tmp_path), **backend.env(), **extra}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_demo_once_crawls_ingests_raises_incidents_and_serves_the_api(
    tmp_path: Path, backend: Backend
) -> None:
    result = subprocess.run(
        [*VIGIL, "demo", "--once", "--port", "0", *demo_args(backend)],
        capture_output=True,
        text=True,
        env=env_for(tmp_path, backend),
        cwd=tmp_path,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stderr
    key = re.search(r"export VIGIL_KEY=(\S+)", output)
    assert key, output[-2000:]
    assert re.search(r'curl -s -H "X-API-Key: \$VIGIL_KEY" "http://127\.0\.0\.1:\d+/articles\?q=hue', output)
    seconds = int(re.search(r"first cycle took (\d+) s", output).group(1))  # type: ignore[union-attr]
    assert seconds < 180
    store = backend.open(tmp_path)  # where `vigil` commands with the same settings look
    store.refresh()
    counts = store.stats()
    assert counts["articles"] > 0 and counts["events"] > 0 and counts["incidents"] > 0
    served = re.search(r"the API serves (\d+) articles and (\d+) incidents", output)
    assert (
        served and int(served.group(1)) == counts["articles"] and int(served.group(2)) == counts["incidents"]
    )
    on_asset = store.count(Kind.incidents, SearchQuery(filters=(Term("asset", ("cong-dich-vu-cong",)),)))
    assert on_asset > 0  # the demo's assets map the sample machines
    shown_kinds = set(
        re.findall(r"^\s+(watchlist_match|negative_spike|story_spread|outlet_silent) ", output, re.M)
    )
    assert len(shown_kinds) == 4, output[-3000:]  # one alert of each kind is printed
    assert {a["kind"] for a in store.list_records(RecordKind.alerts)} == shown_kinds
    demo_key = authenticate(store, key.group(1))
    assert demo_key is not None and demo_key.role is Role.admin
    people = dict(re.findall(r"^\s+(press|security)\s+(demo\.\w+ / \S+)$", output, re.M))
    assert set(people) == {"press", "security"}, output[-2000:]
    for role, pair in people.items():
        username, password = pair.split(" / ")
        assert verify_login(store, username, password).role == role  # the printed password signs in
    store.close()


def test_the_running_demo_shares_its_state_with_the_other_commands_on_the_port_configured(
    tmp_path: Path,
) -> None:
    backend = Backend("sqlite")
    port = free_port()
    env = env_for(tmp_path, backend, VIGIL_API__PORT=str(port))
    demo = subprocess.Popen(
        [*VIGIL, "demo"], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert demo.poll() is None, demo.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the demo did not answer on VIGIL_API__PORT"
            time.sleep(0.5)
        made = subprocess.run(
            [*VIGIL, "keys", "create", "--role", "security"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert made.returncode == 0, made.stderr
        listed = subprocess.run(
            [*VIGIL, "incidents", "list", "--json"], env=env, cwd=tmp_path, capture_output=True, text=True
        )
        assert listed.returncode == 0, listed.stderr
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": made.stdout.strip()}
        ) as api:
            answer = api.get("/incidents", params={"size": 1})
        assert answer.status_code == 200, answer.text  # the demo accepts a key made beside it
        shown = json.loads(listed.stdout)
        assert shown and answer.json()["total"] >= len(shown)  # the CLI sees the demo's incidents
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            demo.kill()
            raise


def test_a_taken_port_is_an_error_naming_it_not_another_port(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*VIGIL, "demo", "--once", "--port", str(port)],
            capture_output=True,
            text=True,
            env={**os.environ, "VIGIL_DATA_DIR": str(tmp_path)},
            cwd=tmp_path,
            timeout=60,
        )
    assert result.returncode != 0
    assert f"port {port} on 127.0.0.1 is taken" in result.stderr and "--port" in result.stderr
    assert "Traceback" not in result.stderr and "crawling" not in result.stderr  # said before the long cycle


def test_the_demo_refuses_a_data_directory_holding_a_deployment(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "vigil.sqlite3").write_bytes(b"")
    result = subprocess.run(
        [*VIGIL, "demo", "--once", "--port", "0"],
        capture_output=True,
        text=True,
        env={**os.environ, "VIGIL_DATA_DIR": str(tmp_path)},
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode != 0 and "VIGIL_DATA_DIR=" in result.stderr and "Traceback" not in result.stderr
