"""What a collection records about itself, typed: the :class:`Manifest`.

The local backend keeps it as ``manifest.json`` next to its generations, the
PostgreSQL backend as one JSON row updated in the ingest's transaction; both
read and write it through :meth:`Manifest.from_dict` / :meth:`Manifest.to_dict`,
so the JSON stays what it always was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

FORMAT_VERSION = 1
# How a word's vector is made (Embedder.embed_words): a change re-embeds every word.
WORD_VECTORS_VERSION = 1


def package_version() -> str:
    try:
        from importlib.metadata import version

        return version("yinwen")
    except Exception:
        return "0+unknown"


@dataclass(frozen=True)
class EmbedderRecord:
    """The embedder a collection was built with; its vectors fit no other."""

    name: str | None
    id: str | None
    dimension: int | None
    normalised: bool = True
    metric: str = "inner_product"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EmbedderRecord:
        return cls(
            name=data.get("name"),
            id=data.get("id"),
            dimension=data.get("dimension"),
            normalised=bool(data.get("normalised", True)),
            metric=str(data.get("metric", "inner_product")),
        )


@dataclass(frozen=True)
class BM25Record:
    tokenizer: str | None
    k1: float = 1.2
    b: float = 0.75


@dataclass(frozen=True)
class DocumentRecord:
    """What an unchanged-folder check needs of a stored document."""

    path: str
    content_hash: str
    text_hash: str
    passages: int = 0
    sections: int = 0
    # The file's size, mtime and ctime when its bytes were read
    # (corpus.ingest.file_signature); "" when unknown. The same signature
    # means unchanged without reading the file again.
    signature: str = ""


@dataclass(frozen=True)
class FailedFile:
    """A file that could not be read: the bytes that failed and why."""

    content_hash: str
    reason: str


@dataclass(frozen=True)
class Manifest:
    """One collection's format, embedder, ingest fingerprint and document table.

    An empty manifest (``generation is None``) is a collection not yet written.
    """

    format_version: int = FORMAT_VERSION
    package_version: str = ""
    generation: str | None = None
    updated_at: str | None = None
    embedder: EmbedderRecord | None = None
    # What, when changed, means every document is processed again (IngestSettings.fingerprint).
    ingest: Mapping[str, Any] | None = None
    bm25: BM25Record | None = None
    documents: Mapping[str, DocumentRecord] = field(default_factory=dict)
    failed: Mapping[str, FailedFile] = field(default_factory=dict)
    # Collections built before sentence vectors lack them until their next ingest.
    sentence_vectors: bool = False
    # The version of the word vectors every word of the passages has (0: none, a
    # collection built before them); any but WORD_VECTORS_VERSION is redone.
    word_vectors: int = 0

    @property
    def has_word_vectors(self) -> bool:
        return self.word_vectors == WORD_VECTORS_VERSION

    @property
    def empty(self) -> bool:
        return self.generation is None and self.embedder is None

    def replace(self, **changes: Any) -> Manifest:
        return replace(self, **changes)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Manifest:
        embedder = data.get("embedder")
        bm25 = data.get("bm25")
        return cls(
            format_version=int(data.get("format_version", FORMAT_VERSION)),
            package_version=str(data.get("package_version", "")),
            generation=data.get("generation"),
            updated_at=data.get("updated_at"),
            embedder=EmbedderRecord.from_dict(embedder) if embedder else None,
            ingest=data.get("ingest"),
            bm25=BM25Record(bm25.get("tokenizer"), bm25.get("k1", 1.2), bm25.get("b", 0.75))
            if bm25
            else None,
            documents={
                doc_id: DocumentRecord(
                    path=entry["path"],
                    content_hash=entry["content_hash"],
                    text_hash=entry.get("text_hash", ""),
                    passages=int(entry.get("passages", 0)),
                    sections=int(entry.get("sections", 0)),
                    signature=str(entry.get("signature") or ""),
                )
                for doc_id, entry in (data.get("documents") or {}).items()
            },
            failed={
                path: FailedFile(entry.get("content_hash", ""), entry.get("reason", ""))
                for path, entry in (data.get("failed") or {}).items()
            },
            sentence_vectors=bool(data.get("sentence_vectors", False)),
            word_vectors=int(data.get("word_vectors") or 0),
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format_version": self.format_version,
            "package_version": self.package_version,
            "generation": self.generation,
            "updated_at": self.updated_at,
        }
        if self.embedder is not None:
            data["embedder"] = {
                "name": self.embedder.name,
                "id": self.embedder.id,
                "dimension": self.embedder.dimension,
                "normalised": self.embedder.normalised,
                "metric": self.embedder.metric,
            }
        if self.ingest is not None:
            data["ingest"] = dict(self.ingest)
        if self.bm25 is not None:
            data["bm25"] = {"tokenizer": self.bm25.tokenizer, "k1": self.bm25.k1, "b": self.bm25.b}
        data["documents"] = {
            doc_id: {
                "path": d.path,
                "content_hash": d.content_hash,
                "text_hash": d.text_hash,
                "passages": d.passages,
                "sections": d.sections,
                **({"signature": d.signature} if d.signature else {}),
            }
            for doc_id, d in self.documents.items()
        }
        data["failed"] = {
            path: {"content_hash": f.content_hash, "reason": f.reason}
            for path, f in self.failed.items()
        }
        if self.sentence_vectors:
            data["sentence_vectors"] = True
        if self.word_vectors:
            data["word_vectors"] = self.word_vectors
        return data
