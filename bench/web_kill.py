"""kill -9 of `yinwen serve` while it ingests files uploaded through the web page
(issue #9): the collection must open and be consistent every time, the server
must start again on it and answer, and uploading the same files again must
converge.

    make bench-setup
    .venv/bin/python bench/web_kill.py [--kills 20] [--files 40] [--embedder hash]

Each round copies a small base collection, starts `yinwen serve` on it, uploads
the files in chromium (资料库 → 上传), sends SIGKILL to the server's process group
at a random moment of the upload's ingest (timed by one full run first), checks
the collection (bench/hostile.py `consistency`), starts the server again and
asks it a question. Prints a Markdown table for docs/RELIABILITY.md.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.hostile import consistency, prose  # noqa: E402
from bench.web_memory import start_server  # noqa: E402
from ui import strings  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
UPLOAD_INPUT = "#yw-library-admin input[type=file]"
STATUS = "#yw-ingest-status"


def upload(browser: object, url: str, files: list[Path]) -> object:
    """Open the page, go to the library and hand it the files; the page, for waiting."""
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(url)
    page.get_by_role("tab", name=strings.TAB_LIBRARY).click()
    page.set_input_files(UPLOAD_INPUT, [str(f) for f in files])
    return page


def answers(url: str) -> bool:
    """Whether a restarted server answers a search through its API."""
    from gradio_client import Client

    result = Client(url, verbose=False).predict("职工 团结", 5, api_name="/search")
    return bool(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--embedder", default="hash")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from collection import Collection

    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="yinwen-web-kill-"))
    try:
        base_docs, uploads = work / "base-docs", work / "uploads"
        for folder, count, seed in ((base_docs, 10, 1), (uploads, args.files, 2)):
            folder.mkdir()
            for number in range(count):
                text = prose(3000, seed * 10000 + number)
                (folder / f"稿件{seed}-{number:03d}.txt").write_text(
                    f"稿件{seed}-{number}\n\n{text}", encoding="utf-8"
                )
        files = sorted(uploads.iterdir())
        base = work / "base"
        Collection(base).ingest([base_docs], embedder=args.embedder)
        consistent = served = 0
        problems: list[str] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            # One full run: how long the upload's ingest takes, and what it ends with.
            index = work / "probe"
            shutil.copytree(base, index)
            server, url = start_server(index)
            started = time.monotonic()
            page = upload(browser, url, files)
            page.wait_for_function(  # type: ignore[attr-defined]
                f"document.querySelector('{STATUS}').innerText.includes('新增')",
                timeout=600_000,
            )
            full = time.monotonic() - started
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
            moments = []
            for attempt in range(args.kills):
                index = work / f"round-{attempt}"
                shutil.copytree(base, index)
                server, url = start_server(index)
                moment = rng.uniform(0.05, 0.95) * full
                moments.append(moment)
                started = time.monotonic()
                page = upload(browser, url, files)
                time.sleep(max(0.0, moment - (time.monotonic() - started)))
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=30)
                page.close()  # type: ignore[attr-defined]
                problem = consistency(index)
                if problem is None:
                    consistent += 1
                else:
                    problems.append(f"round {attempt} at {moment:.1f} s: {problem}")
                server, url = start_server(index)
                try:
                    served += answers(url)
                except Exception as error:  # counted and shown, the rounds go on
                    problems.append(f"round {attempt}: restarted server: {error}"[:300])
                finally:
                    os.killpg(server.pid, signal.SIGTERM)
                    server.wait(timeout=30)
                shutil.rmtree(index, ignore_errors=True)
            # The last round's state, uploaded again in full, must converge.
            index = work / "converge"
            shutil.copytree(base, index)
            server, url = start_server(index)
            page = upload(browser, url, files)
            time.sleep(full * 0.5)
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
            server, url = start_server(index)
            page = upload(browser, url, files)
            page.wait_for_function(  # type: ignore[attr-defined]
                f"document.querySelector('{STATUS}').innerText.includes('新增') || "
                f"document.querySelector('{STATUS}').innerText.includes('未变')",
                timeout=600_000,
            )
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
            documents = {d.doc_id for d in Collection(index).reader().store.documents()}
            converged = consistency(index) is None and len(documents) == 10 + args.files
            browser.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| what | runs | result |")
    print("|---|---|---|")
    print(
        f"| kill -9 of `yinwen serve` during a web upload of {args.files} files "
        f"(moments {min(moments):.1f}–{max(moments):.1f} s of a {full:.1f} s ingest) | "
        f"{args.kills} | consistent after {consistent}/{args.kills}; the restarted server "
        f"answered {served}/{args.kills} |"
    )
    print(
        f"| the same upload again after a kill at mid-run | 1 | "
        f"{'converged: consistent, every document once' if converged else 'FAILED'} |"
    )
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)


if __name__ == "__main__":
    main()
