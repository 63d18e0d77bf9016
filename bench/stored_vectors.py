"""An embedder that answers with the vectors a local collection already holds.

Building the ~100k-passage benchmark collection embeds about 310,000 texts
(81k passages and 229k of their sentences): half an hour of both cores with USE, more
with e5. To build the *same* collection into another backend (PostgreSQL),
``bench/scale.py --database … --reuse-vectors`` hands ingest this embedder:
every passage and sentence text the kept local collection holds gets the
vector stored there, any other text is embedded by the real model. The build
then measures reading, cleaning, BM25 and the backend's writes, not the model.

Stored vectors are 16-bit floats (docs/DECISIONS.md), so the copy differs from a
fresh embedding in the fourth decimal: nothing a speed measurement can see.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from collection import Collection
from collection.collection import embedding_text, sentence_texts
from embeddings.base import Embedder

_CHUNK = 2000


class StoredVectors(Embedder):
    """Vectors by text from a local collection built with ``model``; ``model`` for the rest."""

    def __init__(self, local: Path, model: Embedder) -> None:
        self.model = model
        self.id, self.dimension = model.id, model.dimension
        self.hits = self.misses = 0
        self._table: dict[str, np.ndarray] = {}
        reader = Collection(local).reader(model)
        try:
            ids = sorted(reader.dense.passage_ids())
            sentence_keys = reader.sentences.passage_ids() if reader.sentences else set()
            for start in range(0, len(ids), _CHUNK):
                chunk = reader.store.passages(ids[start : start + _CHUNK])
                vectors = reader.dense.vectors([p.passage_id for p in chunk])
                for passage, vector in zip(chunk, vectors, strict=True):
                    self._table[embedding_text(passage)] = vector
                if reader.sentences is None:
                    continue
                sentences = [pair for p in chunk for pair in sentence_texts(p)]
                kept = [(key, text) for key, text in sentences if key in sentence_keys]
                found = reader.sentences.vectors([key for key, _ in kept])
                for (_, text), vector in zip(kept, found, strict=True):
                    self._table[text] = vector
        finally:
            reader.close()

    def __len__(self) -> int:
        return len(self._table)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        missing = []
        for row, text in enumerate(texts):
            vector = self._table.get(text)
            if vector is None:
                missing.append(row)
            else:
                rows[row] = vector
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if missing:
            rows[missing] = self.model.embed_documents([texts[row] for row in missing])
        return rows

    def embed_query(self, text: str) -> np.ndarray:
        return self.model.embed_query(text)

    def embed_words(self, words: Sequence[str]) -> np.ndarray:
        # words are embedded as the model embeds them (e5: its query prefix), not
        # as passages; a collection's words are few beside its passages
        return self.model.embed_words(words)
