"""The PostgreSQL backend: one collection in one database (``--index
postgresql://…`` or ``YINWEN_INDEX``), shared by any number of app servers.

A write is one transaction: corpus rows, vectors, BM25 postings and the
manifest (with a generation number) commit together or not at all, so a
killed ingest leaves the previous state. Writers are serialised by a
transaction-level advisory lock (a second ingest waits for the first; nothing
to clean up if one dies). Readers never wait for a writer (MVCC), and each
app server opens a new snapshot when it sees a new generation.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..backend import SnapshotParts
from ..errors import CollectionError
from ..manifest import FORMAT_VERSION, Manifest, package_version
from .connection import Pool, PooledReads, TransactionWrites, connect, mask_url
from .indexes import PostgresTermIndex, PostgresVectorIndex, read_stored_moments
from .schema import WRITE_LOCK, ensure_vector_tables, prepare, vector_dimension
from .store import PostgresStore

logger = logging.getLogger(__name__)

__all__ = ["PostgresBackend"]

# Tables a rebuild empties (documents cascade to sections, paragraphs, sentences,
# passages and warnings).
_REBUILT = ("documents", "bm25_postings", "bm25_passages", "bm25_terms", "bm25_term_postings")


def _count(database: Any, table: str) -> int:
    return int(database.rows(f"SELECT count(*) FROM {table}")[0][0])


def _vacuum(connection: Any, tables: list[str]) -> None:
    """VACUUM the vector tables a committed write changed (outside its transaction:
    VACUUM cannot run in one). It marks their pages all-visible, so the count(*)
    of every snapshot open reads the primary key's index instead of the table:
    at 81k passages the 229k sentence vectors fill 598 MB, and counting them
    from a cold page cache was 0.78 s of a 2.6 s open (docs/BENCHMARKS.md).
    Autovacuum would do it later; a server opening right after a build should
    not wait for it. Only the pages the write touched are visited. A failure
    (another owner, a read-only replica) is logged; the write stands."""
    if not tables:
        return
    try:
        connection.autocommit = True
        connection.execute(f"VACUUM {', '.join(tables)}")
    except Exception as error:  # psycopg.Error, or a closed connection
        logger.info("VACUUM %s after the write failed: %s", ", ".join(tables), error)


class PostgresStaged:
    """A write in progress, inside the writer's transaction."""

    def __init__(self, writes: TransactionWrites, manifest: Manifest) -> None:
        self.writes = writes
        self.manifest = manifest
        self._store = PostgresStore(writes)
        self.changed_vector_tables: list[str] = []  # known once the indexes are saved

    @property
    def store(self) -> PostgresStore:
        return self._store

    def dense(self, dimension: int) -> PostgresVectorIndex:
        ensure_vector_tables(self.writes, dimension)
        return PostgresVectorIndex(self.writes, "passage_vectors", dimension)

    def sentences(self, dimension: int) -> PostgresVectorIndex:
        ensure_vector_tables(self.writes, dimension)
        return PostgresVectorIndex(self.writes, "sentence_vectors", dimension)

    def words(self, dimension: int) -> PostgresVectorIndex:
        ensure_vector_tables(self.writes, dimension)
        return PostgresVectorIndex(self.writes, "word_vectors", dimension)

    def sparse(self) -> PostgresTermIndex:
        return PostgresTermIndex(self.writes)

    def save_indexes(self, dense: Any, sentences: Any, sparse: Any, words: Any) -> None:
        """Rows are written as they come; what is left is the HNSW decision, the
        packed postings of the terms this write changed, and the vectors' moments."""
        dense.update_search_index()
        sentences.update_search_index()
        sparse.refresh_term_postings()
        dense.store_moments()
        sentences.store_moments()
        self.changed_vector_tables = [i.table for i in (dense, sentences, words) if i.changed]


class PostgresBackend:
    """A collection in a PostgreSQL database with pgvector."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pool = Pool(url)
        with self.pool.connection() as connection:
            prepare(connection, url)
        self.reads = PooledReads(self.pool)

    @property
    def location(self) -> str:
        return mask_url(self.url)

    def _manifest(self, database: Any) -> Manifest:
        rows = database.rows("SELECT manifest FROM yinwen_manifest WHERE id = 1")
        if not rows:
            return Manifest()
        manifest = Manifest.from_dict(rows[0][0])
        if manifest.format_version != FORMAT_VERSION:
            raise CollectionError(
                f"collection format {manifest.format_version} in {self.location} differs from "
                f"this yinwen's ({FORMAT_VERSION}); rebuild with: yinwen ingest --rebuild "
                f"--index {self.location} PATH..."
            )
        return manifest

    def read_manifest(self) -> Manifest:
        return self._manifest(self.reads)

    def exists(self) -> bool:
        return bool(self.reads.rows("SELECT 1 FROM yinwen_manifest WHERE id = 1"))

    def version(self) -> Hashable:
        rows = self.reads.rows("SELECT generation FROM yinwen_manifest WHERE id = 1")
        return int(rows[0][0]) if rows else None

    @contextmanager
    def writer(self, fresh: bool = False) -> Iterator[PostgresStaged]:
        """One transaction; the advisory lock makes a second writer wait for this one."""
        connection = connect(self.url, autocommit=False)
        try:
            with connection.transaction():
                connection.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                writes = TransactionWrites(connection)
                if fresh:
                    for table in _REBUILT:
                        writes.execute(f"DELETE FROM {table}")
                manifest = Manifest() if fresh else self._manifest(writes)
                staged = PostgresStaged(writes, manifest)
                yield staged
                row = writes.rows("SELECT generation FROM yinwen_manifest WHERE id = 1")
                generation = (int(row[0][0]) if row else 0) + 1
                final = staged.manifest.replace(
                    format_version=FORMAT_VERSION,
                    package_version=package_version(),
                    generation=f"g{generation:06d}",
                    updated_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                )
                writes.execute(
                    "INSERT INTO yinwen_manifest (id, generation, manifest) VALUES (1, %s, %s) "
                    "ON CONFLICT (id) DO UPDATE SET generation = EXCLUDED.generation, "
                    "manifest = EXCLUDED.manifest",
                    (generation, json.dumps(final.to_dict(), ensure_ascii=False)),
                )
            _vacuum(connection, staged.changed_vector_tables)
        finally:
            connection.close()

    def open_parts(self, manifest: Manifest, dimension: int) -> SnapshotParts:
        stored = vector_dimension(self.reads, "passage_vectors")
        if stored is not None and stored != dimension:
            raise ValueError(f"dense index has dimension {stored}, embedder gives {dimension}")
        if stored is None:
            raise CollectionError(
                f"no vectors in {self.location}; build them with: yinwen ingest --index "
                f"{self.location} PATH..."
            )
        # Counts, stored moments and term frequencies of one state.
        with self.reads.consistent():
            dense = PostgresVectorIndex(
                self.reads,
                "passage_vectors",
                dimension,
                _count(self.reads, "passage_vectors"),
                read_stored_moments(self.reads, "passage_vectors"),
            )
            sentences = (
                PostgresVectorIndex(
                    self.reads,
                    "sentence_vectors",
                    dimension,
                    _count(self.reads, "sentence_vectors"),
                    read_stored_moments(self.reads, "sentence_vectors"),
                )
                if manifest.sentence_vectors
                else None
            )
            sparse = PostgresTermIndex.load(self.reads)
        # Only read by key: no count, no moments.
        words = (
            PostgresVectorIndex(self.reads, "word_vectors", dimension, length=0)
            if manifest.has_word_vectors
            else None
        )
        return SnapshotParts(
            PostgresStore(self.reads), dense, sparse, sentences, words, self.reads.consistent
        )

    def local_directory(self) -> Path:
        """Uploads and the web secret of this app server: a folder named after the
        database, under $YINWEN_HOME or the user data dir."""
        digest = hashlib.sha256(self.location.encode("utf-8")).hexdigest()[:12]
        home = os.environ.get("YINWEN_HOME")
        if home:
            return Path(home).expanduser() / f"postgres-{digest}"
        from platformdirs import user_data_dir

        return Path(user_data_dir("yinwen")) / f"postgres-{digest}"
