"""The collection directory: its manifest, its generations and the writer lock.

Layout of one collection (``--index DIR``)::

    DIR/manifest.json        format version, generation, embedder, chunking, documents
    DIR/g000007/corpus.sqlite    documents, sections, paragraphs, sentences, passages
    DIR/g000007/dense.faiss      written by the embeddings layer
    DIR/g000007/bm25/            written by the embeddings layer
    DIR/uploads/             files added through the web page

Writes never touch the live generation: :meth:`IndexDirectory.writer` copies
it to a staging directory, the caller changes the copy, and the switch is one
atomic ``os.replace`` of ``manifest.json``. A crash or ``kill -9`` at any
moment leaves the previous generation readable; a stale staging directory is
removed by the next write.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from corpus.store import CORPUS_DB, CorpusStore
from embeddings.dense import SENTENCES_NAME, WORDS_NAME, DenseIndex
from embeddings.sparse import BM25Index

from .errors import CollectionError, SnapshotMoved
from .manifest import FORMAT_VERSION, Manifest, package_version

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"


class IndexDirectory:
    """One collection on disk: the manifest and its generations."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path).expanduser()

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    def exists(self) -> bool:
        return self.manifest_path.exists()

    def read_manifest(self) -> Manifest:
        """The manifest; an empty one for a new collection."""
        if not self.manifest_path.exists():
            return Manifest()
        try:
            data: dict[str, Any] = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CollectionError(
                f"索引清单损坏 {self.manifest_path}: {error}; "
                f"rebuild with: yinwen ingest --rebuild --index {self.path} PATH..."
            ) from error
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise CollectionError(
                f"索引格式版本 {version} 与本程序 ({FORMAT_VERSION}) 不符; rebuild with: "
                f"yinwen ingest --rebuild --index {self.path} PATH..."
            )
        return Manifest.from_dict(data)

    def live_generation(self, manifest: Manifest | None = None) -> Path | None:
        """The directory of the generation ``manifest`` names (by default the one
        the manifest on disk names now)."""
        generation = (manifest or self.read_manifest()).generation
        if not generation:
            return None
        path = self.path / generation
        if not path.is_dir():
            if manifest is not None and self.read_manifest().generation != generation:
                raise SnapshotMoved(f"{generation} was replaced while opening {self.path}")
            raise CollectionError(
                f"索引目录缺少 {generation}; rebuild with: yinwen ingest --rebuild "
                f"--index {self.path} PATH..."
            )
        return path

    @contextlib.contextmanager
    def writer(self, fresh: bool = False) -> Iterator[StagedGeneration]:
        """Stage a new generation; commit it atomically when the block ends without error.

        ``fresh`` starts from an empty generation instead of a copy (rebuild).
        """
        self.path.mkdir(parents=True, exist_ok=True)
        with _exclusive_lock(self.path / ".lock"):
            self._remove_stale_staging()
            manifest = Manifest() if fresh else self.read_manifest()
            live = None if fresh else self.live_generation()
            number = _next_generation_number(self.path)
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.path))
            if live is not None:
                for item in live.iterdir():
                    target = staging / item.name
                    if item.is_dir():
                        shutil.copytree(item, target)
                    else:
                        shutil.copy2(item, target)
            staged = StagedGeneration(staging, manifest)
            try:
                yield staged
                staged.close()
                name = f"g{number:06d}"
                final = self.path / name
                os.replace(staging, final)
                _fsync_directory(self.path)
                manifest = staged.manifest.replace(
                    format_version=FORMAT_VERSION,
                    package_version=package_version(),
                    generation=name,
                    updated_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                )
                _atomic_write(
                    self.manifest_path,
                    json.dumps(manifest.to_dict(), ensure_ascii=False, indent=2),
                )
                if live is not None and live != final:
                    shutil.rmtree(live, ignore_errors=True)
            except BaseException:
                staged.close()
                shutil.rmtree(staging, ignore_errors=True)
                raise

    def _remove_stale_staging(self) -> None:
        live = self.read_manifest().generation
        for item in self.path.iterdir():
            stale_generation = item.name.startswith("g") and item.name != live and item.is_dir()
            if item.name.startswith(".staging-") or (stale_generation and item.name[1:].isdigit()):
                shutil.rmtree(item, ignore_errors=True)


class StagedGeneration:
    """A generation being written: its directory, its corpus store, its indexes, its manifest."""

    def __init__(self, path: Path, manifest: Manifest) -> None:
        self.path = path
        self.manifest = manifest
        self._store: CorpusStore | None = None

    @property
    def store(self) -> CorpusStore:
        if self._store is None:
            self._store = CorpusStore(self.path / CORPUS_DB)
        return self._store

    def dense(self, dimension: int) -> DenseIndex:
        return DenseIndex.load(self.path, dimension)

    def sentences(self, dimension: int) -> DenseIndex:
        return DenseIndex.load(self.path, dimension, SENTENCES_NAME)

    def words(self, dimension: int) -> DenseIndex:
        return DenseIndex.load(self.path, dimension, WORDS_NAME)

    def sparse(self) -> BM25Index:
        return BM25Index.load(self.path / "bm25")

    def save_indexes(self, dense: Any, sentences: Any, sparse: Any, words: Any) -> None:
        dense.save(self.path)
        sentences.save(self.path)
        sparse.save(self.path / "bm25")
        words.save(self.path)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def _next_generation_number(path: Path) -> int:
    numbers = [
        int(item.name[1:])
        for item in path.iterdir()
        if item.name.startswith("g") and item.name[1:].isdigit()
    ]
    return max(numbers, default=0) + 1


def _atomic_write(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync_directory(path.parent)


def _fsync_directory(path: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    """One writer per collection; a second ingest waits (or fails after a while)."""
    import fcntl

    with open(path, "w") as handle:
        deadline = time.monotonic() + 600
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise CollectionError(f"另一个写入进程正在使用 {path.parent}") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
