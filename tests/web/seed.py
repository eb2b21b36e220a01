"""Hand-written articles for the web app tests; expectations follow from them by construction.

Three headlines differ only by diacritics ("bão", "bao", "bảo") so the accent ranking can be checked;
topics and tones are slugs of nlp/taxonomy.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from api.auth import Role
from api.web.users import create_user
from store.models import Article, Entity
from store.protocol import Store
from tests.api.seed import EVENTS, INCIDENTS

VN = timezone(timedelta(hours=7))
PASSWORD = "mat-khau-thu-nghiem"
USERS = {"press": "bao.chi", "security": "an.ninh", "admin": "quan.tri"}


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
SO_TTTT = Entity(text="Sở Thông tin và Truyền thông", type="ORG", normalized="so thong tin va truyen thong")
ARTICLES = [
    # "bao" without the storm: an older, otherwise equal headline that ranks no lower by words alone
    _article(1, "tuoitre", "Bao nhiêu hộ dân được hỗ trợ sau lũ", 18, 9, topic="doi-song", tone="neutral"),
    _article(
        2, "vnexpress", "Bảo tồn di sản cố đô Huế", 19, 9, topic="van-hoa", tone="positive", entities=[HUE]
    ),
    _article(
        3,
        "huengaynay",
        "Bão số 5 đổ bộ Thừa Thiên Huế",
        20,
        8,
        sapo="Cơn bão gây mưa lớn <b>và</b> gió giật mạnh.",
        topic="moi-truong",
        tone="negative",
        entities=[HUE],
        story_cluster="story-bao5",
        story_outlets=3,
    ),
    _article(
        4,
        "tuoitre",
        "Thừa Thiên Huế khắc phục hậu quả bão số 5",
        20,
        15,
        topic="moi-truong",
        tone="negative",
        entities=[HUE],
        story_cluster="story-bao5",
        story_outlets=3,
    ),
    _article(
        5,
        "vnexpress",
        "Bão số 5: Huế sơ tán hàng nghìn hộ dân",
        21,
        7,
        topic="moi-truong",
        tone="negative",
        entities=[HUE],
        story_cluster="story-bao5",
        story_outlets=3,
    ),
    _article(
        6,
        "huengaynay",
        "Thừa Thiên Huế đẩy mạnh chuyển đổi số",
        21,
        10,
        topic="cong-nghe",
        tone="positive",
        entities=[HUE, SO_TTTT],
        watchlists=["chuyen-doi-so"],
    ),
    _article(7, "vnexpress", "Giá vàng hôm nay tăng mạnh", 22, 7, topic="kinh-te", tone="neutral"),
    _article(8, "tuoitre", "Festival Huế thu hút du khách", 22, 11, topic="du-lich", tone="positive"),
]


def seed(store: Store) -> None:
    assert store.index_articles(ARTICLES).ok
    assert store.index_events(EVENTS).ok
    assert store.index_incidents(INCIDENTS).ok
    store.refresh()
    for role, username in USERS.items():
        create_user(store, username, PASSWORD, Role(role), display_name=f"Người dùng {role}")
