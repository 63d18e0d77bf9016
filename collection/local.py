"""The local backend: a collection directory on this machine (SQLite, FAISS and
BM25 files in atomic generations, :mod:`collection.directory`), read by one
process at a time per machine."""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path

from corpus.store import CORPUS_DB, CorpusStore
from embeddings.dense import SENTENCES_NAME, WORDS_NAME, DenseIndex
from embeddings.sparse import BM25Index

from .backend import SnapshotParts
from .directory import IndexDirectory, StagedGeneration
from .errors import CollectionError
from .manifest import Manifest


class LocalBackend:
    """A collection directory: ``manifest.json`` and its generations."""

    def __init__(self, path: Path) -> None:
        self.directory = IndexDirectory(path)

    @property
    def path(self) -> Path:
        return self.directory.path

    @property
    def location(self) -> str:
        return str(self.directory.path)

    def read_manifest(self) -> Manifest:
        return self.directory.read_manifest()

    def exists(self) -> bool:
        return self.directory.exists()

    @contextmanager
    def writer(self, fresh: bool = False) -> Iterator[StagedGeneration]:
        with self.directory.writer(fresh=fresh) as staged:
            yield staged

    def open_parts(self, manifest: Manifest, dimension: int) -> SnapshotParts:
        generation = self.directory.live_generation(manifest)
        if generation is None:
            raise CollectionError(
                f"no collection at {self.location}; build it with: yinwen ingest --index "
                f"{self.location} PATH...  (or --sample)"
            )
        # Every query scans the passage vectors: read them ahead while the rest loads.
        dense = DenseIndex.load(generation, dimension, mapped=True, prefetch=True)
        sparse = BM25Index.load(generation / "bm25")
        sentences = (
            DenseIndex.load(generation, dimension, SENTENCES_NAME, mapped=True)
            if manifest.sentence_vectors
            else None
        )
        # Each query looks up a few thousand word vectors scattered over the file:
        # from a cold page cache that was ~36 ms a query at 81k passages. Read ahead.
        words = (
            DenseIndex.load(generation, dimension, WORDS_NAME, mapped=True, prefetch=True)
            if manifest.has_word_vectors
            else None
        )
        store = CorpusStore(generation / CORPUS_DB, read_only=True)
        return SnapshotParts(store, dense, sparse, sentences, words)

    def version(self) -> Hashable:
        # A stat, not a read: this is checked before every query.
        try:
            stat = os.stat(self.directory.manifest_path)
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def local_directory(self) -> Path:
        return self.directory.path
