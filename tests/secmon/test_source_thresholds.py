"""Per-source thresholds (`secmon.logs[].thresholds`): one input's threshold never changes what another
input's events raise, and a wrong one is refused with a message naming the key.

Real nginx on loopback with two sites, each writing its own access log; the same client probes both for
missing URLs (forced browsing: the rule's own threshold is 30 distinct 4xx URLs within 60 s).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.config import Settings, load_settings
from core.errors import ConfigError
from secmon.detect import DetectionEngine, load_rules
from secmon.detect.per_source import SourceThresholds
from secmon.pipeline import ingest_paths
from store.models import Incident
from store.query import Kind, SearchQuery
from tests.conftest import Backend
from tests.helpers import free_port
from tests.secmon.test_nginx_live import NGINX, request

pytestmark = [pytest.mark.skipif(NGINX is None, reason="nginx is not installed")]
ROOT = Path(__file__).resolve().parents[2]
# one browser per site: identical lines in two files at the same offsets would be one event (ids are by
# content, so that a renamed or rotated file is not read twice)
BROWSERS = {
    "portal": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0",
    "shop": "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
}
NAMES = (
    "admin",
    "backup",
    "old",
    "test",
    "dev",
    "api",
    "db",
    "panel",
    "portal",
    "upload",
    "files",
    "cms",
    "user",
)
WORDS = [f"{word}{n}" for n in range(4) for word in NAMES]  # 52 directory names a wordlist tries


@pytest.fixture
def two_sites(tmp_path: Path) -> Iterator[dict[str, tuple[int, Path]]]:
    """nginx serving two sites (every URL missing: 404), each with its own access log."""
    prefix = tmp_path / "nginx"
    for sub in ("logs", "conf", "tmp"):
        (prefix / sub).mkdir(parents=True)
    ports = {"portal": free_port(), "shop": free_port()}
    user = "user root;\n" if os.geteuid() == 0 else ""
    servers = "".join(
        f"""    server {{
        listen 127.0.0.1:{port};
        access_log {prefix}/logs/{name}-access.log combined;
        location / {{ return 404; }}
    }}
"""
        for name, port in ports.items()
    )
    (prefix / "conf" / "nginx.conf").write_text(
        f"""{user}worker_processes 1;
error_log {prefix}/logs/error.log warn;
pid {prefix}/logs/nginx.pid;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
{servers}}}
"""
    )
    proc = subprocess.Popen(
        [str(NGINX), "-p", str(prefix), "-c", str(prefix / "conf" / "nginx.conf"), "-g", "daemon off;"],
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if all(sock.connect_ex(("127.0.0.1", p)) == 0 for p in ports.values()):
                break
        if proc.poll() is not None:
            pytest.fail(f"nginx did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
        time.sleep(0.1)
    yield {name: (port, prefix / "logs" / f"{name}-access.log") for name, port in ports.items()}
    proc.terminate()
    proc.wait(timeout=10)


def _probe(sites: dict[str, tuple[int, Path]], name: str, count: int, skip: int = 0) -> None:
    port, _ = sites[name]
    for word in WORDS[skip : skip + count]:
        assert request(port, f"/{word}", BROWSERS[name]) == 404


def _forced_browsing(
    tmp_path: Path, backend: Backend, sites: dict[str, tuple[int, Path]], thresholds: dict[str, Any]
) -> tuple[int, set[str]]:
    """Ingest both logs, `thresholds` on the portal's input: how often web-forced-browsing fired, and the
    files its evidence came from."""
    logs = [
        {"path": str(sites["portal"][1]), "format": "nginx", "thresholds": thresholds},
        {"path": str(sites["shop"][1]), "format": "nginx"},
    ]
    settings = backend.settings(tmp_path / "data", secmon={"logs": logs})
    store = backend.open(tmp_path / "data")
    try:
        summary = ingest_paths(settings, store, [str(site[1]) for site in sites.values()])
        assert summary.parse_errors == 0
        store.refresh()
        files = {
            hit.id: hit.source["log"]["file"]["path"]
            for hit in store.search(Kind.events, SearchQuery(size=500)).hits
        }
        evidence = {
            files[event_id]
            for hit in store.search(Kind.incidents, SearchQuery(size=10)).hits
            for event_id in Incident.model_validate(hit.source).event_ids
        }
        return summary.detections_by_rule["web-forced-browsing"], evidence
    finally:
        store.close()


def test_a_higher_threshold_on_one_site_leaves_the_other_site_at_the_rules(
    tmp_path: Path, two_sites: dict[str, tuple[int, Path]], backend: Backend
) -> None:
    _probe(two_sites, "portal", 40)
    _probe(two_sites, "shop", 40)
    # the portal allows 100: its 40 do not fire; the shop keeps 30: its 40 fire once, on its own events
    # (counted together with the portal's, the portal's 40 alone would have fired it)
    found = _forced_browsing(tmp_path, backend, two_sites, {"web-forced-browsing": {"count": 100}})
    assert found == (1, {str(two_sites["shop"][1])})


def test_a_lower_threshold_on_one_site_does_not_make_the_other_fire(
    tmp_path: Path, two_sites: dict[str, tuple[int, Path]], backend: Backend
) -> None:
    _probe(two_sites, "portal", 10)
    _probe(two_sites, "shop", 10)
    # the portal fires at 5 distinct URLs (twice for 10); the shop's 10 stay below the rule's 30
    found = _forced_browsing(tmp_path, backend, two_sites, {"web-forced-browsing": {"count": 5}})
    assert found == (2, {str(two_sites["portal"][1])})


def test_without_per_source_thresholds_the_inputs_count_together(
    tmp_path: Path, two_sites: dict[str, tuple[int, Path]], backend: Backend
) -> None:
    _probe(two_sites, "portal", 20)
    _probe(two_sites, "shop", 20, skip=20)
    # 20 + 20 distinct URLs from one client within the minute: the rule's 30 is reached across the sites
    found = _forced_browsing(tmp_path, backend, two_sites, {})
    assert found == (1, {str(two_sites["portal"][1]), str(two_sites["shop"][1])})


def _settings(thresholds: dict[str, Any], **extra: Any) -> Settings:
    return Settings.model_validate(
        {"secmon": {"logs": [{"path": "/var/log/nginx/a.log", "thresholds": thresholds, **extra}]}}
    )


def test_a_threshold_for_a_rule_not_loaded_names_the_key_and_the_choices() -> None:
    with pytest.raises(ConfigError) as caught:
        SourceThresholds(_settings({"web-forced-browse": {"count": 50}}).secmon.logs, load_rules())
    assert caught.value.key == "secmon.logs[0].thresholds.web-forced-browse"
    assert "no rule 'web-forced-browse' is loaded" in str(caught.value)
    assert "web-forced-browsing" in str(caught.value)  # among the rules that can take one


def test_a_threshold_for_a_single_event_rule_is_refused() -> None:
    with pytest.raises(ConfigError, match="'web-xss' fires on single events"):
        SourceThresholds(_settings({"web-xss": {"count": 5}}).secmon.logs, load_rules())


def test_a_threshold_for_a_sequence_rule_is_refused_as_such() -> None:
    with pytest.raises(ConfigError, match="'ssh-brute-force-success' is a sequence of steps"):
        SourceThresholds(_settings({"ssh-brute-force-success": {"count": 9}}).secmon.logs, load_rules())


def test_a_count_of_one_for_an_event_counting_rule_is_refused() -> None:
    with pytest.raises(ConfigError, match="count must be at least 2"):
        SourceThresholds(_settings({"suricata-alert-repeated": {"count": 1}}).secmon.logs, load_rules())


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [
        ({"web-forced-browsing": {"count": 0}}, "greater than or equal to 1"),
        ({"web-forced-browsing": {"cout": 50}}, "cout"),
        ({"web-forced-browsing": {"count": 50, "window_seconds": 0}}, "greater than or equal to 1"),
    ],
)
def test_config_check_refuses_a_bad_threshold_with_a_clear_message(
    tmp_path: Path, thresholds: dict[str, Any], message: str
) -> None:
    config = tmp_path / "vigil.toml"
    (rule, values) = next(iter(thresholds.items()))
    inline = ", ".join(f"{k} = {v}" for k, v in values.items())
    config.write_text(
        f'data_dir = "{tmp_path}"\n[[secmon.logs]]\npath = "/var/log/nginx/a.log"\n'
        f"thresholds = {{ {rule} = {{ {inline} }} }}\n"
    )
    with pytest.raises(ConfigError, match=message):
        load_settings(config)
    result = _vigil("--config", str(config), "config", "check")
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert b"secmon.logs" in result.stderr and message.encode() in result.stderr


def test_config_check_refuses_an_unknown_rule_in_thresholds(tmp_path: Path) -> None:
    config = tmp_path / "vigil.toml"
    config.write_text(
        f'data_dir = "{tmp_path}"\n[[secmon.logs]]\npath = "/var/log/nginx/a.log"\n'
        "thresholds = { web-forced-browse = { count = 50 } }\n"
    )
    result = _vigil("--config", str(config), "config", "check")
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert b"secmon.logs[0].thresholds.web-forced-browse: no rule" in result.stderr.replace(b"\n", b"")


def test_the_engine_without_sources_is_unchanged() -> None:
    assert DetectionEngine(load_rules(), thresholds=SourceThresholds([], load_rules())).thresholds is None


def _vigil(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    return subprocess.run(
        [sys.executable, "-c", "from vigil.cli import main; main()", *args],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        env=env,
    )
