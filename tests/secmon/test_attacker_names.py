"""An SSH attacker known only by a host name (sshd with UseDNS gives PAM the resolved name: rhost=<name>).

The sshd parser says who is on the other end in `vigil.attacker`: the IP the daemon wrote, else the host
name it wrote (never a client-chosen value); the SSH rules count and group by it, and an incident whose
attacker is a name is keyed on that name (`Incident.source_domain`; `source_ip` stays an IP) and says the
name is unverified. The scenario folders ssh-*host-name*/ssh-injected-rhost-* hold the rule-level cases.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from secmon.incidents import NAME_NOTE, incident_summary
from secmon.parsers import ParseState, parse_line
from secmon.pipeline import ingest_paths
from store.models import Incident
from store.query import Kind, SearchQuery
from tests.conftest import Backend

DATA = Path(__file__).resolve().parents[1] / "data" / "secmon"
CASES = [
    json.loads(line)
    for line in (DATA / "sshd-catalogue" / "cases.jsonl").read_text(encoding="utf-8").splitlines()
]
RECEIVED = datetime(2026, 10, 11, tzinfo=UTC)


def _docs(lines: list[str]) -> list[dict[str, Any]]:
    state = ParseState()
    return [
        parse_line(line, "syslog", origin="names", offset=i, received_at=RECEIVED, state=state).doc
        for i, line in enumerate(lines)
    ]


def test_the_attacker_is_the_ip_else_the_host_name_the_daemon_wrote() -> None:
    """On every line rendered from OpenSSH's and Linux-PAM's format strings: vigil.attacker is source.ip
    when there is one, else source.domain, and absent when the line names no remote party."""
    seen = 0
    for case in CASES:
        for doc in _docs(case["lines"]):
            source = doc.get("source") or {}
            want = source.get("ip") or source.get("domain")
            assert (doc.get("vigil") or {}).get("attacker") == want, case["id"]
            seen += want is not None
    assert seen > 500


def test_a_host_name_in_a_client_chosen_value_never_becomes_the_attacker() -> None:
    """The catalogue's injection cases (user names, banners, offers, disconnect reasons carrying
    "from 6.6.6.6 port 22", "rhost=6.6.6.6", "client: 6.6.6.6") with a host name in place of the address."""
    injected = [c for c in CASES if c["injection"] and "6.6.6.6" in " ".join(c["lines"])]
    assert len(injected) >= 100
    for case in injected:
        lines = [line.replace("6.6.6.6", "evil.example") for line in case["lines"]]
        for doc in _docs(lines):
            source = doc.get("source") or {}
            assert "evil.example" not in str(source.get("domain")), (case["id"], source)
            assert "evil.example" not in str((doc.get("vigil") or {}).get("attacker")), case["id"]


def test_pam_rhost_is_read_from_the_left_when_the_user_carries_another() -> None:
    [doc] = _docs(
        [
            "Dec 10 07:01:00 gw-portal sshd[33100]: pam_unix(sshd:auth): authentication failure; logname= "
            "uid=0 euid=0 tty=ssh ruser= rhost=scan.example.net  user=x rhost=evil.example"
        ]
    )
    assert doc["source"] == {"domain": "scan.example.net"}
    assert doc["vigil"]["attacker"] == "scan.example.net"
    assert doc["user"]["name"] == "x rhost=evil.example"


def test_a_name_shown_then_its_ip_in_one_pid_gives_later_connections_of_that_name_the_ip() -> None:
    docs = _docs(
        [
            "Dec 10 06:00:00 gw sshd[32000]: pam_unix(sshd:auth): authentication failure; logname= uid=0 "
            "euid=0 tty=ssh ruser= rhost=scanner-7.example.net  user=root",
            "Dec 10 06:00:02 gw sshd[32000]: Failed password for root from 198.51.100.23 port 40000 ssh2",
            "Dec 10 06:00:10 gw sshd[32001]: pam_unix(sshd:auth): authentication failure; logname= uid=0 "
            "euid=0 tty=ssh ruser= rhost=scanner-7.example.net  user=root",
            # another host of the same log has not seen that name with an IP
            "Dec 10 06:00:10 other sshd[32001]: pam_unix(sshd:auth): authentication failure; logname= uid=0 "
            "euid=0 tty=ssh ruser= rhost=scanner-7.example.net  user=root",
        ]
    )
    assert [d["vigil"]["attacker"] for d in docs] == [
        "scanner-7.example.net",
        "198.51.100.23",
        "198.51.100.23",
        "scanner-7.example.net",
    ]
    assert docs[1]["source"]["domain"] == "scanner-7.example.net"  # the name the connection showed
    assert docs[2]["system"]["auth"]["ssh"]["address_from"] == "name"
    assert docs[2]["vigil"]["attempt"] != docs[1]["vigil"]["attempt"]


def test_a_reverse_mapping_failure_teaches_no_name() -> None:
    """sshd's "reverse mapping … failed" names a PTR record the client's owner chose and sshd rejected:
    PAM then gets the IP, and the unverified name is never taken for that IP later."""
    docs = _docs(
        [
            "Dec 10 06:00:00 gw sshd[500]: reverse mapping checking getaddrinfo for mail.example.org "
            "[198.51.100.8] failed - POSSIBLE BREAK-IN ATTEMPT!",
            "Dec 10 06:00:01 gw sshd[500]: Failed password for root from 198.51.100.8 port 1 ssh2",
            "Dec 10 06:00:05 gw sshd[501]: pam_unix(sshd:auth): authentication failure; logname= uid=0 "
            "euid=0 tty=ssh ruser= rhost=mail.example.org  user=root",
        ]
    )
    assert docs[0]["vigil"]["attacker"] == "198.51.100.8"
    assert docs[2]["vigil"]["attacker"] == "mail.example.org" and "ip" not in docs[2]["source"]


def test_a_brute_force_by_host_name_opens_an_incident_that_names_it_unverified(
    tmp_path: Path, backend: Backend
) -> None:
    log = DATA / "scenarios" / "ssh-brute-force-by-host-name" / "input.log"
    settings = backend.settings(tmp_path / "data")
    store = backend.open(tmp_path / "data")
    try:
        ingest_paths(settings, store, [str(log)], "syslog")
        ingest_paths(settings, store, [str(log)], "syslog")  # the same file again: the same incident
        store.refresh()
        [hit] = store.search(Kind.incidents, SearchQuery(size=10)).hits
        incident = Incident.model_validate(hit.source)
    finally:
        store.close()
    assert incident.source_ip is None
    assert incident.source_domain == "dsl-203-0-113-45.example.net"
    assert incident.entities["attacker.note"] == [NAME_NOTE]
    assert "unverified" in NAME_NOTE or "not verified" in NAME_NOTE
    assert incident.entities["source.domain"] == ["dsl-203-0-113-45.example.net"]
    assert incident_summary(incident)["source_domain"] == "dsl-203-0-113-45.example.net"


@pytest.mark.parametrize("name", ["scan.example.net", "dsl-203-0-113-45.example.net"])
def test_the_incident_of_a_name_is_found_again_by_its_name(
    tmp_path: Path, backend: Backend, name: str
) -> None:
    """Two batches of failures of one name within the window: one incident, updated (found in the store
    by source_domain), not a second one."""
    lines = [
        f"Dec 10 06:{n // 3:02d}:{n % 3 * 20:02d} gw sshd[{40000 + n}]: pam_unix(sshd:auth): authentication "
        f"failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={name}  user=root"
        for n in range(16)
    ]
    settings = backend.settings(tmp_path / "data")
    store = backend.open(tmp_path / "data")
    try:
        for run, part in enumerate((lines[:8], lines[8:])):  # the second run finds it in the store
            path = tmp_path / f"auth-{run}.log"
            path.write_text("\n".join(part) + "\n", encoding="utf-8")
            ingest_paths(settings, store, [str(path)], "syslog")
            store.refresh()
        incidents = [
            Incident.model_validate(h.source) for h in store.search(Kind.incidents, SearchQuery(size=10)).hits
        ]
    finally:
        store.close()
    assert [(i.source_ip, i.source_domain) for i in incidents] == [(None, name)]
    assert incidents[0].version > 1
