"""Chinese tokenisation and the persisted, incrementally updated BM25 index.

Tokens come from jieba's search mode (``rjieba``, the Rust port: same
dictionary and cuts, ~18x faster), which emits both compound words and their
parts ("全国总工会" → 全国, 总工, 工会, 总工会, 全国总工会), so a query for
"工会" still matches "全国总工会". Punctuation and a short list of function
words are dropped.

The index is stored term-major (postings sorted by term id) in one ``.npz``
with ``allow_pickle=False`` plus a JSON vocabulary. Adding or removing
passages touches only their postings; statistics (document frequency, average
length) are computed at load time, so they are always exact.
"""

from __future__ import annotations

import json
import math
import re
import threading
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

STOPWORDS = frozenset(
    (
        "的 了 和 与 及 或 是 在 为 对 把 被 将 就 都 而 也 又 并 其 之 以 于 从 由 向 等 这 那 "
        "个 着 过 吗 呢 吧 啊 么 什么 哪些 哪个 怎么 怎样 如何 为什么 是否 有 有没有 一个 "
        "我们 你们 他们 它 他 她 我 你 要 请 给 说 关于 一下 一些 中 上 下 里"
    ).split()
)
_TOKEN_OK = re.compile(r"[\w]", re.UNICODE)

K1 = 1.2
B = 0.75
# Passage ids in the postings: SQLite row ids of one collection stay far below
# 2**31, and half the width of int64 is a quarter of the index's memory.
POSTING_ID = np.int32


def normalise_for_tokens(text: str) -> str:
    """NFKC (full-width letters and digits to half-width) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens without punctuation and function words."""
    import rjieba

    tokens = []
    for token in rjieba.cut_for_search(normalise_for_tokens(text)):
        token = token.strip()
        if not token or token in STOPWORDS or not _TOKEN_OK.search(token):
            continue
        tokens.append(token)
    return tokens


class BM25Index:
    """BM25 over passages, keyed by passage id."""

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self.terms: list[str] = []
        self.posting_terms = np.zeros(0, dtype=np.int32)
        self.posting_ids = np.zeros(0, dtype=POSTING_ID)
        self.posting_tf = np.zeros(0, dtype=np.float32)
        self.ids = np.zeros(0, dtype=np.int64)
        self.lengths = np.zeros(0, dtype=np.float32)
        self._forward_lock = threading.Lock()
        self._prepare()

    # ----------------------------------------------------------------- persistence

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        index = cls()
        matrix = directory / "postings.npz"
        if not matrix.exists():
            return index
        with np.load(matrix, allow_pickle=False) as data:
            index.posting_terms = data["posting_terms"]
            index.posting_ids = data["posting_ids"].astype(POSTING_ID, copy=False)
            index.posting_tf = data["posting_tf"]
            index.ids = data["ids"]
            index.lengths = data["lengths"]
            rows = data["posting_rows"] if "posting_rows" in data.files else None
            # Written in (term, passage) order and saying so: no check of 5M postings.
            in_order = "sorted" in data.files and bool(data["sorted"])
            forward = data["passage_order"] if "passage_order" in data.files else None
        index.terms = json.loads((directory / "vocabulary.json").read_text(encoding="utf-8"))
        index.vocabulary = {term: i for i, term in enumerate(index.terms)}
        index._prepare(rows, known_sorted=in_order)
        if forward is not None and in_order and len(forward) == len(index.posting_ids):
            index._passage_order = forward  # saved with these postings (an older index has none)
        return index

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "vocabulary.json").write_text(
            json.dumps(self.terms, ensure_ascii=False), encoding="utf-8"
        )
        np.savez(
            directory / "postings.npz",
            posting_terms=self.posting_terms,
            posting_ids=self.posting_ids,
            posting_tf=self.posting_tf,
            ids=self.ids,
            lengths=self.lengths,
            # derived, but saving them spares every reader the work at open
            posting_rows=self._posting_rows,
            passage_order=self._passage_major()[0],
            sorted=np.array(True),  # _prepare always leaves the postings in order
        )

    # ----------------------------------------------------------------- updates

    def add(self, ids: Sequence[int], token_lists: Iterable[list[str]]) -> None:
        """Add passages (an id already present is replaced).

        ``token_lists`` may be a generator: postings are collected in compact
        arrays as they come, so a million passages' tokens are never all held
        as Python lists at once (that took 1.5 GB for one 50 MB file).
        """
        if not len(ids):
            return
        if max(ids) > np.iinfo(POSTING_ID).max:
            raise ValueError(f"passage id {max(ids)} is beyond what the BM25 postings hold")
        self.remove(ids)
        terms, posting_ids = array("i"), array("q")
        tfs, lengths = array("f"), array("f")
        for passage_id, tokens in zip(ids, token_lists, strict=True):
            counts = Counter(tokens)
            for token, count in counts.items():
                term = self.vocabulary.get(token)
                if term is None:
                    term = len(self.terms)
                    self.vocabulary[token] = term
                    self.terms.append(token)
                terms.append(term)
                posting_ids.append(passage_id)
                tfs.append(count)
            lengths.append(len(tokens))
        self.posting_terms = np.concatenate([self.posting_terms, np.array(terms, np.int32)])
        self.posting_ids = np.concatenate([self.posting_ids, np.array(posting_ids, POSTING_ID)])
        self.posting_tf = np.concatenate([self.posting_tf, np.array(tfs, np.float32)])
        self.ids = np.concatenate([self.ids, np.asarray(ids, np.int64)])
        self.lengths = np.concatenate([self.lengths, np.array(lengths, np.float32)])
        self._prepare()

    def remove(self, ids: Sequence[int]) -> None:
        """Remove passages; unknown ids are ignored."""
        if not len(ids) or not len(self.ids):
            return
        gone = np.asarray(list(ids), dtype=np.int64)
        keep_postings = ~np.isin(self.posting_ids, gone)
        keep_rows = ~np.isin(self.ids, gone)
        self.posting_terms = self.posting_terms[keep_postings]
        self.posting_ids = self.posting_ids[keep_postings]
        self.posting_tf = self.posting_tf[keep_postings]
        self.ids = self.ids[keep_rows]
        self.lengths = self.lengths[keep_rows]
        self._prepare()

    def _prepare(self, rows: np.ndarray | None = None, known_sorted: bool = False) -> None:
        # Postings sorted by term, then by passage id, so that "which of these
        # passages hold this term" is a binary search in one term's slice. A
        # saved index is already in that order (and says so since 2026-12-02;
        # an older one is checked).
        resorted = not known_sorted and not self._postings_sorted()
        if resorted:
            order = np.lexsort((self.posting_ids, self.posting_terms))
            self.posting_terms = self.posting_terms[order]
            self.posting_ids = self.posting_ids[order]
            self.posting_tf = self.posting_tf[order]
        self._term_starts = np.searchsorted(
            self.posting_terms, np.arange(len(self.terms) + 1, dtype=np.int32)
        )
        self._average_length = float(self.lengths.mean()) if len(self.lengths) else 1.0
        self._passage_order: np.ndarray | None = None  # built on demand: _passage_major
        self._passage_index: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        # Row of each posting's passage in self.ids, so scoring is pure array work
        # (saved with the index; computed when missing or stale).
        if rows is not None and len(rows) == len(self.posting_ids) and not resorted:
            self._posting_rows = rows.astype(np.int32, copy=False)
            return
        by_id = np.argsort(self.ids, kind="stable")
        positions = np.searchsorted(self.ids[by_id], self.posting_ids)
        self._posting_rows = (by_id[positions] if len(by_id) else positions).astype(np.int32)

    def _passage_major(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What :meth:`passage_terms` reads: the postings' positions grouped by
        passage (in the order of ``self.ids``; each passage's in term order), where
        each passage's group starts, and the rows of ``self.ids`` in id order. The
        first is saved with the index (built here, ~0.5 s at 5M postings, for one
        saved before it); the others cost ~20 ms, once a snapshot."""
        with self._forward_lock:
            if self._passage_index is None:
                if self._passage_order is None:
                    order = np.argsort(self._posting_rows, kind="stable")
                    self._passage_order = order.astype(np.int32, copy=False)
                counts = np.bincount(self._posting_rows, minlength=len(self.ids))
                starts = np.concatenate([[0], np.cumsum(counts)])
                by_id = np.argsort(self.ids, kind="stable")
                self._passage_index = (self._passage_order, starts, by_id)
            return self._passage_index

    def _postings_sorted(self) -> bool:
        terms, ids = self.posting_terms, self.posting_ids
        if len(terms) < 2:
            return True
        term_step = np.diff(terms)
        return bool((term_step >= 0).all() and (np.diff(ids)[term_step == 0] > 0).all())

    def _holders(self, term: int, wanted: np.ndarray) -> np.ndarray:
        """Which of ``wanted`` (passage ids) hold ``term``: a binary search each in
        the term's sorted postings."""
        start, end = self._term_starts[term], self._term_starts[term + 1]
        postings = self.posting_ids[start:end]
        if not len(postings):
            return np.zeros(len(wanted), dtype=bool)
        positions = np.minimum(np.searchsorted(postings, wanted), len(postings) - 1)
        return postings[positions] == wanted

    # ----------------------------------------------------------------- search

    def __len__(self) -> int:
        return len(self.ids)

    def passage_ids(self) -> set[int]:
        return {int(i) for i in self.ids}

    def idf(self, token: str) -> float:
        """BM25 inverse document frequency of a token (0 for unknown tokens)."""
        term = self.vocabulary.get(token)
        if term is None or not len(self.ids):
            return 0.0
        df = int(self._term_starts[term + 1] - self._term_starts[term])
        if df == 0:
            return 0.0
        return math.log(1 + (len(self.ids) - df + 0.5) / (df + 0.5))

    def search(
        self, tokens: Sequence[str], top_k: int = 50, allowed: Sequence[int] | None = None
    ) -> list[tuple[int, float]]:
        """(passage id, BM25 score) of the best ``top_k`` passages for query tokens,
        only among ``allowed`` ids when given."""
        return self.search_weighted(Counter(tokens), top_k, allowed)

    def search_weighted(
        self,
        weights: Mapping[str, float],
        top_k: int = 50,
        allowed: Sequence[int] | None = None,
    ) -> list[tuple[int, float]]:
        """BM25 with a weight per query term in place of its count (an expanded
        query gives its added synonyms less weight than the words typed)."""
        if not len(self.ids) or not weights:
            return []
        count = len(self.ids)
        rows_all: list[np.ndarray] = []
        values_all: list[np.ndarray] = []
        for token, query_tf in weights.items():
            term = self.vocabulary.get(token)
            if term is None:
                continue
            start, end = self._term_starts[term], self._term_starts[term + 1]
            if start == end:
                continue
            df = end - start
            idf = math.log(1 + (count - df + 0.5) / (df + 0.5))
            tf = self.posting_tf[start:end]
            rows = self._posting_rows[start:end]
            lengths = self.lengths[rows]
            denominator = tf + K1 * (1 - B + B * lengths / self._average_length)
            rows_all.append(rows)
            values_all.append(query_tf * idf * tf * (K1 + 1) / denominator)
        if not rows_all:
            return []
        accumulated = np.bincount(
            np.concatenate(rows_all), weights=np.concatenate(values_all), minlength=count
        )
        if allowed is not None:
            accumulated[~np.isin(self.ids, np.asarray(list(allowed), dtype=np.int64))] = 0.0
        top_k = min(top_k, int((accumulated > 0).sum()))
        if top_k <= 0:
            return []
        best = np.argpartition(-accumulated, top_k - 1)[:top_k]
        # By score, then by passage id, as the PostgreSQL index orders them: equal
        # scores are common (the same words in passages of the same length), so
        # every passage tied with the last one kept competes for its place.
        tied = np.flatnonzero(accumulated >= accumulated[best].min())
        best = tied[np.lexsort((self.ids[tied], -accumulated[tied]))][:top_k]
        return [(int(self.ids[row]), float(accumulated[row])) for row in best]

    def term_matches(self, tokens: Sequence[str], ids: Sequence[int]) -> np.ndarray:
        """A boolean matrix: row i, column j tells whether passage ``ids[i]`` holds
        the j-th of ``tokens`` (in its text, title or author). Cost grows with the
        tokens' posting lists, not with the collection."""
        matrix = np.zeros((len(ids), len(tokens)), dtype=bool)
        if not len(ids) or not len(self.ids):
            return matrix
        wanted = np.asarray(list(ids), dtype=np.int64)
        for column, token in enumerate(tokens):
            term = self.vocabulary.get(token)
            if term is not None:
                matrix[:, column] = self._holders(term, wanted)
        return matrix

    def passage_terms(self, ids: Sequence[int]) -> dict[int, list[str]]:
        """The distinct terms indexed for each of ``ids`` (its text, title, author
        and section title; in no particular order), unknown ids left out: read
        from the postings, so a passage is never tokenised again."""
        wanted = np.asarray(list(ids), dtype=np.int64)
        if not len(wanted) or not len(self.ids):
            return {}
        order, starts, by_id = self._passage_major()
        places = np.minimum(np.searchsorted(self.ids, wanted, sorter=by_id), len(by_id) - 1)
        rows = by_id[places]
        terms = self.terms
        found = {}
        for passage, row, known in zip(wanted, rows, self.ids[rows] == wanted, strict=True):
            if known:
                held = self.posting_terms[order[starts[row] : starts[row + 1]]]
                found[int(passage)] = [terms[t] for t in held.tolist()]
        return found

    def passages_with_all(self, tokens: Sequence[str], limit: int = 200) -> list[int]:
        """Ids of passages holding every one of the (up to three rarest) tokens:
        candidates for a verbatim phrase, found from the postings instead of a
        scan of every passage's text. Empty if a token is unknown."""
        terms = []
        for token in set(tokens):
            term = self.vocabulary.get(token)
            if term is None:
                return []
            terms.append((int(self._term_starts[term + 1] - self._term_starts[term]), term))
        if not terms:
            return []
        rarest = sorted(terms)[:3]
        start, end = self._term_starts[rarest[0][1]], self._term_starts[rarest[0][1] + 1]
        holders = self.posting_ids[start:end]  # sorted: the first ``limit`` are the lowest ids
        for _, term in rarest[1:]:
            holders = holders[self._holders(term, holders)]
        return [int(i) for i in holders[:limit]]
