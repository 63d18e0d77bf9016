"""A LangChain ``VectorStore`` over a yinwen collection.

It sees ingested files as one LangChain ``Document`` per passage
(id ``"<doc_id>#<passage index>"``, metadata = provenance) and texts added
through it as one passage each, returned verbatim with the caller's id and
metadata. Writes go through the collection's atomic generations.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from corpus.store import StoredPassage
from embeddings.base import Embedder, get_embedder, normalise
from embeddings.langchain import LangChainEmbedder, YinwenEmbeddings

from .collection import Collection, CollectionReader, LiveSnapshot, TextRecord


def passage_metadata(passage: StoredPassage) -> dict[str, Any]:
    """What a LangChain Document carries: the caller's metadata, or full provenance."""
    if passage.format == "langchain":
        return dict(passage.metadata)
    return passage.provenance()


def to_document(passage: StoredPassage) -> Document:
    return Document(
        page_content=passage.text, metadata=passage_metadata(passage), id=passage.langchain_id
    )


def _no_derived_view(reader: CollectionReader) -> None:
    """The VectorStore keeps nothing besides the snapshot itself."""


class YinwenVectorStore(VectorStore):
    """A LangChain ``VectorStore`` over a yinwen collection directory."""

    def __init__(
        self,
        index_dir: str | Path,
        embedding: Embeddings | None = None,
        embedder: str | Embedder | None = None,
    ) -> None:
        self.collection = Collection(index_dir)
        self._embedding = embedding
        if embedding is not None:
            self._embedder: Embedder = LangChainEmbedder(embedding)
        else:
            recorded = self.collection.backend.read_manifest().embedder
            name = recorded.name if recorded else None
            self._embedder = (
                embedder if isinstance(embedder, Embedder) else get_embedder(embedder or name)
            )
        self._live = LiveSnapshot(self.collection, _no_derived_view, self._embedder)

    @property
    def embeddings(self) -> Embeddings:
        return self._embedding or YinwenEmbeddings(self._embedder)

    # ----------------------------------------------------------------- reading

    def _current_reader(self) -> CollectionReader | None:
        """The snapshot of the live state (None before anything was added)."""
        if not self.collection.exists():
            return None
        return self._live.current()[0]

    def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        return [doc for doc, _ in self.similarity_search_with_score(query, k, **kwargs)]

    def similarity_search_with_score(
        self, query: str, k: int = 4, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        return self._search(self._embedder.embed_query(query), k)

    def similarity_search_by_vector(
        self, embedding: list[float], k: int = 4, **kwargs: Any
    ) -> list[Document]:
        vector = normalise(np.asarray(embedding))[0]
        return [doc for doc, _ in self._search(vector, k)]

    def _search(self, vector: np.ndarray, k: int) -> list[tuple[Document, float]]:
        reader = self._current_reader()
        if reader is None:
            return []
        hits = reader.dense_search_vector(vector, k)
        passages = {p.passage_id: p for p in reader.store.passages([i for i, _ in hits])}
        return [(to_document(passages[i]), score) for i, score in hits if i in passages]

    def _select_relevance_score_fn(self) -> Callable[[float], float]:
        # Scores are cosine similarities of unit vectors.
        return self._cosine_relevance_score_fn

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        reader = self._current_reader()
        if reader is None:
            return []
        by_id = {p.langchain_id: p for p in reader.store.passages()}
        return [to_document(by_id[i]) for i in ids if i in by_id]

    # ----------------------------------------------------------------- writing

    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        """Add texts verbatim; a missing (None or empty) id gets a fresh UUID."""
        texts = list(texts)
        metadatas = metadatas or [{} for _ in texts]
        given: list[str | None] = list(ids) if ids is not None else [None] * len(texts)
        if len(given) != len(texts) or len(metadatas) != len(texts):
            raise ValueError("texts, metadatas and ids must have the same length")
        final_ids = [i if i else str(uuid.uuid4()) for i in given]
        # The last of several records with one id wins, as in a dict.
        records = {
            i: TextRecord(i, text, dict(meta or {}))
            for i, text, meta in zip(final_ids, texts, metadatas, strict=True)
        }
        self.collection.upsert_texts(list(records.values()), self._embedder)
        return final_ids

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool | None:
        """Delete by id; with no ids, everything added through LangChain. Missing ids are fine."""
        if ids is None:
            reader = self._current_reader()
            if reader is None:
                return True
            ids = [p.langchain_id for p in reader.store.passages() if p.format == "langchain"]
        self.collection.delete_texts(list(ids), self._embedder)
        return True

    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        index_dir: str | Path | None = None,
        **kwargs: Any,
    ) -> YinwenVectorStore:
        if index_dir is None:
            raise ValueError("YinwenVectorStore.from_texts needs index_dir=")
        store = cls(index_dir, embedding=embedding)
        store.add_texts(texts, metadatas, ids=list(ids) if ids is not None else None)
        return store
