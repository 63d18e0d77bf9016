"""The web page: ``create_app(qa) -> gr.Blocks`` over the qa facade.

Four tabs - 问答 (chat with cited, verified answers), 找引文 (quote search
with filters, copy and basket), 素材篮 (the basket, exported as Markdown or
Word with footnotes) and 资料库 (upload, ingest, remove, index facts). No
retrieval logic lives here: every action is one call to the facade, so the
page can be tested with a fake one.

Named API endpoints for ``gradio_client``: ``/search`` and ``/ask`` (see README).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from corpus.ingest import IngestReport
from corpus.store import StoredDocument
from qa import Answer, AnswerUpdate, Filters, SearchResponse

from .export import BasketItem, to_docx, to_markdown
from .render import answer_html, paragraph_html, results_html

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

DEFAULT_MAX_UPLOAD_MB = 50
EXTRACTIVE = "抽取式（原文摘句，不用大模型）"
LLM = "大模型（核对引语）"


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


CSS = """
.gradio-container { font-family: "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; max-width: 1100px !important; margin: auto; }
.yw-answer p.yw-text { font-size: 1.05em; line-height: 1.8; }
.yw-cite { color: #b45309; font-weight: 600; text-decoration: none; cursor: pointer; }
.yw-source, .yw-card { border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 12px; margin: 8px 0; background: #fafaf9; }
.yw-source:target, .yw-source.yw-flash { outline: 2px solid #f59e0b; }
.yw-meta { color: #57534e; font-size: 0.9em; margin-bottom: 4px; }
.yw-passage, .yw-context { line-height: 1.8; }
.yw-quote { font-size: 1.05em; line-height: 1.8; }
mark { background: #fde68a; padding: 0 1px; }
.yw-warning { color: #b91c1c; font-size: 0.9em; margin-top: 4px; }
.yw-unverified { color: #b91c1c; font-weight: 600; }
.yw-verify { color: #166534; font-size: 0.85em; margin: 6px 0; }
.yw-places { color: #57534e; font-size: 0.85em; }
.yw-actions { margin: 6px 0; }
.yw-copy { border: 1px solid #d6d3d1; border-radius: 6px; padding: 2px 10px; background: white; cursor: pointer; }
.yw-notfound p { font-weight: 600; }
@media (max-width: 640px) { .gradio-container { padding: 4px !important; } .yw-quote, .yw-answer p.yw-text { font-size: 1em; } }
"""

# Copy buttons in quote cards (clipboard API on localhost/https, textarea fallback on plain http)
# and [n] markers that scroll to and flash their source card.
HEAD = """
<script>
document.addEventListener('click', function (event) {
  const copy = event.target.closest('button.yw-copy');
  if (copy) {
    const text = copy.dataset.copy;
    const done = () => { copy.textContent = '已复制'; window.ywLastCopied = text;
                         setTimeout(() => copy.textContent = '复制引文', 1500); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, done);
    } else {
      const area = document.createElement('textarea'); area.value = text; document.body.appendChild(area);
      area.select(); try { document.execCommand('copy'); } catch (e) {} area.remove(); done();
    }
    return;
  }
  const cite = event.target.closest('a.yw-cite');
  if (cite) {
    event.preventDefault();
    const card = document.getElementById(cite.getAttribute('href').slice(1));
    if (card) {
      const details = card.closest('details'); if (details) details.open = true;
      card.scrollIntoView({behavior: 'smooth', block: 'center'});
      card.classList.add('yw-flash'); setTimeout(() => card.classList.remove('yw-flash'), 2000);
    }
  }
});
</script>
"""


def safe_upload_name(name: str) -> str:
    """A file name that cannot leave the uploads folder: no directories, no dot files,
    only letters (any script), digits and ``._-``; the extension is kept."""
    base = Path(name.replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^\w\-]+", "_", stem, flags=re.UNICODE).strip("._") or "upload"
    suffix = re.sub(r"[^A-Za-z0-9]", "", suffix)[:10].lower()
    return f"{stem[:120]}.{suffix}" if suffix else stem[:120]


def store_upload(source: Path, uploads: Path) -> Path:
    """Copy an uploaded file into ``uploads`` under a safe, unused name."""
    uploads.mkdir(parents=True, exist_ok=True)
    name = safe_upload_name(source.name)
    target = uploads / name
    if target.exists() and target.read_bytes() != source.read_bytes():
        stem, dot, suffix = name.rpartition(".")
        target = uploads / f"{stem or name}-{int(time.time() * 1000)}{dot}{suffix}"
    shutil.copyfile(source, target)
    assert target.resolve().parent == uploads.resolve()
    return target


def accept_uploads(
    paths: list[Path], uploads: Path, max_upload_mb: int
) -> tuple[list[Path], list[list[Any]]]:
    """Store uploaded files within the size limit; rows with a reason for the others."""
    limit = max_upload_mb * 1024 * 1024
    stored: list[Path] = []
    rejected: list[list[Any]] = []
    for path in paths:
        size = path.stat().st_size
        if size > limit:
            reason = f"文件 {size / 1024 / 1024:.1f} MB，超过上传上限 {max_upload_mb} MB"
            rejected.append([path.name, "失败", "", 0, reason])
            continue
        stored.append(store_upload(path, uploads))
    return stored, rejected


def _document_choices(documents: list[StoredDocument]) -> list[tuple[str, str]]:
    return [(f"{d.title or d.path}（{d.date or '日期不详'}）", d.doc_id) for d in documents]


def _author_choices(documents: list[StoredDocument]) -> list[str]:
    seen: list[str] = []
    for document in documents:
        for author in document.authors:
            if author not in seen:
                seen.append(author)
    return seen


def _info_line(info: dict[str, Any], llm: bool) -> str:
    mode = f"大模型可用（{info.get('llm')}）" if llm else "抽取式（未配置大模型）"
    return (
        f"**资料库**：{info.get('documents', 0)} 篇文档 · {info.get('passages', 0)} 段引文 · "
        f"向量模型 `{info.get('embedder')}` · 更新于 {info.get('updated_at') or '—'} · 回答方式：{mode}"
    )


def _documents_table(documents: list[StoredDocument]) -> list[list[Any]]:
    return [
        [d.doc_id, d.title or "", d.date or "", "、".join(d.authors), d.passages,
         "；".join(w.message for w in d.warnings)]
        for d in documents
    ]  # fmt: skip


def _report_table(report: IngestReport) -> list[list[Any]]:
    labels = {"added": "新增", "updated": "更新", "unchanged": "未变", "failed": "失败",
              "skipped": "跳过", "removed": "删除"}  # fmt: skip
    return [
        [Path(r.path).name, labels.get(r.status, r.status), r.title or "", r.passages,
         r.reason or "；".join(w.message for w in r.warnings)]
        for r in report.results
    ]  # fmt: skip


def _api_json(data: Any) -> Any:
    """The CLI's JSON with ``path`` renamed ``file``: Gradio treats any ``{"path": ...}``
    in an API response as a file to serve, and refuses paths outside its cache."""
    if isinstance(data, dict):
        return {("file" if key == "path" else key): _api_json(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_api_json(item) for item in data]
    return data


def create_app(
    qa: Facade,
    uploads: Path | None = None,
    max_upload_mb: int = DEFAULT_MAX_UPLOAD_MB,
) -> Any:
    """The Gradio app over a facade. ``uploads`` is where uploaded files are kept
    (inside the collection directory when served by ``yinwen serve``)."""
    import gradio as gr

    uploads = uploads or Path(tempfile.mkdtemp(prefix="yinwen-uploads-"))
    export_dir = Path(tempfile.mkdtemp(prefix="yinwen-export-"))

    def filters_from(
        documents: list[str] | None, author: str | None, date_from: str, date_to: str
    ) -> Filters:
        return Filters(
            doc_ids=tuple(documents or ()),
            author=author or None,
            date_from=(date_from or "").strip() or None,
            date_to=(date_to or "").strip() or None,
        )

    # ------------------------------------------------------------------ chat

    def chat(
        message: str, history: list[dict[str, Any]], pairs: list[tuple[str, str]], mode: str
    ) -> Iterator[tuple[list[dict[str, Any]], list[tuple[str, str]], str]]:
        message = (message or "").strip()
        if not message:
            yield history, pairs, ""
            return
        history = [
            *history,
            {"role": "user", "content": message},
            {"role": "assistant", "content": "……"},
        ]
        yield history, pairs, ""
        use_llm = mode == LLM and qa.llm_available
        final: Answer | None = None
        try:
            for update in qa.ask_stream(
                message, mode="llm" if use_llm else "extractive", history=pairs
            ):
                if update.final is not None:
                    final = update.final
                    break
                history[-1] = {"role": "assistant", "content": html.escape(update.text) + " ▌"}
                yield history, pairs, ""
        except Exception as error:  # an unreachable LLM must not break the page
            history[-1] = {"role": "assistant", "content": f"⚠ 回答失败：{html.escape(str(error))}"}
            yield history, pairs, ""
            return
        assert final is not None
        history[-1] = {"role": "assistant", "content": answer_html(final)}
        yield history, [*pairs, (message, final.text)], ""

    # ------------------------------------------------------------------ quote search

    def find_quotes(query: str, documents: list[str] | None, author: str | None, date_from: str,
               date_to: str, sort: str, top_k: float) -> tuple[str, Any, list[dict[str, Any]]]:  # fmt: skip
        if not (query or "").strip():
            return (
                '<div class="yw-empty">请输入要找的内容。</div>',
                gr.update(choices=[], value=[]),
                [],
            )
        response = qa.search(
            query, top_k=int(top_k), filters=filters_from(documents, author, date_from, date_to),
            sort="newest" if sort == "最新在前" else "relevance",
        )  # fmt: skip
        contexts = {}
        for result in response.results:
            found = qa.paragraph(result.passage.doc_id, result.passage.paragraph_index + 1)
            if found and result.sentence_spans:
                start, _, text = found
                contexts[result.passage.passage_id] = paragraph_html(
                    text, start, result.sentence_spans[0][0], result.sentence_spans[-1][1]
                )
        items = [
            BasketItem(
                quote=r.sentence.strip(), title=r.locations[0].title if r.locations else r.passage.title,
                author=r.passage.author, date=r.locations[0].date if r.locations else r.passage.date,
                paragraph=r.passage.paragraph_index + 1, doc_id=r.passage.doc_id, path=r.passage.path,
            ).as_dict()
            for r in response.results
        ]  # fmt: skip
        choices = [
            (f"{r.rank}. {r.sentence.strip()[:40]}", str(i)) for i, r in enumerate(response.results)
        ]
        return (
            results_html(response.results, response.answerable, contexts),
            gr.update(choices=choices, value=[]),
            items,
        )

    def add_to_basket(
        selected: list[str], found: list[dict[str, Any]], basket: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], Any, Any, str]:
        basket = list(basket)
        for index in selected or []:
            item = found[int(index)]
            if item not in basket:
                basket.append(item)
        return basket, *basket_views(basket), f"素材篮中共 {len(basket)} 条引文"

    # ------------------------------------------------------------------ basket

    def basket_views(basket: list[dict[str, Any]]) -> tuple[Any, Any]:
        rows = [
            [i + 1, item["quote"], BasketItem.from_dict(item).citation()]
            for i, item in enumerate(basket)
        ]
        choices = [(f"{i + 1}. {item['quote'][:30]}", str(i)) for i, item in enumerate(basket)]
        return gr.update(value=rows), gr.update(choices=choices, value=None)

    def move(
        basket: list[dict[str, Any]], selected: str | None, step: int
    ) -> tuple[list[dict[str, Any]], Any, Any]:
        basket = list(basket)
        if selected is not None and selected != "":
            index = int(selected)
            target = index + step
            if 0 <= target < len(basket):
                basket[index], basket[target] = basket[target], basket[index]
                table, chooser = basket_views(basket)
                return basket, table, gr.update(choices=chooser["choices"], value=str(target))
        return basket, *basket_views(basket)

    def delete(
        basket: list[dict[str, Any]], selected: str | None
    ) -> tuple[list[dict[str, Any]], Any, Any]:
        basket = list(basket)
        if selected is not None and selected != "" and int(selected) < len(basket):
            basket.pop(int(selected))
        return basket, *basket_views(basket)

    def export(basket: list[dict[str, Any]]) -> tuple[Any, Any, str]:
        items = [BasketItem.from_dict(item) for item in basket]
        if not items:
            return gr.update(value=None), gr.update(value=None), "素材篮是空的。"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        markdown = export_dir / f"素材篮-{stamp}.md"
        markdown.write_text(to_markdown(items), encoding="utf-8")
        word = to_docx(items, export_dir / f"素材篮-{stamp}.docx")
        return (
            gr.update(value=str(markdown)),
            gr.update(value=str(word)),
            f"已导出 {len(items)} 条引文。",
        )

    # ------------------------------------------------------------------ library

    def library_views() -> tuple[str, Any, Any, Any, Any]:
        documents = qa.documents()
        choices = _document_choices(documents)
        return (
            _info_line(qa.info(), qa.llm_available),
            gr.update(value=_documents_table(documents)),
            gr.update(choices=choices, value=[]),
            gr.update(choices=choices, value=[]),
            gr.update(choices=["", *_author_choices(documents)], value=""),
        )

    def ingest_files(
        files: list[Any] | None, progress: Any = gr.Progress()
    ) -> tuple[Any, str, str, Any, Any, Any, Any]:
        if not files:
            return (gr.update(), "请先选择文件。", *library_views())
        paths = [Path(file if isinstance(file, str) else file.name) for file in files]
        stored, rejected = accept_uploads(paths, uploads, max_upload_mb)
        report = qa.ingest(
            stored, progress=lambda done, total, stage: progress((done, total), desc=stage)
        )
        rows = _report_table(report) + rejected
        summary = report.summary()
        message = (f"新增 {summary['added']}，更新 {summary['updated']}，未变 {summary['unchanged']}，"
                   f"失败 {report.count('failed') + len(rejected)}")  # fmt: skip
        return (gr.update(value=rows), message, *library_views())

    def ingest_folder(
        folder: str, progress: Any = gr.Progress()
    ) -> tuple[Any, str, str, Any, Any, Any, Any]:
        folder = (folder or "").strip()
        if not folder:
            return (gr.update(), "请输入服务器上的文件夹路径。", *library_views())
        report = qa.ingest(
            [Path(folder)], progress=lambda done, total, stage: progress((done, total), desc=stage)
        )
        summary = report.summary()
        message = (f"新增 {summary['added']}，更新 {summary['updated']}，未变 {summary['unchanged']}，"
                   f"失败 {summary['failed']}")  # fmt: skip
        return (gr.update(value=_report_table(report)), message, *library_views())

    def remove_documents(doc_ids: list[str] | None) -> tuple[str, str, Any, Any, Any, Any]:
        if not doc_ids:
            return ("请先选择要删除的文档。", *library_views())
        report = qa.remove(list(doc_ids))
        return (f"已删除 {report.count('removed')} 篇文档。", *library_views())

    # ------------------------------------------------------------------ API

    def api_search(query: str, top_k: int = 10) -> dict[str, Any]:
        """Quotes for a query: {answerable, results: [{rank, score, text, sentence, title, author, date, file, paragraph, start, end, ...}]}."""
        return _api_json(qa.search(query, top_k=int(top_k)).as_dict())

    def api_ask(question: str, mode: str = "extractive") -> dict[str, Any]:
        """A cited, verified answer: {answer, answerable, citations, verification, related}."""
        use = "llm" if mode == "llm" and qa.llm_available else "extractive"
        return _api_json(qa.ask(question, mode=use).as_dict())

    # ------------------------------------------------------------------ layout

    documents = qa.documents()
    with gr.Blocks(title="引文 yinwen", analytics_enabled=False) as app:
        gr.Markdown("## 引文 yinwen —— 可引用的原文，逐字核对的出处")
        info = gr.Markdown(_info_line(qa.info(), qa.llm_available), elem_id="yw-info")
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                modes = [EXTRACTIVE, LLM] if qa.llm_available else [EXTRACTIVE]
                mode = gr.Radio(modes, value=modes[-1] if qa.llm_available else EXTRACTIVE,
                                label="回答方式", elem_id="yw-mode")  # fmt: skip
                chatbot = gr.Chatbot(label="问答", height=520, sanitize_html=False, elem_id="yw-chat",
                                     render_markdown=False, group_consecutive_messages=False)  # fmt: skip
                pairs = gr.State([])
                with gr.Row():
                    question = gr.Textbox(placeholder="用中文提问，例如：工会如何维护新就业形态劳动者的权益？",
                                          show_label=False, scale=5, elem_id="yw-question")  # fmt: skip
                    ask_button = gr.Button("提问", variant="primary", scale=1, elem_id="yw-ask")
                clear = gr.Button("清空对话", size="sm")
            with gr.Tab("找引文", id="search"):
                with gr.Row():
                    query = gr.Textbox(placeholder="找一句关于劳模精神的论述", show_label=False, scale=5,
                                       elem_id="yw-query")  # fmt: skip
                    search_button = gr.Button(
                        "查找", variant="primary", scale=1, elem_id="yw-search"
                    )
                with gr.Accordion("筛选与排序", open=False):
                    with gr.Row():
                        doc_filter = gr.Dropdown(choices=_document_choices(documents), multiselect=True,
                                                 label="文档", elem_id="yw-doc-filter")  # fmt: skip
                        author_filter = gr.Dropdown(choices=["", *_author_choices(documents)], value="",
                                                    label="作者/讲话人", elem_id="yw-author-filter")  # fmt: skip
                    with gr.Row():
                        date_from = gr.Textbox(label="起始日期", placeholder="2023-01-01")
                        date_to = gr.Textbox(label="截止日期", placeholder="2023-12-31")
                        sort = gr.Radio(["相关度", "最新在前"], value="相关度", label="排序")
                        top_k = gr.Slider(1, 30, value=10, step=1, label="结果数")
                results = gr.HTML(elem_id="yw-results")
                found = gr.State([])
                with gr.Row():
                    pick = gr.CheckboxGroup(
                        choices=[], label="选择引文加入素材篮", elem_id="yw-pick", scale=4
                    )
                    add_button = gr.Button("加入素材篮", elem_id="yw-add", scale=1)
                basket_status = gr.Markdown(elem_id="yw-basket-status")
            with gr.Tab("素材篮", id="basket"):
                basket = gr.State([])
                basket_table = gr.Dataframe(headers=["#", "引文", "出处"], value=[], interactive=False,
                                            wrap=True, elem_id="yw-basket")  # fmt: skip
                with gr.Row():
                    chosen = gr.Radio(choices=[], label="选择一条", elem_id="yw-basket-pick")
                with gr.Row():
                    up = gr.Button("上移", size="sm", elem_id="yw-up")
                    down = gr.Button("下移", size="sm", elem_id="yw-down")
                    drop = gr.Button("移除", size="sm", elem_id="yw-remove-quote")
                    export_button = gr.Button(
                        "导出 Markdown 和 Word", variant="primary", elem_id="yw-export"
                    )
                export_status = gr.Markdown()
                with gr.Row():
                    markdown_file = gr.File(
                        label="Markdown", interactive=False, elem_id="yw-md-file"
                    )
                    word_file = gr.File(
                        label="Word（脚注标注出处）", interactive=False, elem_id="yw-docx-file"
                    )
            with gr.Tab("资料库", id="library"):
                gr.Markdown(
                    f"上传 txt、md、html、docx、pdf（每个文件不超过 {max_upload_mb} MB），或填写服务器上的文件夹。"
                )
                with gr.Row():
                    upload = gr.File(file_count="multiple", label="上传文件", elem_id="yw-upload",
                                     file_types=[".txt", ".md", ".html", ".htm", ".docx", ".pdf"])  # fmt: skip
                    with gr.Column():
                        ingest_button = gr.Button(
                            "加入资料库", variant="primary", elem_id="yw-ingest"
                        )
                        folder = gr.Textbox(label="服务器上的文件夹", placeholder="/home/me/文稿")
                        folder_button = gr.Button("导入文件夹")
                ingest_status = gr.Markdown(elem_id="yw-ingest-status")
                ingest_table = gr.Dataframe(headers=["文件", "结果", "标题", "引文段数", "原因/警告"], value=[],
                                            interactive=False, wrap=True, elem_id="yw-ingest-table")  # fmt: skip
                gr.Markdown("### 文档")
                documents_table = gr.Dataframe(
                    headers=["编号", "标题", "日期", "作者", "引文段数", "警告"], value=_documents_table(documents),
                    interactive=False, wrap=True, elem_id="yw-documents",
                )  # fmt: skip
                with gr.Row():
                    remove_pick = gr.Dropdown(choices=_document_choices(documents), multiselect=True,
                                              label="选择要删除的文档", elem_id="yw-remove-pick", scale=4)  # fmt: skip
                    remove_button = gr.Button(
                        "删除所选文档", variant="stop", elem_id="yw-remove", scale=1
                    )
                remove_status = gr.Markdown(elem_id="yw-remove-status")

        chat_inputs = [question, chatbot, pairs, mode]
        chat_outputs = [chatbot, pairs, question]
        question.submit(chat, chat_inputs, chat_outputs, api_visibility="private")
        ask_button.click(chat, chat_inputs, chat_outputs, api_visibility="private")
        clear.click(lambda: ([], []), None, [chatbot, pairs], api_visibility="private")

        search_inputs = [query, doc_filter, author_filter, date_from, date_to, sort, top_k]
        query.submit(find_quotes, search_inputs, [results, pick, found], api_visibility="private")
        search_button.click(
            find_quotes, search_inputs, [results, pick, found], api_visibility="private"
        )
        add_button.click(add_to_basket, [pick, found, basket], [basket, basket_table, chosen, basket_status],
                         api_visibility="private")  # fmt: skip
        up.click(
            lambda b, s: move(b, s, -1),
            [basket, chosen],
            [basket, basket_table, chosen],
            api_visibility="private",
        )
        down.click(
            lambda b, s: move(b, s, 1),
            [basket, chosen],
            [basket, basket_table, chosen],
            api_visibility="private",
        )
        drop.click(
            delete, [basket, chosen], [basket, basket_table, chosen], api_visibility="private"
        )
        export_button.click(
            export, [basket], [markdown_file, word_file, export_status], api_visibility="private"
        )

        library_outputs = [info, documents_table, doc_filter, remove_pick, author_filter]
        ingest_button.click(ingest_files, [upload], [ingest_table, ingest_status, *library_outputs],
                            api_visibility="private")  # fmt: skip
        folder_button.click(ingest_folder, [folder], [ingest_table, ingest_status, *library_outputs],
                            api_visibility="private")  # fmt: skip
        remove_button.click(remove_documents, [remove_pick], [remove_status, *library_outputs],
                            api_visibility="private")  # fmt: skip

        gr.api(api_search, api_name="search")
        gr.api(api_ask, api_name="ask")
    return app


def theme() -> Any:
    """A theme with system fonts only: the page makes no request outside the server."""
    import gradio as gr

    fonts = ["Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", "sans-serif"]
    return gr.themes.Soft(font=fonts, font_mono=["Noto Sans Mono CJK SC", "monospace"])


def launch_options(max_upload_mb: int) -> dict[str, Any]:
    """What ``launch()`` needs besides host, port and auth."""
    return {
        "theme": theme(),
        "css": CSS,
        "head": HEAD,
        "max_file_size": f"{max_upload_mb}mb",
        "ssr_mode": False,
        "footer_links": [],
        "show_error": True,
    }
