"""The optional reranking step: a protocol and a sentence-transformers CrossEncoder."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from .results import SearchResult


class Reranker(Protocol):
    """A pluggable reranking step: reorders (and may rescore) results."""

    def rerank(self, query: str, results: list[SearchResult]) -> list[SearchResult]: ...


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder, for users who have one (none ships offline)."""

    def __init__(self, name_or_path: str) -> None:
        try:
            from sentence_transformers import CrossEncoder
        except ImportError as error:
            raise ImportError(
                "reranking needs: pip install torch==2.13.0 sentence-transformers"
            ) from error
        self.model = CrossEncoder(name_or_path, device="cpu")

    def rerank(self, query: str, results: list[SearchResult]) -> list[SearchResult]:
        if not results:
            return results
        scores = self.model.predict([(query, r.passage.text) for r in results])
        ranked = sorted(zip(results, scores, strict=True), key=lambda pair: -float(pair[1]))
        return [replace(r, score=float(s)) for r, s in ranked]
