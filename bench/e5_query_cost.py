"""An embedder that pays e5's query cost over vectors this machine can afford to build.

Building the ~100k-passage scale collection with e5 embeds about 310,000 texts
(81k passages and their sentences); at the 3-19 passages/s e5 reaches here
(docs/BENCHMARKS.md) that is hours of both cores. What a *search* costs at that
size depends on the model only through the query's embedding; everything
else (the scans of 81k 384-dimension passage vectors and of the candidates'
sentence vectors, BM25, SQLite, ranking) depends on the shapes. So
``bench/scale.py --embedder e5-query-cost`` builds the collection with
384-dimension hash vectors (e5's dimension, model-free) and, on every query,
runs the real e5 query embedding before searching with the hash query
vector: the latency measured is e5's, the rankings are the hash embedder's.
Its id differs from e5's, so such a collection can never be opened as an e5 one.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from embeddings import base
from embeddings.base import E5Small, Embedder, HashEmbedder

NAME = "e5-query-cost"


class E5QueryCost(Embedder):
    """Hash vectors of e5's dimension; each query also embedded by e5, the result unused.

    e5 loads in ``warm_up`` (which a snapshot starts as it opens, as it does for
    USE), not when this is built: a build and a re-ingest of an unchanged folder
    never load it, and its loading counts in "open + first search"."""

    dimension = E5Small.dimension

    def __init__(self) -> None:
        self.hash = HashEmbedder(self.dimension)
        self.id = f"{self.hash.id}+e5-query-cost"
        self._e5: E5Small | None = None
        self._loading = threading.Lock()

    def warm_up(self) -> None:
        with self._loading:
            if self._e5 is None:
                # As in a one-shot command, not tuned for serving: a query on one core.
                self._e5 = E5Small()

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self.hash.embed_documents(texts)

    def embed_words(self, words: Sequence[str]) -> np.ndarray:
        # A question's unseen words (a few) pay e5's cost as a query does; an
        # ingest's thousands of words are hashed like its passages.
        if len(words) < base.BATCH_SIZE:
            self.warm_up()
            assert self._e5 is not None
            self._e5.embed_words(words)
        return self.hash.embed_documents(words)

    def embed_query(self, text: str) -> np.ndarray:
        self.warm_up()
        assert self._e5 is not None
        self._e5.embed_query(text)  # the cost being measured
        return self.hash.embed_query(text)


def register() -> None:
    """Make ``get_embedder(NAME)`` return this embedder in this process."""
    base._cache[NAME] = E5QueryCost()
