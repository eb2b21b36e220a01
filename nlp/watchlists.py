"""Watchlists: user-defined terms whose matches are recorded on an article (and later raise alerts).

Matching rule (the same for documents and queries, see nlp.normalize):
- a term written *without* diacritics ("Hue", "bach ma") is compared with the folded text, so it matches
  "Huế", "HUẾ" and "Hue";
- a term written *with* diacritics ("Huế") is compared with the normalised, lower-cased text, so it matches
  "Huế"/"HUẾ"/"huế" but not "Huê" or "hủe": the user asked for that exact spelling;
- matches respect word boundaries: "Huế" does not match inside "Huếch", nor "an" inside "Nam" or "bản";
  a multi-word term matches across any run of whitespace.

A watchlist may also name canonical entities of the gazetteer (nlp/entities.py, e.g. "Huế"): such an
entry matches a text where the entity extraction finds that entity under any of its aliases ("Huế",
"TP Huế", "Thừa Thiên Huế", …), with the extraction's own rules (case, exact diacritics, "Sở Y tế Hà
Nội" is not Huế's Sở Y tế).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from nlp.entities import find_entities
from nlp.normalize import fold, normalize


@dataclass(frozen=True)
class Watchlist:
    """A named set of terms (people, places, agencies, topics) and canonical gazetteer entities a press
    officer wants to be told about."""

    id: str
    name: str
    terms: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)

    def __hash__(self) -> int:
        return hash((self.id, self.name, tuple(self.terms), tuple(self.entities)))


@lru_cache(maxsize=4096)
def _term_pattern(term: str) -> tuple[bool, re.Pattern[str]] | None:
    """(match_on_folded_text, compiled pattern) for one term, or None for an empty term."""
    cleaned = normalize(term).lower()
    if not cleaned.strip():
        return None
    folded_term = fold(cleaned)
    on_folded = folded_term == cleaned
    words = (folded_term if on_folded else cleaned).split()
    body = r"\s+".join(re.escape(w) for w in words)
    return on_folded, re.compile(rf"(?<!\w){body}(?!\w)")


def prepare_text(text: str) -> tuple[str, str]:
    """The two views of a text that terms are matched against: (normalised lower-case, folded)."""
    lowered = normalize(text).lower()
    return lowered, fold(lowered)


def term_matches(term: str, lowered: str, folded: str) -> bool:
    """Whether one term occurs in a text given as `prepare_text` returns it."""
    compiled = _term_pattern(term)
    if compiled is None:
        return False
    on_folded, pattern = compiled
    return pattern.search(folded if on_folded else lowered) is not None


def as_watchlist(value: Watchlist | dict[str, Any] | str) -> Watchlist:
    """Accept a Watchlist, a dict with id/name/terms/entities, or a bare term (its own one-term watchlist)."""
    if isinstance(value, Watchlist):
        return value
    if isinstance(value, str):
        return Watchlist(value, value, [value])
    if isinstance(value, dict):
        return Watchlist(
            str(value["id"]),
            str(value.get("name", value["id"])),
            list(value.get("terms") or []),
            list(value.get("entities") or []),
        )
    return Watchlist(
        str(value.id),
        str(getattr(value, "name", value.id)),
        list(value.terms),
        list(getattr(value, "entities", []) or []),
    )


def entity_names(text: str) -> set[str]:
    """The canonical names of the entities found in `text` (normalised first)."""
    return {found.name for found in find_entities(normalize(text))}


def match_watchlists(text: str, watchlists: Iterable[Watchlist]) -> list[str]:
    """Ids of the watchlists with at least one term or entity in `text`, in the order given."""
    lists: Sequence[Watchlist] = [as_watchlist(w) for w in watchlists]
    return list(dict.fromkeys(wid for wid, _ in matched_terms(text, lists)))


def matched_terms(text: str, watchlists: Iterable[Watchlist]) -> list[tuple[str, str]]:
    """(watchlist id, term or canonical entity name) for every one found: what the article records as
    WATCH entities."""
    lists = [as_watchlist(w) for w in watchlists]
    if not lists or not text:
        return []
    lowered, folded = prepare_text(text)
    names = entity_names(text) if any(wl.entities for wl in lists) else set()
    found: list[tuple[str, str]] = []
    for wl in lists:
        found.extend((wl.id, t) for t in wl.terms if term_matches(t, lowered, folded))
        found.extend((wl.id, e) for e in wl.entities if e in names and (wl.id, e) not in found)
    return found
