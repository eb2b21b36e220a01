"""Watchlist backfill: a new, edited or deleted watchlist is applied to the articles already stored.

Enrichment tags each new article with the watchlists it matches (nlp/enrich.py); without this, a new
watchlist matched nothing crawled before it. The candidates are the articles the store finds for the
watchlist's terms and its entities' aliases (folded search: a superset of the exact matches) plus those
already tagged with it;
each is re-checked with the enrichment's own rule (`nlp.watchlists.matched_terms`): the watchlist's tag
is added or removed, WATCH entities follow the current terms, and the article is re-indexed when that
changes. Progress is a store record (RecordKind.state, `backfill:<id>`), read by the API and the web
app; both backends.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from nlp.entities import entity_aliases
from nlp.normalize import fold, normalize
from nlp.watchlists import Watchlist, as_watchlist, matched_terms
from store.models import Article, Entity
from store.protocol import Store
from store.query import Kind, RecordKind, SearchQuery, SortField, Term
from store.querytext import MAX_QUERY_CHARS, MAX_WORDS
from store.textsearch import tokens

log = logging.getLogger(__name__)
BATCH = 200
_running: set[str] = set()
_pending: set[str] = set()  # changed again while its backfill ran
_lock = threading.Lock()


def progress_key(watchlist_id: str) -> str:
    return f"backfill:{watchlist_id}"


def read_progress(store: Store, watchlist_id: str) -> dict[str, Any] | None:
    return store.get_record(RecordKind.state, progress_key(watchlist_id))


def term_queries(terms: list[str]) -> list[str]:
    """The terms as `"t1" OR "t2" …` texts within the grammar's limits (words, characters)."""
    queries: list[str] = []
    current: list[str] = []
    words = 0
    for term in terms:
        folded = tokens(term)
        if not folded:
            continue
        phrase = '"' + " ".join(folded) + '"'
        if current and (
            words + len(folded) > MAX_WORDS or len(" OR ".join([*current, phrase])) > MAX_QUERY_CHARS
        ):
            queries.append(" OR ".join(current))
            current, words = [], 0
        current.append(phrase)
        words += len(folded)
    if current:
        queries.append(" OR ".join(current))
    return queries


def _ids(store: Store, query: SearchQuery) -> list[str]:
    found: list[str] = []
    page = store.search(Kind.articles, replace(query, size=500, sort=(SortField("published_at"),)))
    while True:
        found.extend(hit.id for hit in page.hits)
        if not page.next_cursor or not page.hits:
            return found
        page = store.search(
            Kind.articles,
            replace(query, size=500, sort=(SortField("published_at"),), cursor=page.next_cursor),
        )


def candidates(store: Store, watchlist_id: str, watchlist: Watchlist | None) -> list[str]:
    ids = dict.fromkeys(_ids(store, SearchQuery(filters=(Term("watchlists", (watchlist_id,)),))))
    if watchlist is not None:
        aliases = [alias for name in watchlist.entities for alias in entity_aliases(name)]
        for text in term_queries([*watchlist.terms, *aliases]):
            ids.update(dict.fromkeys(_ids(store, SearchQuery(text=text))))
    return list(ids)


def retag(article: Article, lists: list[Watchlist], watchlist_id: str) -> Article | None:
    """The article with watchlist `watchlist_id` added or removed as its terms match now (other
    watchlists' tags are left as enrichment set them) and WATCH entities for the terms of the current
    watchlists that occur in it; None when nothing changes."""
    parts = (normalize(article.title), normalize(article.sapo), normalize(article.body))
    watch = matched_terms("\n".join(x for x in parts if x), lists)
    present = {term for _, term in watch}
    mine = [term for wid, term in watch if wid == watchlist_id]
    ids = [wid for wid in article.watchlists if wid != watchlist_id] + ([watchlist_id] if mine else [])
    entities = [e for e in article.entities if e.type != "WATCH" or e.text in present]
    for term in mine:
        entity = Entity(text=term, type="WATCH", normalized=fold(term))
        if entity not in entities:
            entities.append(entity)
    if ids == article.watchlists and entities == article.entities:
        return None
    return article.model_copy(update={"watchlists": ids, "entities": entities})


def mark_running(store: Store, watchlist_id: str) -> dict[str, Any]:
    """Record that a backfill is under way (before its thread starts, so a reader right after the
    change never sees the previous run's "done")."""
    progress: dict[str, Any] = {
        "watchlist": watchlist_id,
        "state": "running",
        "started_at": datetime.now(UTC).isoformat(),
        "candidates": 0,
        "checked": 0,
        "matched": 0,
        "changed": 0,
    }
    store.put_records(RecordKind.state, {progress_key(watchlist_id): progress})
    return progress


def run_backfill(store: Store, watchlist_id: str) -> dict[str, Any]:
    """Apply the watchlist's current state (or its deletion) to every stored article; returns the final
    progress record."""
    key = progress_key(watchlist_id)
    record = store.get_record(RecordKind.watchlists, watchlist_id)
    watchlist = as_watchlist({**record, "id": watchlist_id}) if record is not None else None
    lists = [as_watchlist(r) for r in store.list_records(RecordKind.watchlists, limit=10_000)]
    progress = mark_running(store, watchlist_id)
    try:
        ids = candidates(store, watchlist_id, watchlist)
        progress["candidates"] = len(ids)
        for start in range(0, len(ids), BATCH):
            changed: list[Article] = []
            for article_id in ids[start : start + BATCH]:
                article = store.get_article(article_id)
                if article is None:
                    continue
                updated = retag(article, lists, watchlist_id)
                final = updated or article
                progress["matched"] += watchlist_id in final.watchlists
                if updated is not None:
                    changed.append(updated)
            if changed:
                result = store.index_articles(changed)
                if result.errors:
                    raise RuntimeError(f"{len(result.errors)} articles not re-indexed: {result.errors[0][1]}")
            progress["checked"] = min(len(ids), start + BATCH)
            progress["changed"] += len(changed)
            store.put_records(RecordKind.state, {key: progress})
        store.refresh()
        progress["state"] = "done"
    except Exception as exc:  # recorded for the page/API to show; the thread must not die silently
        log.exception("watchlist backfill of %s failed", watchlist_id)
        progress["state"] = "failed"
        progress["error"] = str(exc)[:500]
    progress["finished_at"] = datetime.now(UTC).isoformat()
    store.put_records(RecordKind.state, {key: progress})
    return progress


def start_backfill(store: Store, watchlist_id: str) -> threading.Thread | None:
    """Run the backfill in a background thread, one per watchlist at a time: a change made while one
    runs makes that thread run once more (it may have read the watchlist before the change)."""
    mark_running(store, watchlist_id)
    with _lock:
        if watchlist_id in _running:
            _pending.add(watchlist_id)
            return None
        _running.add(watchlist_id)

    def work() -> None:
        try:
            while True:
                run_backfill(store, watchlist_id)
                with _lock:
                    if watchlist_id not in _pending:
                        _running.discard(watchlist_id)
                        return
                    _pending.discard(watchlist_id)
        finally:
            with _lock:
                _running.discard(watchlist_id)

    thread = threading.Thread(target=work, name=f"vigil-backfill-{watchlist_id}", daemon=True)
    thread.start()
    return thread
