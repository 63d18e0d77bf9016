"""The page's behaviour (ui.actions.WebActions) over a fake facade, without a
browser - and the app itself serving its API over the fake."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corpus.ingest import FileResult, IngestReport
from corpus.model import Locator
from corpus.store import DocumentWarning, StoredDocument, StoredPassage
from qa import Answer, AnswerUpdate, Citation, Filters, SearchResponse, SearchResult
from qa.retrieval import Location
from qa.verify import QuoteCheck, Verification
from ui import strings
from ui.access import AccessError, ImportRoots, LoginThrottle, Operators, api_json, shown_path
from ui.actions import AUTHOR_CHOICES, HISTORY_TURNS, PAGE_SIZE, PICKER_CHOICES, WebActions
from ui.export import BasketItem
from ui.render import escape
from ui.uploads import accept_uploads, safe_upload_name, store_upload

COLLECTION = Path("/srv/yinwen/collection")
PAYLOAD = "<img src=x onerror=\"document.title='pwned'\">"
PASSAGE = StoredPassage(
    passage_id=1, doc_id="fake", passage_index=0, paragraph_index=2, section_index=0, start=0,
    end=14, text="要团结奋斗。<b>不是标签</b>", title="假文档", section_title=None, author="张三",
    date="2023-05-01", source=None, path=str(COLLECTION / "uploads" / "假文档.txt"),
    warnings=["spam"], sentences=[(0, 6)], locator=Locator(paragraph=3),
)  # fmt: skip
OUTSIDE = StoredPassage(
    passage_id=2, doc_id="other", passage_index=0, paragraph_index=0, section_index=0, start=0,
    end=6, text="要团结奋斗。", title="别处", section_title=None, author=None, date=None,
    source=None, path="/home/someone/秘密/讲话.txt", warnings=[], sentences=[(0, 6)],
)  # fmt: skip
RESULT = SearchResult(PASSAGE, 1.0, [(0, 6)], [Location.of(PASSAGE), Location.of(OUTSIDE)], 1)
REFERENCE = "张三. 假文档[Z]. 2023-05-01: 第三段."  # GB/T 7714—2015
FULL_CITATION = f"“要团结奋斗。”\n——{REFERENCE}"


class FakeQA:
    """Canned answers: enough to drive every action of the page."""

    def __init__(self, llm: bool = False) -> None:
        self.calls: list[str] = []
        self.filters: list[Filters | None] = []
        self.histories: list[list[tuple[str, str]]] = []
        self.removed: list[str] = []
        self.ingested: list[Path] = []
        self.llm_available = llm

    def info(self) -> dict[str, Any]:
        return {"path": str(COLLECTION), "documents": 1, "passages": 1,
                "embedder": "multilingual-e5-small-q4", "updated_at": "2026-11-21T21:46:12+0000",
                "llm": "openai:scripted" if self.llm_available else None}  # fmt: skip

    def documents(self) -> list[StoredDocument]:
        return [StoredDocument("fake", PASSAGE.path, "h", "t", "txt", "假文档", "2023-05-01", None,
                               ["张三"], 1, 1, [DocumentWarning("empty", "空文件 (empty file)")],
                               "now")]  # fmt: skip

    def search(self, query: str, top_k: int = 10, filters: Filters | None = None,
               sort: str = "relevance", diversify: bool = False) -> SearchResponse:  # fmt: skip
        self.calls.append(f"search:{query}")
        self.filters.append(filters)
        return SearchResponse(query, [RESULT], True)

    def ask(self, question: str, **kwargs: Any) -> Answer:
        final = None
        for update in self.ask_stream(question, **kwargs):
            final = update.final or final
        assert final is not None
        return final

    def ask_stream(self, question: str, mode: str = "extractive", history: Any = None,
                   **kwargs: Any) -> Iterator[AnswerUpdate]:  # fmt: skip
        self.calls.append(f"ask:{question}:{mode}")
        self.histories.append(list(history or []))
        if mode == "llm":
            yield AnswerUpdate("有人说劳模")
            text = "要团结奋斗[1]。有人说劳模是天生的【未核实】。"
            checks = [QuoteCheck("劳模是天生的", "unverified", [1], [])]
            yield AnswerUpdate(text, Answer(question, text, [Citation(1, RESULT)], True, "llm",
                                            Verification(checks)))  # fmt: skip
            return
        answer = Answer(
            question, "要团结奋斗。[1]", [Citation(1, RESULT)], True, "extractive", Verification()
        )
        yield AnswerUpdate(answer.text, answer)

    def paragraph(self, doc_id: str, paragraph: int) -> tuple[int, int, str] | None:
        return (0, 14, PASSAGE.text)

    def ingest(self, paths: list[Path], progress: Any = None) -> IngestReport:
        self.ingested += paths
        return IngestReport(
            results=[FileResult(str(p), "added", title="新", passages=1) for p in paths]
        )

    def remove(self, targets: list[str]) -> IngestReport:
        self.removed += targets
        return IngestReport(results=[FileResult(t, "removed") for t in targets])


def last_reply(messages: list[dict[str, Any]]) -> str:
    return str(messages[-1]["content"])


# ----------------------------------------------------------------------------- chat


def test_chat_shows_a_typed_payload_as_text_and_answers_with_quote_actions() -> None:
    actions = WebActions(FakeQA())
    turns = list(actions.chat(PAYLOAD, [], [], strings.EXTRACTIVE))
    messages, history = turns[-1]
    question = str(messages[0]["content"])
    assert "<img" not in question and "&lt;img src=x" in question
    answer = last_reply(messages)
    assert 'class="yw-cite"' in answer and "<mark>要团结奋斗。</mark>" in answer
    # per-quote actions: copy with the full citation, add to basket, the paragraph
    assert f'data-copy="{escape(FULL_CITATION)}"' in answer
    assert 'class="yw-add"' in answer and strings.OPEN_PARAGRAPH in answer
    item = json.loads(_attribute(answer, "data-item"))
    assert BasketItem.from_dict(item).copy_text() == FULL_CITATION
    assert item["path"] == "uploads/假文档.txt"  # never the server's absolute path
    # "copy answer" copies text and citations, not HTML
    copied = _attribute(answer, "data-copy")
    assert copied.startswith("要团结奋斗。[1]") and f"[1] {FULL_CITATION}" in copied
    assert "<" not in copied
    assert history == [(PAYLOAD, "要团结奋斗。[1]")]


def _attribute(html_text: str, name: str) -> str:
    import html
    import re

    match = re.search(rf'{name}="([^"]*)"', html_text)
    assert match, name
    return html.unescape(match.group(1))


def test_follow_ups_use_the_history_and_a_new_conversation_forgets_it() -> None:
    fake = FakeQA()
    actions = WebActions(fake)
    messages, history = list(actions.chat("工会是什么？", [], [], strings.EXTRACTIVE))[-1]
    list(actions.chat("那他呢？", messages, history, strings.EXTRACTIVE))
    assert fake.histories[-1] == [("工会是什么？", "要团结奋斗。[1]")]
    messages, history = actions.new_conversation()
    list(actions.chat("新问题", messages, history, strings.EXTRACTIVE))
    assert fake.histories[-1] == []


def test_history_is_bounded() -> None:
    actions = WebActions(FakeQA())
    messages: list[dict[str, Any]] = []
    history: list[tuple[str, str]] = []
    for number in range(HISTORY_TURNS + 3):
        messages, history = list(actions.chat(f"问题{number}", messages, history, "extractive"))[-1]
    assert len(history) == HISTORY_TURNS and history[-1][0] == f"问题{HISTORY_TURNS + 2}"


def test_llm_requested_but_not_configured_says_so_in_chat_and_api() -> None:
    fake = FakeQA(llm=False)
    actions = WebActions(fake)
    messages, _ = list(actions.chat("问题", [], [], strings.LLM))[-1]
    assert strings.LLM_NOT_CONFIGURED in last_reply(messages)
    with pytest.raises(ValueError, match="未配置大模型"):
        actions.api_ask("问题", "llm")
    with pytest.raises(ValueError, match="不认识的回答方式"):
        actions.api_ask("问题", "gpt")
    assert not any(call.startswith("ask:") for call in fake.calls)  # no silent fallback


def test_llm_answer_streams_and_marks_unverified_quotes() -> None:
    actions = WebActions(FakeQA(llm=True))
    assert actions.modes() == [strings.EXTRACTIVE, strings.LLM]
    turns = list(actions.chat("问题", [], [], strings.LLM))
    assert any("有人说劳模 ▌" in last_reply(m) for m, _ in turns)  # streamed
    final = last_reply(turns[-1][0])
    assert 'class="yw-unverified"' in final and "“劳模是天生的”" not in final
    assert actions.api_ask("问题", "llm")["mode"] == "llm"


# ----------------------------------------------------------------------------- quote search


def test_search_cards_carry_copy_and_basket_buttons() -> None:
    actions = WebActions(FakeQA())
    cards = actions.find_quotes("团结")
    assert cards.count('class="yw-card"') == 1
    assert f'data-copy="{escape(FULL_CITATION)}"' in cards and 'class="yw-add"' in cards
    assert "<b>不是标签</b>" not in cards and "&lt;b&gt;" in cards
    assert "垃圾词" in cards


@pytest.mark.parametrize(
    ("typed_from", "typed_to", "expected"),
    [
        ("2023年4月", "2023年4月", ("2023-04-01", "2023-04-30")),
        ("2023", "2023", ("2023-01-01", "2023-12-31")),
        ("2023-4-5", "2024/02", ("2023-04-05", "2024-02-29")),
        ("2023年4月5日", "", ("2023-04-05", None)),
    ],
)
def test_dates_people_type_become_filters(
    typed_from: str, typed_to: str, expected: tuple[str | None, str | None]
) -> None:
    fake = FakeQA()
    WebActions(fake).find_quotes("团结", date_from=typed_from, date_to=typed_to)
    assert fake.filters[-1] is not None
    assert (fake.filters[-1].date_from, fake.filters[-1].date_to) == expected


@pytest.mark.parametrize(
    ("typed_from", "typed_to"), [("2023年13月", ""), ("去年", ""), ("", "4/2023")]
)
def test_an_invalid_date_gets_a_message_and_no_search(typed_from: str, typed_to: str) -> None:
    fake = FakeQA()
    shown = WebActions(fake).find_quotes("团结", date_from=typed_from, date_to=typed_to)
    assert "无法识别的" in shown and "2023年4月" in shown
    assert fake.calls == []


def test_reversed_dates_get_a_message() -> None:
    shown = WebActions(FakeQA()).find_quotes("团结", date_from="2024", date_to="2023")
    assert strings.DATES_REVERSED in shown


# ----------------------------------------------------------------------------- basket

ITEM = BasketItem(
    "要团结奋斗。",
    "假文档",
    "张三",
    "2023-05-01",
    3,
    "fake",
    "uploads/假文档.txt",
    locator="第三段",
)
OTHER = BasketItem("第二句。", "别的", None, None, 1, "b", "b.txt")


def test_basket_commands_add_move_and_remove() -> None:
    actions = WebActions(FakeQA())
    basket: Any = []
    for item in (ITEM, OTHER):
        basket, _ = actions.basket_command(
            basket, json.dumps({"op": "add", "item": item.as_dict()})
        )
    basket, message = actions.basket_command(
        basket, json.dumps({"op": "add", "item": ITEM.as_dict()})
    )
    assert message == strings.BASKET_ALREADY and len(basket) == 2
    basket, _ = actions.basket_command(basket, json.dumps({"op": "up", "index": 1}))
    assert [b["quote"] for b in basket] == ["第二句。", "要团结奋斗。"]
    basket, _ = actions.basket_command(
        basket, json.dumps({"op": "down", "index": 1})
    )  # last: no-op
    basket, message = actions.basket_command(basket, json.dumps({"op": "remove", "index": 0}))
    assert [b["quote"] for b in basket] == ["要团结奋斗。"] and "1 条" in message
    view = actions.basket_view(basket)
    assert escape(FULL_CITATION) in view and "<table" not in view


@pytest.mark.parametrize(
    "command",
    ["not json", '{"op": "add", "item": {"quote": 3}}', '{"op": "up", "index": "0"}',
     '{"op": "remove", "index": 99}', '{"op": "drop-table"}', "[]"],
)  # fmt: skip
def test_malformed_basket_commands_change_nothing(command: str) -> None:
    actions = WebActions(FakeQA())
    basket, _ = actions.basket_command([ITEM.as_dict()], command)
    assert basket == [ITEM.as_dict()]


def test_a_tampered_basket_from_the_browser_is_filtered() -> None:
    actions = WebActions(FakeQA())
    sent = [
        ITEM.as_dict(),
        {"quote": "<script>", "paragraph": "x"},
        "junk",
        {**ITEM.as_dict(), "paragraph": True},
    ]
    assert actions.basket_items(sent) == [ITEM]
    assert actions.basket_items({"not": "a list"}) == []
    view = actions.basket_view([{**OTHER.as_dict(), "quote": PAYLOAD}])
    assert "<img" not in view


def test_export_writes_markdown_and_word(tmp_path: Path) -> None:
    from ui.export import read_docx_footnotes

    actions = WebActions(FakeQA(), export_dir=tmp_path)
    assert actions.export([]) == (None, None, strings.BASKET_EMPTY)
    markdown, word, message = actions.export([ITEM.as_dict(), OTHER.as_dict()])
    assert markdown and word and "2 条" in message
    assert f"[^1]: {REFERENCE}" in markdown.read_text(encoding="utf-8")
    os.utime(markdown.parent, (0, 0))  # an old export is removed by the next one
    _, again, _ = actions.export([ITEM.as_dict()])
    assert again and again.exists() and not markdown.exists()
    body, notes = read_docx_footnotes(again)
    assert body[1].startswith("“要团结奋斗。”")
    assert notes == [REFERENCE]


# ----------------------------------------------------------------------------- library


def test_library_shows_chinese_only_and_no_server_paths() -> None:
    library = WebActions(FakeQA()).library()
    assert "空文件" in library.documents and "empty file" not in library.documents
    assert "uploads/假文档.txt" in library.documents and str(COLLECTION) not in library.documents
    assert library.header.count("2026年11月21日") == 1 and "T21" not in library.header
    assert "multilingual-e5-small（4-bit，内置）" in library.header
    assert library.choices == [("假文档（2023-05-01）", "fake")] and library.authors == ["张三"]


class ManyDocumentsQA(FakeQA):
    """A fake collection of ``count`` documents: 第{i}号讲话 by 讲话人{i % 300}, in
    讲话{i}.txt, added in order (the last one is the newest)."""

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def info(self) -> dict[str, Any]:
        return {**super().info(), "documents": self.count, "passages": self.count}

    def documents(self) -> list[StoredDocument]:
        return [
            StoredDocument(f"doc{i:05d}", str(COLLECTION / "uploads" / f"讲话{i}.txt"), "h", "t",
                           "txt", f"第{i}号讲话", f"2023-01-{1 + i % 28:02d}", None,
                           [f"讲话人{i % 300}"], 1 + i % 7, 1, [], f"2026-01-01T{i:08d}")
            for i in range(self.count)
        ]  # fmt: skip


def test_the_library_shows_one_page_and_pages_through_the_rest() -> None:
    actions = WebActions(ManyDocumentsQA(2000))
    first = actions.library()
    assert first.pages == 40 and first.page == 1 and len(first.choices) == PAGE_SIZE
    assert first.documents.count("<tr>") == PAGE_SIZE + 1  # the header row and one page
    assert first.choices[0] == ("第1999号讲话（2023-01-12）", "doc01999")  # newest first
    assert first.page_label == strings.PAGE_ALL.format(page=1, pages=40, count=2000)
    last = actions.library(page=99)  # clamped
    assert last.page == 40 and last.choices[-1][1] == "doc00000"
    assert actions.library(page=0).page == 1
    assert len(first.authors) == AUTHOR_CHOICES


def test_the_library_search_matches_title_author_and_file_name() -> None:
    actions = WebActions(ManyDocumentsQA(2000))
    by_title = actions.library("第1234号")
    assert [c[1] for c in by_title.choices] == ["doc01234"]
    assert by_title.page_label == strings.PAGE_FOUND.format(page=1, pages=1, count=1)
    by_author = actions.library("讲话人7 ", page=2)  # 讲话人7 and 讲话人70..79: 11 x 7 documents
    assert by_author.page_label == strings.PAGE_FOUND.format(page=2, pages=2, count=77)
    assert {c[1] for c in by_author.choices} >= {"doc00007", "doc00070"}
    assert all(d.authors[0].startswith("讲话人7") for d in actions.find_documents("讲话人7"))
    assert [d.doc_id for d in actions.find_documents("讲话42.txt")] == ["doc00042"]
    assert [d.doc_id for d in actions.find_documents("第42号 讲话人42")] == ["doc00042"]
    none = actions.library("红烧肉")
    assert strings.DOCUMENTS_NOT_FOUND in none.documents and none.choices == []
    # a document selected for removal stays a choice while the user pages or searches
    kept = actions.library("第1234号", selected=["doc00003"])
    assert [c[1] for c in kept.choices] == ["doc00003", "doc01234"]


def test_pickers_list_matches_only_and_keep_what_is_selected() -> None:
    actions = WebActions(ManyDocumentsQA(2000))
    assert len(actions.document_choices()) == PICKER_CHOICES
    assert actions.document_choices("第7号") == [("第7号讲话（2023-01-08）", "doc00007")]
    chosen = actions.document_choices("第7号", ["doc01500"])
    assert [c[1] for c in chosen] == ["doc01500", "doc00007"]
    # authors: the most quoted first (讲话人k has documents k, k+300, ...; passages 1 + i % 7)
    authors = actions.authors()
    passages = {a: sum(1 + i % 7 for i in range(2000) if f"讲话人{i % 300}" == a) for a in authors}
    assert list(passages.values()) == sorted(passages.values(), reverse=True)
    assert actions.authors(limit=3) == authors[:3]


def test_the_pages_first_request_does_not_grow_with_the_collection() -> None:
    """The page's load event (header, documents, pickers, basket) carries one page
    of documents and bounded picker choices, for 20 documents as for 2,000."""
    import httpx

    from ui.web import create_app

    sizes = {}
    for count in (20, 2000):
        app = create_app(ManyDocumentsQA(count))
        app.queue().launch(
            prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, quiet=True
        )
        try:
            served = httpx.get(app.local_url.rstrip("/") + "/config", timeout=30)
            config = served.json()
            load = next(
                d for d in config["dependencies"] if any(t[1] == "load" for t in d["targets"])
            )
            reply = _join(app.local_url, load["id"], [[] for _ in load["inputs"]])
        finally:
            app.close()
        assert '"process_completed"' in reply and '"success": true' in reply.replace(
            '"success":true', '"success": true'
        )
        sizes[count] = len(reply.encode("utf-8"))
        ids = set(re.findall(r"doc\d{5}", reply))
        assert len(ids) <= min(count, PAGE_SIZE + PICKER_CHOICES), count
        assert reply.count("<tr>") <= PAGE_SIZE + 1
        assert len(served.content) < 200_000  # the configuration: no documents at all
        assert "doc000" not in served.text
    assert sizes[2000] < 60_000, sizes
    assert sizes[2000] < 2.5 * sizes[20], sizes  # 20 documents fill less than one page


def _join(url: str, fn_index: int, data: list[Any]) -> str:
    """One event run as the page runs it (the queue's join and its messages)."""
    import uuid

    import httpx

    session = uuid.uuid4().hex
    body = {"data": data, "fn_index": fn_index, "session_hash": session, "event_data": None,
            "trigger_id": None}  # fmt: skip
    lines = []
    with httpx.Client(base_url=url, timeout=30) as http:
        http.post("/gradio_api/queue/join", json=body).raise_for_status()
        with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as s:
            for line in s.iter_lines():
                lines.append(line)
                if '"process_completed"' in line:
                    break
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("reason", "shown"),
    [
        ("空文件 (empty file)", "空文件"),
        ("不是有效的 PDF 文件 (not a PDF)", "不是有效的 PDF 文件"),
        ("路径不存在 (no such file or folder)", "路径不存在"),
        ("无法读取文件 (Permission denied)", "无法读取文件（没有读取权限）"),
        ("PDF 中没有可提取的文字（可能是扫描件） (no extractable text)", "PDF 中没有可提取的文字（可能是扫描件）"),
        ("不支持的类型 .jpg", "不支持的类型 .jpg"),
        ("内部错误 ValueError: boom", "内部错误 ValueError: boom"),
    ],
)  # fmt: skip
def test_reasons_are_shown_in_chinese(reason: str, shown: str) -> None:
    assert strings.reason(reason) == shown


def test_removing_needs_a_confirmation_and_an_operator() -> None:
    fake = FakeQA()
    actions = WebActions(fake, operators=Operators(auth_on=True, names=frozenset({"boss"})))
    assert actions.confirm_remove(["fake"], "boss") == strings.CONFIRM_REMOVE.format(
        count=1, titles="《假文档》"
    )
    assert actions.confirm_remove(["fake"], "writer") is None
    assert actions.remove(["fake"], "writer").message == strings.NOT_ALLOWED
    assert actions.remove(["fake"], None).message == strings.NOT_ALLOWED
    assert fake.removed == []
    # ids only: a path (which remove() would also accept) is not a document of the page
    assert actions.remove(["/etc/passwd", "fake"], "boss").message == strings.REMOVED.format(
        count=1
    )
    assert fake.removed == ["fake"]


def test_uploads_only_from_gradios_upload_folder(tmp_path: Path) -> None:
    fake = FakeQA()
    upload_dir = tmp_path / "gradio"
    upload_dir.mkdir()
    good = upload_dir / "讲话.txt"
    good.write_text("正文。", encoding="utf-8")
    actions = WebActions(fake, uploads=tmp_path / "uploads", upload_dir=upload_dir)
    outcome = actions.ingest_uploads(["/etc/passwd"], None)
    assert strings.NOT_AN_UPLOAD in outcome.message and fake.ingested == []
    link = upload_dir / "link.txt"
    link.symlink_to("/etc/passwd")
    assert strings.NOT_AN_UPLOAD in actions.ingest_uploads([str(link)], None).message
    outcome = actions.ingest_uploads([str(good)], None)
    assert "新增 1" in outcome.message and fake.ingested == [tmp_path / "uploads" / "讲话.txt"]
    operators = Operators(auth_on=True, names=frozenset({"boss"}))
    restricted = WebActions(
        fake, uploads=tmp_path / "uploads", upload_dir=upload_dir, operators=operators
    )
    assert restricted.ingest_uploads([str(good)], "writer").message == strings.NOT_ALLOWED


def test_folder_import_only_below_the_import_roots(tmp_path: Path) -> None:
    fake = FakeQA()
    root = tmp_path / "文稿"
    (root / "a").mkdir(parents=True)
    (root / "a" / "讲话.txt").write_text("正文。", encoding="utf-8")
    (root / "a" / "passwd.txt").symlink_to("/etc/passwd")
    (tmp_path / "private").mkdir()
    (root / "escape").symlink_to(tmp_path / "private")

    closed = WebActions(fake)
    assert closed.ingest_folder(str(root), None).message == strings.FOLDER_IMPORT_OFF
    actions = WebActions(fake, import_roots=ImportRoots.of([root]))
    for folder in [
        "/etc",
        str(tmp_path / "private"),
        str(root / "escape"),
        f"{root}/../private",
        "a",
    ]:
        assert "只能导入" in actions.ingest_folder(folder, None).message, folder
    assert fake.ingested == []
    outcome = actions.ingest_folder(str(root / "a"), None)
    assert fake.ingested == [(root / "a" / "讲话.txt").resolve()]
    assert strings.LINK_OUTSIDE in outcome.rows and "新增 1" in outcome.message
    operators = Operators(auth_on=True, names=frozenset({"boss"}))
    restricted = WebActions(fake, import_roots=ImportRoots.of([root]), operators=operators)
    assert restricted.ingest_folder(str(root / "a"), "writer").message == strings.NOT_ALLOWED


def test_upload_names_and_limits(tmp_path: Path) -> None:
    assert safe_upload_name("../../etc/passwd") == "passwd"
    assert safe_upload_name("讲话 稿(终).PDF") == "讲话_稿_终.pdf"
    uploads = tmp_path / "uploads"
    first = tmp_path / "x" / "讲话.txt"
    first.parent.mkdir()
    first.write_text("一", encoding="utf-8")
    stored = store_upload(first, uploads)
    first.write_text("二", encoding="utf-8")
    again = store_upload(first, uploads)
    assert again != stored and stored.read_text(encoding="utf-8") == "一"
    big = tmp_path / "big.txt"
    with open(big, "wb") as handle:
        handle.truncate(3 * 1024 * 1024)
    kept, rejected = accept_uploads([big], uploads, max_upload_mb=2)
    assert kept == [] and rejected == [["big.txt", "失败", "", 0, "文件 3.0 MB，超过上传上限 2 MB"]]


# ----------------------------------------------------------------------------- paths, login


def test_api_paths_are_relative_to_the_collection() -> None:
    data = api_json(RESULT.as_dict(), COLLECTION)
    assert "path" not in data and data["file"] == "uploads/假文档.txt"
    assert [loc["file"] for loc in data["locations"]] == ["uploads/假文档.txt", "讲话.txt"]
    assert shown_path("/etc/passwd", COLLECTION) == "passwd"
    assert shown_path(str(COLLECTION / ".." / "x.txt"), COLLECTION) == "x.txt"


def test_failed_logins_are_slowed_and_lock_the_user_out() -> None:
    throttle = LoginThrottle({"writer": "secret"}, delay=0.05, max_failures=3, lockout=60)

    async def attempts() -> list[bool]:
        started = time.monotonic()
        wrong = await asyncio.gather(*(throttle.check("writer", f"guess{i}") for i in range(3)))
        # failures queue behind each other even when sent in parallel
        assert time.monotonic() - started >= 3 * 0.05
        return [
            *wrong,
            await throttle.check("writer", "secret"),
            await throttle.check("other", "secret"),
        ]

    assert asyncio.run(attempts()) == [False, False, False, False, False]
    assert throttle.locked("writer")
    fresh = LoginThrottle({"writer": "secret"}, delay=0.0)
    assert asyncio.run(fresh.check("writer", "secret")) is True
    assert inspect.iscoroutinefunction(fresh.check)  # what Gradio awaits


def test_import_roots_refuse_everything_when_none(tmp_path: Path) -> None:
    with pytest.raises(AccessError):
        ImportRoots().files(str(tmp_path))


def test_rendering_keeps_template_syntax_inert() -> None:
    """Gradio's HTML component reads ${...} and {{...}} in its value as a template."""
    assert escape("{{title}} ${x}") == "&#123;&#123;title&#125;&#125; &#36;&#123;x&#125;"
    item = BasketItem("{{姓名}}同志${1+1}", None, None, None, 1, "d", "d.txt")
    view = WebActions(FakeQA()).basket_view([item.as_dict()])
    assert "{" not in view and "$" not in view


# ----------------------------------------------------------------------------- the app


def test_app_over_a_fake_facade_serves_the_api() -> None:
    import httpx
    from gradio_client import Client

    from ui.web import create_app

    fake = FakeQA()
    app = create_app(fake)
    app.queue().launch(
        prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, quiet=True
    )
    try:
        client = Client(app.local_url, verbose=False)
        found = client.predict("团结", 3, api_name="/search")
        assert found["results"][0]["sentence"] == "要团结奋斗。"
        assert found["results"][0]["file"] == "uploads/假文档.txt"
        answer = client.predict("团结吗", "extractive", api_name="/ask")
        assert answer["answer"] == "要团结奋斗。[1]"
        with pytest.raises(Exception, match="未配置大模型"):
            client.predict("团结吗", "llm", api_name="/ask")
        assert set(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == {
            "/search", "/ask"
        }  # fmt: skip
        # outside Gradio's queue, a script's call is one request and one JSON reply
        direct = httpx.post(f"{app.local_url}gradio_api/run/search", json={"data": ["合作", 1]})
        assert direct.status_code == 200
        assert direct.json()["data"][0]["results"][0]["file"] == "uploads/假文档.txt"
    finally:
        app.close()
    assert fake.calls == ["search:团结", "ask:团结吗:extractive", "search:合作"]
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"


def test_api_clients_do_not_grow_the_server_without_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Gradio keeps a copy of the page's configuration per session (~100 KB); with its
    default of 10,000 sessions every new API client grew the server (bench/web_memory.py)."""
    from gradio_client import Client

    import ui.web
    from ui.web import create_app, launch_options

    monkeypatch.setattr(ui.web, "SESSION_CAPACITY", 10)
    app = create_app(FakeQA())
    app.queue().launch(
        prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, quiet=True,
        **launch_options(50),
    )  # fmt: skip
    try:
        client = Client(app.local_url, verbose=False)
        for _ in range(25):
            client.reset_session()  # a new client, as a script calling the API would be
            client.predict("团结", 1, api_name="/search")
        assert len(app.state_holder.session_data) <= 10
    finally:
        app.close()


def test_a_collection_that_fails_mid_search_gives_a_message_not_a_traceback() -> None:
    """A database that went away (after the facade's retry) is one line in the page."""
    from collection.errors import ConnectionLost

    fake = FakeQA()

    def lost(*args: Any, **kwargs: Any) -> SearchResponse:
        raise ConnectionLost("lost the connection to PostgreSQL <db>; check that it is running")

    fake.search = lost  # type: ignore[method-assign]
    shown = WebActions(fake).find_quotes("团结")
    assert "查找失败" in shown and "check that it is running" in shown
    assert "Traceback" not in shown and "yw-card" not in shown
