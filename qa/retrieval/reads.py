"""What one search reads of its snapshot, each piece once.

The candidates' sentence list, the verbatim-phrase check, the ranking features
and the best sentence of each result ask for overlapping passages and
sentences: reading the same sentence vectors by id three times was ~12 ms of a
search at 81k passages locally, and on PostgreSQL every read is a round trip
(passage outlines were read 2.7 times a search). A :class:`QueryReads` lives
for one search and remembers what it read.
"""

from __future__ import annotations

import numpy as np

from collection.collection import CollectionReader


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
        missing = [k for k in keys if k not in self._cosines and k not in self._absent]
        if missing and self._sentences is not None:
            found = self._sentences.similarities(self.vector, missing)
            self._cosines.update(found)
            self._absent.update(k for k in missing if k not in found)
        return {k: self._cosines[k] for k in keys if k in self._cosines}

    def outlines(self, ids: list[int]) -> dict[int, tuple[str, int]]:
        """Passage id -> (text, number of sentences), as ``passage_outlines`` gives."""
        missing = [i for i in ids if i not in self._outlines and i not in self._gone]
        if missing:
            found = self._store.passage_outlines(missing)
            self._outlines.update(found)
            self._gone.update(i for i in missing if i not in found)
        return {i: self._outlines[i] for i in ids if i in self._outlines}
