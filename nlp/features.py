"""What text each classifier sees, and the tone-cue marker used inside the tone Pipeline.

Both tasks were trained on short news texts (VNTC articles truncated, baomoi title+sapo, RSS title+lede;
tone: headline+lede), so an article is reduced to the same shape before it is classified. Truncating the
topic input also keeps enrichment fast: measured on VNTC, 1,500 characters classify as well as the whole
article.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import lru_cache

from nlp.normalize import normalize
from nlp.taxonomy import DATA_DIR

TOPIC_CHARS = 5000
TOPIC_TRAIN_CHARS = 1500
TONE_BODY_CHARS = 300
TONE_CUES_FILE = DATA_DIR / "tone_cues.toml"


def topic_text(title: str = "", sapo: str = "", body: str = "") -> str:
    """Title, lead and the beginning of the body, normalised: the topic model's input."""
    return topic_input(normalize(title), normalize(sapo), normalize(body[: TOPIC_CHARS * 2]))


def topic_input(title: str, sapo: str, body: str) -> str:
    """`topic_text` for parts that are already normalised (the enrichment path normalises once)."""
    return "\n".join(p for p in (title, sapo, body) if p)[:TOPIC_CHARS]


def tone_text(title: str = "", sapo: str = "", body: str = "") -> str:
    """Headline and lede (or the start of the body): what news-tone-hue's annotators judged."""
    return tone_input(normalize(title), normalize(sapo), normalize(body[: TONE_BODY_CHARS * 2]))


def tone_input(title: str, sapo: str, body: str) -> str:
    """`tone_text` for parts that are already normalised."""
    lede = sapo or body[:TONE_BODY_CHARS]
    return ". ".join(p for p in (title, lede) if p)


@lru_cache(maxsize=1)
def _cue_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    with TONE_CUES_FILE.open("rb") as fh:
        cues = tomllib.load(fh)

    def compile_list(words: list[str]) -> re.Pattern[str]:
        ordered = sorted({normalize(w).lower() for w in words if w.strip()}, key=len, reverse=True)
        return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in ordered) + r")(?!\w)")

    return compile_list(cues["positive"]), compile_list(cues["negative"])


def mark_tone_cues(texts: Iterable[str]) -> list[str]:
    """Lower-case each text and append one __pos__/__neg__ token per cue phrase (title cues count again).

    Used as the first step of the tone Pipeline (a FunctionTransformer), so training and prediction
    always agree. Measured on news-tone-hue (5-fold CV): +1.5 macro-F1 points over plain n-grams.
    """
    positive, negative = _cue_patterns()
    out = []
    for text in texts:
        lowered = text.lower()
        title = lowered.split(". ", 1)[0]
        markers = (
            ["__pos__"] * len(positive.findall(lowered))
            + ["__neg__"] * len(negative.findall(lowered))
            + ["__tpos__"] * len(positive.findall(title))
            + ["__tneg__"] * len(negative.findall(title))
        )
        out.append(lowered + " " + " ".join(markers) if markers else lowered)
    return out
