"""LangChain adapters for embedders: any yinwen embedder as LangChain
``Embeddings``, any LangChain ``Embeddings`` as a yinwen embedder. The
``VectorStore`` over a collection is :mod:`collection.langchain`'s."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from .base import Embedder, get_embedder, normalise


class YinwenEmbeddings(Embeddings):
    """A yinwen embedder (by name or instance) as LangChain ``Embeddings``."""

    def __init__(self, embedder: str | Embedder | None = None) -> None:
        self.embedder = embedder if isinstance(embedder, Embedder) else get_embedder(embedder)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[float(x) for x in row] for row in self.embedder.embed_documents(texts)]

    def embed_query(self, text: str) -> list[float]:
        return [float(x) for x in self.embedder.embed_query(text)]


class LangChainEmbedder(Embedder):
    """Any LangChain ``Embeddings`` as a yinwen embedder (vectors are L2-normalised)."""

    def __init__(self, embeddings: Embeddings, name: str | None = None) -> None:
        self.embeddings = embeddings
        probe = np.asarray(embeddings.embed_query("维度探测 dimension probe"), dtype=np.float32)
        self.dimension = int(probe.shape[-1])
        label = name or type(embeddings).__name__
        self.id = f"langchain:{label}:{self.dimension}"

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return normalise(np.asarray(self.embeddings.embed_documents(list(texts))))

    def embed_query(self, text: str) -> np.ndarray:
        return normalise(np.asarray(self.embeddings.embed_query(text)))[0]
