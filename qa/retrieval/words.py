"""Soft coverage: how closely the words of a passage meet the words of a question.

BM25 and the coverage feature count a question's word only where a passage
holds that very word, so a question in its own words ("蓝领", "薪水") meets
nothing in a text that says "产业工人", "工资"; and a passage vector averages
200 characters, so one word's equivalent is blurred. Here each word of the
question scores the best cosine between its vector and the vector of a word of
the passage (``Embedder.embed_words``, stored per collection at ingest:
``CollectionReader.word_vectors``), and a passage scores the mean over the
question's words, weighted by their IDF among the candidates. A passage's
words are those BM25 indexed for it (its text, title, author and section
title), read back from the postings (``TermIndex.passage_terms``): a query
never tokenises a passage again. Measured as the ``soft`` row of
bench/signal_trials.py (over the passage's text alone) and shipped as two
ranker features, the words from the postings measured end to end
(docs/DECISIONS.md, "Soft coverage").

A :class:`WordMatcher` is built once per snapshot (the facade keeps it with
the snapshot). It caches, within a bound, the vectors of the words it has met
as rows of one 16-bit matrix, and each passage's words as row numbers: both
never change within a snapshot, and a query then costs one matrix product and
a few array operations per candidate instead of Python work per word.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from collection.collection import CollectionReader

logger = logging.getLogger(__name__)

# A question's words the collection holds no vector for are embedded with the
# query (~7 ms each with e5 on one core); more than this many are left out. Their
# vectors are kept (up to MAX_KEPT_QUESTION_WORDS): people reuse their words.
MAX_EMBEDDED_QUESTION_WORDS = 2
MAX_KEPT_QUESTION_WORDS = 20_000
# Words whose vectors are cached (then the cache starts again): a query's
# candidates hold a few thousand. 16-bit rows, the matrix at most
# MAX_CACHED_WORDS + one query's words: ~50 MB at 384 dimensions.
MAX_CACHED_WORDS = 60_000

# Embeds a question's unseen words beside the query's own embedding (prepare).
_EMBEDDING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="question-words")


class WordMatcher:
    """Soft coverage of a snapshot's passages for a question."""

    def __init__(self, reader: CollectionReader) -> None:
        self.reader = reader
        self._lock = threading.Lock()
        self._embedded: dict[str, np.ndarray] = {}  # question words the collection never saw
        self._pending: dict[str, Future[dict[str, np.ndarray]]] = {}  # ... being embedded
        self._generation = 0  # how many times the cache started (a query compares)
        self._clear()

    def _clear(self) -> None:
        self._generation += 1
        dimension = self.reader.embedder.dimension
        self._matrix = np.zeros((1024, dimension), dtype=np.float16)  # rows in use: _count
        self._count = 0
        self._row: dict[str, int] = {}  # word -> its row (words with a stored vector)
        self._absent: set[str] = set()  # words without one
        self._passage_rows: dict[int, np.ndarray] = {}  # passage id -> sorted rows of its words

    @property
    def available(self) -> bool:
        """Whether the collection has word vectors (a collection built before them
        has none until its next ingest)."""
        return self.reader.words is not None

    def soft_coverage(self, question_words: Sequence[str], ids: Sequence[int]) -> np.ndarray | None:
        """Per candidate of ``ids``: the IDF-weighted mean over the question's words
        of the best cosine with a word of the passage (the words BM25 indexed for
        it: its text, title, author and section title); None when the collection
        has no word vectors or the question no word."""
        asked = sorted(set(question_words))
        if not self.available or not ids or not asked:
            return None
        # Reading words and vectors happens outside the lock (a database read on
        # PostgreSQL); the lock guards the cache's bookkeeping. Should another
        # query start the cache again meanwhile, this one starts again too.
        for _ in range(3):
            with self._lock:
                if self._count > MAX_CACHED_WORDS:
                    self._clear()
                generation = self._generation
                new = [i for i in ids if i not in self._passage_rows]
            words_of = self.reader.sparse.passage_terms(new) if new else {}
            self._fetch(sorted(set(asked).union(*words_of.values())))
            with self._lock:
                if self._generation != generation:
                    continue
                for passage in new:
                    row = self._row
                    numbers = sorted(row[w] for w in words_of.get(passage, ()) if w in row)
                    self._passage_rows[passage] = np.array(numbers, dtype=np.int64)
                passage_rows = [self._passage_rows[i] for i in ids]
                question_rows = {w: self._row[w] for w in asked if w in self._row}
                matrix = self._matrix[: self._count]
                break
        else:  # the cache started again under this query three times over
            logger.info("soft coverage left out: the word cache is too small for the load")
            return None
        vectors = {w: matrix[row].astype(np.float32) for w, row in question_rows.items()}
        vectors.update(self._embedded_words([w for w in asked if w not in vectors]))
        asked = [w for w in asked if w in vectors]
        if not asked:
            return None
        # Every candidate's word rows end to end, each word's cosines computed once.
        every = np.concatenate([*passage_rows, np.zeros(0, dtype=np.int64)])
        if not len(every):
            return np.zeros(len(ids))
        union, where = np.unique(every, return_inverse=True)
        cosines = np.stack([vectors[w] for w in asked]) @ matrix[union].astype(np.float32).T
        sizes = np.array([len(rows) for rows in passage_rows])
        starts = (np.cumsum(sizes) - sizes)[sizes > 0]
        scores = np.zeros((len(ids), len(asked)))
        # the best per passage: a maximum over each passage's stretch of columns
        scores[sizes > 0] = np.maximum.reduceat(cosines[:, where], starts, axis=1).T
        # IDF among the candidates: how many hold the question's word itself (a
        # passage's rows are distinct, so counting the rows equal to it counts them)
        asked_rows = np.array([question_rows.get(w, -1) for w in asked])
        held = (every[:, None] == asked_rows[None, :]).sum(axis=0)
        weights = np.maximum(np.log((len(ids) + 1) / (held + 0.5)), 0.01)
        return np.asarray(scores @ weights / weights.sum())

    def prepare(self, question_words: Sequence[str]) -> None:
        """Start embedding the question's words the collection has never seen, on
        another thread, while the query is embedded and searched (a lone query
        then waits for the slower of the two, not for both). Words in the BM25
        vocabulary have a stored vector: every word indexed was embedded."""
        if not self.available:
            return
        vocabulary = self.reader.sparse.vocabulary
        chosen = self._chosen([w for w in set(question_words) if w not in vocabulary])
        with self._lock:
            # one word a task: two cores embed two at once (a word costs as much
            # as a batch of two, so batching them would not save that)
            for word in chosen:
                if word not in self._embedded and word not in self._pending:
                    self._pending[word] = _EMBEDDING.submit(self._embed, [word])

    def _embed(self, words: list[str]) -> dict[str, np.ndarray]:
        """Embed question words and keep them; a failure is logged, not kept: the
        words are tried again by the next question that asks them."""
        try:
            embedded = dict(zip(words, self.reader.embedder.embed_words(words), strict=True))
        except Exception as error:  # soft coverage is a ranking signal, never a failure
            logger.warning("question words not embedded (%s): %s", ", ".join(words), error)
            embedded = {}
        with self._lock:
            if len(self._embedded) + len(embedded) > MAX_KEPT_QUESTION_WORDS:
                self._embedded = {}
            self._embedded.update(embedded)
            for word in words:
                self._pending.pop(word, None)
        return embedded

    @staticmethod
    def _chosen(words: list[str]) -> list[str]:
        """The unseen words a question's soft coverage uses: the first
        MAX_EMBEDDED_QUESTION_WORDS in sorted order, whatever was asked before."""
        return sorted(words)[:MAX_EMBEDDED_QUESTION_WORDS]

    def _embedded_words(self, words: list[str]) -> dict[str, np.ndarray]:
        """Vectors of question words the collection has none for: kept from an
        earlier question, being embedded since :meth:`prepare`, or embedded now."""
        chosen = self._chosen(words)
        with self._lock:
            found = {w: self._embedded[w] for w in chosen if w in self._embedded}
            futures = {id(f): f for w in chosen if (f := self._pending.get(w)) is not None}
        for future in futures.values():
            found.update(future.result())
        rest = [w for w in chosen if w not in found]
        if rest:
            found.update(self._embed(rest))
        return {w: found[w] for w in chosen if w in found}

    def _fetch(self, words: Sequence[str]) -> None:
        """Read the vectors of the words not met yet into the cache."""
        with self._lock:
            unknown = [w for w in words if w not in self._row and w not in self._absent]
        if unknown:
            stored = self.reader.word_vectors(unknown)
            with self._lock:
                self._fetch_locked(unknown, stored)

    def _fetch_locked(self, words: Sequence[str], stored: dict[str, np.ndarray]) -> None:
        """Add read vectors to the cache (the lock held; words met since are skipped)."""
        new = [w for w in words if w in stored and w not in self._row]
        if len(new) > len(self._matrix) - self._count:
            size = min(2 * (self._count + len(new)), MAX_CACHED_WORDS + len(new) + 1024)
            grown = np.zeros((max(size, self._count + len(new)), self._matrix.shape[1]), np.float16)
            grown[: self._count] = self._matrix[: self._count]
            self._matrix = grown
        if new:
            self._matrix[self._count : self._count + len(new)] = np.stack([stored[w] for w in new])
            self._row.update(zip(new, range(self._count, self._count + len(new)), strict=True))
        self._count += len(new)
        self._absent.update(w for w in words if w not in stored)
