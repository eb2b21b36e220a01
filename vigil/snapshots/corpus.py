"""The bundled article texts and the deterministic snapshot articles built from them.

`corpus.jsonl` (beside this module) holds real Vietnamese news texts copied from the project's
shared data sets (see PROVENANCE.md). Bylines, sections, paths and timestamps are made up, the same
way every time, because the source corpora do not carry them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from nlp.normalize import fold, normalize
from vigil.snapshots.templates import ArticleSpec

CORPUS_FILE = Path(__file__).with_name("corpus.jsonl")
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
AUTHORS = (
    "Nguyễn Văn Thành",
    "Trần Thị Hoài",
    "Lê Minh Hoàng",
    "Phạm Ngọc Anh",
    "Hoàng Thị Thu Hà",
    "Võ Đức Tín",
    "Đặng Quang Huy",
    "Bùi Thị Mai",
    "Ngô Văn Phúc",
    "Trương Công Hiếu",
)
SECTIONS = {
    "Chinh tri Xa hoi": "Thời sự",
    "Doi song": "Đời sống",
    "Khoa hoc": "Khoa học",
    "Kinh doanh": "Kinh doanh",
    "Phap luat": "Pháp luật",
    "Suc khoe": "Sức khỏe",
    "The gioi": "Thế giới",
    "The thao": "Thể thao",
    "Van hoa": "Văn hóa",
    "Vi tinh": "Công nghệ",
}


@dataclass(frozen=True)
class CorpusText:
    """One bundled text: a full article (title, lead, paragraphs) or a brief (title + one paragraph)."""

    source: str
    source_id: str
    label: str
    title: str
    lead: str
    paragraphs: tuple[str, ...]
    published: str = ""
    role: str = "article"


def load_corpus(path: Path = CORPUS_FILE) -> list[CorpusText]:
    texts = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            row["paragraphs"] = tuple(row["paragraphs"])
            texts.append(CorpusText(**row))
    return texts


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")[:80]


def stable_number(*parts: object) -> int:
    digest = hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()
    return int(digest[:12], 16)


def article_path(outlet: str, title: str, number: int) -> str:
    """A path in the style of the outlet's real article URLs."""
    slug = slugify(title)
    styles = {
        "vnexpress": f"/{slug}-{4000000 + number % 1000000}.html",
        "tuoitre": f"/{slug}-2026{number % 10**10:010d}.htm",
        "thanhnien": f"/{slug}-185{number % 10**12:012d}.htm",
        "nld": f"/{slug}-196{number % 10**12:012d}.htm",
        "dantri": f"/xa-hoi/{slug}-2026{number % 10**10:010d}.htm",
        "vietnamnet": f"/{slug}-{2200000 + number % 100000}.html",
        "nhandan": f"/{slug}-post{800000 + number % 100000}.html",
        "tienphong": f"/{slug}-post{1600000 + number % 100000}.tpo",
        "baovanhoa": f"/van-hoa/{slug}-{100000 + number % 100000}.html",
        "laodong": f"/thoi-su/{slug}-{1300000 + number % 100000}.ldo",
        "vov": f"/xa-hoi/{slug}-post{1100000 + number % 100000}.vov",
        "cand": f"/thoi-su/{slug}-i{700000 + number % 100000}/",
        "huengaynay": f"/chinh-tri-xa-hoi/{slug}-{150000 + number % 10000}.html",
        "huegov": f"/Tin-tuc-su-kien/tid/{slug}/newsid/{number % 100000}/",
    }
    return styles.get(outlet, f"/{slug}-{number % 100000}.html")


def make_spec(outlet: str, domain: str, text: CorpusText, index: int, *, variant: str = "") -> ArticleSpec:
    """The snapshot article for `text` at `outlet`; `variant` makes distinct pages of a reused text."""
    number = stable_number(outlet, text.source_id, variant)
    if text.published:
        published = datetime.fromisoformat(text.published).astimezone(HCM).replace(second=0, microsecond=0)
    else:
        base = datetime(2026, 1, 5, 6, 0, tzinfo=HCM)
        published = base + timedelta(minutes=number % (300 * 24 * 60))
    authors = [AUTHORS[number % len(AUTHORS)]]
    if number % 3 == 0:
        authors.append(AUTHORS[(number // 7) % len(AUTHORS)])
        authors = list(dict.fromkeys(authors))
    title = normalize(text.title + (f" ({variant})" if variant else ""))
    tags = [SECTIONS.get(text.label, normalize(text.label))]
    if "Huế" in text.title + " ".join(text.paragraphs) + text.lead:
        tags.append("Huế")
    return ArticleSpec(
        outlet=outlet,
        domain=domain,
        path=article_path(outlet, title, number),
        title=title,
        sapo=normalize(text.lead),
        paragraphs=[normalize(p) for p in text.paragraphs],
        authors=authors,
        published=published,
        section=SECTIONS.get(text.label, normalize(text.label) or "Tin tức"),
        tags=tags,
    )


def expected_fields(spec: ArticleSpec) -> dict[str, object]:
    """What a correct parser returns for the page rendered from `spec`."""
    return {
        "title": spec.title,
        "sapo": spec.sapo,
        "body": "\n\n".join(spec.paragraphs),
        "authors": spec.authors,
        "published_at": spec.published.isoformat(),
        "category": spec.section,
        "tags": spec.tags,
    }
