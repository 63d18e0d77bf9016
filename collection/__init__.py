"""yinwen's collection layer: one collection (documents, passages, their vectors
and BM25 postings) kept in step, between the embeddings below and qa above.

:mod:`collection.directory` owns the directory with its atomic generations and
lock, :mod:`collection.collection` the :class:`Collection` that ingests and
removes and the read-only snapshot retrieval uses, :mod:`collection.langchain`
the LangChain ``VectorStore`` over it.
"""

from .backend import default_location, is_database_url
from .collection import Collection, CollectionReader, TextRecord
from .directory import IndexDirectory
from .errors import CollectionError

__all__ = [
    "Collection",
    "CollectionError",
    "CollectionReader",
    "IndexDirectory",
    "TextRecord",
    "default_location",
    "is_database_url",
]
