"""Fusing ranked candidate lists into one score per passage (pure functions)."""

from __future__ import annotations

from collections.abc import Sequence


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], weights: Sequence[float] | None = None, k: int = 60
) -> dict[int, float]:
    """RRF: each list adds ``weight / (k + rank)`` (rank from 1) to each id it holds."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def convex_fusion(
    dense: Sequence[tuple[int, float]], sparse: Sequence[tuple[int, float]], alpha: float
) -> dict[int, float]:
    """``alpha * dense + (1 - alpha) * bm25`` after min-max scaling each list to [0, 1];
    an id missing from a list scores 0 there."""

    def scaled(pairs: Sequence[tuple[int, float]]) -> dict[int, float]:
        if not pairs:
            return {}
        values = [score for _, score in pairs]
        low, high = min(values), max(values)
        span = high - low or 1.0
        return {item: (score - low) / span for item, score in pairs}

    dense_scaled, sparse_scaled = scaled(dense), scaled(sparse)
    return {
        item: alpha * dense_scaled.get(item, 0.0) + (1 - alpha) * sparse_scaled.get(item, 0.0)
        for item in set(dense_scaled) | set(sparse_scaled)
    }
