"""What one search reads of its snapshot, each piece once.

The candidates' sentence list, the verbatim-phrase check, the ranking features
and the best sentence of each result ask for overlapping passages and
sentences: reading the same sentence vectors by id three times was ~12 ms of a
search at 81k passages locally, and on PostgreSQL every read is a round trip
(passage outlines were read 2.7 times a search). A :class:`QueryReads` lives
for one search and remembers what it read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from collection.collection import CollectionReader

Value = TypeVar("Value")


class QueryReads:
    """One query's sentence cosines and passage outlines, each read once."""

    def __init__(self, reader: CollectionReader, vector: np.ndarray) -> None:
        self.vector = vector
        self._sentences = reader.sentences
        self._store = reader.store
        self._cosines: dict[int, float] = {}
        self._outlines: dict[int, tuple[str, int]] = {}
        self._absent: set[int] = set()  # sentence keys the index lacks
        self._gone: set[int] = set()  # passage ids the store lacks

    def sentence_cosines(self, keys: list[int]) -> dict[int, float]:
        """Cosine of the query with each of these sentence vectors (keys the index
        lacks are left out)."""
        sentences = self._sentences
        if sentences is None:
            return {}
        read = functools.partial(sentences.similarities, self.vector)
        return _read_once(self._cosines, self._absent, keys, read)

    def outlines(self, ids: list[int]) -> dict[int, tuple[str, int]]:
        """Passage id -> (text, number of sentences), as ``passage_outlines`` gives."""
        return _read_once(self._outlines, self._gone, ids, self._store.passage_outlines)


def _read_once(
    known: dict[int, Value],
    absent: set[int],
    keys: list[int],
    read: Callable[[list[int]], dict[int, Value]],
) -> dict[int, Value]:
    """The values of ``keys``, reading only those neither ``known`` nor ``absent``
    (and remembering what the read gave, or that it gave nothing)."""
    missing = [k for k in keys if k not in known and k not in absent]
    if missing:
        found = read(missing)
        known.update(found)
        absent.update(k for k in missing if k not in found)
    return {k: known[k] for k in keys if k in known}
