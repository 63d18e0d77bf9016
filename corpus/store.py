"""The SQLite corpus store: documents, sections, paragraphs, sentences and passages
of one generation of a collection (the generations themselves are
:mod:`collection.directory`'s)."""

from __future__ import annotations

import bisect
import collections
import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .damage import overlapping, spans_in
from .locators import ARTICLE_HEAD_CHARS, article_label
from .model import DamageSpan, DateKind, Document, DocumentDate, DocumentWarning, Locator, Quotation

CORPUS_DB = "corpus.sqlite"
# Documents added through the LangChain VectorStore have ids "lc:<their id>".
LANGCHAIN_PREFIX = "lc:"
# Up to this many passages of one document are looked up sentence range by range.
_RANGE_QUERY_LIMIT = 32

# --------------------------------------------------------------------------- corpus store

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    format TEXT NOT NULL,
    encoding TEXT,
    title TEXT,
    date TEXT,
    source TEXT,
    authors TEXT NOT NULL DEFAULT '[]',
    text TEXT NOT NULL,
    raw_chars INTEGER NOT NULL DEFAULT 0,
    metadata TEXT NOT NULL DEFAULT '{}',
    added_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    kind TEXT,
    dates TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS sections (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    section_index INTEGER NOT NULL,
    title TEXT, author TEXT, author_note TEXT,
    start INTEGER NOT NULL, end INTEGER NOT NULL,
    PRIMARY KEY (doc_id, section_index)
);
CREATE TABLE IF NOT EXISTS paragraphs (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    paragraph_index INTEGER NOT NULL,
    section_index INTEGER NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL,
    is_heading INTEGER NOT NULL,
    PRIMARY KEY (doc_id, paragraph_index)
);
CREATE TABLE IF NOT EXISTS sentences (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    sentence_index INTEGER NOT NULL,
    paragraph_index INTEGER NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL,
    PRIMARY KEY (doc_id, sentence_index)
);
CREATE TABLE IF NOT EXISTS passages (
    passage_id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    passage_index INTEGER NOT NULL,
    section_index INTEGER NOT NULL,
    paragraph_index INTEGER NOT NULL,
    paragraph_end INTEGER NOT NULL,
    sentence_start INTEGER NOT NULL,
    sentence_end INTEGER NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL,
    text TEXT NOT NULL,
    warnings TEXT NOT NULL DEFAULT '[]',
    citation TEXT NOT NULL DEFAULT '{}',
    speakers TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS passages_by_doc ON passages(doc_id, passage_index);
-- What a snapshot reads when it opens, kept small so a cold open does not read
-- every document's text (titles) or every passage's (law article labels).
CREATE INDEX IF NOT EXISTS documents_by_title ON documents(title, doc_id);
CREATE TABLE IF NOT EXISTS warnings (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    message TEXT NOT NULL
);
"""


# ... and the law article each passage opens: created with its rows in one
# transaction (CorpusStore._add_article_heads), never empty beside passages.
ARTICLE_HEADS = """
CREATE TABLE article_heads (
    passage_id INTEGER PRIMARY KEY REFERENCES passages(passage_id) ON DELETE CASCADE,
    label TEXT NOT NULL
)
"""


# Columns added after the first schema: a store written before them gets them on
# its next write (ALTER TABLE), and its passages their values on the re-ingest
# that the cleaner version bump triggers; a read-only snapshot without them
# reads the defaults.
ADDED_COLUMNS = (
    ("documents", "kind", "TEXT"),
    ("documents", "dates", "TEXT NOT NULL DEFAULT '[]'"),
    ("passages", "citation", "TEXT NOT NULL DEFAULT '{}'"),
    ("passages", "speakers", "TEXT NOT NULL DEFAULT ''"),
)


def citation_json(document: Document) -> list[tuple[str, str]]:
    """(citation JSON, speakers) stored with each passage: its locator, the
    quotations that overlap it and the damage spans inside it. ``speakers`` is
    the quoted speakers one per line, for the author filter."""
    ranges = [(passage.start, passage.end) for passage in document.passages]
    quotations_of = overlapping(document.quotations, ranges)
    damage_of = overlapping(document.damage, ranges)
    return [
        _passage_citation(document, number, quotations_of[number], damage_of[number])
        for number in range(len(document.passages))
    ]


def _passage_citation(
    document: Document, passage_index: int, quotations: list[Quotation], damage: list[DamageSpan]
) -> tuple[str, str]:
    passage = document.passages[passage_index]
    if document.locators:
        locator = document.locators[passage_index]
    else:
        locator = Locator(paragraph=passage.paragraph_index + 1)
    quoted = [
        {"speaker": q.speaker, "start": max(q.start, passage.start),
         "end": min(q.end, passage.end), "damaged": q.damaged}
        for q in quotations
    ]  # fmt: skip
    spans = [
        {"start": d.start, "end": d.end, "code": d.code, "suggestion": d.suggestion}
        for d in spans_in(damage, passage.start, passage.end)
    ]
    data = {"locator": locator.as_dict(), "quoted": quoted, "damage": spans}
    speakers = "\n".join(dict.fromkeys(q.speaker for q in quotations))
    return json.dumps(data, ensure_ascii=False), speakers


@dataclass(frozen=True)
class QuotedSpan:
    """Words of a passage that repeat what ``speaker`` said (document offsets)."""

    speaker: str
    start: int
    end: int
    damaged: bool = False


@dataclass(frozen=True)
class StoredDocument:
    doc_id: str
    path: str
    content_hash: str
    text_hash: str
    format: str
    title: str | None
    date: str | None
    source: str | None
    authors: list[str]
    passages: int
    sections: int
    warnings: list[DocumentWarning]
    updated_at: str
    kind: str | None = None
    dates: list[DocumentDate] = field(default_factory=list)

    @property
    def uploaded(self) -> str | None:
        """A download site's upload date, never ``date`` (shown as "上传于…")."""
        return next((d.date for d in self.dates if d.kind == DateKind.UPLOADED), None)


@dataclass(frozen=True)
class StoredPassage:
    """A passage with the provenance a citation needs."""

    passage_id: int
    doc_id: str
    passage_index: int
    paragraph_index: int
    section_index: int
    start: int
    end: int
    text: str
    title: str | None
    section_title: str | None
    author: str | None
    date: str | None
    source: str | None
    path: str
    warnings: list[str]
    sentences: list[tuple[int, int]]  # sentence spans (document offsets) inside the passage
    format: str = "txt"
    metadata: dict[str, Any] = field(default_factory=dict)  # set by LangChain users
    locator: Locator = field(default_factory=Locator)
    quoted: list[QuotedSpan] = field(default_factory=list)
    damage: list[DamageSpan] = field(default_factory=list)
    kind: str | None = None  # "speech": the author is the speaker
    date_kind: str | None = None  # what ``date`` is: DateKind.EVENT or PUBLISHED
    uploaded: str | None = None  # a download site's upload date (never ``date``)

    def provenance(self) -> dict[str, Any]:
        """Where the passage comes from, as JSON: what a citation needs."""
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "section": self.section_title,
            "author": self.author,
            "kind": self.kind,
            "date": self.date,
            "date_kind": self.date_kind,
            "uploaded": self.uploaded,
            "source": self.source,
            "path": self.path,
            "paragraph": self.paragraph_index + 1,
            "locator": self.locator.as_dict(),
            "quoted": [q.__dict__ for q in self.quoted],
            "damage": [_span_dict(d) for d in self.damage],
            "start": self.start,
            "end": self.end,
            "warnings": self.warnings,
        }

    @property
    def langchain_id(self) -> str:
        """The id LangChain sees: the caller's own id, or document id and passage index."""
        if self.doc_id.startswith(LANGCHAIN_PREFIX):
            return self.doc_id[len(LANGCHAIN_PREFIX) :]
        return f"{self.doc_id}#{self.passage_index}"


def _span_dict(span: DamageSpan) -> dict[str, Any]:
    return {"start": span.start, "end": span.end, "code": span.code, "suggestion": span.suggestion}


class CorpusStore:
    """Documents and their passages in SQLite. Not thread-safe; one per thread."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = path
        if read_only:
            uri = f"file:{path}?mode=ro"
            self.connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        else:
            self.connection = sqlite3.connect(path, check_same_thread=False)
            self.connection.executescript(SCHEMA)
            self._add_columns()
            if not self._has_table("article_heads"):
                self._add_article_heads()
        self.connection.execute("PRAGMA foreign_keys = ON")
        self._columns = {
            table: {row[1] for row in self.connection.execute(f"PRAGMA table_info({table})")}
            for table in ("documents", "passages")
        }
        self._article_heads_stored = self._has_table("article_heads")

    def _has_table(self, name: str) -> bool:
        row = self.connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return row is not None

    def _add_article_heads(self) -> None:
        """Create ``article_heads`` with the labels of the passages already stored (a
        store written before the table), in one transaction: killed half-way, the
        store has no table and the next write tries again."""
        self.connection.execute("BEGIN")
        try:
            heads = [(passage_id, label) for label, passage_id in self._scan_article_heads()]
            self.connection.execute(ARTICLE_HEADS)
            self.connection.executemany(
                "INSERT INTO article_heads (passage_id, label) VALUES (?, ?)", heads
            )
            self.connection.execute("COMMIT")
        except BaseException:
            if self.connection.in_transaction:  # SQLite may have rolled back itself
                self.connection.execute("ROLLBACK")
            raise

    def _scan_article_heads(self) -> list[tuple[str, int]]:
        rows = self.connection.execute(
            "SELECT passage_id, substr(text, 1, ?) FROM passages WHERE substr(text, 1, 1) = '第'",
            (ARTICLE_HEAD_CHARS,),
        )
        labelled = ((article_label(head), passage_id) for passage_id, head in rows)
        return [(label, passage_id) for label, passage_id in labelled if label]

    def _add_columns(self) -> None:
        with self.connection:
            for table, column, declaration in ADDED_COLUMNS:
                columns = {row[1] for row in self.connection.execute(f"PRAGMA table_info({table})")}
                if column not in columns:
                    self.connection.execute(
                        f"ALTER TABLE {table} ADD COLUMN {column} {declaration}"
                    )

    def _column(self, table: str, column: str, default: str) -> str:
        """``column`` if this store has it, else a literal default (an older snapshot)."""
        return column if column.rpartition(".")[2] in self._columns[table] else default

    def close(self) -> None:
        self.connection.close()

    # ----------------------------------------------------------------- writes

    def document_hashes(self) -> dict[str, tuple[str, str, str]]:
        """path -> (doc_id, content_hash, text_hash) of every stored document."""
        rows = self.connection.execute(
            "SELECT path, doc_id, content_hash, text_hash FROM documents"
        )
        return {path: (doc_id, content, text) for path, doc_id, content, text in rows}

    def put_document(
        self, doc_id: str, document: Document, passage_warnings: list[list[str]]
    ) -> tuple[list[int], list[int]]:
        """Insert or replace a document with everything in it.

        A passage whose text did not change keeps its id (even when an edit
        elsewhere moved its offsets), so its vector is kept too. Returns (ids of
        new passages, ids of passages gone).
        """
        now = time.strftime("%Y-%m-%dT%H:%M:%S")
        with self.connection:
            added_at = self.connection.execute(
                "SELECT added_at FROM documents WHERE doc_id = ?", (doc_id,)
            ).fetchone()
            # A deque per text: a file repeating one sentence many thousand times
            # would make popping from the front of a list quadratic.
            previous: dict[str, collections.deque[int]] = {}
            for passage_id, text in self.connection.execute(
                "SELECT passage_id, text FROM passages WHERE doc_id = ? ORDER BY passage_index",
                (doc_id,),
            ):
                previous.setdefault(text, collections.deque()).append(passage_id)
            previous_ids = [i for ids in previous.values() for i in ids]
            self.connection.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
            self.connection.execute(
                "INSERT INTO documents (doc_id, path, content_hash, text_hash, format, encoding, "
                "title, date, source, authors, text, raw_chars, metadata, added_at, updated_at, "
                "kind, dates) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc_id, document.path, document.content_hash, document.text_hash,
                    document.format, document.encoding, document.title, document.date,
                    document.source, json.dumps(document.authors, ensure_ascii=False),
                    document.text, document.raw_chars,
                    json.dumps(document.metadata, ensure_ascii=False),
                    added_at[0] if added_at else now, now, document.kind,
                    json.dumps([d.as_dict() for d in document.dates], ensure_ascii=False),
                ),
            )  # fmt: skip
            self.connection.executemany(
                "INSERT INTO sections VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (doc_id, s.index, s.title, s.author, s.author_note, s.start, s.end)
                    for s in document.sections
                ],
            )
            self.connection.executemany(
                "INSERT INTO paragraphs VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (doc_id, p.index, p.section_index, p.start, p.end, int(p.is_heading))
                    for p in document.paragraphs
                ],
            )
            self.connection.executemany(
                "INSERT INTO sentences VALUES (?, ?, ?, ?, ?)",
                [(doc_id, s.index, s.paragraph_index, s.start, s.end) for s in document.sentences],
            )
            added = []
            kept = set()
            citations = citation_json(document)
            for passage, codes, (citation, speakers) in zip(
                document.passages, passage_warnings, citations, strict=True
            ):
                # Same words, same vector: an edit elsewhere only moves the offsets.
                candidates = previous.get(passage.text)
                reuse = candidates.popleft() if candidates else None
                cursor = self.connection.execute(
                    "INSERT INTO passages (passage_id, doc_id, passage_index, section_index, "
                    "paragraph_index, paragraph_end, sentence_start, sentence_end, start, end, "
                    "text, warnings, citation, speakers) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        reuse, doc_id, passage.index, passage.section_index,
                        passage.paragraph_index, passage.paragraph_end, passage.sentence_start,
                        passage.sentence_end, passage.start, passage.end, passage.text,
                        json.dumps(codes), citation, speakers,
                    ),
                )  # fmt: skip
                passage_id = int(cursor.lastrowid or 0) if reuse is None else reuse
                if reuse is None:
                    added.append(passage_id)
                else:
                    kept.add(reuse)
                label = article_label(passage.text)
                if label:
                    self.connection.execute(
                        "INSERT INTO article_heads (passage_id, label) VALUES (?, ?)",
                        (passage_id, label),
                    )
            self.connection.executemany(
                "INSERT INTO warnings VALUES (?, ?, ?)",
                [(doc_id, w.code, w.message) for w in document.warnings],
            )
        return added, [i for i in previous_ids if i not in kept]

    def update_content_hash(self, doc_id: str, content_hash: str) -> None:
        with self.connection:
            self.connection.execute(
                "UPDATE documents SET content_hash = ? WHERE doc_id = ?", (content_hash, doc_id)
            )

    def remove_document(self, doc_id: str) -> list[int]:
        """Delete a document; returns the ids of the passages that went with it."""
        with self.connection:
            ids = [
                row[0]
                for row in self.connection.execute(
                    "SELECT passage_id FROM passages WHERE doc_id = ?", (doc_id,)
                )
            ]
            self.connection.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
        return ids

    # ----------------------------------------------------------------- reads

    def documents(self) -> list[StoredDocument]:
        rows = self.connection.execute(
            "SELECT d.doc_id, d.path, d.content_hash, d.text_hash, d.format, d.title, d.date, "
            "d.source, d.authors, d.updated_at, "
            "(SELECT COUNT(*) FROM passages p WHERE p.doc_id = d.doc_id), "
            "(SELECT COUNT(*) FROM sections s WHERE s.doc_id = d.doc_id), "
            f"{self._column('documents', 'd.kind', 'NULL')}, "
            f"{self._column('documents', 'd.dates', chr(39) + '[]' + chr(39))} "
            "FROM documents d ORDER BY d.date IS NULL, d.date, d.title"
        ).fetchall()
        warnings = self._warnings()
        return [
            StoredDocument(
                doc_id=row[0],
                path=row[1],
                content_hash=row[2],
                text_hash=row[3],
                format=row[4],
                title=row[5],
                date=row[6],
                source=row[7],
                authors=json.loads(row[8]),
                updated_at=row[9],
                passages=row[10],
                sections=row[11],
                warnings=warnings.get(row[0], []),
                kind=row[12],
                dates=parse_dates(row[13]),
            )
            for row in rows
        ]

    def quoted_speakers(self) -> list[str]:
        """Distinct speakers the collection's texts quote (习近平总书记, 党中央, ...)."""
        if "speakers" not in self._columns["passages"]:
            return []
        names: dict[str, None] = {}
        for (value,) in self.connection.execute(
            "SELECT DISTINCT speakers FROM passages WHERE speakers != ''"
        ):
            names.update(dict.fromkeys(value.split("\n")))
        return list(names)

    def _warnings(self) -> dict[str, list[DocumentWarning]]:
        result: dict[str, list[DocumentWarning]] = {}
        for doc_id, code, message in self.connection.execute(
            "SELECT doc_id, code, message FROM warnings"
        ):
            result.setdefault(doc_id, []).append(DocumentWarning(code, message))
        return result

    def document_text(self, doc_id: str) -> str | None:
        row = self.connection.execute(
            "SELECT text FROM documents WHERE doc_id = ?", (doc_id,)
        ).fetchone()
        return row[0] if row else None

    def filtered_passage_ids(
        self,
        doc_ids: list[str] | None = None,
        author: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        quoted: bool = False,
    ) -> list[int]:
        """Passages of the given documents, by an author (the author of the passage's
        section, substring match; with ``quoted`` also passages quoting that person)
        and within a date range (ISO dates, inclusive; undated documents are
        excluded by a range)."""
        clauses, values = [], []
        if doc_ids:
            clauses.append(f"p.doc_id IN ({','.join('?' * len(doc_ids))})")
            values.extend(doc_ids)
        if author and quoted and "speakers" in self._columns["passages"]:
            clauses.append("(instr(COALESCE(s.author, ''), ?) > 0 OR instr(p.speakers, ?) > 0)")
            values.extend([author, author])
        elif author:
            clauses.append("instr(COALESCE(s.author, ''), ?) > 0")
            values.append(author)
        if date_from:
            clauses.append("d.date IS NOT NULL AND d.date >= ?")
            values.append(date_from)
        if date_to:
            clauses.append("d.date IS NOT NULL AND d.date <= ?")
            values.append(date_to)
        where = " AND ".join(clauses) or "1"
        rows = self.connection.execute(
            "SELECT p.passage_id FROM passages p JOIN documents d ON d.doc_id = p.doc_id "
            "LEFT JOIN sections s ON s.doc_id = p.doc_id AND s.section_index = p.section_index "
            f"WHERE {where}",
            values,
        )
        return [row[0] for row in rows]

    def titles(self) -> dict[str, str]:
        """Document id -> title, for documents that have one."""
        rows = self.connection.execute(
            "SELECT doc_id, title FROM documents WHERE title IS NOT NULL"
        )
        return {doc_id: title for doc_id, title in rows}

    def authors(self) -> list[str]:
        """Distinct section authors of the collection."""
        rows = self.connection.execute(
            "SELECT DISTINCT author FROM sections WHERE author IS NOT NULL AND author != ''"
        )
        return [row[0] for row in rows]

    def article_heads(self) -> list[tuple[str, int]]:
        """(article label, passage id) of every passage that opens a law article
        ("第四十四条"), by passage id; read once per snapshot."""
        if not self._article_heads_stored:  # a snapshot written before the table
            return sorted(self._scan_article_heads(), key=lambda item: item[1])
        rows = self.connection.execute(
            "SELECT label, passage_id FROM article_heads ORDER BY passage_id"
        )
        return [(label, passage_id) for label, passage_id in rows]

    def passage_outlines(self, ids: list[int]) -> dict[int, tuple[str, int]]:
        """Passage id -> (text, number of sentences), without provenance: cheap,
        for ranking features."""
        result: dict[int, tuple[str, int]] = {}
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start : chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.connection.execute(
                "SELECT passage_id, text, sentence_end - sentence_start FROM passages "
                f"WHERE passage_id IN ({marks})",
                chunk,
            )
            result.update((row[0], (row[1], row[2])) for row in rows)
        return result

    def paragraph_text(self, doc_id: str, paragraph_index: int) -> tuple[int, int, str] | None:
        """(start, end, text) of one paragraph, for showing a quote in its context."""
        row = self.connection.execute(
            "SELECT p.start, p.end, substr(d.text, p.start + 1, p.end - p.start) "
            "FROM paragraphs p JOIN documents d ON d.doc_id = p.doc_id "
            "WHERE p.doc_id = ? AND p.paragraph_index = ?",
            (doc_id, paragraph_index),
        ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def passage_ids(self) -> list[int]:
        return [row[0] for row in self.connection.execute("SELECT passage_id FROM passages")]

    def count(self, table: str) -> int:
        if table not in {
            "documents",
            "sections",
            "paragraphs",
            "sentences",
            "passages",
            "warnings",
        }:
            raise ValueError(table)
        return int(self.connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    def passages(self, ids: list[int] | None = None) -> list[StoredPassage]:
        """Passages with provenance, in the order of ``ids`` (all passages if None).
        Unknown ids are skipped."""
        # Document fields are read once per document, not joined onto every
        # passage row: fields stored after a document's text (metadata) make
        # SQLite walk the text's overflow pages, per row - quadratic for a huge file.
        query = (
            "SELECT p.passage_id, p.doc_id, p.passage_index, p.paragraph_index, p.section_index, "
            "p.start, p.end, p.text, s.title, s.author, p.warnings, p.sentence_start, "
            f"p.sentence_end, {self._column('passages', 'p.citation', chr(39) + '{}' + chr(39))} "
            "FROM passages p "
            "LEFT JOIN sections s ON s.doc_id = p.doc_id AND s.section_index = p.section_index"
        )
        if ids is None:
            rows = self.connection.execute(query + " ORDER BY p.passage_id").fetchall()
        else:
            rows = []
            for chunk_start in range(0, len(ids), 500):
                chunk = ids[chunk_start : chunk_start + 500]
                marks = ",".join("?" * len(chunk))
                rows.extend(
                    self.connection.execute(f"{query} WHERE p.passage_id IN ({marks})", chunk)
                )
        documents = self._passage_documents({row[1] for row in rows})
        spans_of = self._sentence_spans(rows)
        result = {}
        for row in rows:
            title, date, source, path, format_, metadata, kind, dates = documents[row[1]]
            result[row[0]] = StoredPassage(
                passage_id=row[0], doc_id=row[1], passage_index=row[2], paragraph_index=row[3],
                section_index=row[4], start=row[5], end=row[6], text=row[7], title=title,
                section_title=row[8], author=row[9], date=date, source=source, path=path,
                warnings=json.loads(row[10]), sentences=spans_of[row[0]], format=format_,
                metadata=metadata, kind=kind,
                **citation_fields(json.loads(row[13]), row[3], date, dates),
            )  # fmt: skip
        order = ids if ids is not None else sorted(result)
        return [result[i] for i in order if i in result]

    def _passage_documents(self, doc_ids: set[str]) -> dict[str, tuple[Any, ...]]:
        """doc_id -> (title, date, source, path, format, metadata, kind, dates) of the
        given documents."""
        found: dict[str, tuple[Any, ...]] = {}
        ordered = sorted(doc_ids)
        kind = self._column("documents", "kind", "NULL")
        dates = self._column("documents", "dates", "'[]'")
        for chunk_start in range(0, len(ordered), 500):
            chunk = ordered[chunk_start : chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.connection.execute(
                f"SELECT doc_id, title, date, source, path, format, metadata, {kind}, {dates} "
                f"FROM documents WHERE doc_id IN ({marks})",
                chunk,
            ):
                found[row[0]] = (*row[1:6], json.loads(row[6]), row[7], parse_dates(row[8]))
        return found

    def _sentence_spans(self, rows: list[Any]) -> dict[int, list[tuple[int, int]]]:
        """Sentence spans of each passage row (passage id -> spans), in time linear in
        the sentences read: a one-line 50 MB file has a million sentences, and
        scanning all of them for each of its passages never finished."""
        by_document: dict[str, list[Any]] = {}
        for row in rows:
            by_document.setdefault(row[1], []).append(row)
        spans: dict[int, list[tuple[int, int]]] = {}
        for doc_id, document_rows in by_document.items():
            if len(document_rows) <= _RANGE_QUERY_LIMIT:
                # A few passages (search results): read just their sentences.
                for row in document_rows:
                    spans[row[0]] = [
                        (start, end)
                        for start, end in self.connection.execute(
                            "SELECT start, end FROM sentences WHERE doc_id = ? "
                            "AND sentence_index >= ? AND sentence_index < ? "
                            "ORDER BY sentence_index",
                            (doc_id, row[11], row[12]),
                        )
                    ]
                continue
            sentences = self.connection.execute(
                "SELECT sentence_index, start, end FROM sentences WHERE doc_id = ? "
                "ORDER BY sentence_index",
                (doc_id,),
            ).fetchall()
            indexes = [index for index, _, _ in sentences]
            for row in document_rows:
                first = bisect.bisect_left(indexes, row[11])
                last = bisect.bisect_left(indexes, row[12], lo=first)
                spans[row[0]] = [(start, end) for _, start, end in sentences[first:last]]
        return spans


def parse_dates(value: str | list[dict[str, Any]] | None) -> list[DocumentDate]:
    """A document's dates from their stored JSON (text, or already decoded)."""
    items = json.loads(value or "[]") if isinstance(value, str) or value is None else value
    return [DocumentDate(item["kind"], item["date"], item.get("evidence", "")) for item in items]


def citation_fields(
    citation: dict[str, Any], paragraph_index: int, date: str | None, dates: list[DocumentDate]
) -> dict[str, Any]:
    """The :class:`StoredPassage` fields read from a passage's citation JSON and its
    document's dates: locator, quoted spans, damage spans, what ``date`` is, and
    an upload date (never ``date``). Shared by every store."""
    locator = (
        Locator.from_dict(citation["locator"])
        if "locator" in citation
        else Locator(paragraph=paragraph_index + 1)  # stored before locators: as it was
    )
    cited = next((d for d in dates if d.date == date and d.kind in
                  (DateKind.EVENT, DateKind.PUBLISHED)), None)  # fmt: skip
    return {
        "locator": locator,
        "quoted": [
            QuotedSpan(q["speaker"], q["start"], q["end"], bool(q.get("damaged")))
            for q in citation.get("quoted", [])
        ],
        "damage": [
            DamageSpan(d["start"], d["end"], d["code"], d.get("suggestion"))
            for d in citation.get("damage", [])
        ],
        "date_kind": cited.kind if cited else None,
        "uploaded": next((d.date for d in dates if d.kind == DateKind.UPLOADED), None),
    }
