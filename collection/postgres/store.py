"""The corpus store in PostgreSQL: the same methods, and the same answers, as the
SQLite :class:`corpus.store.CorpusStore`, over the tables of :mod:`.schema`.

Text is ordered ``COLLATE "C"`` (code points, as SQLite compares) and NULLs
first, as SQLite sorts them, so that both backends list documents alike.
"""

from __future__ import annotations

import collections
import json
import time
from typing import Any

from corpus.locators import article_label
from corpus.model import Document, DocumentWarning
from corpus.store import (
    StoredDocument,
    StoredPassage,
    citation_fields,
    citation_json,
    parse_dates,
)

from .connection import Database

TABLES = frozenset({"documents", "sections", "paragraphs", "sentences", "passages", "warnings"})


class PostgresStore:
    """Documents and their passages in PostgreSQL; safe to share between threads
    (every call takes its own pooled connection, or the writer's transaction)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def close(self) -> None:
        """Connections belong to the backend's pool; nothing to release per store."""

    # ----------------------------------------------------------------- writes

    def document_hashes(self) -> dict[str, tuple[str, str, str]]:
        rows = self.database.rows("SELECT path, doc_id, content_hash, text_hash FROM documents")
        return {path: (doc_id, content, text) for path, doc_id, content, text in rows}

    def put_document(
        self, doc_id: str, document: Document, passage_warnings: list[list[str]]
    ) -> tuple[list[int], list[int]]:
        """Insert or replace a document; a passage whose text did not change keeps its
        id (and so its vector). Returns (ids of new passages, ids of passages gone)."""
        db = self.database
        now = time.strftime("%Y-%m-%dT%H:%M:%S")
        added_at = db.rows("SELECT added_at FROM documents WHERE doc_id = %s", (doc_id,))
        previous: dict[str, collections.deque[int]] = {}
        for passage_id, text in db.rows(
            "SELECT passage_id, text FROM passages WHERE doc_id = %s ORDER BY passage_index",
            (doc_id,),
        ):
            previous.setdefault(text, collections.deque()).append(passage_id)
        previous_ids = [i for ids in previous.values() for i in ids]
        db.execute("DELETE FROM documents WHERE doc_id = %s", (doc_id,))
        db.execute(
            "INSERT INTO documents (doc_id, path, content_hash, text_hash, format, encoding, "
            "title, date, source, authors, text, raw_chars, metadata, added_at, updated_at, "
            "kind, dates) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                doc_id, document.path, document.content_hash, document.text_hash,
                document.format, document.encoding, document.title, document.date,
                document.source, json.dumps(document.authors, ensure_ascii=False),
                document.text, document.raw_chars,
                json.dumps(document.metadata, ensure_ascii=False),
                added_at[0][0] if added_at else now, now, document.kind,
                json.dumps([d.as_dict() for d in document.dates], ensure_ascii=False),
            ),
        )  # fmt: skip
        db.copy_rows(
            "sections",
            ["doc_id", "section_index", "title", "author", "author_note", "start_offset", "end_offset"],
            ((doc_id, s.index, s.title, s.author, s.author_note, s.start, s.end) for s in document.sections),
        )  # fmt: skip
        db.copy_rows(
            "paragraphs",
            ["doc_id", "paragraph_index", "section_index", "start_offset", "end_offset", "is_heading"],
            ((doc_id, p.index, p.section_index, p.start, p.end, p.is_heading) for p in document.paragraphs),
        )  # fmt: skip
        db.copy_rows(
            "sentences",
            ["doc_id", "sentence_index", "paragraph_index", "start_offset", "end_offset"],
            ((doc_id, s.index, s.paragraph_index, s.start, s.end) for s in document.sentences),
        )
        ids: list[int] = []
        reused: list[int | None] = []
        for passage in document.passages:
            # Same words, same vector: an edit elsewhere only moves the offsets.
            candidates = previous.get(passage.text)
            reused.append(candidates.popleft() if candidates else None)
        fresh = sum(1 for item in reused if item is None)
        new_ids = iter(
            row[0]
            for row in db.rows(
                "SELECT nextval('passage_ids') FROM generate_series(1, %s)", (fresh,)
            )
        )
        added = []
        for item in reused:
            if item is None:
                item = int(next(new_ids))
                added.append(item)
            ids.append(item)
        db.copy_rows(
            "passages",
            ["passage_id", "doc_id", "passage_index", "section_index", "paragraph_index",
             "paragraph_end", "sentence_start", "sentence_end", "start_offset", "end_offset",
             "text", "warnings", "citation", "speakers"],
            (
                (passage_id, doc_id, p.index, p.section_index, p.paragraph_index,
                 p.paragraph_end, p.sentence_start, p.sentence_end, p.start, p.end, p.text,
                 json.dumps(codes), citation, speakers)
                for passage_id, p, codes, (citation, speakers) in zip(
                    ids, document.passages, passage_warnings, citation_json(document), strict=True
                )
            ),
        )  # fmt: skip
        labels = ((i, article_label(p.text)) for i, p in zip(ids, document.passages, strict=True))
        db.copy_rows(
            "article_heads", ["passage_id", "label"], ((i, label) for i, label in labels if label)
        )
        db.copy_rows(
            "warnings",
            ["doc_id", "code", "message"],
            ((doc_id, w.code, w.message) for w in document.warnings),
        )
        kept = {i for i in reused if i is not None}
        return added, [i for i in previous_ids if i not in kept]

    def update_content_hash(self, doc_id: str, content_hash: str) -> None:
        self.database.execute(
            "UPDATE documents SET content_hash = %s WHERE doc_id = %s", (content_hash, doc_id)
        )

    def remove_document(self, doc_id: str) -> list[int]:
        ids = [
            row[0]
            for row in self.database.rows(
                "SELECT passage_id FROM passages WHERE doc_id = %s", (doc_id,)
            )
        ]
        self.database.execute("DELETE FROM documents WHERE doc_id = %s", (doc_id,))
        return ids

    # ----------------------------------------------------------------- reads

    def documents(self) -> list[StoredDocument]:
        rows = self.database.rows(
            "SELECT d.doc_id, d.path, d.content_hash, d.text_hash, d.format, d.title, d.date, "
            "d.source, d.authors, d.updated_at, "
            "(SELECT COUNT(*) FROM passages p WHERE p.doc_id = d.doc_id), "
            "(SELECT COUNT(*) FROM sections s WHERE s.doc_id = d.doc_id), d.kind, d.dates "
            'FROM documents d ORDER BY d.date IS NULL, d.date COLLATE "C", '
            'd.title COLLATE "C" NULLS FIRST'
        )
        warnings: dict[str, list[DocumentWarning]] = {}
        for doc_id, code, message in self.database.rows(
            "SELECT doc_id, code, message FROM warnings"
        ):
            warnings.setdefault(doc_id, []).append(DocumentWarning(code, message))
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
                authors=list(row[8]),
                updated_at=row[9],
                passages=int(row[10]),
                sections=int(row[11]),
                warnings=warnings.get(row[0], []),
                kind=row[12],
                dates=parse_dates(row[13]),
            )
            for row in rows
        ]

    def quoted_speakers(self) -> list[str]:
        """Distinct speakers the collection's texts quote (习近平总书记, 党中央, ...)."""
        names: dict[str, None] = {}
        for (value,) in self.database.rows(
            "SELECT DISTINCT speakers FROM passages WHERE speakers != '' ORDER BY speakers"
        ):
            names.update(dict.fromkeys(value.split("\n")))
        return list(names)

    def document_text(self, doc_id: str) -> str | None:
        rows = self.database.rows("SELECT text FROM documents WHERE doc_id = %s", (doc_id,))
        return rows[0][0] if rows else None

    def filtered_passage_ids(
        self,
        doc_ids: list[str] | None = None,
        author: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        quoted: bool = False,
    ) -> list[int]:
        """Passages of the given documents, by an author (substring of the section's
        author; with ``quoted`` also passages quoting that person) and within a date
        range (inclusive; undated documents excluded by a range)."""
        clauses: list[str] = []
        values: list[Any] = []
        if doc_ids:
            clauses.append("p.doc_id = ANY(%s)")
            values.append(list(doc_ids))
        if author and quoted:
            clauses.append("(strpos(COALESCE(s.author, ''), %s) > 0 OR strpos(p.speakers, %s) > 0)")
            values.extend([author, author])
        elif author:
            clauses.append("strpos(COALESCE(s.author, ''), %s) > 0")
            values.append(author)
        if date_from:
            clauses.append('d.date IS NOT NULL AND d.date COLLATE "C" >= %s')
            values.append(date_from)
        if date_to:
            clauses.append('d.date IS NOT NULL AND d.date COLLATE "C" <= %s')
            values.append(date_to)
        where = " AND ".join(clauses) or "true"
        rows = self.database.rows(
            "SELECT p.passage_id FROM passages p JOIN documents d ON d.doc_id = p.doc_id "
            "LEFT JOIN sections s ON s.doc_id = p.doc_id AND s.section_index = p.section_index "
            f"WHERE {where} ORDER BY p.passage_id",
            values,
        )
        return [row[0] for row in rows]

    def titles(self) -> dict[str, str]:
        rows = self.database.rows(
            "SELECT doc_id, title FROM documents WHERE title IS NOT NULL ORDER BY doc_id"
        )
        return {doc_id: title for doc_id, title in rows}

    def authors(self) -> list[str]:
        rows = self.database.rows(
            "SELECT author FROM sections WHERE author IS NOT NULL AND author != '' "
            "GROUP BY author ORDER BY min(doc_id), min(section_index)"
        )
        return [row[0] for row in rows]

    def article_heads(self) -> list[tuple[str, int]]:
        rows = self.database.rows("SELECT label, passage_id FROM article_heads ORDER BY passage_id")
        return [(label, passage_id) for label, passage_id in rows]

    def passage_outlines(self, ids: list[int]) -> dict[int, tuple[str, int]]:
        rows = self.database.rows(
            "SELECT passage_id, text, sentence_end - sentence_start FROM passages "
            "WHERE passage_id = ANY(%s)",
            (list(ids),),
        )
        return {row[0]: (row[1], row[2]) for row in rows}

    def paragraph_text(self, doc_id: str, paragraph_index: int) -> tuple[int, int, str] | None:
        rows = self.database.rows(
            "SELECT p.start_offset, p.end_offset, "
            "substr(d.text, p.start_offset + 1, p.end_offset - p.start_offset) "
            "FROM paragraphs p JOIN documents d ON d.doc_id = p.doc_id "
            "WHERE p.doc_id = %s AND p.paragraph_index = %s",
            (doc_id, paragraph_index),
        )
        return (rows[0][0], rows[0][1], rows[0][2]) if rows else None

    def passage_ids(self) -> list[int]:
        return [row[0] for row in self.database.rows("SELECT passage_id FROM passages")]

    def count(self, table: str) -> int:
        if table not in TABLES:
            raise ValueError(table)
        return int(self.database.rows(f"SELECT COUNT(*) FROM {table}")[0][0])

    def passages(self, ids: list[int] | None = None) -> list[StoredPassage]:
        """Passages with provenance, in the order of ``ids`` (all passages if None).
        Unknown ids are skipped."""
        query = (
            "SELECT p.passage_id, p.doc_id, p.passage_index, p.paragraph_index, "
            "p.section_index, p.start_offset, p.end_offset, p.text, s.title, s.author, "
            "p.warnings, d.title, d.date, d.source, d.path, d.format, d.metadata, "
            "(SELECT array_agg(array[se.start_offset, se.end_offset] ORDER BY se.sentence_index) "
            " FROM sentences se WHERE se.doc_id = p.doc_id "
            " AND se.sentence_index >= p.sentence_start AND se.sentence_index < p.sentence_end), "
            "p.citation, d.kind, d.dates "
            "FROM passages p JOIN documents d ON d.doc_id = p.doc_id "
            "LEFT JOIN sections s ON s.doc_id = p.doc_id AND s.section_index = p.section_index"
        )
        if ids is None:
            rows = self.database.rows(query + " ORDER BY p.passage_id")
        else:
            rows = self.database.rows(query + " WHERE p.passage_id = ANY(%s)", (list(ids),))
        result = {row[0]: _passage(row) for row in rows}
        order = ids if ids is not None else sorted(result)
        return [result[i] for i in order if i in result]


def _passage(row: Any) -> StoredPassage:
    return StoredPassage(
        passage_id=row[0], doc_id=row[1], passage_index=row[2], paragraph_index=row[3],
        section_index=row[4], start=row[5], end=row[6], text=row[7], title=row[11],
        section_title=row[8], author=row[9], date=row[12], source=row[13], path=row[14],
        warnings=list(row[10]), sentences=[(int(a), int(b)) for a, b in (row[17] or [])],
        format=row[15], metadata=dict(row[16]), kind=row[19],
        **citation_fields(dict(row[18]), row[3], row[12], parse_dates(row[20])),
    )  # fmt: skip
