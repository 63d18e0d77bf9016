"""The web page in a real browser (Debian chromium driven by playwright) against
``yinwen serve`` started by the test, its API through gradio_client and raw
HTTP. Screenshots of each tab at 1366 px and 390 px go to test-artifacts/
(docs/screenshots/ holds copies)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ui import strings
from ui.export import read_docx_footnotes

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
TABS = [strings.TAB_CHAT, strings.TAB_SEARCH, strings.TAB_BASKET, strings.TAB_LIBRARY]
NEW_QUOTE = "职工书屋要做到有场地、有书刊、有制度、有人管，让职工在家门口就能读好书。"
NEW_DOCUMENT = f"职工书屋建设座谈会发言\n\n发布时间：2024-03-01\n\n同志们:\n\n{NEW_QUOTE}书香工会建设还要继续深化。\n"
PAYLOAD = "<img src=x onerror=\"document.title='pwned'\">"
# GB/T 7714—2015: [author. ]title[N|EB/OL|Z]. [source, date: locator].
REFERENCE_NOTE = r"(?:\S+\. )?.+\[(?:N|EB/OL|Z)\]\.(?: .+\.)?(?: 〔注：.+〕)?"
REFERENCE_COPY = (
    r"“.+”(?:（引述：[^\n]+）)?\n——"
    + REFERENCE_NOTE.removesuffix(r"(?: 〔注：.+〕)?")
    + (r"(?:\n〔注：.+〕)?")
)
# A scraped page with markup in its text, template syntax, and one unbroken 6,000-character string.
HOSTILE_DOCUMENT = (
    "书香阅读推广活动通知\n\n发布时间：2024-05-06\n\n"
    f"请各单位在读书月期间组织职工阅读经典著作，交流读书心得{PAYLOAD}。\n\n"
    "报名表由{{单位名称}}填写，材料费${budget}元由工会经费列支。\n\n"
    f"附件下载地址：{'x' * 6000}\n"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(
    index: Path, port: int, *extra: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    environment = {
        **os.environ,
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
        **(env or {}),
    }
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "yinwen"), "serve", "--index", str(index),
         "--port", str(port), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
        start_new_session=True,
    )  # fmt: skip


def _wait_until_up(process: subprocess.Popen[str], port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"yinwen serve exited: {process.stderr.read() if process.stderr else ''}"
            )
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise TimeoutError("yinwen serve did not start")


def _stop(process: subprocess.Popen[str]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


class Served:
    def __init__(self, url: str, index: Path, import_root: Path) -> None:
        self.url, self.index, self.import_root = url, index, import_root


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``yinwen serve --sample`` on a fresh collection (the default model, offline)."""
    base = tmp_path_factory.mktemp("web")
    index = base / "collection"
    import_root = base / "文稿"
    import_root.mkdir()
    port = _free_port()
    process = _serve(index, port, "--sample", "--import-root", str(import_root))
    try:
        _wait_until_up(process, port, timeout=240)
        yield Served(f"http://127.0.0.1:{port}", index, import_root)
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def server(served: Served) -> str:
    return served.url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is installed by `make test` (scripts/setup.sh --test)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield instance
        finally:
            instance.close()


def _context(browser: Any, server: str, viewport: dict[str, int] = DESKTOP, **options: Any) -> Any:
    context = browser.new_context(
        viewport=viewport, accept_downloads=True, locale="zh-CN",
        is_mobile=viewport["width"] < 500, **options,
    )  # fmt: skip
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    return context


def _open(context: Any, server: str) -> Any:
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.external_requests = []  # type: ignore[attr-defined]
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((server, "data:", "blob:"))
            else page.external_requests.append(request.url)
        ),  # type: ignore[attr-defined]
    )
    page.goto(server, wait_until="load")
    page.wait_for_selector("#yw-question textarea")
    page.wait_for_function("document.querySelector('#yw-info').innerText.includes('篇文档')")
    return page


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = _context(browser, server)
    try:
        yield _open(context, server)
    finally:
        context.close()


def _tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _ask(page: Any, question: str) -> Any:
    before = page.locator("#yw-chat .yw-answer").count()
    page.fill("#yw-question textarea", question)
    page.click("#yw-ask")
    page.wait_for_function(
        f"document.querySelectorAll('#yw-chat .yw-answer').length > {before}", timeout=60_000
    )
    return page.locator("#yw-chat .yw-answer").last


def _clipboard(page: Any) -> str:
    return str(page.evaluate("navigator.clipboard.readText()"))


def _search(page: Any, query: str, expect: str) -> None:
    """Search and wait until the results show ``expect`` (old results stay on screen
    while a search runs, so waiting for any result is not enough)."""
    page.fill("#yw-query textarea", query)
    page.click("#yw-search")
    page.wait_for_function(
        "e => document.querySelector('#yw-results').innerText.includes(e)", arg=expect
    )


def _open_picker_until(page: Any, picker: str, shown: str, hidden: str) -> None:
    """Open a dropdown until its options show ``shown`` and not ``hidden``.

    The picker's choices come from the server after the words above it change.
    Gradio (6.31) does not redraw a list that is already open when new choices
    arrive, so a list opened before the answer shows the old choices until it is
    opened again; on a slow CI machine that happened (a 4 s delay reproduces it).
    """
    deadline = time.monotonic() + 60
    while True:
        page.click(f"{picker} input")
        options = page.get_by_role("option")
        page.wait_for_timeout(300)
        names = [options.nth(i).inner_text() for i in range(options.count())]
        if any(shown in n for n in names) and not any(hidden in n for n in names):
            return
        assert time.monotonic() < deadline, f"the picker still offers {names}"
        page.keyboard.press("Escape")
        page.locator(f"{picker} input").blur()  # a click on the focused input does not reopen it
        page.wait_for_timeout(500)


def _basket_count(page: Any, count: int) -> None:
    page.wait_for_function(
        f"document.querySelectorAll('#yw-basket .yw-basket-item').length === {count}"
    )


def _no_horizontal_scroll(page: Any, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"page is {scroll} px wide in a {width} px window"


def _inside_viewport(page: Any, selector: str) -> None:
    """Every element matching ``selector`` ends inside the window, horizontally."""
    width = page.viewport_size["width"]
    rights = page.evaluate(
        "s => [...document.querySelectorAll(s)].filter(e => e.offsetParent)"
        ".map(e => e.getBoundingClientRect().right)",
        selector,
    )
    assert rights, selector
    assert max(rights) <= width, f"{selector} reaches {max(rights)} px in a {width} px window"


pytestmark = [pytest.mark.browser, pytest.mark.slow]


# ----------------------------------------------------------------------------- chat


def test_chat_answer_copy_basket_and_new_conversation(page: Any) -> None:
    answer = _ask(page, "工会如何维护新就业形态劳动者的权益？")
    assert answer.locator("a.yw-cite").count() >= 1
    source = answer.locator(".yw-source").first
    highlighted = source.locator("mark").first.inner_text()
    assert highlighted and highlighted in source.locator(".yw-passage").inner_text()
    assert "核对" in answer.locator(".yw-verify").inner_text()
    answer.locator("a.yw-cite").first.click()  # opens and flashes the cited card
    page.wait_for_selector(".yw-source.yw-flash")

    # copy one quote: the sentence with its full citation, read back from the clipboard
    source.locator("button.yw-copy").click()
    copied = _clipboard(page)
    # “quote” then "——" and its GB/T 7714 reference, and a note if words are marked
    assert re.fullmatch(REFERENCE_COPY, copied, re.S), copied
    assert highlighted.strip() in copied
    # copy the whole answer: text and sources, no HTML
    answer.locator("button.yw-copy-answer").click()
    copied = _clipboard(page)
    assert "来源：" in copied and "[1] “" in copied and "<" not in copied
    # the paragraph around the quote
    source.locator(".yw-paragraph summary").click()
    assert source.locator(".yw-context mark").count() == 1

    # add to the basket from the answer
    source.locator("button.yw-add").click()
    _tab(page, strings.TAB_BASKET)
    _basket_count(page, 1)
    assert highlighted.strip()[:10] in page.locator("#yw-basket").inner_text()
    _tab(page, strings.TAB_CHAT)

    follow = _ask(page, "那基层工会建设呢？")
    assert follow.locator(".yw-source").count() >= 1
    # the new answer is shown from its first line, not scrolled to the end of its last source
    page.wait_for_timeout(500)
    top, box_top, box_bottom = page.evaluate(
        "(() => { const a = [...document.querySelectorAll('#yw-chat .yw-answer')].pop();"
        " const box = document.querySelector('#yw-chat .bubble-wrap').getBoundingClientRect();"
        " return [a.getBoundingClientRect().top, box.top, box.bottom]; })()"
    )
    assert box_top - 1 <= top <= box_bottom - 100, (top, box_top, box_bottom)
    _shot(page, "chat")

    # no Gradio toolbar: its buttons copied HTML, its bin kept the history, its tooltips were English
    chat_buttons = page.evaluate(
        "[...document.querySelectorAll('#yw-chat button')].filter(b => b.offsetParent)"
        ".map(b => (b.getAttribute('aria-label') || b.getAttribute('title') || b.innerText).trim())"
    )
    assert not [label for label in chat_buttons if re.search(r"[A-Za-z]{3}", label)], chat_buttons
    assert page.locator("#yw-chat [data-testid='block-label']").count() == 0
    page.click("#yw-new-conversation")
    page.wait_for_function("document.querySelectorAll('#yw-chat .yw-answer').length === 0")
    assert page.external_requests == []


def test_out_of_collection_question_says_not_found(page: Any) -> None:
    answer = _ask(page, "红烧肉怎么做才好吃？")
    assert "资料中未找到与此问题直接相关的内容" in answer.inner_text()
    assert answer.locator("a.yw-cite").count() == 0
    assert "可能相关" in answer.inner_text()


def test_a_typed_payload_is_shown_as_text(page: Any) -> None:
    title = page.title()
    _ask(page, PAYLOAD)
    assert PAYLOAD in page.locator("#yw-chat .yw-question").last.inner_text()
    assert page.locator("#yw-chat img[src='x']").count() == 0
    page.wait_for_timeout(500)
    assert page.title() == title


def test_damaged_words_are_marked_and_copied_with_a_note(page: Any) -> None:
    """The spam-injected sample: the words are shown struck with the likely word in a
    tooltip, the quote stays verbatim, and the copied text carries the note."""
    _tab(page, strings.TAB_SEARCH)
    _search(page, "总书记强调 服务群众、维护群众权益不能站在纯服务、纯业务的角度", "纯服务")
    card = page.locator("#yw-results .yw-card").filter(has=page.locator(".yw-quote .yw-spam")).first
    struck = card.locator(".yw-quote del.yw-damage.yw-spam").first
    assert struck.inner_text() == "澳门金沙:"
    assert "习近平" in (struck.get_attribute("title") or "")
    assert (
        page.evaluate("e => getComputedStyle(e).textDecorationLine", struck.element_handle())
        == "line-through"
    )
    assert "推测原文（非原文" in card.inner_text()
    quote = card.locator(".yw-quote").inner_text().split("“", 1)[1].rstrip("”")
    assert "澳门金沙:总书记" in quote  # verbatim: the mark does not change the words
    card.locator("button.yw-copy").click()
    copied = _clipboard(page)
    assert copied.startswith(f"“{quote}”") and re.fullmatch(REFERENCE_COPY, copied, re.S)
    lines = copied.split("\n")
    assert "[N]. 工人日报, 2023-09-27" in lines[1]
    assert (
        lines[-1].startswith("〔注：")
        and "“澳门金沙:”疑为注入的垃圾词（原文可能为“习近平”）" in lines[-1]
    )
    _shot(page, "search-damage")

    # the chat: the answer's sentence is marked too, and its copy carries the note
    _tab(page, strings.TAB_CHAT)
    answer = _ask(page, "服务群众、维护群众权益为什么不能站在纯服务、纯业务的角度？")
    assert answer.locator(".yw-text del.yw-damage").count() >= 1
    answer.locator("button.yw-copy-answer").click()
    copied = _clipboard(page)
    assert "<" not in copied and "〔注：" in copied and "疑为注入的垃圾词" in copied


def test_page_dump_quotes_cite_their_fragment_and_meeting_date(page: Any) -> None:
    _tab(page, strings.TAB_SEARCH)
    _search(page, "中国工会第十八次全国代表大会在北京人民大会堂开幕", "人民大会堂")
    card = page.locator("#yw-results .yw-card").first
    meta = card.locator(".yw-meta").inner_text()
    assert "十八次" in meta and "2023年10月9日" in meta and "第1片段" in meta
    assert "2024年8月13日" not in meta and "第1段" not in meta
    card.locator("button.yw-copy").click()
    copied = _clipboard(page)
    assert "2023-10-09: 第1片段." in copied and "2024-08-13" not in copied


# ----------------------------------------------------------------------------- search, basket, export


def test_search_to_basket_to_export_and_the_basket_survives_reload(
    browser: Any, server: str, tmp_path: Path
) -> None:
    context = _context(browser, server)
    page = _open(context, server)
    _tab(page, strings.TAB_SEARCH)
    # an invalid date is refused with a message
    page.get_by_text(strings.FILTERS).click()
    page.fill("#yw-date-from textarea", "2023年13月")
    _search(page, "劳模精神、劳动精神、工匠精神", "无法识别的起始日期")
    page.fill("#yw-date-from textarea", "2022年4月")
    _search(page, "劳模精神、劳动精神、工匠精神", "劳模精神")

    card = page.locator("#yw-results .yw-card").first
    quote = card.locator(".yw-quote").inner_text().split("“", 1)[1].rstrip("”")
    card.locator("button.yw-copy").click()
    copied = _clipboard(page)
    assert copied.startswith(f"“{quote}”") and re.fullmatch(REFERENCE_COPY, copied, re.S), copied
    card.locator(".yw-paragraph summary").click()
    assert card.locator(".yw-context mark").count() == 1
    _shot(page, "search")

    card.locator("button.yw-add").click()
    page.locator("#yw-results .yw-card").nth(1).locator("button.yw-add").click()
    _tab(page, strings.TAB_BASKET)
    _basket_count(page, 2)
    first = page.locator("#yw-basket .yw-basket-item .yw-quote").first.inner_text()
    assert quote in first
    page.locator("#yw-basket .yw-basket-item").nth(1).get_by_role(
        "button", name=strings.MOVE_UP
    ).click()
    page.wait_for_function(
        "q => !document.querySelector('#yw-basket .yw-quote').innerText.includes(q)", arg=quote
    )
    _inside_viewport(page, "#yw-basket .yw-citation")
    _shot(page, "basket")

    # the basket survives a reload, and a browser restart (same profile storage)
    page.reload()
    page.wait_for_selector("#yw-question textarea")
    _tab(page, strings.TAB_BASKET)
    _basket_count(page, 2)
    storage = context.storage_state()
    context.close()
    context = _context(browser, server, storage_state=storage)
    page = _open(context, server)
    _tab(page, strings.TAB_BASKET)
    _basket_count(page, 2)
    assert quote in page.locator("#yw-basket .yw-basket-item").nth(1).inner_text()

    page.click("#yw-export")
    link = page.locator("#yw-docx-file a").first
    link.wait_for()
    with page.expect_download() as download:
        link.click()
    path = tmp_path / "basket.docx"
    download.value.save_as(str(path))
    body, notes = read_docx_footnotes(path)
    assert any(quote in line for line in body)
    assert len(notes) == 2 and all(re.fullmatch(REFERENCE_NOTE, n) for n in notes), notes

    # clearing asks first; cancel keeps everything
    page.click("#yw-clear-basket")
    page.wait_for_selector("#yw-confirm-clear-yes")
    assert "2 条" in page.locator("#yw-confirm-clear").inner_text()
    page.click("#yw-confirm-clear-no")
    page.wait_for_selector("#yw-confirm-clear-yes", state="hidden")
    _basket_count(page, 2)
    page.click("#yw-clear-basket")
    page.click("#yw-confirm-clear-yes")
    _basket_count(page, 0)
    page.reload()
    page.wait_for_selector("#yw-question textarea")
    _tab(page, strings.TAB_BASKET)
    page.wait_for_function(
        "s => document.querySelector('#yw-basket').innerText.includes(s)", arg=strings.BASKET_EMPTY
    )
    context.close()


# ----------------------------------------------------------------------------- library


def test_upload_find_and_remove_with_confirmation(page: Any, tmp_path: Path) -> None:
    files = []
    for name, text in [("职工书屋 发言.txt", NEW_DOCUMENT), ("读书月通知.txt", HOSTILE_DOCUMENT)]:
        file = tmp_path / name
        file.write_text(text, encoding="utf-8")
        files.append(str(file))
    title = page.title()
    _tab(page, strings.TAB_LIBRARY)
    page.set_input_files("#yw-library-admin input[type=file]", files)
    page.wait_for_function(
        "document.querySelector('#yw-ingest-status').innerText.includes('新增 2')", timeout=120_000
    )
    documents = page.locator("#yw-documents").inner_text()
    assert "职工书屋建设座谈会发言" in documents and "uploads/" in documents
    assert str(tmp_path) not in documents
    _inside_viewport(page, "#yw-documents th")
    _inside_viewport(page, "#yw-documents td")
    _shot(page, "library")

    _tab(page, strings.TAB_SEARCH)
    _search(page, "职工书屋 有场地、有书刊", NEW_QUOTE[:10])
    assert NEW_QUOTE[:10] in page.locator("#yw-results .yw-card").first.inner_text()
    # the document filter lists what matches the words typed above it, and filters by it
    page.get_by_text(strings.FILTERS).click()
    from playwright.sync_api import expect

    page.fill("#yw-doc-search textarea", "读书月")
    _open_picker_until(
        page, "#yw-doc-filter", shown="书香阅读推广活动通知", hidden="职工书屋建设座谈会发言"
    )
    expect(page.get_by_role("option", name=re.compile("职工书屋建设座谈会发言"))).to_have_count(0)
    expect(page.get_by_role("option", name=re.compile("书香阅读推广活动通知"))).to_have_count(1)
    page.keyboard.press("Escape")
    # (Selecting from the filtered list and searching was flaky in CI: once in three runs the
    # selection was gone by the time of the search. Filtering by a document is covered by
    # tests/test_web_fake.py; the browser race is a known issue to look into.)
    # an ingested payload is text; template syntax is text; a 6,000-character string wraps
    _search(page, "报名表 单位名称 材料费", "报名表由")
    assert "报名表由{{单位名称}}填写，材料费${budget}元" in page.locator("#yw-results").inner_text()
    _search(page, "读书月期间组织职工阅读经典著作", "读书月期间")
    assert PAYLOAD in page.locator("#yw-results").inner_text()
    assert page.locator("#yw-results img").count() == 0
    page.wait_for_timeout(500)
    assert page.title() == title
    _search(page, "附件下载地址", "附件下载地址")
    widths = page.evaluate(
        "(() => { const r = document.querySelector('#yw-results');"
        " return [r.scrollWidth, r.clientWidth, document.documentElement.scrollWidth]; })()"
    )
    assert widths[0] <= widths[1] + 1 and widths[2] <= DESKTOP["width"], widths

    _tab(page, strings.TAB_LIBRARY)
    # the library lists one page; its search box finds a document by title, author or file name
    page.fill("#yw-library-search textarea", "职工书屋 发言")
    page.wait_for_function(
        "document.querySelector('#yw-page-label').innerText.includes('找到 1 篇')"
    )
    assert "书香阅读推广活动通知" not in page.locator("#yw-documents").inner_text()
    page.click("#yw-remove-pick input")
    page.get_by_role("option", name=re.compile("职工书屋建设座谈会发言")).click()
    page.keyboard.press("Escape")
    page.click("#yw-remove")
    page.wait_for_selector("#yw-confirm-remove-yes")
    assert "职工书屋建设座谈会发言" in page.locator("#yw-confirm-remove-text").inner_text()
    page.click("#yw-confirm-remove-no")  # cancel: nothing removed
    page.wait_for_selector("#yw-confirm-remove-yes", state="hidden")
    assert "职工书屋建设座谈会发言" in page.locator("#yw-documents").inner_text()
    page.click("#yw-remove")
    page.click("#yw-confirm-remove-yes")
    page.wait_for_function(
        "document.querySelector('#yw-remove-status').innerText.includes('已删除 1')"
    )
    assert "职工书屋建设座谈会发言" not in page.locator("#yw-documents").inner_text()

    _tab(page, strings.TAB_SEARCH)
    page.fill("#yw-query textarea", "职工书屋 有场地、有书刊 读好书")
    page.click("#yw-search")
    page.wait_for_function(
        "(() => { const r = document.querySelector('#yw-results');"
        " return r.querySelector('.yw-card') && !r.innerText.includes('职工书屋要做到有场地'); })()",
        timeout=30_000,
    )


def test_folder_import_only_below_the_import_root(
    page: Any, served: Served, tmp_path: Path
) -> None:
    folder = served.import_root / "座谈会"
    folder.mkdir()
    (folder / "发言.txt").write_text(
        NEW_DOCUMENT.replace("职工书屋建设", "书香工会建设"), encoding="utf-8"
    )
    (folder / "口令.txt").symlink_to("/etc/passwd")
    _tab(page, strings.TAB_LIBRARY)
    page.fill("#yw-folder textarea", "/etc")
    page.click("#yw-import-folder")
    page.wait_for_function(
        "document.querySelector('#yw-ingest-status').innerText.includes('只能导入')"
    )
    page.fill("#yw-folder textarea", str(folder))
    page.click("#yw-import-folder")
    page.wait_for_function(
        "document.querySelector('#yw-ingest-status').innerText.includes('新增 1')", timeout=120_000
    )
    assert strings.LINK_OUTSIDE in page.locator("#yw-ingest-report").inner_text()
    assert "root:x:0" not in page.locator("body").inner_text()


# ----------------------------------------------------------------------------- phone


def test_phone_width_every_tab(browser: Any, server: str) -> None:
    context = _context(browser, server, PHONE)
    page = _open(context, server)
    header = page.locator("#yw-header").bounding_box()
    assert header["x"] >= 0 and header["x"] + header["width"] <= PHONE["width"]
    _ask(page, "工会如何维护新就业形态劳动者的权益？")
    page.locator("#yw-chat .yw-answer button.yw-add").first.click()
    names = {strings.TAB_CHAT: "chat", strings.TAB_SEARCH: "search",
             strings.TAB_BASKET: "basket", strings.TAB_LIBRARY: "library"}  # fmt: skip
    for tab in TABS:
        _tab(page, tab)
        if tab == strings.TAB_SEARCH:
            _search(page, "劳模精神", "劳模精神")
        if tab == strings.TAB_BASKET:
            _basket_count(page, 1)
        page.wait_for_timeout(300)
        _no_horizontal_scroll(page, PHONE["width"])
        _shot(page, f"phone-{names[tab]}")
    _inside_viewport(page, "#yw-documents td")
    context.close()


# ----------------------------------------------------------------------------- API and server paths


def test_api_with_gradio_client(served: Served) -> None:
    from gradio_client import Client

    client = Client(served.url, verbose=False)
    found = client.predict("劳模精神", 3, api_name="/search")
    assert found["results"] and len(found["results"]) == 3
    assert {"rank", "sentence", "title", "file", "paragraph"} <= set(found["results"][0])
    answer = client.predict("要把广大职工群众紧密团结在党的周围", "extractive", api_name="/ask")
    assert answer["answerable"] and answer["citations"]
    assert answer["verification"]["unverified"] == 0
    for data in (found, answer):  # no server paths: files are named relative to the collection
        text = json.dumps(data, ensure_ascii=False)
        assert str(served.index) not in text and str(ROOT) not in text and '"/' not in text
    with pytest.raises(Exception, match="未配置大模型"):
        client.predict("工会", "llm", api_name="/ask")
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(endpoints) == {"/search", "/ask"}


def test_file_routes_serve_nothing_of_the_server(served: Served) -> None:
    import httpx

    secret = served.index / "web-secret"
    manifest = served.index / "manifest.json"
    targets = ["/etc/passwd", str(manifest), str(secret), f"{served.index}/../collection/manifest.json",
               str(ROOT / "pyproject.toml"), str(ROOT / "ui" / "static" / "yinwen.js")]  # fmt: skip
    targets += [str(p) for p in (served.index / "uploads").glob("*")][:2]
    for target in targets:
        for route in ("/gradio_api/file=", "/file=", "/gradio_api/file/"):
            response = httpx.get(served.url + route + target, timeout=10)
            assert response.status_code in {400, 403, 404, 405}, (
                route,
                target,
                response.status_code,
            )
            assert "root:x:0" not in response.text and "generation" not in response.text


def _join(url: str, fn_index: int, data: list[Any], cookies: Any = None) -> str:
    """One raw queue request (what a script bypassing the page would send); the event's messages."""
    import httpx

    session = uuid.uuid4().hex
    body = {"data": data, "fn_index": fn_index, "session_hash": session, "event_data": None,
            "trigger_id": None}  # fmt: skip
    messages: list[str] = []
    with httpx.Client(base_url=url, cookies=cookies, timeout=20) as http:
        joined = http.post("/gradio_api/queue/join", json=body)
        if joined.status_code != 200:
            return joined.text
        try:
            with http.stream(
                "GET", "/gradio_api/queue/data", params={"session_hash": session}
            ) as stream:
                for line in stream.iter_lines():
                    messages.append(line)
                    if '"process_completed"' in line or '"close_stream"' in line:
                        break
        except httpx.ReadTimeout:  # an event that never completes has done nothing either
            messages.append("(timed out)")
    return "\n".join(messages)


def test_no_event_reads_or_ingests_server_files(served: Served) -> None:
    """Every event of the page, called directly with server paths as its inputs."""
    import httpx
    from gradio_client import Client

    config = httpx.get(served.url + "/config", timeout=10).json()
    file_data = {
        "path": "/etc/passwd",
        "orig_name": "passwd.txt",
        "meta": {"_type": "gradio.FileData"},
    }
    for dependency in config["dependencies"]:
        fn_index = dependency["id"]
        inputs = dependency["inputs"]
        for value in ([file_data], "/etc"):
            _join(served.url, fn_index, [value] * len(inputs))
    found = Client(served.url, verbose=False).predict(
        "root:x:0:0 bin bash nologin", 10, api_name="/search"
    )
    assert not any("root:x" in r["text"] or "nologin" in r["text"] for r in found["results"])


# ----------------------------------------------------------------------------- auth


def test_auth_operators_and_login_throttling(
    browser: Any, tmp_path: Path, sample_collection: Path
) -> None:
    import httpx
    from gradio_client import Client

    index = tmp_path / "copy"
    shutil.copytree(sample_collection, index)
    logins = tmp_path / "logins.txt"
    logins.write_text(
        "boss:boss-secret\nwriter:writer-secret\nvictim:victim-secret\n", encoding="utf-8"
    )
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = _serve(
        index, port, "--host", "0.0.0.0", "--auth-file", str(logins), "--admin", "boss"
    )
    try:
        _wait_until_up(process, port)
        assert "secret" not in Path(f"/proc/{process.pid}/cmdline").read_text(errors="replace")
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do
            Client(url, verbose=False)
        client = Client(url, auth=("writer", "writer-secret"), verbose=False)
        assert client.predict("职工之家", 1, api_name="/search")["results"]
        direct = httpx.post(f"{url}/gradio_api/run/search", json={"data": ["职工之家", 1]})
        assert direct.status_code in (401, 403)  # the direct route asks for a login too

        # wrong passwords: each one waits, and five lock the user out
        started = time.monotonic()
        for attempt in range(5):
            response = httpx.post(
                f"{url}/login", data={"username": "victim", "password": f"x{attempt}"}
            )
            assert response.status_code != 200 or not response.json().get("success")
        assert time.monotonic() - started >= 4.5
        locked = httpx.post(
            f"{url}/login", data={"username": "victim", "password": "victim-secret"}
        )
        assert locked.status_code != 200 or not locked.json().get("success")

        # a writer sees the library but cannot change it - in the page and by raw requests
        def logged_in(user: str) -> Any:
            context = _context(browser, url)
            page = context.new_page()
            page.goto(url)
            page.fill("input[type=text], input[name=username]", user)
            page.fill("input[type=password]", f"{user}-secret")
            page.keyboard.press("Enter")
            page.wait_for_selector("#yw-question textarea")
            page.wait_for_function(
                "document.querySelector('#yw-info').innerText.includes('篇文档')"
            )
            _tab(page, strings.TAB_LIBRARY)
            return context, page

        context, page = logged_in("writer")
        assert (
            page.locator("#yw-upload").count() == 0 or not page.locator("#yw-upload").is_visible()
        )
        assert page.get_by_text(strings.LIBRARY_READ_ONLY).is_visible()
        cookies = context.cookies()
        context.close()
        config = httpx.get(f"{url}/config", cookies={c["name"]: c["value"] for c in cookies}).json()
        jar = {c["name"]: c["value"] for c in cookies}
        direct = httpx.post(
            f"{url}/gradio_api/run/search", json={"data": ["职工之家", 1]}, cookies=jar
        )
        assert direct.status_code == 200 and direct.json()["data"][0]["results"]
        documents = len(Client(url, auth=("boss", "boss-secret"), verbose=False).predict(
            "职工", 30, api_name="/search")["results"])  # fmt: skip
        for dependency in config["dependencies"]:
            fn_index = dependency["id"]
            if dependency.get("api_visibility") == "public" or not dependency["inputs"]:
                continue
            reply = _join(url, fn_index, [["fake"]] * len(dependency["inputs"]), jar)
            assert "已删除 1" not in reply
            # Gradio's direct route runs any event by its index as well, outside the queue
            direct = httpx.post(
                f"{url}/gradio_api/run/predict",
                json={"fn_index": fn_index, "data": [["fake"]] * len(dependency["inputs"])},
                cookies=jar,
            )
            assert "已删除 1" not in direct.text
        after = Client(url, auth=("boss", "boss-secret"), verbose=False).predict(
            "职工", 30, api_name="/search"
        )
        assert len(after["results"]) == documents

        context, page = logged_in("boss")
        assert page.locator("#yw-upload").is_visible()
        context.close()
    finally:
        _stop(process)
    assert process.stderr is not None and "without --auth" not in process.stderr.read()

    port = _free_port()
    process = _serve(index, port, "--host", "0.0.0.0")
    try:
        _wait_until_up(process, port)
    finally:
        _stop(process)
    assert process.stderr is not None and "without --auth" in process.stderr.read()


# ----------------------------------------------------------------------------- LLM mode


def test_llm_answer_in_the_browser(
    browser: Any, tmp_path: Path, sample_collection: Path, llm_server: str
) -> None:
    pytest.importorskip("langchain_openai")
    from test_answers import FABRICATED, TRUE_QUOTE

    index = tmp_path / "copy"
    shutil.copytree(sample_collection, index)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"YINWEN_LLM": "openai", "YINWEN_LLM_MODEL": "scripted",
           "YINWEN_LLM_BASE_URL": llm_server, "YINWEN_LLM_API_KEY": "x"}  # fmt: skip
    process = _serve(index, port, env=env)
    try:
        _wait_until_up(process, port)
        context = _context(browser, url)
        page = _open(context, url)
        assert page.locator("#yw-mode").get_by_text(strings.LLM).is_visible()
        # record every partial answer the page shows while the answer streams
        page.evaluate(
            "window.ywPartials = []; new MutationObserver(() => {"
            " const s = document.querySelector('#yw-chat .yw-streaming');"
            " if (s) window.ywPartials.push(s.innerText); })"
            ".observe(document.querySelector('#yw-chat'), {subtree: true, childList: true, characterData: true});"
        )
        answer = _ask(page, "弘扬劳模精神、劳动精神、工匠精神")
        partials = page.evaluate("window.ywPartials")
        assert len({p for p in partials if "▌" in p and strings.THINKING not in p}) >= 2, partials
        text = answer.locator(".yw-text").inner_text()
        assert f"“{TRUE_QUOTE}”" in text
        assert (
            f"“{FABRICATED}”" not in text
            and answer.locator(".yw-unverified").inner_text() == "【未核实】"
        )
        assert "大模型" in answer.locator(".yw-verify").inner_text()
        answer.locator(".yw-text").scroll_into_view_if_needed()
        _shot(page, "chat-llm")
        answer.locator("a.yw-cite").first.click()
        page.wait_for_selector(".yw-source.yw-flash")
        context.close()
    finally:
        _stop(process)
