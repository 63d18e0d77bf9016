"""What the web page does, as a plain class over the qa facade: :class:`WebActions`.

Each method is one user action (ask, search, add to the basket, upload,
remove...) and returns plain values - HTML strings, lists, messages - so it
can be tested without Gradio or a browser; ``ui/web.py`` only lays out the
components and wires them to these methods.

The served path keeps no per-request state: the basket lives in the browser
and comes back with each request, a conversation's history is the only
per-session value (bounded to the last :data:`HISTORY_TURNS` turns), and
uploaded and exported files are left to Gradio's cache, which it clears.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from collection import CollectionError
from corpus.ingest import IngestReport
from corpus.store import StoredDocument
from qa import Answer, AnswerUpdate, Filters, SearchResponse, SearchResult

from . import render, strings
from .access import AccessError, ImportRoots, Operators, api_json, uploaded_files
from .export import BasketItem, to_docx, to_markdown
from .uploads import accept_uploads

HISTORY_TURNS = 5
# The page never carries every document: the table shows one page, a picker the
# documents matching what was typed, the author list the most quoted authors.
PAGE_SIZE = 50
PICKER_CHOICES = 50
AUTHOR_CHOICES = 50
MAX_QUESTION_CHARS = 2000
MAX_BASKET = 500
EXPORT_MAX_AGE = 3600.0

Message = dict[str, Any]  # {"role": "user" | "assistant", "content": html}
History = list[tuple[str, str]]  # (question, answer text) - what follow-up questions need


class Facade(Protocol):
    """What the page needs from :class:`qa.QA` (and what a fake must provide)."""

    @property
    def llm_available(self) -> bool: ...

    def info(self) -> dict[str, Any]: ...

    def documents(self) -> list[StoredDocument]: ...

    def search(
        self, query: str, top_k: int = 10, filters: Filters | None = None, sort: str = "relevance",
        diversify: bool = False,
    ) -> SearchResponse: ...  # fmt: skip

    def ask(self, question: str, mode: str = "extractive", top_k: int = 5, filters: Filters | None = None,
            history: list[tuple[str, str]] | None = None) -> Answer: ...  # fmt: skip

    def ask_stream(self, question: str, mode: str = "extractive", top_k: int = 5,
                   filters: Filters | None = None,
                   history: list[tuple[str, str]] | None = None) -> Iterator[AnswerUpdate]: ...  # fmt: skip

    def paragraph(self, doc_id: str, paragraph: int) -> tuple[int, int, str] | None: ...

    def ingest(self, paths: list[Path], progress: Any = None) -> IngestReport: ...

    def remove(self, targets: list[str]) -> IngestReport: ...


@dataclass
class Library:
    """What the page shows about the collection: the header, one page of the
    documents table, and bounded choices for the pickers - never every document,
    so the page does not grow with the collection."""

    header: str
    documents: str  # HTML table of one page of documents
    page_label: str  # 第 1/3 页 · 共 120 篇
    page: int  # the page shown, 1-based
    pages: int
    choices: list[tuple[str, str]]  # (label, doc_id): the documents of this page (remove picker)
    authors: list[str]  # the authors with the most passages, at most AUTHOR_CHOICES


@dataclass
class Outcome:
    """The result of a library action: a message and the per-file rows."""

    message: str
    rows: str = ""  # HTML table of per-file results
    changed: bool = False


@dataclass
class WebActions:
    qa: Facade
    uploads: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="yinwen-uploads-")))
    max_upload_mb: int = 50
    import_roots: ImportRoots = field(default_factory=ImportRoots)
    operators: Operators = field(default_factory=Operators)
    upload_dir: Path | None = None  # where Gradio stores browser uploads (checked)
    export_dir: Path = field(
        default_factory=lambda: Path(tempfile.mkdtemp(prefix="yinwen-export-"))
    )
    _documents_cache: tuple[Any, list[StoredDocument], list[str]] | None = field(
        default=None, init=False, repr=False
    )

    @cached_property
    def collection(self) -> Path:
        """The collection directory: source paths below it are shown relative to it.
        (The facade has no field for a passage's path relative to its collection.)"""
        return Path(self.qa.info().get("path") or "/nonexistent")

    # ------------------------------------------------------------------ header

    def header(self) -> str:
        info = self.qa.info()
        llm = self.qa.llm_available
        mode = strings.INFO_LLM.format(model=info.get("llm")) if llm else strings.INFO_EXTRACTIVE
        return strings.INFO.format(
            documents=info.get("documents", 0),
            passages=info.get("passages", 0),
            model=strings.model_name(info.get("embedder")),
            updated=strings.timestamp(info.get("updated_at")),
            mode=mode,
        )

    def modes(self) -> list[str]:
        return [strings.EXTRACTIVE, strings.LLM] if self.qa.llm_available else [strings.EXTRACTIVE]

    # ------------------------------------------------------------------ chat

    def _mode(self, mode: str) -> str:
        """The facade's mode for a page label or an API value; an explicit error when
        the LLM is asked for and none is configured (never a silent fallback)."""
        name = {strings.EXTRACTIVE: "extractive", strings.LLM: "llm"}.get(mode, mode)
        if name not in ("extractive", "llm"):
            raise ValueError(strings.UNKNOWN_MODE.format(mode=mode))
        if name == "llm" and not self.qa.llm_available:
            raise ValueError(strings.LLM_NOT_CONFIGURED)
        return name

    def render_answer(self, answer: Answer) -> str:
        collection = self.collection
        items = {c.number: render.basket_item(c.result, collection) for c in answer.citations}
        paragraphs = {}
        for citation in answer.citations:
            context = self._context(citation.result)
            if context:
                paragraphs[citation.number] = context
        related = [render.basket_item(r, collection) for r in answer.related]
        return render.answer_html(answer, items, paragraphs, related)

    def _context(self, result: SearchResult) -> str | None:
        found = self.qa.paragraph(result.passage.doc_id, result.passage.paragraph_index + 1)
        if not found or not result.sentence_spans:
            return None
        start, _, text = found
        return render.paragraph_html(
            text, start, result.sentence_spans[0][0], result.sentence_spans[-1][1]
        )

    def chat(
        self, question: str, messages: list[Message], history: History, mode: str
    ) -> Iterator[tuple[list[Message], History]]:
        """One turn: the question shown as text, the answer streamed, then the
        verified answer with its sources. ``history`` feeds follow-up questions."""
        question = (question or "").strip()
        if not question:
            yield messages, history
            return
        messages = [*messages, {"role": "user", "content": render.user_html(question)}]
        try:
            if len(question) > MAX_QUESTION_CHARS:
                raise ValueError(
                    strings.QUESTION_TOO_LONG.format(length=len(question), limit=MAX_QUESTION_CHARS)
                )
            name = self._mode(mode)
        except ValueError as error:
            yield (
                [*messages, {"role": "assistant", "content": render.message_html(str(error))}],
                history,
            )
            return
        yield (
            [*messages, {"role": "assistant", "content": render.streaming_html(strings.THINKING)}],
            history,
        )
        final: Answer | None = None
        try:
            for update in self.qa.ask_stream(question, mode=name, history=list(history)):
                if update.final is not None:
                    final = update.final
                    break
                yield (
                    [
                        *messages,
                        {"role": "assistant", "content": render.streaming_html(update.text)},
                    ],
                    history,
                )
        except Exception as error:  # an unreachable LLM must not break the page
            failed = strings.ANSWER_FAILED.format(error=error)
            yield (
                [*messages, {"role": "assistant", "content": render.message_html(failed)}],
                history,
            )
            return
        assert final is not None
        history = [*history, (question, final.text)][-HISTORY_TURNS:]
        yield [*messages, {"role": "assistant", "content": self.render_answer(final)}], history

    @staticmethod
    def new_conversation() -> tuple[list[Message], History]:
        return [], []

    # ------------------------------------------------------------------ quote search

    def filters(
        self, documents: Sequence[str] | None, author: str | None, date_from: str, date_to: str
    ) -> Filters:
        """Filters from the form; ValueError with the message to show for a bad date."""
        try:
            start = strings.parse_date(date_from)
        except ValueError:
            raise ValueError(
                strings.BAD_DATE.format(which=strings.DATE_FROM, value=date_from)
            ) from None
        try:
            end = strings.parse_date(date_to, end=True)
        except ValueError:
            raise ValueError(
                strings.BAD_DATE.format(which=strings.DATE_TO, value=date_to)
            ) from None
        if start and end and start > end:
            raise ValueError(strings.DATES_REVERSED)
        return Filters(
            doc_ids=tuple(documents or ()), author=author or None, date_from=start, date_to=end
        )

    def find_quotes(
        self,
        query: str,
        documents: Sequence[str] | None = None,
        author: str | None = None,
        date_from: str = "",
        date_to: str = "",
        sort: str = strings.SORT_RELEVANCE,
        top_k: float = 10,
    ) -> str:
        """Quote cards (HTML) for the search tab, or the message that says what is wrong."""
        if not (query or "").strip():
            return f'<div class="yw-empty">{strings.ENTER_QUERY}</div>'
        try:
            filters = self.filters(documents, author, date_from, date_to)
        except ValueError as error:
            return f'<div class="yw-warning yw-form-error">{render.escape(str(error))}</div>'
        try:
            response = self.qa.search(
                query.strip(),
                top_k=max(1, min(int(top_k), 50)),
                filters=filters,
                sort="newest" if sort == strings.SORT_NEWEST else "relevance",
            )
        except CollectionError as error:  # e.g. the database is gone: a message, not a traceback
            failed = strings.SEARCH_FAILED.format(error=error)
            return f'<div class="yw-warning">{render.escape(failed)}</div>'
        contexts = {}
        for result in response.results:
            context = self._context(result)
            if context:
                contexts[result.passage.passage_id] = context
        collection = self.collection
        items = [render.basket_item(r, collection) for r in response.results]
        return render.results_html(
            response.results, items, response.answerable, contexts, response.uncertain, query
        )

    # ------------------------------------------------------------------ basket

    @staticmethod
    def basket_items(basket: Any) -> list[BasketItem]:
        """The basket the browser sent back; anything malformed is dropped, not trusted."""
        items: list[BasketItem] = []
        for data in basket if isinstance(basket, list) else []:
            try:
                items.append(BasketItem.from_dict(data))
            except ValueError:
                continue
        return items[:MAX_BASKET]

    def basket_view(self, basket: Any) -> str:
        return render.basket_html(self.basket_items(basket))

    def basket_command(self, basket: Any, command: str) -> tuple[list[dict[str, Any]], str]:
        """Apply one command from the page's buttons - ``{"op": "add", "item": {...}}``,
        ``{"op": "up" | "down" | "remove", "index": n}`` - and say what happened."""
        items = self.basket_items(basket)
        try:
            data = json.loads(command or "{}")
            op = data.get("op") if isinstance(data, dict) else None
        except ValueError:
            op = None
        message = ""
        if op == "add":
            try:
                item = BasketItem.from_dict(data.get("item"))
            except ValueError:
                return [i.as_dict() for i in items], strings.BASKET_BAD_ITEM
            if item in items:
                message = strings.BASKET_ALREADY
            elif len(items) < MAX_BASKET:
                items.append(item)
        elif op in ("up", "down", "remove"):
            index = data.get("index")
            if isinstance(index, int) and 0 <= index < len(items):
                if op == "remove":
                    items.pop(index)
                else:
                    target = index - 1 if op == "up" else index + 1
                    if 0 <= target < len(items):
                        items[index], items[target] = items[target], items[index]
        message = message or strings.BASKET_COUNT.format(count=len(items))
        return [i.as_dict() for i in items], message

    def export(self, basket: Any) -> tuple[Path | None, Path | None, str]:
        """The basket as Markdown and as Word with footnotes."""
        items = self.basket_items(basket)
        if not items:
            return None, None, strings.BASKET_EMPTY
        self._prune_exports()
        # one folder per export: two writers exporting in the same second get their own files
        folder = Path(tempfile.mkdtemp(prefix="export-", dir=self.export_dir))
        stamp = time.strftime("%Y%m%d-%H%M%S")
        markdown = folder / f"素材篮-{stamp}.md"
        markdown.write_text(to_markdown(items), encoding="utf-8")
        word = to_docx(items, folder / f"素材篮-{stamp}.docx")
        return markdown, word, strings.EXPORTED.format(count=len(items))

    def _prune_exports(self, age: float = EXPORT_MAX_AGE) -> None:
        """Exports older than ``age`` seconds go: Gradio has copied them into its own
        cache (cleared by ``delete_cache``) when it sent them to the browser."""
        cutoff = time.time() - age
        for folder in self.export_dir.glob("export-*"):
            try:
                if folder.stat().st_mtime < cutoff:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                continue

    # ------------------------------------------------------------------ library

    def _documents(self) -> list[StoredDocument]:
        """Every document, most recently added first (then by title)."""
        return self._catalogue()[0]

    def _catalogue(self) -> tuple[list[StoredDocument], list[str]]:
        """The documents in the order the page lists them, and what a search box
        matches in each (title, authors, file name). Cached per version of the
        collection: typing in a search box does not reread the store."""
        info = self.qa.info()
        key = (info.get("generation"), info.get("updated_at"), info.get("documents"))
        cached = self._documents_cache
        if key[0] is not None and cached is not None and cached[0] == key:
            return cached[1], cached[2]
        documents = sorted(self.qa.documents(), key=lambda d: d.title or Path(d.path).name)
        documents.sort(key=lambda d: d.updated_at or "", reverse=True)
        searched = [
            " ".join([d.title or "", *d.authors, Path(d.path).name]).casefold() for d in documents
        ]
        self._documents_cache = (key, documents, searched)
        return documents, searched

    def warm(self) -> None:
        """Read the document list now (at start-up) rather than in the first page load.
        Any error here is the page's to show when it loads, so it is not raised."""
        with contextlib.suppress(Exception):
            self._catalogue()

    def find_documents(self, query: str | None = "") -> list[StoredDocument]:
        """The documents whose title, authors or file name contain every word of ``query``."""
        terms = (query or "").casefold().split()
        documents, searched = self._catalogue()
        if not terms:
            return documents
        return [
            d for d, text in zip(documents, searched, strict=True) if all(t in text for t in terms)
        ]

    @staticmethod
    def choice(document: StoredDocument) -> tuple[str, str]:
        """A document as a picker shows it: (label, doc_id)."""
        title = document.title or Path(document.path).name
        return f"{title}（{render.short_document_date(document)}）", document.doc_id

    def document_choices(
        self, query: str | None = "", selected: Sequence[str] | None = None
    ) -> list[tuple[str, str]]:
        """A picker's choices: the documents already selected (so they stay selected),
        then at most :data:`PICKER_CHOICES` documents matching ``query``."""
        return self._with_selected(self.find_documents(query)[:PICKER_CHOICES], selected)

    def _with_selected(
        self, documents: Sequence[StoredDocument], selected: Sequence[str] | None
    ) -> list[tuple[str, str]]:
        shown = {d.doc_id for d in documents}
        wanted = [i for i in selected or () if i not in shown]
        kept = [d for d in self._documents() if d.doc_id in set(wanted)] if wanted else []
        return [self.choice(d) for d in [*kept, *documents]]

    def authors(self, limit: int = AUTHOR_CHOICES) -> list[str]:
        """The authors with the most passages, at most ``limit`` of them."""
        passages: dict[str, int] = {}
        for document in self._documents():
            for author in document.authors:
                passages[author] = passages.get(author, 0) + document.passages
        ranked = sorted(passages.items(), key=lambda item: -item[1])  # stable: ties keep order
        return [author for author, _ in ranked[:limit]]

    def library(
        self, query: str | None = "", page: float = 1, selected: Sequence[str] | None = None
    ) -> Library:
        """The header and one page (of :data:`PAGE_SIZE`) of the documents matching
        ``query``; ``selected`` documents stay in the remove picker's choices."""
        found = self.find_documents(query)
        pages = max(1, -(-len(found) // PAGE_SIZE))
        page = min(max(1, int(page or 1)), pages)
        shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        if (query or "").strip():
            label = strings.PAGE_FOUND.format(page=page, pages=pages, count=len(found))
        else:
            label = strings.PAGE_ALL.format(page=page, pages=pages, count=len(found))
        if (query or "").strip() and not found:
            table = f'<div class="yw-empty">{strings.DOCUMENTS_NOT_FOUND}</div>'
        else:
            table = render.documents_html(shown, self.collection)
        return Library(
            header=self.header(),
            documents=table,
            page_label=label,
            page=page,
            pages=pages,
            choices=self._with_selected(shown, selected),
            authors=self.authors(),
        )

    def can_change(self, username: str | None) -> bool:
        return self.operators.allows(username)

    @staticmethod
    def _summary(report: IngestReport, rejected: int = 0) -> str:
        summary = report.summary()
        return strings.INGEST_SUMMARY.format(
            added=summary["added"],
            updated=summary["updated"],
            unchanged=summary["unchanged"],
            failed=report.count("failed") + rejected,
        )

    def ingest_uploads(
        self, files: Sequence[str | Path] | None, username: str | None, progress: Any = None
    ) -> Outcome:
        """Store uploaded files under the collection's uploads folder and ingest them."""
        try:
            self.operators.check(username)
            if not files:
                return Outcome(strings.CHOOSE_FILES_FIRST)
            paths = [Path(f) for f in files]
            if self.upload_dir is not None:
                paths = uploaded_files(paths, self.upload_dir)
        except AccessError as error:
            return Outcome(str(error))
        stored, rejected = accept_uploads(paths, self.uploads, self.max_upload_mb)
        report = self.qa.ingest(stored, progress=progress) if stored else IngestReport()
        rows = render.report_rows(report) + rejected
        return Outcome(
            self._summary(report, len(rejected)),
            render.table_html(strings.INGEST_HEADERS, rows, "yw-report-table"),
            changed=True,
        )

    def ingest_folder(self, folder: str, username: str | None, progress: Any = None) -> Outcome:
        """Import a folder below one of the operator's import roots."""
        try:
            self.operators.check(username)
            if not (folder or "").strip():
                return Outcome(strings.ENTER_FOLDER)
            files, skipped = self.import_roots.files(folder)
        except AccessError as error:
            return Outcome(str(error))
        report = self.qa.ingest(files, progress=progress) if files else IngestReport()
        report.results.extend(skipped)
        rows = render.report_rows(report)
        return Outcome(
            self._summary(report),
            render.table_html(strings.INGEST_HEADERS, rows, "yw-report-table"),
            changed=True,
        )

    def confirm_remove(self, doc_ids: Sequence[str] | None, username: str | None) -> str | None:
        """The question to confirm before removing, or None with nothing to confirm."""
        if not doc_ids or not self.operators.allows(username):
            return None
        titles = {d.doc_id: d.title or Path(d.path).name for d in self._documents()}
        named = "、".join(f"《{titles.get(i, i)}》" for i in doc_ids)
        return strings.CONFIRM_REMOVE.format(count=len(doc_ids), titles=named)

    def remove(self, doc_ids: Sequence[str] | None, username: str | None) -> Outcome:
        try:
            self.operators.check(username)
        except AccessError as error:
            return Outcome(str(error))
        if not doc_ids:
            return Outcome(strings.CHOOSE_DOCUMENTS_FIRST)
        known = {d.doc_id for d in self.qa.documents()}
        # only ids of this collection: remove() also takes paths, which the page never sends
        targets = [i for i in doc_ids if i in known]
        report = self.qa.remove(targets) if targets else IngestReport()
        return Outcome(strings.REMOVED.format(count=report.count("removed")), changed=True)

    # ------------------------------------------------------------------ API

    def api_search(self, query: str, top_k: int = 10) -> dict[str, Any]:
        response = self.qa.search(query, top_k=max(1, min(int(top_k), 50)))
        return api_json(response.as_dict(), self.collection)

    def api_ask(self, question: str, mode: str = "extractive") -> dict[str, Any]:
        """ValueError (shown as the API's error) for an unknown mode or an LLM that
        is not configured."""
        if len(question or "") > MAX_QUESTION_CHARS:
            raise ValueError(
                strings.QUESTION_TOO_LONG.format(length=len(question), limit=MAX_QUESTION_CHARS)
            )
        answer = self.qa.ask(question, mode=self._mode(mode))
        return api_json(answer.as_dict(), self.collection)
