"""A collection: the corpus store, the dense index and the BM25 index, kept in step.

:class:`Collection` writes (ingest, remove) through
:meth:`collection.directory.IndexDirectory.writer`, so every change is staged and
switched in atomically; :class:`CollectionReader` is the read-only view that
retrieval uses.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from corpus.ingest import (
    FileResult,
    IngestReport,
    IngestSettings,
    discover,
    hash_file,
    path_key,
)
from corpus.ingest import ingest as ingest_files
from corpus.ingest import remove as remove_documents
from corpus.model import Document, Paragraph, Passage, Section, Sentence
from corpus.segment import split_sentences
from corpus.store import (
    CORPUS_DB,
    LANGCHAIN_PREFIX,
    CorpusStore,
    StoredDocument,
    StoredPassage,
)
from embeddings.base import DEFAULT_EMBEDDER, Embedder, EmbedderError, get_embedder
from embeddings.dense import SENTENCE_SLOTS, SENTENCES_NAME, DenseIndex
from embeddings.sparse import BM25Index, tokenize

from .directory import IndexDirectory, StagedGeneration
from .errors import CollectionError

logger = logging.getLogger(__name__)

TOKENIZER_ID = "rjieba-search-v1"
# Passages read from the store at a time while indexing.
_CHUNK = 2000
Progress = Callable[[int, int, str], None]


def embedding_text(passage: StoredPassage) -> str:
    """What the embedder sees for a passage: its text alone (see docs/DECISIONS.md)."""
    return passage.text


def bm25_text(passage: StoredPassage) -> str:
    """What BM25 indexes: the passage plus its title, section title and author."""
    parts = [passage.text, passage.title or "", passage.author or ""]
    if passage.section_title and passage.section_title != passage.title:
        parts.append(passage.section_title)
    return "\n".join(parts)


def _rebuild_hint(path: Path, embedder: str | None = None) -> str:
    option = f" --embedder {embedder}" if embedder else ""
    return f"yinwen ingest --rebuild{option} --index {path} PATH..."


class Collection:
    """One collection directory; writes are atomic, reads go through :meth:`reader`."""

    def __init__(self, path: Path | str) -> None:
        self.directory = IndexDirectory(Path(path))

    @property
    def path(self) -> Path:
        return self.directory.path

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
        manifest = {} if rebuild else self.directory.read_manifest()
        fingerprint = settings.fingerprint()
        reprocess = bool(manifest) and manifest.get("ingest") != fingerprint
        model, embedder_name = self._resolve_embedder(embedder, manifest)
        if manifest and not reprocess and manifest.get("sentence_vectors"):
            unchanged = self._unchanged_report(targets, manifest, settings)
            if unchanged is not None:
                return unchanged
        with self.directory.writer(fresh=rebuild) as staged:
            self._check_writer_embedder(staged, model, embedder_name)
            report = ingest_files(
                targets,
                staged.store,
                settings,
                reprocess=reprocess,
                progress=(lambda d, t, _p: progress(d, t, "读取文件")) if progress else None,
            )
            self._update_indexes(staged, model, report, progress)
            self._record(staged, model, embedder_name, fingerprint)
            staged.manifest["failed"] = _failed_table(
                staged.manifest.get("failed", {}), report, settings
            )
        return report

    def remove(self, targets: list[str], embedder: Embedder | None = None) -> IngestReport:
        """Remove documents by id or source path (the files themselves are not touched)."""
        manifest = self.directory.read_manifest()
        if not manifest:
            raise CollectionError(f"no collection at {self.path}; create it with yinwen ingest")
        model, _ = self._resolve_embedder(embedder, manifest)
        with self.directory.writer() as staged:
            self._check_writer_embedder(staged, model)
            report = remove_documents(targets, staged.store)
            self._update_indexes(staged, model, report, None)
            staged.manifest["documents"] = _document_table(staged.store)
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
        manifest = self.directory.read_manifest()
        model, embedder_name = self._resolve_embedder(embedder, manifest)
        with self.directory.writer() as staged:
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
            self._record(staged, model, embedder_name, manifest.get("ingest"))

    def delete_texts(self, ids: list[str], embedder: Embedder | None = None) -> None:
        """Delete texts added with :meth:`upsert_texts` (or whole documents by doc id).
        Unknown ids are ignored."""
        manifest = self.directory.read_manifest()
        if not manifest:
            return
        model, _ = self._resolve_embedder(embedder, manifest)
        with self.directory.writer() as staged:
            self._check_writer_embedder(staged, model)
            report = IngestReport()
            known = {d.doc_id for d in staged.store.documents()}
            for item in ids:
                for doc_id in (LANGCHAIN_PREFIX + item, item):
                    if doc_id in known:
                        report.removed_passage_ids.extend(staged.store.remove_document(doc_id))
            self._update_indexes(staged, model, report, None)
            staged.manifest["documents"] = _document_table(staged.store)

    def _resolve_embedder(
        self, embedder: str | Embedder | None, manifest: dict[str, Any]
    ) -> tuple[Embedder, str]:
        """The embedder to write with: the recorded one for an existing collection."""
        recorded = manifest.get("embedder", {})
        if isinstance(embedder, Embedder):
            if recorded and recorded.get("id") != embedder.id:
                raise CollectionError(
                    f"collection {self.path} was built with {recorded.get('id')}, not "
                    f"{embedder.id}; rebuild with: " + _rebuild_hint(self.path)
                )
            return embedder, recorded.get("name") or embedder.id
        name = recorded.get("name")
        if name and embedder and embedder != name:
            raise CollectionError(
                f"collection {self.path} was built with embedder {name!r}; to switch run: "
                + _rebuild_hint(self.path, embedder)
            )
        name = name or embedder or DEFAULT_EMBEDDER
        return self._load_embedder(name, manifest), name

    def _check_writer_embedder(
        self, staged: StagedGeneration, model: Embedder, name: str | None = None
    ) -> None:
        """Check, holding the writer lock, that the collection still uses ``model``.

        The embedder was chosen from the manifest read before the lock; another
        ingest (the first one, with another embedder) may have created the
        collection meanwhile, and its indexes would not fit these vectors.
        """
        recorded = staged.manifest.get("embedder") or {}
        if recorded and (
            recorded.get("id") != model.id or recorded.get("dimension") != model.dimension
        ):
            winner = recorded.get("name") or recorded.get("id")
            raise CollectionError(
                f"collection {self.path} was just created by another ingest with embedder "
                f"{winner!r} ({recorded.get('id')}, dimension {recorded.get('dimension')}), not "
                f"{model.id}; add to it without --embedder, or start afresh with: "
                + _rebuild_hint(self.path, name)
            )

    def _record(
        self, staged: StagedGeneration, model: Embedder, name: str, fingerprint: Any
    ) -> None:
        """Write what the manifest must know about this generation."""
        staged.manifest.update(
            embedder={
                "name": name,
                "id": model.id,
                "dimension": model.dimension,
                "normalised": True,
                "metric": "inner_product",
            },
            ingest=fingerprint or IngestSettings().fingerprint(),
            bm25={"tokenizer": TOKENIZER_ID, "k1": 1.2, "b": 0.75},
            documents=_document_table(staged.store),
        )

    def _unchanged_report(
        self, targets: list[Path], manifest: dict[str, Any], settings: IngestSettings
    ) -> IngestReport | None:
        """A report without touching the index if no given file is new or changed."""
        files, problems = discover(targets)
        by_path = {d["path"]: (doc_id, d) for doc_id, d in manifest.get("documents", {}).items()}
        failed = manifest.get("failed", {})
        report = IngestReport(results=list(problems))
        for path in files:
            key = path_key(path)
            known = by_path.get(key)
            digest = hash_file(path, settings.max_file_bytes)
            if known is not None and digest == known[1]["content_hash"]:
                report.results.append(FileResult(key, "unchanged", doc_id=known[0]))
            elif failed.get(key, {}).get("content_hash") == _failure_key(path, settings):
                # Failed before with these very bytes: the same reason, without the work.
                report.results.append(FileResult(key, "failed", failed[key]["reason"]))
            else:
                return None
        documents = manifest.get("documents", {})
        report.documents = len(documents)
        report.passages = sum(d.get("passages", 0) for d in documents.values())
        report.sections = sum(d.get("sections", 0) for d in documents.values())
        return report

    def _load_embedder(self, name: str, manifest: dict[str, Any]) -> Embedder:
        try:
            model = get_embedder(name)
        except EmbedderError as error:
            raise CollectionError(str(error)) from error
        recorded = manifest.get("embedder", {})
        if recorded and (
            recorded.get("id") != model.id or recorded.get("dimension") != model.dimension
        ):
            raise CollectionError(
                f"collection {self.path} was built with {recorded.get('id')} "
                f"(dimension {recorded.get('dimension')}), but {name!r} is now {model.id} "
                f"(dimension {model.dimension}); rebuild with: " + _rebuild_hint(self.path, name)
            )
        return model

    def _update_indexes(
        self,
        staged: StagedGeneration,
        model: Embedder,
        report: IngestReport,
        progress: Progress | None,
    ) -> None:
        """Bring FAISS and BM25 in line with the corpus store of the staged generation.

        Besides the report's added and removed passages, any difference between
        the three (an index from an older, interrupted version) is repaired.
        """
        store = staged.store
        dense = DenseIndex.load(staged.path, model.dimension)
        sentences = DenseIndex.load(staged.path, model.dimension, SENTENCES_NAME)
        sparse = BM25Index.load(staged.path / "bm25")
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
                if len(passage.sentences) < 2:
                    continue  # one sentence: the passage vector is its vector
                for number, (start, end) in enumerate(passage.sentences[:SENTENCE_SLOTS]):
                    sentence_keys.append(passage.passage_id * SENTENCE_SLOTS + number)
                    texts.append(passage.text[start - passage.start : end - passage.start])
            vectors = model.embed_in_batches(texts)
            dense.add(passage_ids, vectors[: len(passage_ids)])
            sentences.add(sentence_keys, vectors[len(passage_ids) :])
            done += len(chunk)
            if progress is not None:
                progress(done, len(to_read), "向量化")
        if to_tokenize:
            tokens = (tokenize(bm25_text(p)) for chunk in chunks(to_tokenize) for p in chunk)
            sparse.add(to_tokenize, tokens)
        dense.save(staged.path)
        sentences.save(staged.path)
        sparse.save(staged.path / "bm25")
        staged.manifest["sentence_vectors"] = True

    # ----------------------------------------------------------------- reading

    def documents(self) -> list[StoredDocument]:
        generation = self.directory.live_generation()
        if generation is None:
            return []
        store = CorpusStore(generation / CORPUS_DB, read_only=True)
        try:
            return store.documents()
        finally:
            store.close()

    def reader(self, embedder: Embedder | None = None) -> CollectionReader:
        """Open the live generation for searching (loads the embedder it was built with)."""
        manifest = self.directory.read_manifest()
        generation = self.directory.live_generation()
        if generation is None:
            raise CollectionError(
                f"no collection at {self.path}; build it with: yinwen ingest --index {self.path} "
                "PATH...  (or --sample)"
            )
        model, _ = self._resolve_embedder(embedder, manifest)
        try:
            dense = DenseIndex.load(generation, model.dimension)
        except ValueError as error:
            raise CollectionError(f"{error}; rebuild with: {_rebuild_hint(self.path)}") from error
        if manifest.get("bm25", {}).get("tokenizer") != TOKENIZER_ID:
            raise CollectionError(
                f"BM25 index of {self.path} uses another tokenizer; rebuild with: "
                + _rebuild_hint(self.path)
            )
        sparse = BM25Index.load(generation / "bm25")
        sentences = (
            DenseIndex.load(generation, model.dimension, SENTENCES_NAME)
            if manifest.get("sentence_vectors")
            else None
        )
        store = CorpusStore(generation / CORPUS_DB, read_only=True)
        return CollectionReader(self.path, manifest, store, dense, sparse, model, sentences)


@dataclass
class CollectionReader:
    """A consistent, read-only snapshot of one generation of a collection."""

    path: Path
    manifest: dict[str, Any]
    store: CorpusStore
    dense: DenseIndex
    sparse: BM25Index
    embedder: Embedder
    # Vectors of the sentences of multi-sentence passages, keyed by
    # passage id * SENTENCE_SLOTS + sentence number; None for a collection
    # built before they existed (re-ingesting adds them).
    sentences: DenseIndex | None = None

    @property
    def generation(self) -> str:
        return str(self.manifest.get("generation"))

    def info(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "documents": self.store.count("documents"),
            "passages": self.store.count("passages"),
            "embedder": self.manifest.get("embedder", {}).get("id"),
            "embedder_name": self.manifest.get("embedder", {}).get("name"),
            "updated_at": self.manifest.get("updated_at"),
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


@dataclass(frozen=True)
class TextRecord:
    """A text added through the LangChain VectorStore, with the caller's id and metadata."""

    id: str
    text: str
    metadata: dict[str, Any]


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
    previous: dict[str, dict[str, str]], report: IngestReport, settings: IngestSettings
) -> dict[str, dict[str, str]]:
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
            table[result.path] = {"content_hash": key, "reason": result.reason or ""}
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


def _document_table(store: CorpusStore) -> dict[str, dict[str, Any]]:
    return {
        d.doc_id: {
            "path": d.path,
            "content_hash": d.content_hash,
            "text_hash": d.text_hash,
            "passages": d.passages,
            "sections": d.sections,
        }
        for d in store.documents()
    }
