"""Vigil's label sets: the 12 topics (slug → display name) and the 3 tones, and the corpus label mapping.

The mapping from the training corpora's own labels lives in nlp/data/topic_mapping.toml so that it can be
read, reviewed and changed without touching code.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

TOPICS: dict[str, str] = {
    "thoi-su": "Thời sự - Chính trị",
    "kinh-te": "Kinh tế",
    "phap-luat": "Pháp luật",
    "the-gioi": "Thế giới",
    "the-thao": "Thể thao",
    "van-hoa": "Văn hóa - Giải trí",
    "du-lich": "Du lịch",
    "giao-duc": "Giáo dục",
    "suc-khoe": "Sức khỏe",
    "cong-nghe": "Khoa học - Công nghệ",
    "doi-song": "Đời sống",
    "moi-truong": "Môi trường - Thiên tai",
}

TONES: dict[str, str] = {"positive": "Tích cực", "neutral": "Trung tính", "negative": "Tiêu cực"}

DATA_DIR = Path(__file__).resolve().parent / "data"
MAPPING_FILE = DATA_DIR / "topic_mapping.toml"


@lru_cache(maxsize=1)
def topic_mapping() -> dict[str, Any]:
    """The parsed mapping file: {"vntc": {...}, "baomoi": {...}, "rss": {...}, "weak": {...}}."""
    with MAPPING_FILE.open("rb") as fh:
        return tomllib.load(fh)


def map_label(corpus: str, label: str) -> str | None:
    """The taxonomy slug for a corpus label; None when the label is dropped or unknown."""
    slug = topic_mapping().get(corpus, {}).get(label)
    return slug or None
