"""Lexical measures over jieba tokens: IDF-weighted coverage of a query by a text."""

from __future__ import annotations

import math
from collections.abc import Sequence

from collection.backend import TermIndex
from corpus.store import StoredPassage
from embeddings.sparse import tokenize


def coverage(query_tokens: Sequence[str], text_tokens: set[str], idf: dict[str, float]) -> float:
    """Share of the query's IDF mass whose tokens occur in a text (0..1).

    ``idf`` must hold every query token; a token the collection never saw
    should carry the largest IDF (it is the most specific word of the query
    and nothing covers it).
    """
    unique = set(query_tokens)
    total = sum(idf.get(t, 0.0) for t in unique)
    if total <= 0:
        return 0.0
    return sum(idf.get(t, 0.0) for t in unique if t in text_tokens) / total


def query_idf(tokens: Sequence[str], sparse: TermIndex) -> dict[str, float]:
    """IDF of each query token; unseen tokens get the IDF of a word in no passage."""
    unseen = math.log(1 + (len(sparse) + 0.5) / 0.5)
    return {t: sparse.idf(t) or unseen for t in set(tokens)}


def passage_coverage(
    query_tokens: Sequence[str], idf: dict[str, float], passage: StoredPassage
) -> float:
    """IDF-weighted share of the query's tokens found in a passage and its titles."""
    text_tokens = set(tokenize(passage.text)) | set(
        tokenize(" ".join(filter(None, [passage.title, passage.section_title, passage.author])))
    )
    return coverage(query_tokens, text_tokens, idf)
