"""Which sentence of a passage is the quote, and which passages are only headings."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from corpus.cleaning import ends_sentence
from corpus.store import StoredPassage
from embeddings.sparse import normalise_for_tokens

from ..text import normalise, normalise_folded


@functools.lru_cache(maxsize=256)
def _bigrams(text: str) -> frozenset[str]:
    """Character bigrams of a query (cached: each search asks once per candidate)."""
    compact = normalise(text)
    return frozenset(compact[i : i + 2] for i in range(len(compact) - 1))


def _substring_coverage(query_tokens: set[str], folded: str, idf: dict[str, float]) -> float:
    """Share of the query's IDF mass whose tokens occur in ``folded`` (a text as
    ``normalise_for_tokens`` gives it) as substrings.

    Close to the token-set coverage of ``lexical.coverage`` (jieba's search mode
    emits a compound's parts too) without tokenising every candidate sentence,
    which was a quarter of a search at 30k passages."""
    total = sum(idf.get(t, 0.0) for t in query_tokens)
    if total <= 0:
        return 0.0
    return sum(idf.get(t, 0.0) for t in query_tokens if t in folded) / total


def best_sentences(
    passage: StoredPassage,
    query: str,
    query_tokens: Sequence[str],
    idf: dict[str, float],
    min_chars: int = 12,
    similarities: Sequence[float] | None = None,
) -> list[tuple[int, int]]:
    """The sentence of a passage that best matches the query (IDF-weighted token
    coverage plus character-bigram overlap, and - when ``similarities`` gives
    each sentence's cosine to the query - how close it is in meaning, so a
    paraphrased question still gets the sentence it paraphrases); a very short
    best sentence is extended by its neighbour so a quote can stand alone."""
    spans = passage.sentences or [(passage.start, passage.end)]
    if len(spans) == 1:
        return list(spans)
    offset = passage.start
    query_bigrams = _bigrams(query)
    unique_tokens = set(query_tokens)
    scores = []
    for start, end in spans:
        folded = normalise_for_tokens(passage.text[start - offset : end - offset])
        lexical = _substring_coverage(unique_tokens, folded, idf)
        # A bigram is in the sentence's bigram set exactly when it is a substring.
        compact = normalise_folded(folded)
        overlap = sum(b in compact for b in query_bigrams) / (len(query_bigrams) or 1)
        scores.append(0.7 * lexical + 0.3 * overlap)
    if similarities is not None and len(similarities) == len(spans):
        closeness = np.asarray(similarities, dtype=float)
        spread = float(closeness.max() - closeness.min()) or 1.0
        scores = list(0.5 * np.asarray(scores) + 0.5 * (closeness - closeness.min()) / spread)
    best = int(np.argmax(scores))
    chosen = [spans[best]]
    if spans[best][1] - spans[best][0] < min_chars:
        neighbour = best + 1 if best + 1 < len(spans) else best - 1
        chosen = sorted([spans[best], spans[neighbour]])
    return chosen


def is_heading_passage(passage: StoredPassage) -> bool:
    """A passage made only of heading lines (a title, not a sentence)."""
    return is_heading_text(passage.text)


def is_heading_text(text: str) -> bool:
    """Short text that does not end like a sentence: a heading."""
    return len(text) <= 80 and not ends_sentence(text)
