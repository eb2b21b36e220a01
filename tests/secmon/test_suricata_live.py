"""The real thing: attack traffic on 127.0.0.1, captured by tcpdump, replayed through Suricata with the
ruleset `vigil rules update` built (ET Open subset + local rules), and the EVE output ingested:
alerts, incidents and webhook calls appear.

Skipped only where the suricata (or tcpdump/curl) binary is absent; CI installs all three.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.config import Settings
from secmon.inputs import read_once
from secmon.notify import SIGNATURE_HEADER, verify
from secmon.parsers import parse_line
from secmon.pipeline import ingest_paths
from secmon.ruleset import RulesetPaths, current_version
from store.factory import open_store
from store.models import Incident, Severity
from store.query import Kind, SearchQuery
from tests.secmon.test_notify import SECRET, Receiver

DATA = Path(__file__).resolve().parents[1] / "data" / "secmon" / "suricata"
MISSING = [name for name in ("suricata", "tcpdump", "curl") if shutil.which(name) is None]
pytestmark = [
    pytest.mark.suricata,
    pytest.mark.slow,
    pytest.mark.skipif(bool(MISSING), reason=f"not installed: {', '.join(MISSING)}"),
]
SWEEP = 30


class Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # the http.server API
        body = b"<html><body>Cong thong tin dien tu</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def web() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def closed_port_range(count: int) -> int:
    """A base port such that base..base+count are not listening on 127.0.0.1."""
    for _ in range(50):
        base = random.randint(30_000, 60_000 - count)
        busy = False
        for port in range(base, base + count):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    busy = True
                    break
        if not busy:
            return base
    raise RuntimeError("no free port range on 127.0.0.1")


def capture(pcap: Path, bpf: str, probe_port: int) -> subprocess.Popen[bytes]:
    """Start tcpdump and wait until it really records (a probe request shows up in the file).

    A 64 MB capture buffer and 64 KB snapshots: with tcpdump's defaults (2 MB, 256 KB snapshots) the
    kernel's ring holds only a few packets, and a port sweep's burst was sometimes dropped in part.
    """
    proc = subprocess.Popen(
        ["tcpdump", "-i", "lo", "--immediate-mode", "-U", "-n", "-B", "65536", "-s", "65535",
         "-w", str(pcap), bpf],
        stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    line = proc.stderr.readline().decode()  # "tcpdump: listening on lo, …"
    if "listening" not in line:
        proc.kill()
        pytest.fail(f"tcpdump did not start: {line}")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        httpx.get(f"http://127.0.0.1:{probe_port}/probe", timeout=5)
        time.sleep(0.2)
        if pcap.exists() and pcap.stat().st_size > 24:  # more than the pcap file header
            return proc
    proc.kill()
    pytest.fail("tcpdump records nothing on lo")


def attack(port: int, sweep_base: int) -> None:
    base = f"http://127.0.0.1:{port}"
    curls = [
        [f"{base}/news.php?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--"],
        ["--path-as-is", f"{base}/static/../../../../etc/passwd"],
        ["-A", "sqlmap/1.8.2#stable (https://sqlmap.org)", f"{base}/item.php?id=1"],
        [f"{base}/index.html"],
    ]
    for args in curls:
        subprocess.run(["curl", "-s", "-o", "/dev/null", "--max-time", "5", *args], check=True, timeout=10)
    httpx.get(f"{base}/tin-tuc/thong-bao.html", timeout=5)
    for target in range(sweep_base, sweep_base + SWEEP):  # a port sweep: SYN, RST
        with socket.socket() as sock:
            sock.settimeout(1)
            sock.connect_ex(("127.0.0.1", target))


def test_real_traffic_through_suricata_raises_alerts_incidents_and_signed_webhooks(
    tmp_path: Path, web: int
) -> None:
    receiver = Receiver()
    settings = Settings.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "secmon": {
                "assets": [
                    {
                        "name": "cong-thong-tin",
                        "agency": "UBND tỉnh",
                        "criticality": "critical",
                        "cidrs": ["127.0.0.1/32"],
                    }
                ],
                "webhooks": [{"url": receiver.url, "secret": SECRET}],
            },
        }
    )
    built = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "rules", "update", "--local", str(DATA / "local.rules")],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "VIGIL_DATA_DIR": str(settings.data_dir), "COLUMNS": "200"},
        check=False,
    )
    assert built.returncode == 0, built.stderr
    record = current_version(RulesetPaths.from_settings(settings))
    assert record is not None and record.tested_with is not None  # `suricata -T` accepted it
    assert record.version in built.stderr
    with open_store(settings) as store:  # the store `vigil rules update` wrote the rule metadata to
        sweep_base = closed_port_range(SWEEP)
        pcap = tmp_path / "capture.pcap"
        tcpdump = capture(pcap, f"tcp port {web} or tcp portrange {sweep_base}-{sweep_base + SWEEP}", web)
        try:
            attack(web, sweep_base)
            time.sleep(1.5)  # let the kernel hand tcpdump the last packets before it stops
        finally:
            tcpdump.send_signal(signal.SIGINT)
            tcpdump.wait(timeout=10)
        assert pcap.stat().st_size > 1000

        current = RulesetPaths.from_settings(settings).current
        config = (
            (current / "suricata.yaml").read_text().replace('HTTP_PORTS: "80"', f'HTTP_PORTS: "[80,{web}]"')
        )
        config += (
            "outputs:\n  - eve-log:\n      enabled: yes\n      filetype: regular\n      filename: eve.json\n"
            "      types: [alert, http, flow, anomaly]\n"
        )
        (tmp_path / "suricata.yaml").write_text(config)
        logs = tmp_path / "suricata-logs"
        logs.mkdir()
        run = subprocess.run(
            [
                "suricata",
                "-r",
                str(pcap),
                "-c",
                str(tmp_path / "suricata.yaml"),
                "-l",
                str(logs),
                "-k",
                "none",
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert run.returncode == 0, run.stderr[-2000:]
        eve = logs / "eve.json"

        events = [
            parse_line(line.text, "eve", origin=line.origin, offset=line.offset)
            for line in read_once(str(eve))
        ]
        alerts = {int(e.get("rule.id")): e for e in events if e.get("suricata.eve.event_type") == "alert"}
        assert 2006446 in alerts  # ET WEB_SERVER Possible SQL Injection Attempt UNION SELECT
        assert 2008538 in alerts  # ET SCAN Sqlmap SQL Injection Scan
        assert {9100001, 9100002} & set(alerts)  # the local path-traversal rules
        flows = {e.get("destination.port") for e in events if e.get("suricata.eve.event_type") == "flow"}
        assert len(flows & set(range(sweep_base, sweep_base + SWEEP))) >= 20

        summary = ingest_paths(settings, store, [str(eve)])
        assert summary.formats[str(eve)] == "eve"
        assert summary.parse_errors == 0
        assert summary.events_by_type["alert"] == len(
            [e for e in events if e.get("suricata.eve.event_type") == "alert"]
        )
        by_severity = (
            summary.detections_by_rule["suricata-alert-high"]
            + summary.detections_by_rule["suricata-alert-medium"]
        )
        assert by_severity >= 3  # Suricata alerts raise incidents by default (severity 1 high, 2 medium)
        assert summary.detections_by_rule["network-port-scan"] >= 1

        traversal = alerts.get(9100001) or alerts[9100002]
        stored = store.get_event(traversal.id)
        assert stored is not None
        assert stored.get("threat.technique.id") == ["T1190"]  # enriched from the ruleset metadata
        assert stored.get("vigil.asset.criticality") == "critical"

        store.refresh()
        incidents = [
            Incident.model_validate(h.source) for h in store.search(Kind.incidents, SearchQuery(size=50)).hits
        ]
        # one attacker against one asset: one incident collecting the alerts and the port scan (a story)
        [story] = [i for i in incidents if "network-port-scan" in i.entities.get("vigil.rule", [])]
        assert story.source_ip == "127.0.0.1"
        assert {"suricata-alert-high", "suricata-alert-medium"} & set(story.entities["vigil.rule"])
        assert story.severity is Severity.critical  # rule high × asset critical
        assert any("asset critical → critical" in r for r in story.entities["severity.reason"])
        assert story.event_count >= 3
        assert story.agency == "UBND tỉnh"
        assert len(story.entities["destination.port"]) >= 20

        assert summary.notifications_sent == len(receiver.requests) >= 1
        for request in receiver.requests:
            assert verify(request["body"], SECRET, request["headers"][SIGNATURE_HEADER])
        notified = {b["incident"]["id"] for b in receiver.bodies() if b["event"] == "incident.opened"}
        assert story.id in notified
        receiver.close()
