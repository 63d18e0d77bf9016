"""The one facade the CLI and the web page use: ``QA.open(index_dir)``.

It owns a consistent snapshot of the collection (reopened when a write
commits, through :class:`collection.LiveSnapshot`), the retriever, the abstention decision and answer
composition, and passes library management (ingest, remove) through to the
collection so that the UI never touches the layers below.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collection import CollectionError, default_location
from collection.collection import Collection, CollectionReader, LiveSnapshot
from collection.errors import ConnectionLost
from corpus.ingest import IngestReport
from corpus.store import StoredDocument
from embeddings.base import Embedder

from .abstention import (
    AbstentionModel,
    AbstentionSettings,
    is_answerable,
    model_for,
    query_features,
    question_terms,
)
from .answer import NOT_FOUND, QUANTITY_NOT_FOUND, Answer, Citation, compose_extractive
from .clean_first import prefer_clean
from .followup import asks_for_more, contextual_query, not_yet_quoted
from .llm import LLMError, LLMSettings, build_messages, chat_model, stream_answer
from .quantities import QUANTITY_RESULTS, quantity_unstated
from .retrieval import (
    Background,
    Filters,
    HybridRetriever,
    Lexicon,
    Reranker,
    RetrievalSettings,
    SearchResult,
    WordMatcher,
)
from .text import normalise
from .verify import QuoteCheck, Verification, verify_answer


@dataclass(frozen=True)
class _Snapshot:
    """A collection snapshot with what the retriever derives from it once."""

    reader: CollectionReader
    lexicon: Lexicon
    background: Background
    words: WordMatcher


def _derive(reader: CollectionReader) -> tuple[Lexicon, Background, WordMatcher]:
    """What searches keep with a snapshot: its title/author lexicon, its vectors'
    moments, its passages' words and their vectors."""
    return Lexicon(reader), Background(reader), WordMatcher(reader)


@dataclass
class SearchResponse:
    query: str
    results: list[SearchResult]
    answerable: bool
    # refused because the question asks for a quantity no top result states
    number_missing: bool = False
    # answerable, but the learned decider is unsure the passages answer it
    uncertain: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "answerable": self.answerable,
            "uncertain": self.uncertain,
            "results": [r.as_dict() for r in self.results],
        }


@dataclass
class AnswerUpdate:
    """A streamed step of an answer: partial text, then the final verified answer."""

    text: str
    final: Answer | None = None


class QA:
    """Search and answers over one collection; safe to share between threads."""

    def __init__(
        self,
        index_dir: Path | str,
        embedder: Embedder | None = None,
        retrieval: RetrievalSettings | None = None,
        abstention: AbstentionSettings | None = None,
        reranker: Reranker | None = None,
        llm: LLMSettings | None = None,
    ) -> None:
        self.collection = Collection(index_dir)
        self.retrieval_settings = retrieval or RetrievalSettings()
        self._abstention = abstention
        self.reranker = reranker
        self.llm = llm
        # Searches run concurrently on the snapshot they started with (SQLite is
        # opened in serialized mode, FAISS and BM25 are read-only, PostgreSQL
        # reads take a pooled connection), so one slow query never queues the others.
        self._live = LiveSnapshot(self.collection, _derive, embedder)

    @classmethod
    def open(cls, index_dir: Path | str | None = None, **options: Any) -> QA:
        """Open a collection (default: the user's default collection); LLM settings
        come from ``YINWEN_LLM*`` unless given. Fails with CollectionError if absent."""
        if "llm" not in options:
            try:
                options["llm"] = LLMSettings.from_env()
            except LLMError:
                options["llm"] = None
        qa = cls(index_dir if index_dir is not None else default_location(), **options)
        qa.reader()  # fail early with the message that names the fix
        return qa

    # ----------------------------------------------------------------- snapshot

    @property
    def embedder(self) -> Embedder | None:
        return self._live.embedder

    def reader(self) -> CollectionReader:
        """The live snapshot, reopened when a write committed (after an ingest)."""
        return self._current().reader

    def _current(self) -> _Snapshot:
        reader, (lexicon, background, words) = self._live.current()
        return _Snapshot(reader, lexicon, background, words)

    @property
    def abstention(self) -> AbstentionSettings:
        """Given settings, else the calibration for the collection's embedder."""
        if self._abstention is not None:
            return self._abstention
        return AbstentionSettings.for_embedder(self.reader().embedder.id)

    @abstention.setter
    def abstention(self, settings: AbstentionSettings | None) -> None:
        self._abstention = settings

    def info(self) -> dict[str, Any]:
        data = self.reader().info()
        data["llm"] = self.llm.describe() if self.llm else None
        return data

    def documents(self) -> list[StoredDocument]:
        return self.reader().store.documents()

    # ----------------------------------------------------------------- search

    def search(
        self,
        query: str,
        top_k: int = 10,
        filters: Filters | None = None,
        sort: str = "relevance",
        diversify: bool = False,
    ) -> SearchResponse:
        """Quotes for a query, with the abstention decision."""
        for attempt in (1, 2):
            snapshot = self._current()
            retriever = HybridRetriever(
                snapshot.reader,
                self.retrieval_settings,
                self.reranker,
                snapshot.lexicon,
                snapshot.background,
                snapshot.words,
            )
            try:
                with snapshot.reader.consistent():
                    results = retriever.search(query, top_k, filters, sort, diversify)
                    if sort == "relevance":
                        results = prefer_clean(results)
                    # Either decider reads words and meaning; neither sees that a
                    # "how many" question meets no number at all (qa/quantities.py).
                    texts = [r.passage.text for r in results[:QUANTITY_RESULTS]]
                    number_missing = bool(results) and quantity_unstated(query, texts)
                    answerable, uncertain = (
                        (False, False)
                        if number_missing
                        else self._answerable(query, results, snapshot)
                    )
                return SearchResponse(query, results, answerable, number_missing, uncertain)
            except ConnectionLost:
                if attempt == 2:
                    raise  # one line naming the fix, for the page and the CLI
        raise AssertionError("unreachable")

    def _answerable(
        self, query: str, results: list[SearchResult], snapshot: _Snapshot
    ) -> tuple[bool, bool]:
        """(answerable, uncertain): uncertain only from the learned decider."""
        # From the search's own snapshot: asking for the live one again would check
        # the collection's version again (a database round trip per check).
        embedder_id = snapshot.reader.embedder.id
        model = None if self._abstention is not None else model_for(embedder_id)
        if model is None:
            settings = self._abstention or AbstentionSettings.for_embedder(embedder_id)
            return is_answerable(results, settings), False
        if not results:
            return False, False
        terms = question_terms(query, snapshot.reader.sparse)
        return model.decide(query_features(query, results, terms))

    @property
    def abstention_model(self) -> AbstentionModel | None:
        """The learned decision for the collection's embedder, unless thresholds were given."""
        if self._abstention is not None:
            return None
        return model_for(self.reader().embedder.id)

    quotes = search

    def paragraph(self, doc_id: str, paragraph: int) -> tuple[int, int, str] | None:
        """(start, end, text) of a 1-based paragraph, to show a quote in context."""
        return self.reader().store.paragraph_text(doc_id, paragraph - 1)

    # ----------------------------------------------------------------- answers

    @property
    def llm_available(self) -> bool:
        return self.llm is not None

    def ask(
        self,
        question: str,
        mode: str = "extractive",
        top_k: int = 5,
        filters: Filters | None = None,
        history: list[tuple[str, str]] | None = None,
    ) -> Answer:
        """A short cited answer; "not found" with related passages when the collection lacks it."""
        final: Answer | None = None
        for update in self.ask_stream(question, mode, top_k, filters, history):
            final = update.final or final
        assert final is not None
        return final

    def ask_stream(
        self,
        question: str,
        mode: str = "extractive",
        top_k: int = 5,
        filters: Filters | None = None,
        history: list[tuple[str, str]] | None = None,
    ) -> Iterator[AnswerUpdate]:
        """The answer as it is produced; the last update carries the verified Answer."""
        query = contextual_query(question, history, self._current().lexicon.authors_named)
        more = asks_for_more(question, history)
        # (asking for more: five extra, since the ones already quoted are set aside)
        response = self.search(query, top_k=max(top_k, 5) + (5 if more else 0), filters=filters)
        results = response.results
        if more and history:
            fresh = not_yet_quoted([r.sentence for r in results], history[-1][1])
            results = [results[i] for i in fresh] or results
        results = results[: max(top_k, 5)]
        if not response.answerable:
            said = QUANTITY_NOT_FOUND if response.number_missing else NOT_FOUND
            answer = Answer(question, said, [], False, mode, related=results[:3])
            yield AnswerUpdate(answer.text, answer)
            return
        if mode == "llm":
            yield from self._llm_answer(question, results[:top_k], history, response.uncertain)
            return
        text, citations = compose_extractive(results)
        answer = Answer(
            question,
            text,
            citations,
            True,
            "extractive",
            _check_extractive(citations),
            uncertain=response.uncertain,
        )
        yield AnswerUpdate(text, answer)

    def _llm_answer(
        self,
        question: str,
        results: list[SearchResult],
        history: list[tuple[str, str]] | None,
        uncertain: bool = False,
    ) -> Iterator[AnswerUpdate]:
        if self.llm is None:
            raise LLMError("no LLM configured: set YINWEN_LLM and YINWEN_LLM_MODEL (see README)")
        model = chat_model(self.llm)
        messages = build_messages(question, results, history)
        text = ""
        for chunk in stream_answer(model, messages):
            text += chunk
            yield AnswerUpdate(text)
        sources = {n: r.passage.text for n, r in enumerate(results, start=1)}
        checked, verification = verify_answer(text, sources)
        used = sorted({c for q in verification.quotes for c in q.found_in} | _markers(checked))
        citations = [Citation(n, results[n - 1]) for n in used if 1 <= n <= len(results)]
        abstained = normalise(NOT_FOUND) in normalise(checked)
        answer = Answer(
            question,
            checked,
            citations,
            not abstained,
            "llm",
            verification,
            related=results[:3] if abstained else [],
            model=self.llm.describe(),
            uncertain=uncertain and not abstained,
        )
        yield AnswerUpdate(checked, answer)

    # ----------------------------------------------------------------- library

    def ingest(
        self, paths: list[Path], progress: Callable[[int, int, str], None] | None = None
    ) -> IngestReport:
        """Add files to the collection (the next query sees them)."""
        embedder = self.reader().embedder
        return self.collection.ingest(paths, embedder=embedder, progress=progress)

    def remove(self, targets: list[str]) -> IngestReport:
        embedder = self.reader().embedder
        return self.collection.remove(targets, embedder=embedder)


def _markers(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\[(\d{1,3})\]", text)}


def _check_extractive(citations: list[Citation]) -> Verification:
    """Extractive answers are quotes by construction; check it anyway (always on)."""
    report = Verification()
    for citation in citations:
        found = normalise(citation.quote) in normalise(citation.passage.text)
        report.quotes.append(
            QuoteCheck(
                citation.quote,
                "verified" if found else "unverified",
                [citation.number],
                [citation.number] if found else [],
            )
        )
    return report


__all__ = [
    "QA",
    "AnswerUpdate",
    "CollectionError",
    "Filters",
    "LLMError",
    "SearchResponse",
]
