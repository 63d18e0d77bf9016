"""A collection: the corpus store, the dense index and the BM25 index, kept in step.

:class:`Collection` writes (ingest, remove) through its backend's writer
(:mod:`collection.backend`: a local directory or PostgreSQL), so every change is
staged and switched in atomically; :class:`CollectionReader` is the read-only
snapshot that retrieval uses, and :class:`LiveSnapshot` reopens it when a write
commits (the one place that knows when to).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np

from corpus.ingest import (
    FileResult,
    IngestReport,
    IngestSettings,
    discover,
    file_signature,
    hash_file,
    path_key,
)
from corpus.ingest import ingest as ingest_files
from corpus.ingest import remove as remove_documents
from corpus.model import Document, Paragraph, Passage, Section, Sentence
from corpus.segment import split_sentences
from corpus.store import LANGCHAIN_PREFIX, StoredDocument, StoredPassage
from embeddings.base import (
    DEFAULT_EMBEDDER,
    Embedder,
    EmbedderError,
    get_embedder,
    warm_up_in_background,
)
from embeddings.dense import SENTENCE_SLOTS, word_key
from embeddings.sparse import tokenize

from .backend import (
    Backend,
    CorpusReads,
    CorpusWrites,
    StagedWrite,
    TermIndex,
    VectorIndex,
    is_database_url,
    open_backend,
)
from .directory import IndexDirectory
from .errors import CollectionError, SnapshotMoved
from .manifest import (
    WORD_VECTORS_VERSION,
    BM25Record,
    DocumentRecord,
    EmbedderRecord,
    FailedFile,
    Manifest,
)

logger = logging.getLogger(__name__)

TOKENIZER_ID = "rjieba-search-v1"
# Passages read from the store at a time while indexing.
_CHUNK = 2000
Progress = Callable[[int, int, str], None]
Opened = TypeVar("Opened")


def embedding_text(passage: StoredPassage) -> str:
    """What the embedder sees for a passage: its text alone (see docs/DECISIONS.md)."""
    return passage.text


def sentence_texts(passage: StoredPassage) -> list[tuple[int, str]]:
    """(key in the sentence index, text) of each sentence that gets a vector of its
    own: none for a passage of one sentence (the passage vector is its vector)."""
    if len(passage.sentences) < 2:
        return []
    return [
        (
            passage.passage_id * SENTENCE_SLOTS + number,
            passage.text[start - passage.start : end - passage.start],
        )
        for number, (start, end) in enumerate(passage.sentences[:SENTENCE_SLOTS])
    ]


def bm25_text(passage: StoredPassage) -> str:
    """What BM25 indexes: the passage plus its title, section title and author."""
    parts = [passage.text, passage.title or "", passage.author or ""]
    if passage.section_title and passage.section_title != passage.title:
        parts.append(passage.section_title)
    return "\n".join(parts)


def _rebuild_hint(location: str, embedder: str | None = None) -> str:
    option = f" --embedder {embedder}" if embedder else ""
    return f"yinwen ingest --rebuild{option} --index {location} PATH..."


class Collection:
    """One collection (a directory or a database); writes are atomic, reads go
    through :meth:`reader`."""

    def __init__(self, location: Path | str, backend: Backend | None = None) -> None:
        # As given (a database URL with its password): what opens it again.
        self.address = location
        self.backend = backend or open_backend(
            location if is_database_url(location) else Path(location)
        )

    @property
    def location(self) -> str:
        """The directory or the database URL (without its password), for messages."""
        return self.backend.location

    @property
    def directory(self) -> IndexDirectory:
        """The collection directory (local backend only)."""
        directory = getattr(self.backend, "directory", None)
        if not isinstance(directory, IndexDirectory):
            raise CollectionError(f"{self.location} is a database, not a directory")
        return directory

    @property
    def path(self) -> Path:
        """Where this machine keeps the collection's files (the directory itself,
        for a database a local folder for uploads)."""
        return self.backend.local_directory()

    def exists(self) -> bool:
        return self.backend.exists()

    def version(self) -> Hashable:
        """Changes whenever a write commits."""
        return self.backend.version()

    # ----------------------------------------------------------------- writing

    def ingest(
        self,
        targets: Iterable[Path],
        embedder: str | Embedder | None = None,
        rebuild: bool = False,
        progress: Progress | None = None,
        settings: IngestSettings | None = None,
    ) -> IngestReport:
        """Add, update or keep the given files and folders; see corpus.ingest.

        ``embedder`` (a name or an instance) is used for a new collection or a
        rebuild; an existing collection keeps the one it was built with.
        """
        settings = settings or IngestSettings()
        targets = list(targets)
        manifest = Manifest() if rebuild else self.backend.read_manifest()
        fingerprint = settings.fingerprint()
        reprocess = not manifest.empty and manifest.ingest != fingerprint
        model, embedder_name = self._resolve_embedder(embedder, manifest)
        if (
            not manifest.empty
            and not reprocess
            and manifest.sentence_vectors
            and manifest.has_word_vectors
        ):
            unchanged = self._unchanged_report(targets, manifest, settings)
            if unchanged is not None:
                return unchanged
        with self.backend.writer(fresh=rebuild) as staged:
            self._check_writer_embedder(staged, model, embedder_name)
            report = ingest_files(
                targets,
                staged.store,
                settings,
                reprocess=reprocess,
                progress=(lambda d, t, _p: progress(d, t, "读取文件")) if progress else None,
            )
            self._update_indexes(staged, model, report, progress)
            self._record(staged, model, embedder_name, fingerprint, report)
            staged.manifest = staged.manifest.replace(
                failed=_failed_table(staged.manifest.failed, report, settings)
            )
        return report

    def remove(self, targets: list[str], embedder: Embedder | None = None) -> IngestReport:
        """Remove documents by id or source path (the files themselves are not touched)."""
        manifest = self.backend.read_manifest()
        if manifest.empty:
            raise CollectionError(f"no collection at {self.location}; create it with yinwen ingest")
        model, _ = self._resolve_embedder(embedder, manifest)
        with self.backend.writer() as staged:
            self._check_writer_embedder(staged, model)
            report = remove_documents(targets, staged.store)
            self._update_indexes(staged, model, report, None)
            staged.manifest = staged.manifest.replace(
                documents=_document_table(staged.store, staged.manifest)
            )
        return report

    def upsert_texts(
        self, records: list[TextRecord], embedder: str | Embedder | None = None
    ) -> None:
        """Add texts as given (no cleaning, one passage each), replacing any with the same id.

        This is how the LangChain VectorStore adds documents: the caller
        chose the text and its metadata, and gets both back verbatim.
        """
        if not records:
            return
        manifest = self.backend.read_manifest()
        model, embedder_name = self._resolve_embedder(embedder, manifest)
        with self.backend.writer() as staged:
            self._check_writer_embedder(staged, model)
            report = IngestReport()
            for record in records:
                document = text_document(record)
                added, gone = staged.store.put_document(
                    LANGCHAIN_PREFIX + record.id, document, [[]] * len(document.passages)
                )
                report.added_passage_ids.extend(added)
                report.removed_passage_ids.extend(gone)
            self._update_indexes(staged, model, report, None)
            self._record(staged, model, embedder_name, manifest.ingest)

    def delete_texts(self, ids: list[str], embedder: Embedder | None = None) -> None:
        """Delete texts added with :meth:`upsert_texts` (or whole documents by doc id).
        Unknown ids are ignored."""
        manifest = self.backend.read_manifest()
        if manifest.empty:
            return
        model, _ = self._resolve_embedder(embedder, manifest)
        with self.backend.writer() as staged:
            self._check_writer_embedder(staged, model)
            report = IngestReport()
            known = {d.doc_id for d in staged.store.documents()}
            for item in ids:
                for doc_id in (LANGCHAIN_PREFIX + item, item):
                    if doc_id in known:
                        report.removed_passage_ids.extend(staged.store.remove_document(doc_id))
            self._update_indexes(staged, model, report, None)
            staged.manifest = staged.manifest.replace(
                documents=_document_table(staged.store, staged.manifest)
            )

    def _resolve_embedder(
        self, embedder: str | Embedder | None, manifest: Manifest
    ) -> tuple[Embedder, str]:
        """The embedder to write with: the recorded one for an existing collection."""
        recorded = manifest.embedder
        if isinstance(embedder, Embedder):
            if recorded and recorded.id != embedder.id:
                raise CollectionError(
                    f"collection {self.location} was built with {recorded.id}, not "
                    f"{embedder.id}; rebuild with: " + _rebuild_hint(self.location)
                )
            return embedder, (recorded.name if recorded else None) or embedder.id
        name = recorded.name if recorded else None
        if name and embedder and embedder != name:
            raise CollectionError(
                f"collection {self.location} was built with embedder {name!r}; to switch run: "
                + _rebuild_hint(self.location, embedder)
            )
        name = name or embedder or DEFAULT_EMBEDDER
        return self._load_embedder(name, manifest), name

    def _check_writer_embedder(
        self, staged: StagedWrite, model: Embedder, name: str | None = None
    ) -> None:
        """Check, holding the writer lock, that the collection still uses ``model``.

        The embedder was chosen from the manifest read before the lock; another
        ingest (the first one, with another embedder) may have created the
        collection meanwhile, and its indexes would not fit these vectors.
        """
        recorded = staged.manifest.embedder
        if recorded and (recorded.id != model.id or recorded.dimension != model.dimension):
            winner = recorded.name or recorded.id
            raise CollectionError(
                f"collection {self.location} was just created by another ingest with embedder "
                f"{winner!r} ({recorded.id}, dimension {recorded.dimension}), not "
                f"{model.id}; add to it without --embedder, or start afresh with: "
                + _rebuild_hint(self.location, name)
            )

    def _record(
        self,
        staged: StagedWrite,
        model: Embedder,
        name: str,
        fingerprint: Any,
        report: IngestReport | None = None,
    ) -> None:
        """Write what the manifest must know about this generation."""
        staged.manifest = staged.manifest.replace(
            embedder=EmbedderRecord(name, model.id, model.dimension),
            ingest=fingerprint or IngestSettings().fingerprint(),
            bm25=BM25Record(TOKENIZER_ID, 1.2, 0.75),
            documents=_document_table(staged.store, staged.manifest, report),
        )

    def _unchanged_report(
        self, targets: list[Path], manifest: Manifest, settings: IngestSettings
    ) -> IngestReport | None:
        """A report without touching the index if no given file is new or changed.

        A file whose stat is the one recorded when it was read is not read
        again (see corpus.ingest.file_signature); any other is hashed.
        """
        files, problems = discover(targets)
        by_path = {d.path: (doc_id, d) for doc_id, d in manifest.documents.items()}
        failed = manifest.failed
        report = IngestReport(results=list(problems))
        for path in files:
            key = path_key(path)
            known = by_path.get(key)
            signature = file_signature(path) if known is not None else None
            if known is not None and signature and signature == known[1].signature:
                report.results.append(FileResult(key, "unchanged", doc_id=known[0]))
                continue
            digest = hash_file(path, settings.max_file_bytes)
            if known is not None and digest == known[1].content_hash:
                report.results.append(FileResult(key, "unchanged", doc_id=known[0]))
            elif key in failed and failed[key].content_hash == _failure_key(path, settings):
                # Failed before with these very bytes: the same reason, without the work.
                report.results.append(FileResult(key, "failed", failed[key].reason))
            else:
                return None
        documents = manifest.documents
        report.documents = len(documents)
        report.passages = sum(d.passages for d in documents.values())
        report.sections = sum(d.sections for d in documents.values())
        return report

    def _load_embedder(self, name: str, manifest: Manifest) -> Embedder:
        try:
            model = get_embedder(name)
        except EmbedderError as error:
            raise CollectionError(str(error)) from error
        recorded = manifest.embedder
        if recorded and (recorded.id != model.id or recorded.dimension != model.dimension):
            raise CollectionError(
                f"collection {self.location} was built with {recorded.id} "
                f"(dimension {recorded.dimension}), but {name!r} is now {model.id} "
                f"(dimension {model.dimension}); rebuild with: "
                + _rebuild_hint(self.location, name)
            )
        return model

    def _update_indexes(
        self,
        staged: StagedWrite,
        model: Embedder,
        report: IngestReport,
        progress: Progress | None,
    ) -> None:
        """Bring FAISS and BM25 in line with the corpus store of the staged generation.

        Besides the report's added and removed passages, any difference between
        the three (an index from an older, interrupted version) is repaired.
        """
        store = staged.store
        dense = staged.dense(model.dimension)
        sentences = staged.sentences(model.dimension)
        words = staged.words(model.dimension)
        sparse = staged.sparse()
        stored_ids = set(store.passage_ids())
        dense_ids = dense.passage_ids()
        sparse_ids = sparse.passage_ids()
        sentence_ids = sentences.sentence_passages()
        removed = (
            set(report.removed_passage_ids)
            | (dense_ids - stored_ids)
            | (sparse_ids - stored_ids)
            | (sentence_ids - stored_ids)
        )
        dense.remove(sorted(removed))
        sparse.remove(sorted(removed))
        sentences.remove_sentences_of(sorted(removed))
        dense_ids -= removed
        sparse_ids -= removed
        sentence_ids -= removed
        to_embed = sorted(stored_ids - dense_ids)
        # A document whose title or authors changed keeps its unchanged passages
        # (and their vectors), but their BM25 entries carry those words: redo them.
        updated = [r.doc_id for r in report.results if r.status == "updated" and r.doc_id]
        refreshed = set(store.filtered_passage_ids(doc_ids=updated)) if updated else set()
        to_tokenize = sorted((stored_ids - sparse_ids) | refreshed)
        # Sentence vectors for passages of several sentences that lack them: new
        # passages, and every passage of a collection built before sentence vectors.
        sentence_candidates = (stored_ids - sentence_ids) | set(to_embed)

        # Passages are read a chunk at a time, so that a file of a hundred thousand
        # passages never has them (and their tokens) in memory all at once.
        def chunks(ids: list[int]) -> Iterator[list[StoredPassage]]:
            for start in range(0, len(ids), _CHUNK):
                yield store.passages(ids[start : start + _CHUNK])

        to_read = sorted(set(to_embed) | sentence_candidates)
        embed = set(to_embed)
        done = 0
        for chunk in chunks(to_read):
            passage_ids = [p.passage_id for p in chunk if p.passage_id in embed]
            texts = [embedding_text(p) for p in chunk if p.passage_id in embed]
            sentence_keys: list[int] = []
            for passage in chunk:
                for key, text in sentence_texts(passage):
                    sentence_keys.append(key)
                    texts.append(text)
            vectors = model.embed_in_batches(texts)
            dense.add(passage_ids, vectors[: len(passage_ids)])
            sentences.add(sentence_keys, vectors[len(passage_ids) :])
            done += len(chunk)
            if progress is not None:
                progress(done, len(to_read), "向量化")
        # Word vectors for the words of passages newly tokenised; every passage's,
        # when the collection has none yet or of another version (all redone).
        redo_words = not staged.manifest.has_word_vectors
        if redo_words:
            words.remove(sorted(words.passage_ids()))
        new_words: set[str] = set()

        def tokens_of(ids: list[int]) -> Iterator[list[str]]:
            for chunk in chunks(ids):
                for passage in chunk:
                    tokens = tokenize(bm25_text(passage))
                    new_words.update(tokens)
                    yield tokens

        if to_tokenize:
            sparse.add(to_tokenize, tokens_of(to_tokenize))
        if redo_words:
            for _ in tokens_of(sorted(stored_ids - set(to_tokenize))):
                pass
        self._add_word_vectors(words, model, new_words, progress)
        staged.save_indexes(dense, sentences, sparse, words)
        staged.manifest = staged.manifest.replace(
            sentence_vectors=True, word_vectors=WORD_VECTORS_VERSION
        )

    @staticmethod
    def _add_word_vectors(
        words: VectorIndex, model: Embedder, candidates: set[str], progress: Progress | None
    ) -> None:
        """Embed those of ``candidates`` that have no vector yet. A word's vector
        never depends on the passages, so words are only added, never removed."""
        key_of = {w: word_key(w) for w in sorted(candidates)}
        known = set(words.present(list(key_of.values())).tolist()) if key_of else set()
        missing = [w for w, key in key_of.items() if key not in known]
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start : start + _CHUNK]
            words.add([key_of[w] for w in chunk], model.embed_words(chunk))
            if progress is not None:
                progress(start + len(chunk), len(missing), "词向量")

    # ----------------------------------------------------------------- reading

    def documents(self) -> list[StoredDocument]:
        return _retrying(self._documents)

    def _documents(self) -> list[StoredDocument]:
        manifest = self.backend.read_manifest()
        if manifest.empty or manifest.embedder is None or manifest.embedder.dimension is None:
            return []
        parts = self.backend.open_parts(manifest, manifest.embedder.dimension)
        try:
            return parts.store.documents()
        finally:
            parts.store.close()

    def reader(self, embedder: Embedder | None = None) -> CollectionReader:
        """Open the live state for searching (loads the embedder it was built with)."""
        return _retrying(lambda: self._open_reader(embedder))

    def _open_reader(self, embedder: Embedder | None) -> CollectionReader:
        # One manifest read: the generation opened is the one it names.
        manifest = self.backend.read_manifest()
        if manifest.empty:
            raise CollectionError(
                f"no collection at {self.location}; build it with: yinwen ingest --index "
                f"{self.location} PATH...  (or --sample)"
            )
        model, _ = self._resolve_embedder(embedder, manifest)
        # The model's lazy loading (seconds for some) overlaps the index loads below.
        warm_up_in_background(model)
        if manifest.bm25 is None or manifest.bm25.tokenizer != TOKENIZER_ID:
            raise CollectionError(
                f"BM25 index of {self.location} uses another tokenizer; rebuild with: "
                + _rebuild_hint(self.location)
            )
        try:
            parts = self.backend.open_parts(manifest, model.dimension)
        except ValueError as error:
            raise CollectionError(
                f"{error}; rebuild with: {_rebuild_hint(self.location)}"
            ) from error
        return CollectionReader(
            self.location,
            manifest,
            parts.store,
            parts.dense,
            parts.sparse,
            model,
            parts.sentences,
            parts.consistent,
            parts.words,
        )


@dataclass
class CollectionReader:
    """A consistent, read-only snapshot of one committed state of a collection."""

    location: str
    manifest: Manifest
    store: CorpusReads
    dense: VectorIndex
    sparse: TermIndex
    embedder: Embedder
    # Vectors of the sentences of multi-sentence passages, keyed by
    # passage id * SENTENCE_SLOTS + sentence number; None for a collection
    # built before they existed (re-ingesting adds them).
    sentences: VectorIndex | None = None
    # ``with reader.consistent():`` makes the reads of a block (one search) see one
    # committed state while another app server writes.
    consistent: Callable[[], AbstractContextManager[None]] = nullcontext
    # Vectors of the passages' words, keyed by embeddings.dense.word_key (what
    # qa/retrieval/words.py meets a question's words with); None for a collection
    # built before them (re-ingesting adds them).
    words: VectorIndex | None = None

    def word_vectors(self, words: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those of ``words`` the collection has one for."""
        if self.words is None or not words:
            return {}
        keys = {word_key(w): w for w in words}
        found, vectors = self.words.stored_vectors(list(keys))
        return {keys[int(k)]: v for k, v in zip(found, vectors, strict=True)}

    @property
    def generation(self) -> str:
        return str(self.manifest.generation)

    def info(self) -> dict[str, Any]:
        embedder = self.manifest.embedder
        return {
            "path": self.location,
            "documents": self.store.count("documents"),
            "passages": self.store.count("passages"),
            "embedder": embedder.id if embedder else None,
            "embedder_name": embedder.name if embedder else None,
            "updated_at": self.manifest.updated_at,
            "generation": self.generation,
        }

    def dense_search(
        self, query: str, top_k: int = 50, allowed: list[int] | None = None
    ) -> list[tuple[int, float]]:
        return self.dense.search(self.embedder.embed_query(query), top_k, allowed)

    def dense_search_vector(
        self, vector: np.ndarray, top_k: int = 50, allowed: list[int] | None = None
    ) -> list[tuple[int, float]]:
        return self.dense.search(vector, top_k, allowed)

    def sparse_search(
        self, query: str, top_k: int = 50, allowed: list[int] | None = None
    ) -> list[tuple[int, float]]:
        return self.sparse.search(tokenize(query), top_k, allowed)

    def close(self) -> None:
        self.store.close()


View = TypeVar("View")


class LiveSnapshot(Generic[View]):
    """The snapshot of a collection's live state, reopened when a write commits
    (this process's or another's, on this machine or another app server).

    ``derive`` builds what a user of the snapshot keeps with it (the retriever's
    lexicon); it runs once per snapshot. Thread-safe: the lock guards only the
    switch; a search keeps the snapshot it started with, and an old snapshot is
    released when its last user lets go.
    """

    def __init__(
        self,
        collection: Collection,
        derive: Callable[[CollectionReader], View],
        embedder: Embedder | None = None,
    ) -> None:
        self.collection = collection
        self.derive = derive
        self.embedder = embedder
        self._lock = threading.RLock()
        self._current: tuple[CollectionReader, View] | None = None
        self._version: Hashable = None

    def current(self) -> tuple[CollectionReader, View]:
        with self._lock:
            version = self.collection.version()
            if self._current is None or version != self._version:
                reader = self.collection.reader(self.embedder)
                self._current = (reader, self.derive(reader))
                self._version = version
                self.embedder = reader.embedder
            return self._current


@dataclass(frozen=True)
class TextRecord:
    """A text added through the LangChain VectorStore, with the caller's id and metadata."""

    id: str
    text: str
    metadata: dict[str, Any]


def _retrying(open_state: Callable[[], Opened]) -> Opened:
    """``open_state()``, started again (up to three times) when a write committed
    between its manifest read and opening the generation it named."""
    for _ in range(3):
        try:
            return open_state()
        except SnapshotMoved:
            continue  # read the new manifest instead
    return open_state()


def text_document(record: TextRecord) -> Document:
    """A one-passage document holding ``record.text`` verbatim."""
    text = record.text
    sentences = [
        Sentence(i, 0, start, end) for i, (start, end) in enumerate(split_sentences(text))
    ] or [Sentence(0, 0, 0, len(text))]
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    title = record.metadata.get("title")
    return Document(
        path=f"langchain:{record.id}",
        content_hash=digest,
        text_hash=digest,
        format="langchain",
        encoding=None,
        text=text,
        title=str(title) if title is not None else None,
        sections=[Section(0, None, None, None, 0, len(text))],
        paragraphs=[Paragraph(0, 0, 0, len(text), False)],
        sentences=sentences,
        passages=[Passage(0, 0, 0, 0, len(sentences), 0, len(text), text)],
        metadata=dict(record.metadata),
    )


def _failed_table(
    previous: Mapping[str, FailedFile], report: IngestReport, settings: IngestSettings
) -> dict[str, FailedFile]:
    """Files that could not be read, by path, with the hash of the bytes that failed
    and the reason: an unchanged folder is then recognised as unchanged, and its
    failures are reported again without reading the files again."""
    table = dict(previous)
    for result in report.results:
        if result.status != "failed":
            table.pop(result.path, None)
            continue
        key = _failure_key(Path(result.path), settings)
        if key is not None:
            table[result.path] = FailedFile(key, result.reason or "")
    return table


def _failure_key(path: Path, settings: IngestSettings) -> str | None:
    """What identifies the bytes of a failed file: their hash, or for a file too
    large to hash its size and modification time; None if it is gone."""
    digest = hash_file(path, settings.max_file_bytes)
    if digest is not None:
        return digest
    try:
        stat = path.stat()
    except OSError:
        return None
    return f"size={stat.st_size} mtime={stat.st_mtime_ns}"


def _document_table(
    store: CorpusWrites, previous: Manifest, report: IngestReport | None = None
) -> dict[str, DocumentRecord]:
    """The manifest's table of the stored documents.

    A document's file signature comes from this ingest's report when it read
    (or hashed) the file, else from the previous table if the bytes it
    describes are still the stored ones; otherwise it is left unknown.
    """
    read_now = {
        r.path: r.signature
        for r in (report.results if report else [])
        if r.status in {"added", "updated", "unchanged"}
    }
    table = {}
    for d in store.documents():
        before = previous.documents.get(d.doc_id)
        if d.path in read_now:
            signature = read_now[d.path] or ""
        elif before is not None and before.content_hash == d.content_hash:
            signature = before.signature
        else:
            signature = ""
        table[d.doc_id] = DocumentRecord(
            d.path, d.content_hash, d.text_hash, d.passages, d.sections, signature
        )
    return table
