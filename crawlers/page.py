"""Reading values out of one parsed page: selectors (CSS or `xpath:`), text cleaning, the canonical URL."""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

_SPACE = re.compile(r"\s+")


def clean(text: str) -> str:
    """NFC with collapsed whitespace: enough to compare and store; the normalise pipeline applies
    nlp's full normaliser (tone-mark convention, mojibake repair) once per field afterwards."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def texts(node: Selector) -> str:
    """All the text under a node, cleaned."""
    return clean(" ".join(node.xpath(".//text()").getall()))


def select(page: Selector, expression: str) -> list[Any]:
    if expression.startswith("xpath:"):
        return list(page.xpath(expression[len("xpath:") :]))
    return list(page.css(expression))


def is_attribute(expression: str) -> bool:
    return "::attr(" in expression or "::text" in expression or "/@" in expression


def all_texts(page: Selector, expressions: tuple[str, ...]) -> list[str]:
    """The distinct texts of the first expression that matches anything."""
    for expression in expressions:
        values = []
        for node in select(page, expression):
            text = clean(node.get()) if is_attribute(expression) else texts(node)
            if text and text not in values:
                values.append(text)
        if values:
            return values
    return []


def first_text(page: Selector, expressions: tuple[str, ...]) -> str:
    found = all_texts(page, expressions)
    return found[0] if found else ""


def canonical(page: Selector, url: str) -> str:
    href = (
        page.css("link[rel='canonical']::attr(href)").get()
        or page.css("meta[property='og:url']::attr(content)").get()
    )
    return urljoin(url, href.strip()) if href else ""


def remove(node: Selector) -> None:
    element = node.root
    parent = element.getparent()
    if parent is not None:
        parent.remove(element)
