"""yinwen's corpus layer: files in, clean citable passages out.

Reading (:mod:`corpus.readers`), cleaning (:mod:`corpus.cleaning`), quality
warnings (:mod:`corpus.quality`), segmentation (:mod:`corpus.segment`), what a
citation needs - locators (:mod:`corpus.locators`), dates and their kinds
(:mod:`corpus.dates`), speakers and quotations (:mod:`corpus.speakers`),
damage marked at the word (:mod:`corpus.damage`) -, the SQLite corpus store
(:mod:`corpus.store`) and the ingest pipeline
(:mod:`corpus.ingest`).
"""

from pathlib import Path

from .cleaning import clean_text
from .ingest import FileResult, IngestReport, IngestSettings, build_document, ingest, remove
from .model import (
    DamageSpan,
    DateKind,
    Document,
    DocumentDate,
    DocumentWarning,
    Locator,
    Paragraph,
    Passage,
    Quotation,
    Section,
    Sentence,
    WarningCode,
)
from .readers import ReadError, read_file
from .segment import ChunkingSettings, segment
from .store import CorpusStore, StoredDocument, StoredPassage

__all__ = [
    "ChunkingSettings",
    "CorpusStore",
    "DamageSpan",
    "DateKind",
    "Document",
    "DocumentDate",
    "DocumentWarning",
    "FileResult",
    "IngestReport",
    "IngestSettings",
    "Locator",
    "Paragraph",
    "Passage",
    "Quotation",
    "ReadError",
    "Section",
    "Sentence",
    "StoredDocument",
    "StoredPassage",
    "WarningCode",
    "build_document",
    "clean_text",
    "ingest",
    "read_file",
    "remove",
    "samples_path",
    "segment",
]


def samples_path() -> Path:
    """Folder of the bundled sample collection (five public web pages, 2023)."""
    return Path(__file__).parent / "samples"
