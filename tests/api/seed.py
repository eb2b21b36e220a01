"""A small, hand-written data set for the API tests: expectations below follow from it by construction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from api.auth import Role, create_key
from store.models import Article, Entity, Incident, IncidentStatus, SecurityEvent, Severity
from store.protocol import Store

VN = timezone(timedelta(hours=7))


def _at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=VN)


def _article(n: int, outlet: str, title: str, day: int, hour: int, **extra: object) -> Article:
    return Article.model_validate(
        {
            "url": f"https://{outlet}.vn/bai-{n}.html",
            "outlet": outlet,
            "title": title,
            "sapo": extra.pop("sapo", ""),
            "body": extra.pop("body", title + ". Nội dung bài viết."),
            "published_at": _at(day, hour),
            **extra,
        }
    )


HUE = Entity(text="Thừa Thiên Huế", type="LOC", normalized="thua thien hue")
ARTICLES = [
    _article(
        1,
        "baothuathienhue",
        "Thừa Thiên Huế đẩy mạnh chuyển đổi số",
        20,
        9,
        sapo="Tỉnh Thừa Thiên Huế triển khai chuyển đổi số ở mọi cấp.",
        topic="cong-nghe",
        tone="positive",
        entities=[HUE],
        watchlists=["chuyen-doi-so"],
        story_cluster="story-cds",
        story_outlets=2,
    ),
    _article(
        2,
        "tuoitre",
        "Chuyển đổi số ở cấp xã tại Huế",
        20,
        14,
        topic="cong-nghe",
        tone="neutral",
        entities=[HUE],
        watchlists=["chuyen-doi-so"],
        story_cluster="story-cds",
        story_outlets=2,
    ),
    _article(
        3,
        "vnexpress",
        "Mưa lớn gây ngập lụt tại Huế",
        21,
        8,
        topic="xa-hoi",
        topic_score=0.93,
        tone="negative",
        tone_score=0.42,  # under nlp.uncertain_below (0.5 by default): marked uncertain
    ),
    _article(4, "baothuathienhue", "Festival Huế thu hút du khách", 22, 10, topic="van-hoa", tone="positive"),
    _article(
        5, "tuoitre", "Sạt lở đất ở huyện A Lưới", 22, 16, topic="xa-hoi", tone="negative", entities=[HUE]
    ),
    _article(6, "vnexpress", "Giá vàng hôm nay tăng mạnh", 23, 7, topic="kinh-te", tone="neutral"),
]

NOW = datetime.now(UTC).replace(microsecond=0)


def _event(n: int, doc: dict[str, object]) -> SecurityEvent:
    stamp = NOW - timedelta(hours=10 - n)
    return SecurityEvent(id=f"ev{n}", timestamp=stamp, doc={**doc, "@timestamp": stamp.isoformat()})


EVENTS = [
    _event(
        1,
        {
            "event": {"kind": "event", "dataset": "system.auth", "outcome": "failure"},
            "source": {"ip": "203.0.113.7"},
            "user": {"name": "root"},
            "message": "Failed password for root from 203.0.113.7 port 52311 ssh2",
        },
    ),
    _event(
        2,
        {
            "event": {"kind": "event", "dataset": "system.auth", "outcome": "failure"},
            "source": {"ip": "203.0.113.7"},
            "user": {"name": "admin"},
            "message": "Failed password for admin from 203.0.113.7 port 52312 ssh2",
        },
    ),
    _event(
        3,
        {
            "event": {"kind": "alert", "dataset": "suricata.eve"},
            "source": {"ip": "198.51.100.23"},
            "destination": {"ip": "10.10.0.5", "port": 80},
            "rule": {"name": "ET SCAN Nmap Scripting Engine User-Agent Detected"},
            "message": "ET SCAN Nmap Scripting Engine User-Agent Detected",
        },
    ),
    _event(
        4,
        {
            "event": {"kind": "event", "dataset": "nginx.access"},
            "source": {"ip": "198.51.100.99"},
            "url": {"path": "/wp-login.php"},
            "http": {"response": {"status_code": 404}},
            "message": "GET /wp-login.php HTTP/1.1 404",
        },
    ),
    _event(
        5,
        {
            "event": {"kind": "pipeline_error", "original": "garbage line"},
            "error": {"message": "unrecognised line"},
            "message": "garbage line",
        },
    ),
]


def _incident(n: int, rule: str, severity: Severity, status: IncidentStatus, **extra: object) -> Incident:
    return Incident.model_validate(
        {
            "id": f"inc{n}",
            "rule_id": rule,
            "rule_title": extra.pop("rule_title", rule),
            "severity": severity,
            "status": status,
            "first_seen": NOW - timedelta(hours=5 - n),
            "last_seen": NOW - timedelta(hours=4 - n),
            "updated_at": NOW - timedelta(hours=4 - n),
            **extra,
        }
    )


INCIDENTS = [
    _incident(
        1,
        "ssh-brute-force",
        Severity.high,
        IncidentStatus.new,
        rule_title="SSH brute force",
        source_ip="203.0.113.7",
        asset="cong-thong-tin",
        event_ids=["ev1", "ev2"],
        event_count=2,
    ),
    _incident(
        2,
        "web-scan",
        Severity.medium,
        IncidentStatus.acknowledged,
        source_ip="198.51.100.99",
        asset="cong-thong-tin",
        event_ids=["ev4"],
        event_count=1,
    ),
    _incident(
        3,
        "suricata-alert",
        Severity.critical,
        IncidentStatus.new,
        source_ip="198.51.100.23",
        asset="mail",
        event_ids=["ev3"],
        event_count=1,
    ),
]


def seed(store: Store) -> dict[str, str]:
    """Index the data set and make one key per role; returns role → raw key."""
    assert store.index_articles(ARTICLES).ok
    assert store.index_events(EVENTS).ok
    assert store.index_incidents(INCIDENTS).ok
    store.refresh()
    return {role.value: create_key(store, name=f"test {role.value}", role=role)[1] for role in Role}
