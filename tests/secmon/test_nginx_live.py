"""Real nginx on loopback: benign and attack requests, then its access log through `vigil logs ingest`:
web-attack detections for exactly the attack requests."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from secmon.pipeline import ingest_paths
from store.models import Incident
from store.query import Kind, SearchQuery
from tests.conftest import Backend
from tests.helpers import free_port

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = [pytest.mark.skipif(NGINX is None, reason="nginx is not installed")]

BENIGN = [
    ("/", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0"),
    ("/tin-tuc/ubnd-tinh-hop-bao-thang-10.html", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0"),
    ("/tim-kiem?q=select+union+du+lich&page=2", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5) Safari/604.1"),
    ("/van-ban?from=2024-01-01&to=2024-12-31&sort=-ngay", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"),
    ("/static/css/site.css?v=1.2.3", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"),
    ("/robots.txt", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
]
ATTACKS = {
    "/news.php?id=1%27%20UNION%20ALL%20SELECT%20NULL,version()--%20-": {"web-sql-injection"},
    "/search?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E": {"web-xss"},
    "/download.php?file=../../../../etc/passwd": {"web-path-traversal"},
    # a command that reads /etc/shadow is also a sensitive-file access
    "/cgi-bin/ping.cgi?host=127.0.0.1%3Bcat%20/etc/shadow": {"web-command-injection", "web-path-traversal"},
}
SCANNER = ("/admin/", "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000003)")


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    prefix = tmp_path / "nginx"
    for sub in ("logs", "conf", "tmp"):
        (prefix / sub).mkdir(parents=True)
    port = free_port()
    user = "user root;\n" if os.geteuid() == 0 else ""
    (prefix / "conf" / "nginx.conf").write_text(
        f"""{user}worker_processes 1;
error_log {prefix}/logs/error.log warn;
pid {prefix}/logs/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log {prefix}/logs/access.log combined;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "ok\\n"; }}
    }}
}}
"""
    )
    proc = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(prefix / "conf" / "nginx.conf"), "-g", "daemon off;"],  # type: ignore[list-item]
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        if proc.poll() is not None:
            pytest.fail(f"nginx did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
        time.sleep(0.1)
    yield port, prefix / "logs" / "access.log"
    proc.terminate()
    proc.wait(timeout=10)


def request(port: int, path: str, agent: str) -> int:
    """Send the path exactly as written (no client-side normalisation of ../)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path, headers={"User-Agent": agent})
    status = conn.getresponse().status
    conn.close()
    return status


def test_nginx_access_log_raises_web_attack_detections_only_for_the_attacks(
    tmp_path: Path, nginx: tuple[int, Path], backend: Backend
) -> None:
    port, access_log = nginx
    browser = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
    for path, agent in BENIGN:
        assert request(port, path, agent) == 200
    for path in ATTACKS:
        request(port, path, browser)
    request(port, *SCANNER)
    deadline = time.monotonic() + 5
    expected_lines = len(BENIGN) + len(ATTACKS) + 1
    while time.monotonic() < deadline and len(access_log.read_text().splitlines()) < expected_lines:
        time.sleep(0.05)
    assert len(access_log.read_text().splitlines()) == expected_lines

    settings = backend.settings(tmp_path / "data")
    store = backend.open(tmp_path / "data")
    try:
        summary = ingest_paths(settings, store, [str(access_log)])
        assert summary.formats[str(access_log)] == "nginx"
        assert summary.parse_errors == 0
        assert summary.events_by_dataset["nginx.access"] == expected_lines
        expected = Counter(rule for rules in ATTACKS.values() for rule in rules)
        expected["web-scanner-user-agent"] += 1
        assert summary.detections_by_rule == expected

        store.refresh()
        incidents = [
            Incident.model_validate(h.source) for h in store.search(Kind.incidents, SearchQuery(size=50)).hits
        ]
        # one attacker (127.0.0.1) against one server: one incident collecting every rule (an attack story)
        assert {r for i in incidents for r in i.entities["vigil.rule"]} == set(expected)
        assert {i.source_ip for i in incidents} == {"127.0.0.1"} and len(incidents) == 1
        flagged = set()
        for incident in incidents:
            for event_id in incident.event_ids:
                event = store.get_event(event_id)
                assert event is not None
                flagged.add(event.get("url.original"))
        assert flagged == set(ATTACKS) | {SCANNER[0]}
    finally:
        store.close()


def test_vigil_logs_ingest_json_summary_on_the_nginx_log(tmp_path: Path, nginx: tuple[int, Path]) -> None:
    port, access_log = nginx
    request(port, "/", "Mozilla/5.0")
    request(port, "/item?id=5%20AND%20SLEEP(5)", "Mozilla/5.0")
    time.sleep(0.2)
    result = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "logs", "ingest", str(access_log), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"VIGIL_DATA_DIR": str(tmp_path / "data"), "PATH": os.environ.get("PATH", ""), "COLUMNS": "200"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["lines_read"] == 2
    assert summary["events_by_dataset"] == {"nginx.access": 2}
    assert summary["parse_errors"] == 0
    assert summary["detections_by_rule"] == {"web-sql-injection": 1}
    assert summary["incidents_opened"] == 1 and summary["incidents_updated"] == 0
