"""One result per quote (every place it appears listed), and optional diversity (MMR)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..text import normalise
from .results import Location, SearchResult


def _date_key(location: Location) -> tuple[int, str]:
    return (0, location.date) if location.date else (1, "")


def deduplicate(results: list[SearchResult], min_chars: int = 10) -> list[SearchResult]:
    """Merge results that quote the same words: one result per (normalised) best
    sentence - or passage - listing every place it appears, earliest date first.
    The merged result keeps the best score and shows the earliest source."""
    groups: dict[str, list[SearchResult]] = {}
    order: list[str] = []
    for result in results:
        sentence_key = normalise(result.sentence)
        key = sentence_key if len(sentence_key) >= min_chars else normalise(result.passage.text)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(result)
    merged = []
    for key in order:
        group = groups[key]
        locations = sorted(
            {
                loc.passage_id: loc
                for r in group
                for loc in (r.locations or [Location.of(r.passage)])
            }.values(),
            key=_date_key,
        )
        primary = min(group, key=lambda r: _date_key(Location.of(r.passage)))
        best = max(group, key=lambda r: r.score)
        merged.append(replace(primary, score=best.score, locations=locations, signals=best.signals))
    return merged


def mmr(
    results: list[SearchResult], vectors: dict[int, np.ndarray], top_k: int, lambda_: float
) -> list[SearchResult]:
    """Maximal marginal relevance over result scores and passage vectors."""
    if len(results) <= 1:
        return results[:top_k]
    scores = np.array([r.score for r in results], dtype=np.float64)
    span = scores.max() - scores.min() or 1.0
    relevance = (scores - scores.min()) / span
    ids = [r.passage.passage_id for r in results]
    chosen: list[int] = []
    remaining = list(range(len(results)))
    while remaining and len(chosen) < top_k:

        def value(i: int) -> float:
            vector = vectors.get(ids[i])
            similarities = (
                [float(vector @ vectors[ids[j]]) for j in chosen if ids[j] in vectors]
                if vector is not None
                else []
            )
            return lambda_ * float(relevance[i]) - (1 - lambda_) * max(similarities, default=0.0)

        best = max(remaining, key=value)
        chosen.append(best)
        remaining.remove(best)
    return [results[i] for i in chosen]
