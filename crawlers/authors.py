"""Authors are people. Outlets sign an article in a byline, in meta tags, or at the end of its body
(often a right-aligned bold last paragraph); the outlet's own name in any of those is not an author."""

from __future__ import annotations

import re

from parsel import Selector

from core.text import fold
from crawlers.page import clean, texts

_PREFIX = re.compile(r"^(?:bài(?: và ảnh)?|ảnh|tác giả|theo|pv|phóng viên|nhóm pv)\s*[:：]?\s*", re.I)
_SPLIT = re.compile(r"\s+-\s+|\s*,\s*|\s+và\s+|\s*/\s*|\s*;\s*")
_RIGHT = re.compile(r"text-align\s*:\s*right", re.I)
MAX_SIGNATURE_CHARS = 60


def split_authors(raw: list[str]) -> list[str]:
    """Bylines as names: "A - B", "A, B", "A và B", "Bài và ảnh: A" → ["A", "B"]."""
    people: list[str] = []
    for entry in raw:
        text = _PREFIX.sub("", " ".join(entry.split()))
        for part in _SPLIT.split(text):
            name = part.strip(" .;:-()")
            if name and name not in people:
                people.append(name)
    return people


def people(raw: list[str], own_names: tuple[str, ...]) -> list[str]:
    """The names in `raw` that can be people: not the outlet (by any of its names or domains), not a
    URL or an address, not a sentence."""
    own = {fold(name) for name in own_names if name}
    own |= {f"bao {name}" for name in own}
    found = []
    for name in split_authors(raw):
        folded = fold(name)
        if folded in own or any(part in own for part in folded.split(" - ")):
            continue
        if "://" in name or "@" in name or ("." in name.rstrip(".") and " " not in name):
            continue  # a URL, an e-mail address or a domain
        if len(name) > MAX_SIGNATURE_CHARS or len(name.split()) > 6:
            continue
        found.append(name)
    return found


_RIGHT_ALIGNED = (
    "//p[translate(@align, 'RIGHT', 'right') = 'right'"
    " or contains(translate(@style, ' ', ''), 'text-align:right')]"
)


def page_signature(page: Selector) -> str:
    """Where no layout names the body: the page's last right-aligned bold paragraph, when short."""
    for node in reversed(page.xpath(_RIGHT_ALIGNED)):
        text = texts(node)
        bold = clean(" ".join(node.xpath(".//strong//text() | .//b//text()").getall()))
        if bold and bold == text and len(text) <= MAX_SIGNATURE_CHARS:
            return text
    return ""


def signature(container: Selector) -> tuple[str, Selector | None]:
    """The end-of-body signature of an article container: its last paragraph when it is short and
    right-aligned (or entirely bold); returns the text and its node (to be removed from the body)."""
    paragraphs = container.xpath(".//p[normalize-space()]")
    if not paragraphs:
        return "", None
    last = paragraphs[-1]
    text = texts(last)
    if (
        not text
        or len(text) > MAX_SIGNATURE_CHARS
        or (text.endswith((".", "?", "!", ":")) and len(text) > 30)
    ):
        return "", None
    aligned = (last.attrib.get("align") or "").lower() == "right" or bool(
        _RIGHT.search(last.attrib.get("style", ""))
    )
    bold = clean(" ".join(last.xpath(".//strong//text() | .//b//text()").getall()))
    if aligned or (bold and bold == text):
        return (bold or text), last
    return "", None
