"""Enrichment API for crawlers/ and the CLI: topic, tone, entities and watchlist matches for articles.

Duck-typed: an article is any pydantic model with `title`, `sapo` and `body` (store.models.Article), and
the result is `type(article).model_validate({...})` with `topic`, `topic_score`, `tone`, `tone_score`,
`entities` and `watchlists` set. This module never imports store/. Models are loaded once per process
(nlp.modelstore.get_model); pass `model_dir` to use models other than the shipped ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from nlp.entities import extract_entities
from nlp.features import tone_input, topic_input
from nlp.modelstore import get_model
from nlp.normalize import fold, normalize
from nlp.watchlists import Watchlist, matched_terms

A = TypeVar("A")


def analyse_texts(
    parts: Sequence[tuple[str, str, str]],
    watchlists: Iterable[Watchlist] = (),
    *,
    model_dir: Path | None = None,
) -> list[dict[str, Any]]:
    """For each (title, lead, body): the enrichment fields as a dict (one batched model call per task)."""
    if not parts:
        return []
    lists = list(watchlists)
    topic_model = get_model("topic", model_dir)
    tone_model = get_model("tone", model_dir)
    clean = [(normalize(t), normalize(s), normalize(b)) for t, s, b in parts]  # once per article
    topic_proba = topic_model.pipeline.predict_proba([topic_input(*p) for p in clean])
    tone_proba = tone_model.pipeline.predict_proba([tone_input(*p) for p in clean])
    results = []
    for (title, lead, body), tp, tn in zip(clean, topic_proba, tone_proba, strict=True):
        full = "\n".join(x for x in (title, lead, body) if x)
        entities = extract_entities(full, normalized=True)
        watch = matched_terms(full, lists) if lists else []
        ids = list(dict.fromkeys(wid for wid, _ in watch))
        for _wid, term in watch:
            entry = {"text": term, "type": "WATCH", "normalized": fold(term)}
            if entry not in entities:
                entities.append(entry)
        t_idx, n_idx = int(tp.argmax()), int(tn.argmax())
        results.append(
            {
                "topic": topic_model.classes[t_idx],
                "topic_score": round(float(tp[t_idx]), 4),
                "tone": tone_model.classes[n_idx],
                "tone_score": round(float(tn[n_idx]), 4),
                "entities": entities,
                "watchlists": ids,
            }
        )
    return results


def _parts(article: Any) -> tuple[str, str, str]:
    return (
        getattr(article, "title", "") or "",
        getattr(article, "sapo", "") or "",
        getattr(article, "body", "") or "",
    )


def enrich_batch(
    articles: Sequence[A], watchlists: Iterable[Watchlist] = (), *, model_dir: Path | None = None
) -> list[A]:
    """Enriched copies of `articles` (same model class), classified in one batch."""
    fields = analyse_texts([_parts(a) for a in articles], watchlists, model_dir=model_dir)
    return [
        type(a).model_validate({**a.model_dump(), **f})  # type: ignore[attr-defined]
        for a, f in zip(articles, fields, strict=True)
    ]


def enrich(article: A, watchlists: Iterable[Watchlist] = (), *, model_dir: Path | None = None) -> A:
    """An enriched copy of one article."""
    return enrich_batch([article], watchlists, model_dir=model_dir)[0]
