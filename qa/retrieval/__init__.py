"""Hybrid retrieval, one concern per module:

* ``settings`` — :class:`RetrievalSettings`, :class:`Filters`
* ``query`` — reading a query: phrases wanted verbatim, law article labels
* ``lexical`` — IDF-weighted coverage of a query by a text
* ``lexicon`` — a snapshot's titles and authors, indexed once
* ``background`` — how far a cosine stands above the query's similarity to the collection
* ``words`` — soft coverage: how closely a passage's words meet the question's
* ``candidates`` — the exact-phrase, author and title candidate lists
* ``fusion`` — reciprocal rank and convex fusion
* ``sentences`` — the best sentence of a passage; heading-only passages
* ``dedup`` — one result per quote, MMR
* ``rerank`` — the optional reranking step
* ``results`` — :class:`SearchResult`, :class:`Location`, :class:`Signals`
* ``retriever`` — :class:`HybridRetriever`, which wires them to a snapshot
"""

from __future__ import annotations

from .background import Background
from .dedup import deduplicate, mmr
from .fusion import convex_fusion, reciprocal_rank_fusion
from .lexical import coverage, passage_coverage, query_idf
from .lexicon import Lexicon
from .query import article_labels, chinese_number, query_phrases
from .rerank import CrossEncoderReranker, Reranker
from .results import Location, SearchResult, Signals
from .retriever import HybridRetriever
from .sentences import best_sentences, is_heading_passage
from .settings import Filters, RetrievalSettings
from .words import WordMatcher

__all__ = [
    "Background",
    "CrossEncoderReranker",
    "Filters",
    "HybridRetriever",
    "Lexicon",
    "Location",
    "Reranker",
    "RetrievalSettings",
    "SearchResult",
    "Signals",
    "WordMatcher",
    "article_labels",
    "best_sentences",
    "chinese_number",
    "convex_fusion",
    "coverage",
    "deduplicate",
    "is_heading_passage",
    "mmr",
    "passage_coverage",
    "query_idf",
    "query_phrases",
    "reciprocal_rank_fusion",
]
