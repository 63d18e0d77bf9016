"""The web page: ``create_app(qa) -> gr.Blocks`` - layout and wiring only.

Four tabs - 问答 (chat with cited, verified answers), 找引文 (quote search),
素材篮 (the basket, kept in the browser, exported as Markdown or Word with
footnotes) and 资料库 (upload, import, remove). What each control does lives
in :class:`ui.actions.WebActions`; the text in :mod:`ui.strings`; the look and
the page script in ``ui/static/``.

Named API endpoints for ``gradio_client``: ``/search`` and ``/ask`` (see README).
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# Gradio keeps timing records of the last N events (read when the queue is created);
# its default of 10,000 is several megabytes the page never looks at.
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "500")
# ... and by default summarises them (a pandas frame, grouped, percentiles) after
# every event: ~1.5 ms of each request for a summary the page never reads.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000")

# At module level (not inside create_app) because Gradio finds the gr.Request
# parameter of a handler by resolving its type hint in the module's globals.
import gradio as gr
from gradio.utils import get_upload_folder

from . import strings
from .access import ImportRoots, Operators
from .actions import Facade, WebActions

DEFAULT_MAX_UPLOAD_MB = 50
UPLOAD_TYPES = [".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf"]
# Sessions (one per browser tab or API client) whose state Gradio keeps. Each
# holds a copy of the page's configuration (~100 KB); Gradio's default of
# 10,000 let the server grow by that much per new API client up to ~1 GB
# (bench/web_memory.py). 200 open conversations is plenty for one machine;
# the oldest session beyond that loses its chat history, nothing else.
SESSION_CAPACITY = 200

__all__ = ["DEFAULT_MAX_UPLOAD_MB", "Facade", "create_app", "launch_options", "static_text"]


def static_text(name: str) -> str:
    """A file of ``ui/static`` (package data), as text."""
    return resources.files("ui").joinpath("static", name).read_text(encoding="utf-8")


def create_app(
    qa: Facade,
    uploads: Path | None = None,
    max_upload_mb: int = DEFAULT_MAX_UPLOAD_MB,
    import_roots: ImportRoots | None = None,
    operators: Operators | None = None,
    browser_secret: str | None = None,
) -> Any:
    """The Gradio app over a facade.

    ``uploads`` is where uploaded files are kept (inside the collection directory
    when served by ``yinwen serve``); ``import_roots`` the server directories a
    folder may be imported from (none: no folder import); ``operators`` who may
    change the collection; ``browser_secret`` encrypts the basket in the
    browser's storage - the same secret across restarts keeps baskets readable.
    """
    actions = WebActions(
        qa,
        uploads=uploads or Path(tempfile.mkdtemp(prefix="yinwen-uploads-")),
        max_upload_mb=max_upload_mb,
        import_roots=import_roots or ImportRoots(),
        operators=operators or Operators(),
        upload_dir=Path(get_upload_folder()),
    )
    actions.warm()

    # ------------------------------------------------------------------ handlers
    # Thin adapters from Gradio's values (gr.update, gr.Request) to WebActions.

    def documents_page(query: str, page: float, selected: list[str] | None) -> tuple[Any, ...]:
        """One page of the documents table, its paging controls and the remove picker."""
        library = actions.library(query, page, selected)
        return (
            library.documents,
            library.page_label,
            library.page,
            gr.update(interactive=library.page > 1),
            gr.update(interactive=library.page < library.pages),
            gr.update(choices=library.choices, value=list(selected or [])),
        )

    def library_updates() -> tuple[Any, ...]:
        """On load: the header, the first page of all documents, and the pickers -
        each bounded, however large the collection."""
        library = actions.library()
        return (
            library.header,
            library.documents,
            library.page_label,
            library.page,
            gr.update(interactive=False),
            gr.update(interactive=library.pages > 1),
            gr.update(choices=library.choices, value=[]),
            gr.update(choices=actions.document_choices(), value=[]),
            gr.update(choices=["", *library.authors], value=""),
        )

    def library_changed() -> tuple[Any, ...]:
        """After a change: all of the above afresh, and the search boxes emptied."""
        return (*library_updates(), "", "")

    def find_filter_documents(query: str, selected: list[str] | None) -> Any:
        return gr.update(choices=actions.document_choices(query, selected))

    def on_load(basket: Any, request: gr.Request) -> tuple[Any, ...]:
        allowed = actions.can_change(request.username if request else None)
        return (
            *library_updates(),
            actions.basket_view(basket),
            gr.update(visible=allowed),
            gr.update(visible=not allowed),
            gr.update(visible=allowed),
        )

    def chat(question: str, messages: list[dict[str, Any]], history: list[Any], mode: str) -> Any:
        pairs = [tuple(pair) for pair in history or []]
        for shown, pairs_after in actions.chat(question, messages or [], pairs, mode):
            yield shown, pairs_after, ""

    def basket_commands(basket: Any, commands: str) -> tuple[Any, str]:
        try:
            queue = json.loads(commands or "[]")
        except ValueError:
            queue = []
        for command in queue if isinstance(queue, list) else []:
            basket, _ = actions.basket_command(basket, json.dumps(command))
        return basket, actions.basket_view(basket)

    def ask_clear_basket(basket: Any) -> tuple[Any, Any]:
        count = len(actions.basket_items(basket))
        if not count:
            return gr.update(visible=False), strings.BASKET_EMPTY
        return gr.update(visible=True), strings.CONFIRM_CLEAR_BASKET.format(count=count)

    def clear_basket() -> tuple[Any, str, Any, str]:
        return [], actions.basket_view([]), gr.update(visible=False), strings.BASKET_CLEARED

    def export(basket: Any) -> tuple[Any, Any, str]:
        markdown, word, message = actions.export(basket)
        return (
            gr.update(value=str(markdown) if markdown else None),
            gr.update(value=str(word) if word else None),
            message,
        )

    def progress_callback(progress: Any) -> Any:
        return lambda done, total, stage: progress((done, total), desc=stage)

    def ingest_uploads(
        files: list[Any] | None, request: gr.Request, progress: Any = gr.Progress()
    ) -> tuple[Any, ...]:
        paths = [f if isinstance(f, str) else f.name for f in files or []]
        outcome = actions.ingest_uploads(
            paths, request.username if request else None, progress_callback(progress)
        )
        return (outcome.message, outcome.rows, *library_changed())

    def ingest_folder(
        folder: str, request: gr.Request, progress: Any = gr.Progress()
    ) -> tuple[Any, ...]:
        outcome = actions.ingest_folder(
            folder, request.username if request else None, progress_callback(progress)
        )
        return (outcome.message, outcome.rows, *library_changed())

    def ask_remove(doc_ids: list[str] | None, request: gr.Request) -> tuple[Any, Any, str]:
        username = request.username if request else None
        question = actions.confirm_remove(doc_ids, username)
        if question is None:  # nothing selected, or not allowed: remove() says which
            return gr.update(visible=False), "", actions.remove([], username).message
        return gr.update(visible=True), question, ""

    def remove(doc_ids: list[str] | None, request: gr.Request) -> tuple[Any, ...]:
        outcome = actions.remove(doc_ids, request.username if request else None)
        return (gr.update(visible=False), outcome.message, *library_changed())

    def api_search(query: str, top_k: int = 10) -> dict[str, Any]:
        """Quotes for a query: {answerable, uncertain, results: [{rank, score, text, sentence, title, author, date, file, paragraph, start, end, ...}]}."""
        return actions.api_search(query, top_k)

    def api_ask(question: str, mode: str = "extractive") -> dict[str, Any]:
        """A cited, verified answer: {answer, answerable, uncertain, mode, citations, verification, related}; mode "extractive" or "llm"."""
        try:
            return actions.api_ask(question, mode)
        except ValueError as error:
            raise gr.Error(str(error), print_exception=False) from None

    # ------------------------------------------------------------------ layout

    private: dict[str, Any] = {"api_visibility": "private"}
    modes = actions.modes()
    # Gradio's cache holds every upload and export it served; files older than a
    # day are deleted hourly, so the server's disk does not fill up with them.
    with gr.Blocks(title=strings.TITLE, analytics_enabled=False, delete_cache=(3600, 86400)) as app:
        with gr.Column(elem_id="yw-header"):
            gr.Markdown(f"## {strings.HEADING}", elem_id="yw-title")
            info = gr.Markdown(elem_id="yw-info")
        with gr.Tabs(elem_id="yw-tabs"):
            with gr.Tab(strings.TAB_CHAT, id="chat"):
                mode = gr.Radio(
                    modes, value=modes[-1], label=strings.MODE_LABEL, elem_id="yw-mode",
                    visible=len(modes) > 1,
                )  # fmt: skip
                chatbot = gr.Chatbot(
                    show_label=False, height=520, elem_id="yw-chat", sanitize_html=False,
                    render_markdown=False, group_consecutive_messages=False, buttons=[],
                    feedback_options=None, placeholder=strings.CHAT_PLACEHOLDER,
                    allow_file_downloads=False, latex_delimiters=[],
                    autoscroll=False,  # ui/static/yinwen.js shows a new answer from its top
                )  # fmt: skip
                history = gr.State([])
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        placeholder=strings.QUESTION_PLACEHOLDER, show_label=False, scale=5,
                        elem_id="yw-question", max_length=2000,
                    )  # fmt: skip
                    ask_button = gr.Button(
                        strings.ASK, variant="primary", scale=1, min_width=80, elem_id="yw-ask"
                    )
                new_conversation = gr.Button(
                    strings.NEW_CONVERSATION, size="sm", elem_id="yw-new-conversation"
                )
            with gr.Tab(strings.TAB_SEARCH, id="search"):
                with gr.Row(equal_height=True):
                    query = gr.Textbox(
                        placeholder=strings.QUERY_PLACEHOLDER, show_label=False, scale=5,
                        elem_id="yw-query",
                    )  # fmt: skip
                    search_button = gr.Button(
                        strings.SEARCH,
                        variant="primary",
                        scale=1,
                        min_width=80,
                        elem_id="yw-search",
                    )
                with gr.Accordion(strings.FILTERS, open=False, elem_id="yw-filters"):
                    with gr.Row():
                        with gr.Column():
                            doc_search = gr.Textbox(
                                label=strings.FIND_DOCUMENT, placeholder=strings.FIND_DOCUMENT_HINT,
                                elem_id="yw-doc-search", max_length=200,
                            )  # fmt: skip
                            doc_filter = gr.Dropdown(
                                choices=[], multiselect=True, label=strings.FILTER_DOCUMENTS,
                                info=strings.FILTER_DOCUMENTS_INFO, elem_id="yw-doc-filter",
                            )  # fmt: skip
                        author_filter = gr.Dropdown(
                            choices=[""], value="", label=strings.FILTER_AUTHOR,
                            info=strings.FILTER_AUTHOR_INFO, allow_custom_value=True,
                            elem_id="yw-author-filter",
                        )  # fmt: skip
                    with gr.Row():
                        date_from = gr.Textbox(
                            label=strings.DATE_FROM, placeholder=strings.DATE_HINT,
                            elem_id="yw-date-from",
                        )  # fmt: skip
                        date_to = gr.Textbox(
                            label=strings.DATE_TO, placeholder=strings.DATE_HINT,
                            elem_id="yw-date-to",
                        )  # fmt: skip
                        sort = gr.Radio(
                            [strings.SORT_RELEVANCE, strings.SORT_NEWEST],
                            value=strings.SORT_RELEVANCE, label=strings.SORT,
                        )  # fmt: skip
                        top_k = gr.Slider(1, 30, value=10, step=1, label=strings.TOP_K)
                results = gr.HTML(elem_id="yw-results", js_on_load=None)
            with gr.Tab(strings.TAB_BASKET, id="basket"):
                basket_view = gr.HTML(elem_id="yw-basket", js_on_load=None)
                with gr.Row():
                    export_button = gr.Button(
                        strings.EXPORT, variant="primary", elem_id="yw-export"
                    )
                    clear_button = gr.Button(
                        strings.CLEAR_BASKET, variant="stop", elem_id="yw-clear-basket"
                    )
                with gr.Row(visible=False, elem_id="yw-confirm-clear") as confirm_clear_row:
                    confirm_clear_text = gr.Markdown()
                    confirm_clear = gr.Button(
                        strings.CONFIRM_CLEAR, variant="stop", elem_id="yw-confirm-clear-yes"
                    )
                    cancel_clear = gr.Button(strings.CANCEL, elem_id="yw-confirm-clear-no")
                export_status = gr.Markdown(elem_id="yw-export-status")
                with gr.Row():
                    markdown_file = gr.File(
                        label=strings.MARKDOWN_FILE,
                        interactive=False,
                        elem_id="yw-md-file",
                        height=90,
                    )
                    word_file = gr.File(
                        label=strings.WORD_FILE,
                        interactive=False,
                        elem_id="yw-docx-file",
                        height=90,
                    )
            with gr.Tab(strings.TAB_LIBRARY, id="library"):
                with gr.Column(visible=False, elem_id="yw-library-admin") as admin:
                    intro = strings.LIBRARY_INTRO.format(limit=max_upload_mb)
                    if actions.import_roots:
                        intro += strings.LIBRARY_INTRO_FOLDER.format(
                            roots=actions.import_roots.describe()
                        )
                    gr.Markdown(intro)
                    upload = gr.UploadButton(
                        strings.UPLOAD + "，" + strings.INGEST, file_count="multiple",
                        file_types=UPLOAD_TYPES, variant="primary", elem_id="yw-upload",
                    )  # fmt: skip
                    if actions.import_roots:
                        with gr.Row(equal_height=True):
                            folder = gr.Textbox(
                                label=strings.FOLDER, scale=4, elem_id="yw-folder",
                                placeholder=str(actions.import_roots.roots[0]),
                            )  # fmt: skip
                            folder_button = gr.Button(
                                strings.IMPORT_FOLDER, scale=1, elem_id="yw-import-folder"
                            )
                    ingest_status = gr.Markdown(elem_id="yw-ingest-status")
                    ingest_report = gr.HTML(elem_id="yw-ingest-report", js_on_load=None)
                read_only = gr.Markdown(strings.LIBRARY_READ_ONLY, visible=False)
                gr.Markdown(f"### {strings.DOCUMENTS}")
                library_search = gr.Textbox(
                    label=strings.FIND_DOCUMENT, placeholder=strings.FIND_DOCUMENT_HINT,
                    elem_id="yw-library-search", max_length=200,
                )  # fmt: skip
                documents_view = gr.HTML(elem_id="yw-documents", js_on_load=None)
                with gr.Row(equal_height=True, elem_id="yw-pages"):
                    previous_page = gr.Button(
                        strings.PREVIOUS_PAGE, size="sm", interactive=False, min_width=60,
                        elem_id="yw-previous-page",
                    )  # fmt: skip
                    page_label = gr.Markdown(elem_id="yw-page-label")
                    next_page = gr.Button(
                        strings.NEXT_PAGE, size="sm", interactive=False, min_width=60,
                        elem_id="yw-next-page",
                    )  # fmt: skip
                page_number = gr.State(1)
                with gr.Column(visible=False) as remove_controls:
                    with gr.Row(equal_height=True):
                        remove_pick = gr.Dropdown(
                            choices=[], multiselect=True, label=strings.REMOVE_PICK,
                            elem_id="yw-remove-pick", scale=4,
                        )  # fmt: skip
                        remove_button = gr.Button(
                            strings.REMOVE, variant="stop", elem_id="yw-remove", scale=1
                        )
                    with gr.Row(visible=False, elem_id="yw-confirm-remove") as confirm_remove_row:
                        confirm_remove_text = gr.Markdown(elem_id="yw-confirm-remove-text")
                        confirm_remove = gr.Button(
                            strings.CONFIRM_REMOVE_BUTTON, variant="stop",
                            elem_id="yw-confirm-remove-yes",
                        )  # fmt: skip
                        cancel_remove = gr.Button(strings.CANCEL, elem_id="yw-confirm-remove-no")
                    remove_status = gr.Markdown(elem_id="yw-remove-status")

        # The bridge from buttons inside HTML (answers, cards, basket) to the
        # server: yinwen.js queues commands and clicks this hidden button.
        command = gr.Textbox(visible="hidden", elem_id="yw-command")
        command_go = gr.Button(visible="hidden", elem_id="yw-command-go")
        basket = gr.BrowserState(
            [], storage_key="yinwen-basket", secret=browser_secret or secrets.token_hex(16)
        )

        # ------------------------------------------------------------------ wiring
        page_outputs = [
            documents_view,
            page_label,
            page_number,
            previous_page,
            next_page,
            remove_pick,
        ]
        library_outputs = [info, *page_outputs, doc_filter, author_filter]
        # (the search boxes are emptied only after a change: setting them fires their .change)
        changed_outputs = [*library_outputs, library_search, doc_search]
        app.load(
            on_load,
            [basket],
            [*library_outputs, basket_view, admin, read_only, remove_controls],
            **private,
        )

        chat_inputs = [question, chatbot, history, mode]
        chat_outputs = [chatbot, history, question]
        question.submit(chat, chat_inputs, chat_outputs, **private)
        ask_button.click(chat, chat_inputs, chat_outputs, **private)
        new_conversation.click(actions.new_conversation, None, [chatbot, history], **private)
        chatbot.clear(lambda: [], None, [history], **private)

        doc_search.change(
            find_filter_documents, [doc_search, doc_filter], [doc_filter],
            trigger_mode="always_last", show_progress="hidden", **private,
        )  # fmt: skip
        search_inputs = [query, doc_filter, author_filter, date_from, date_to, sort, top_k]
        query.submit(actions.find_quotes, search_inputs, [results], **private)
        search_button.click(actions.find_quotes, search_inputs, [results], **private)

        command_go.click(
            basket_commands,
            [basket, command],
            [basket, basket_view],
            js="(basket, command) => [basket, window.ywTakeCommands ? window.ywTakeCommands() : '[]']",
            trigger_mode="always_last",
            **private,
        )  # fmt: skip
        export_button.click(export, [basket], [markdown_file, word_file, export_status], **private)
        clear_button.click(
            ask_clear_basket, [basket], [confirm_clear_row, confirm_clear_text], **private
        )
        confirm_clear.click(
            clear_basket, None, [basket, basket_view, confirm_clear_row, export_status], **private
        )
        cancel_clear.click(lambda: gr.update(visible=False), None, [confirm_clear_row], **private)

        upload.upload(
            ingest_uploads, [upload], [ingest_status, ingest_report, *changed_outputs], **private
        )
        if actions.import_roots:
            folder_button.click(
                ingest_folder, [folder], [ingest_status, ingest_report, *changed_outputs], **private
            )
        library_search.change(
            lambda text, selected: documents_page(text, 1, selected),
            [library_search, remove_pick], page_outputs,
            trigger_mode="always_last", show_progress="hidden", **private,
        )  # fmt: skip
        previous_page.click(
            lambda text, page, selected: documents_page(text, page - 1, selected),
            [library_search, page_number, remove_pick], page_outputs, **private,
        )  # fmt: skip
        next_page.click(
            lambda text, page, selected: documents_page(text, page + 1, selected),
            [library_search, page_number, remove_pick], page_outputs, **private,
        )  # fmt: skip
        remove_button.click(
            ask_remove, [remove_pick], [confirm_remove_row, confirm_remove_text, remove_status],
            **private,
        )  # fmt: skip
        confirm_remove.click(
            remove, [remove_pick], [confirm_remove_row, remove_status, *changed_outputs], **private
        )
        cancel_remove.click(lambda: gr.update(visible=False), None, [confirm_remove_row], **private)

        gr.api(api_search, api_name="search")
        gr.api(api_ask, api_name="ask")
    return app


def theme() -> Any:
    """A theme with system fonts only: the page makes no request outside the server."""
    fonts = ["Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", "sans-serif"]
    return gr.themes.Soft(font=fonts, font_mono=["Noto Sans Mono CJK SC", "monospace"])


def launch_options(max_upload_mb: int) -> dict[str, Any]:
    """What ``launch()`` needs besides host, port and auth. CSS and script are
    inlined from package data, so no file route serves anything of ours."""
    return {
        "theme": theme(),
        "css": static_text("yinwen.css"),
        "head": f"<script>{static_text('yinwen.js')}</script>",
        "max_file_size": f"{max_upload_mb}mb",
        "ssr_mode": False,
        "footer_links": [],
        "show_error": True,
        "state_session_capacity": SESSION_CAPACITY,
    }
