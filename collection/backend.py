"""The backend protocol: where a collection lives, and the few things
:class:`collection.collection.Collection` asks of it.

Two backends implement it: the local directory (:mod:`collection.local`: SQLite,
FAISS and BM25 files in atomic generations) and a PostgreSQL database with
pgvector (:mod:`collection.postgres`). Everything above (ingest, remove, the
snapshot retrieval reads) is written once, against these protocols.

A backend hands out three parts, the same shape in both:

- a corpus store (documents, passages, sentences, warnings): :class:`CorpusReads`
  for searching, :class:`CorpusWrites` while a write is staged;
- vector indexes (passages; sentences keyed ``passage id * SENTENCE_SLOTS + n``;
  the passages' words keyed by ``word_key``): :class:`VectorIndex`;
- a BM25 index over jieba tokens: :class:`TermIndex`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Container, Hashable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from corpus.model import Document
from corpus.store import StoredDocument, StoredPassage

from .manifest import Manifest


class CorpusReads(Protocol):
    """What retrieval and the pages read of the corpus."""

    def documents(self) -> list[StoredDocument]: ...
    def passages(self, ids: list[int] | None = None) -> list[StoredPassage]: ...
    def passage_ids(self) -> list[int]: ...
    def passage_outlines(self, ids: list[int]) -> dict[int, tuple[str, int]]: ...
    def article_heads(self) -> list[tuple[str, int]]: ...
    def paragraph_text(self, doc_id: str, paragraph_index: int) -> tuple[int, int, str] | None: ...
    def document_text(self, doc_id: str) -> str | None: ...
    def filtered_passage_ids(
        self,
        doc_ids: list[str] | None = None,
        author: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        quoted: bool = False,
    ) -> list[int]: ...
    def quoted_speakers(self) -> list[str]: ...
    def titles(self) -> dict[str, str]: ...
    def authors(self) -> list[str]: ...
    def count(self, table: str) -> int: ...
    def close(self) -> None: ...


class CorpusWrites(CorpusReads, Protocol):
    """What ingest (corpus.ingest) and the collection change in a staged write."""

    def document_hashes(self) -> dict[str, tuple[str, str, str]]: ...
    def put_document(
        self, doc_id: str, document: Document, passage_warnings: list[list[str]]
    ) -> tuple[list[int], list[int]]: ...
    def update_content_hash(self, doc_id: str, content_hash: str) -> None: ...
    def remove_document(self, doc_id: str) -> list[int]: ...


class VectorIndex(Protocol):
    """Unit vectors by integer key; scores are inner products (cosines)."""

    def __len__(self) -> int: ...
    def search(
        self, vector: np.ndarray, top_k: int = 50, allowed: Sequence[int] | None = None
    ) -> list[tuple[int, float]]: ...
    def vectors(self, ids: Sequence[int] | np.ndarray) -> np.ndarray: ...
    def stored_vectors(self, ids: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...
    def present(self, ids: Sequence[int] | np.ndarray) -> np.ndarray: ...
    def similarities(self, vector: np.ndarray, ids: Sequence[int]) -> dict[int, float]: ...
    def passage_ids(self) -> set[int]: ...
    def moments(self) -> tuple[np.ndarray, np.ndarray] | None: ...
    def add(self, ids: Sequence[int], vectors: np.ndarray) -> None: ...
    def remove(self, ids: Sequence[int]) -> None: ...
    def remove_sentences_of(self, passage_ids: Sequence[int]) -> None: ...
    def sentence_passages(self) -> set[int]: ...


class TermIndex(Protocol):
    """BM25 over passages' jieba tokens, with the postings retrieval reads."""

    @property
    def vocabulary(self) -> Container[str]: ...
    def __len__(self) -> int: ...
    def idf(self, token: str) -> float: ...
    def search(
        self, tokens: Sequence[str], top_k: int = 50, allowed: Sequence[int] | None = None
    ) -> list[tuple[int, float]]: ...
    def term_matches(self, tokens: Sequence[str], ids: Sequence[int]) -> np.ndarray: ...
    def passages_with_all(self, tokens: Sequence[str], limit: int = 200) -> list[int]: ...
    def passage_terms(self, ids: Sequence[int]) -> dict[int, list[str]]: ...
    def passage_ids(self) -> set[int]: ...
    def add(self, ids: Sequence[int], token_lists: Iterable[list[str]]) -> None: ...
    def remove(self, ids: Sequence[int]) -> None: ...


class StagedWrite(Protocol):
    """A write in progress: nothing of it is visible until the writer's block ends
    without error; an error (or a killed process) leaves the previous state."""

    manifest: Manifest

    @property
    def store(self) -> CorpusWrites: ...
    def dense(self, dimension: int) -> VectorIndex: ...
    def sentences(self, dimension: int) -> VectorIndex: ...
    def words(self, dimension: int) -> VectorIndex: ...
    def sparse(self) -> TermIndex: ...
    def save_indexes(
        self, dense: VectorIndex, sentences: VectorIndex, sparse: TermIndex, words: VectorIndex
    ) -> None: ...


@dataclass
class SnapshotParts:
    """The read-only parts of one committed state."""

    store: CorpusReads
    dense: VectorIndex
    sparse: TermIndex
    sentences: VectorIndex | None
    # Vectors of the words of the passages, keyed by embeddings.dense.word_key;
    # None for a collection built before them (its next ingest adds them).
    words: VectorIndex | None = None
    # Makes the reads of a block see one committed state (a database backend's
    # transaction); a local generation never changes, so it needs none.
    consistent: Callable[[], AbstractContextManager[None]] = nullcontext


class Backend(Protocol):
    """Where a collection lives."""

    @property
    def location(self) -> str:
        """How the user names it (a directory, or a database URL without its password)."""
        ...

    def read_manifest(self) -> Manifest: ...
    def exists(self) -> bool: ...
    def writer(self, fresh: bool = False) -> AbstractContextManager[StagedWrite]:
        """Stage a write; one writer at a time per collection (the others wait)."""
        ...

    def open_parts(self, manifest: Manifest, dimension: int) -> SnapshotParts:
        """The read-only parts of the state ``manifest`` describes."""
        ...

    def version(self) -> Hashable:
        """Changes whenever a write commits: the cue to open a new snapshot."""
        ...

    def local_directory(self) -> Path:
        """Where this machine keeps files of the collection (uploads, web secret)."""
        ...


def is_database_url(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def default_location() -> str | Path:
    """``$YINWEN_INDEX`` (a directory or a ``postgresql://`` URL), else
    ``$YINWEN_HOME/default``, else the user data dir."""
    value = os.environ.get("YINWEN_INDEX")
    if value:
        return value if is_database_url(value) else Path(value).expanduser()
    if os.environ.get("YINWEN_HOME"):
        return Path(os.environ["YINWEN_HOME"]).expanduser() / "default"
    from platformdirs import user_data_dir

    return Path(user_data_dir("yinwen")) / "default"


def open_backend(location: str | Path, **options: Any) -> Backend:
    """The backend for a directory or a ``postgresql://`` URL."""
    if is_database_url(location):
        from .postgres import PostgresBackend

        return PostgresBackend(str(location), **options)
    from .local import LocalBackend

    return LocalBackend(Path(location))
