"""Features of a candidate passage for a query, for the learned ranker.

Everything here is computed from what the retriever already has: the ranks
and scores of the BM25 and dense lists, the IDF-weighted share of the query's
words the passage holds (from the BM25 postings, so no re-tokenising), the
exact-phrase, author and title lists, the passage's shape. Dense cosines are
standardised per query, so the features mean the same for embedders whose
similarity scales differ. Query-level values (how well the best candidate
covers the query's words) let a linear model shift weight from BM25 to dense
when the question is worded differently from the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

FEATURES: tuple[str, ...] = (
    "dense_rank",  # 1 / (rank + 5) in the dense list, 0 if absent
    "sparse_rank",  # the same for BM25
    "dense_z",  # cosine, standardised over the candidates
    "dense_top_gap",  # cosine minus the best cosine of the query
    "bm25_relative",  # BM25 score / best BM25 score of the query
    "coverage",  # IDF-weighted share of the query's words in the passage and its titles
    "coverage_gap",  # coverage minus the best coverage among candidates
    "exact",  # holds a phrase of the query verbatim, or the article it names
    "title_list",  # belongs to the document whose title the query names
    "author_list",  # by an author the query names
    "heading",  # a heading-only passage
    "log_length",  # log of the passage's length in characters
    "dense_when_uncovered",  # dense_z x (1 - best coverage): paraphrase questions
    "sparse_when_covered",  # sparse_rank x best coverage: questions in the text's words
    "sentence_rank",  # 1 / (rank + 5) in the list of passages by their best sentence
    "sentence_z",  # best sentence cosine, standardised over the candidates
    "sentence_top_gap",  # best sentence cosine minus the query's best
    "soft_z",  # soft coverage (words.py), standardised over the candidates
    "soft_gap",  # soft coverage minus the query's best
)
# Zero for a collection without word vectors (built before them).
WORD_FEATURES = ("soft_z", "soft_gap")


@dataclass
class CandidateLists:
    """The ranked lists a query produced, best first."""

    dense: list[tuple[int, float]]
    sparse: list[tuple[int, float]]
    exact: list[int]
    by_author: list[int]
    by_title: list[int]
    # passages by the cosine of their best sentence (a paraphrase matches one
    # sentence better than a 200-character average)
    sentence: list[tuple[int, float]]

    def candidate_ids(self) -> list[int]:
        """Every id any list holds, in first-seen order."""
        seen: dict[int, None] = {}
        for item, _ in self.dense:
            seen.setdefault(item)
        for item, _ in self.sparse:
            seen.setdefault(item)
        for item, _ in self.sentence:
            seen.setdefault(item)
        for extra in (self.exact, self.by_author, self.by_title):
            for item in extra:
                seen.setdefault(item)
        return list(seen)


def _rank_feature(ranking: Sequence[int], ids: Sequence[int]) -> np.ndarray:
    position = {item: rank for rank, item in enumerate(ranking, start=1)}
    return np.array([1.0 / (position[i] + 5) if i in position else 0.0 for i in ids])


def candidate_features(
    ids: Sequence[int],
    lists: CandidateLists,
    cosines: np.ndarray,
    sentence_cosines: np.ndarray,
    coverage: np.ndarray,
    heading: np.ndarray,
    lengths: np.ndarray,
    soft: np.ndarray,
) -> np.ndarray:
    """A (candidates x FEATURES) matrix; the arrays are aligned with ``ids``
    (``sentence_cosines``: the best sentence's cosine, the passage's own for a
    passage of one sentence; ``soft``: soft coverage, zeros for a collection
    without word vectors)."""
    count = len(ids)
    if count == 0:
        return np.zeros((0, len(FEATURES)))
    dense_rank = _rank_feature([i for i, _ in lists.dense], ids)
    sparse_rank = _rank_feature([i for i, _ in lists.sparse], ids)
    spread = float(cosines.std()) or 1.0
    dense_z = (cosines - float(cosines.mean())) / spread
    sentence_z = (sentence_cosines - float(sentence_cosines.mean())) / (
        float(sentence_cosines.std()) or 1.0
    )
    bm25 = dict(lists.sparse)
    best_bm25 = max(bm25.values(), default=0.0) or 1.0
    bm25_relative = np.array([bm25.get(i, 0.0) / best_bm25 for i in ids])
    best_coverage = float(coverage.max())
    exact, authors, titles = set(lists.exact), set(lists.by_author), set(lists.by_title)
    columns = {
        "dense_rank": dense_rank,
        "sparse_rank": sparse_rank,
        "dense_z": dense_z,
        "dense_top_gap": cosines - float(cosines.max()),
        "bm25_relative": bm25_relative,
        "coverage": coverage,
        "coverage_gap": coverage - best_coverage,
        "exact": np.array([float(i in exact) for i in ids]),
        "title_list": np.array([float(i in titles) for i in ids]),
        "author_list": np.array([float(i in authors) for i in ids]),
        "heading": heading.astype(float),
        "log_length": np.log1p(lengths.astype(float)),
        "dense_when_uncovered": dense_z * (1.0 - best_coverage),
        "sparse_when_covered": sparse_rank * best_coverage,
        "sentence_rank": _rank_feature([i for i, _ in lists.sentence], ids),
        "sentence_z": sentence_z,
        "sentence_top_gap": sentence_cosines - float(sentence_cosines.max()),
        **_soft_columns(soft),
    }
    return np.column_stack([columns[name] for name in FEATURES])


def _soft_columns(soft: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "soft_z": (soft - float(soft.mean())) / (float(soft.std()) or 1.0),
        "soft_gap": soft - float(soft.max()),
    }


def with_soft_coverage(features: np.ndarray, soft: np.ndarray) -> np.ndarray:
    """``features`` (from :func:`candidate_features`) with their soft coverage
    columns computed from ``soft`` (aligned with the rows): the retriever knows
    soft coverage only after ranking the candidates without it."""
    filled = features.copy()
    for name, column in _soft_columns(soft).items():
        filled[:, FEATURES.index(name)] = column
    return filled
