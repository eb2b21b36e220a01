"""Which fields a text query on security events searches, on both backends: `message` and `rule.name`,
never `event.original` (ECS: "This field is not indexed ... It cannot be searched, but it can be
retrieved from _source"), which is still returned whole with each event."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from secmon.parsers import parse_line
from store.models import SecurityEvent
from store.query import Kind, SearchQuery

# a real sshd line (loghub OpenSSH sample, secmon/samples) and a real EVE alert (suricata-verify)
SSHD = "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186"
EVE = (
    '{"timestamp":"2015-10-22T11:17:43.787396+0200","flow_id":1,"in_iface":"eth0","event_type":"alert",'
    '"src_ip":"192.168.1.6","src_port":51233,"dest_ip":"173.194.32.207","dest_port":80,"proto":"TCP",'
    '"alert":{"action":"allowed","gid":1,"signature_id":2100498,"rev":7,'
    '"signature":"GPL ATTACK_RESPONSE id check returned root","category":"Potentially Bad Traffic",'
    '"severity":2},"http":{"hostname":"testmyids.com","url":"/"}}'
)


def events() -> list[SecurityEvent]:
    received = datetime(2026, 1, 1, tzinfo=UTC)
    sshd = parse_line(SSHD, "syslog", origin="o", offset=0, received_at=received, path="auth.log")
    eve = parse_line(EVE, "eve", origin="o", offset=100, received_at=received, path="eve.json")
    return [sshd, eve]


def found(store: Any, text: str) -> set[str]:
    return {hit.id for hit in store.search(Kind.events, SearchQuery(text=text, size=10)).hits}


def test_words_of_the_message_and_the_rule_name_are_found_not_those_only_in_the_raw_line(store: Any) -> None:
    sshd, eve = events()
    assert "LabSZ" in sshd.doc["event"]["original"] and "LabSZ" not in str(sshd.doc.get("message"))
    assert '"in_iface"' in eve.doc["event"]["original"]
    store.index_events([sshd, eve])
    store.refresh()
    assert found(store, "webmaster") == {sshd.id}  # in the message
    assert found(store, "attack_response") == {eve.id}  # in rule.name
    assert found(store, "labsz") == set()  # the host name: only in the raw syslog line
    assert found(store, "in_iface") == set()  # an EVE key: only in the raw record
    stored = store.search(Kind.events, SearchQuery(text="webmaster")).hits[0]
    assert stored.source["event"]["original"] == SSHD  # kept whole
