"""The knobs of the retrieval pipeline and the filters a search can take."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetrievalSettings:
    """Knobs of the pipeline; defaults are the measured choices in docs/DECISIONS.md."""

    fusion: str = "learned"  # "learned" (the trained ranker; RRF without one), "rrf", "convex"
    rrf_k: int = 60
    dense_weight: float = 1.0
    sparse_weight: float = 1.5  # BM25 over jieba words is the stronger signal on Chinese text
    convex_alpha: float = 0.5  # weight of dense in the convex mix
    candidates: int = 60  # from each retriever
    exact_weight: float = 2.0  # RRF weight of passages containing the query phrase verbatim
    author_weight: float = 1.0  # RRF weight of passages by an author the query names
    title_weight: float = 1.0  # RRF weight of passages of the document whose title the query names
    title_min_coverage: float = 0.35  # share of a title's IDF mass the query must contain
    heading_weight: float = 0.5  # fused score factor for heading-only passages
    mmr_lambda: float = 0.7
    # Which sentence vectors a query is compared with: "all" (one scan of every
    # sentence vector: finds passages neither BM25 nor the passage vectors
    # found), "candidates" (only the sentences of the passages those found), or
    # "auto" (all up to retriever.SENTENCE_SCAN_LIMIT vectors, candidates above).
    sentence_search: str = "auto"


@dataclass(frozen=True)
class Filters:
    """Restrict a search to documents, an author and a date range."""

    doc_ids: tuple[str, ...] = ()
    author: str | None = None
    date_from: str | None = None  # ISO YYYY-MM-DD, inclusive
    date_to: str | None = None

    def __bool__(self) -> bool:
        return bool(self.doc_ids or self.author or self.date_from or self.date_to)
