"""Watchlist matching: diacritic-aware, word boundaries, order of ids."""

from __future__ import annotations

from nlp.watchlists import Watchlist, match_watchlists

PLAIN = Watchlist("plain", "Huế (no diacritics)", ["Hue"])
EXACT = Watchlist("exact", "Huế (exact)", ["Huế"])
PHRASE = Watchlist("phrase", "Bạch Mã", ["vườn quốc gia Bạch Mã"])
SHORT = Watchlist("short", "An", ["an"])


def test_term_without_diacritics_matches_any_spelling() -> None:
    assert match_watchlists("Mưa lớn ở Thừa Thiên Huế", [PLAIN]) == ["plain"]
    assert match_watchlists("HUẾ ngập sâu", [PLAIN]) == ["plain"]
    assert match_watchlists("Hue city floods", [PLAIN]) == ["plain"]


def test_term_with_diacritics_needs_the_same_diacritics() -> None:
    assert match_watchlists("Mưa lớn ở Huế", [EXACT]) == ["exact"]
    assert match_watchlists("HUẾ ngập sâu", [EXACT]) == ["exact"]
    assert match_watchlists("Hue city floods", [EXACT]) == []
    assert match_watchlists("bông huệ trắng", [EXACT]) == []


def test_word_boundaries() -> None:
    assert match_watchlists("Huếch hoác", [PLAIN, EXACT]) == []
    assert match_watchlists("tỉnh Quảng Nam", [SHORT]) == []
    assert match_watchlists("bình an vô sự", [SHORT]) == ["short"]


def test_phrase_spans_whitespace_and_case_and_tone_convention() -> None:
    assert match_watchlists("Vườn Quốc gia   Bạch Mã đón khách", [PHRASE]) == ["phrase"]
    wl = Watchlist("hoa", "Hòa", ["hoà bình"])  # new-style mark in the term, old-style in the text
    assert match_watchlists("Vì hòa bình", [wl]) == ["hoa"]


def test_ids_in_watchlist_order_and_empty_cases() -> None:
    text = "Huế và vườn quốc gia Bạch Mã"
    assert match_watchlists(text, [PHRASE, EXACT, PLAIN]) == ["phrase", "exact", "plain"]
    assert match_watchlists("", [PLAIN]) == []
    assert match_watchlists(text, []) == []
    assert match_watchlists(text, [Watchlist("empty", "empty", ["", "  "])]) == []
