"""The web page in a real browser (Debian chromium driven by playwright) against
``yinwen serve`` started by the test, its API through gradio_client, and the
page over a fake facade. Screenshots of each tab go to test-artifacts/."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ui.export import read_docx_footnotes
from ui.uploads import accept_uploads, safe_upload_name, store_upload

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
NEW_QUOTE = "职工书屋要做到有场地、有书刊、有制度、有人管，让职工在家门口就能读好书。"
NEW_DOCUMENT = f"职工书屋建设座谈会发言\n\n发布时间：2024-03-01\n\n同志们:\n\n{NEW_QUOTE}书香工会建设还要继续深化。\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(index: Path, port: int, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "yinwen"), "serve", "--index", str(index),
         "--port", str(port), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True,
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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``yinwen serve --sample`` on a fresh collection (the default model, offline)."""
    index = tmp_path_factory.mktemp("web") / "collection"
    port = _free_port()
    process = _serve(index, port, "--sample")
    try:
        _wait_until_up(process, port, timeout=240)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)


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


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
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
    try:
        yield page
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


pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_ask_shows_a_cited_answer_with_highlighted_source(page: Any) -> None:
    answer = _ask(page, "工会如何维护新就业形态劳动者的权益？")
    assert answer.locator("a.yw-cite").count() >= 1
    source = answer.locator(".yw-source").first
    highlighted = source.locator("mark").first.inner_text()
    assert highlighted and highlighted in source.locator(".yw-passage").inner_text()
    assert "核对" in answer.locator(".yw-verify").inner_text()
    answer.locator("a.yw-cite").first.click()  # opens and flashes the cited card
    page.wait_for_selector(".yw-source.yw-flash")
    # a follow-up in the same conversation
    follow = _ask(page, "那基层工会建设呢？")
    assert follow.locator(".yw-source").count() >= 1
    _shot(page, "chat")
    assert page.external_requests == []


def test_out_of_collection_question_says_not_found(page: Any) -> None:
    answer = _ask(page, "红烧肉怎么做才好吃？")
    assert "资料中未找到与此问题直接相关的内容" in answer.inner_text()
    assert answer.locator("a.yw-cite").count() == 0
    assert "可能相关" in answer.inner_text()


def test_quote_search_copy_basket_and_word_export(page: Any, tmp_path: Path) -> None:
    _tab(page, "找引文")
    page.fill("#yw-query textarea", "劳模精神、劳动精神、工匠精神")
    page.click("#yw-search")
    page.wait_for_selector("#yw-results .yw-card")
    card = page.locator("#yw-results .yw-card").first
    quote = card.locator(".yw-quote").inner_text()
    card.locator("button.yw-copy").click()
    copied = page.wait_for_function("window.ywLastCopied").json_value()
    assert copied.startswith("“") and "（《" in copied
    assert quote.split("“", 1)[1].rstrip("”") in copied
    card.locator("summary").click()  # the surrounding paragraph
    assert card.locator(".yw-context mark").count() == 1
    _shot(page, "search")

    page.locator("#yw-pick label").first.click()
    page.click("#yw-add")
    page.wait_for_function("document.querySelector('#yw-basket-status').innerText.includes('1 条')")
    _tab(page, "素材篮")
    page.wait_for_selector("#yw-basket table")
    assert "劳模精神" in page.locator("#yw-basket").inner_text()
    page.click("#yw-export")
    link = page.locator("#yw-docx-file a").first
    link.wait_for()
    with page.expect_download() as download:
        link.click()
    path = tmp_path / "basket.docx"
    download.value.save_as(str(path))
    body, notes = read_docx_footnotes(path)
    assert any("劳模精神、劳动精神、工匠精神" in line for line in body)
    assert len(notes) == 1 and notes[0].startswith("《") and "第" in notes[0] and "段" in notes[0]
    _shot(page, "basket")


def test_upload_find_and_remove_a_document(page: Any, tmp_path: Path) -> None:
    new_file = tmp_path / "../职工书屋 发言.txt"
    new_file = new_file.resolve()
    new_file.write_text(NEW_DOCUMENT, encoding="utf-8")
    _tab(page, "资料库")
    page.set_input_files("#yw-upload input[type=file]", str(new_file))
    page.wait_for_timeout(500)
    page.click("#yw-ingest")
    page.wait_for_function(
        "document.querySelector('#yw-ingest-status').innerText.includes('新增 1')", timeout=120_000
    )
    assert "职工书屋建设座谈会发言" in page.locator("#yw-documents").inner_text()
    _shot(page, "library")

    _tab(page, "找引文")
    page.fill("#yw-query textarea", "职工书屋 有场地、有书刊")
    page.click("#yw-search")
    page.wait_for_selector("#yw-results .yw-card")
    assert "职工书屋要做到有场地" in page.locator("#yw-results .yw-card").first.inner_text()

    _tab(page, "资料库")
    page.click("#yw-remove-pick input")
    page.get_by_role("option", name=re.compile("职工书屋建设座谈会发言")).click()
    page.keyboard.press("Escape")
    page.click("#yw-remove")
    page.wait_for_function(
        "document.querySelector('#yw-remove-status').innerText.includes('已删除 1')"
    )
    assert "职工书屋建设座谈会发言" not in page.locator("#yw-documents").inner_text()

    _tab(page, "找引文")
    page.fill("#yw-query textarea", "职工书屋 有场地、有书刊 读好书")
    page.click("#yw-search")
    # the new results replace the old ones; the removed quote is not among them
    page.wait_for_function(
        "(() => { const r = document.querySelector('#yw-results');"
        " return r.querySelector('.yw-card') && !r.innerText.includes('职工书屋要做到有场地'); })()",
        timeout=30_000,
    )


def test_phone_width_layout(browser: Any, server: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(server, wait_until="load")
    page.wait_for_selector("#yw-question textarea")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400  # no horizontal scrolling
    _shot(page, "phone")
    context.close()


def test_api_with_gradio_client(server: str) -> None:
    from gradio_client import Client

    client = Client(server, verbose=False)
    found = client.predict("劳模精神", 3, api_name="/search")
    assert found["results"] and len(found["results"]) == 3
    assert {"rank", "sentence", "title", "file", "paragraph"} <= set(found["results"][0])
    answer = client.predict("要把广大职工群众紧密团结在党的周围", "extractive", api_name="/ask")
    assert answer["answerable"] and answer["citations"]
    assert answer["verification"]["unverified"] == 0


def test_auth_and_lan_warning(tmp_path: Path, sample_collection: Path) -> None:
    from gradio_client import Client

    index = tmp_path / "copy"
    shutil.copytree(sample_collection, index)
    port = _free_port()
    process = _serve(index, port, "--host", "0.0.0.0", "--auth", "writer:secret")
    try:
        _wait_until_up(process, port)
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do
            Client(f"http://127.0.0.1:{port}", verbose=False)
        client = Client(f"http://127.0.0.1:{port}", auth=("writer", "secret"), verbose=False)
        assert client.predict("职工之家", 1, api_name="/search")["results"]
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


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\evil.docx", "evil.docx"),
        ("讲话 稿(终).PDF", "讲话_稿_终.pdf"),
        (".hidden.txt", "hidden.txt"),
        ("a/b/c/资料.txt", "资料.txt"),
        ("...", "upload"),
    ],
)
def test_safe_upload_names(name: str, safe: str) -> None:
    assert safe_upload_name(name) == safe


def test_store_upload_stays_inside_and_keeps_both_versions(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    first = tmp_path / "x" / "讲话.txt"
    first.parent.mkdir()
    first.write_text("一", encoding="utf-8")
    stored = store_upload(first, uploads)
    assert stored.parent == uploads and stored.name == "讲话.txt"
    first.write_text("二", encoding="utf-8")
    again = store_upload(first, uploads)
    assert again != stored and again.parent == uploads
    assert stored.read_text(encoding="utf-8") == "一" and again.read_text(encoding="utf-8") == "二"


def test_uploads_over_the_limit_get_a_reason_and_are_not_stored(tmp_path: Path) -> None:
    small = tmp_path / "small.txt"
    small.write_text("正文。", encoding="utf-8")
    big = tmp_path / "big.txt"
    with open(big, "wb") as handle:
        handle.truncate(3 * 1024 * 1024)
    stored, rejected = accept_uploads([small, big], tmp_path / "uploads", max_upload_mb=2)
    assert [p.name for p in stored] == ["small.txt"]
    assert rejected == [["big.txt", "失败", "", 0, "文件 3.0 MB，超过上传上限 2 MB"]]
    assert not (tmp_path / "uploads" / "big.txt").exists()
