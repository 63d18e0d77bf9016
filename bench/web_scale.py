"""Does the served page grow with the collection? For each N: a collection of N
tiny documents (the deterministic ``hash`` embedder), ``yinwen serve`` on it,
and what a browser and an API client fetch first.

    .venv/bin/python bench/web_scale.py [--sizes 100 5000] [--work DIR]

Columns: ``GET /`` the HTML (the page's configuration is inlined in it);
``/config`` the same configuration as gradio_client reads it; ``assets`` the
script and style files the HTML names (static, cached by the browser);
``first page`` HTML + assets; ``on-load event`` the bytes of the page's load
event (the queue's server-sent messages: header, documents, pickers, basket);
``Client()`` making a gradio_client ``Client`` (it reads the config and the API
description); ``1st /search`` and ``2nd /search`` the first two
``predict(..., api_name="/search")``. With Debian chromium installed
(``make test``), ``browser`` rows: every byte a fresh browser fetched (HTML,
scripts, styles, the chunks the page loads lazily, the load event) and the time
until the header shows the collection's size.

Measured on 2 shared cores (one run each; timings vary by +-100 ms run to run):
before (every document in the load event and the pickers): on-load event 49.8 KB
at N = 100, 2,314 KB at N = 5,000 (x46.5), taking 142 ms -> 1,129 ms; after (one
page of 50 documents, pickers of matches): 25.7 KB -> 26.0 KB (x1.01); the first
page (HTML with its inlined configuration, plus its script and style) 262.5 KB
at both sizes; all bytes a browser fetched 469 KB / 443 KB.

Building 5,000 documents takes about a minute; ``--work DIR`` keeps the
collections and reuses them on the next run. Only 127.0.0.1 is contacted, and
every wait is bounded.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
QUERY = "劳模精神"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build(folder: Path, count: int) -> Path:
    """A collection of ``count`` one-paragraph documents (reused when complete)."""
    from collection import Collection

    index = folder / "collection"
    marker = folder / "built"
    if marker.exists():
        return index
    documents = folder / "documents"
    documents.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        (documents / f"讲话{number:05d}.txt").write_text(
            f"第{number}号座谈会上的讲话\n\n作者：讲话人{number % 97}\n\n"
            f"发布时间：{2015 + number % 10}-{1 + number % 12:02d}-{1 + number % 28:02d}\n\n"
            f"同志们，第{number}次会议强调要弘扬劳模精神、劳动精神、工匠精神，团结奋斗。\n",
            encoding="utf-8",
        )
    started = time.monotonic()
    report = Collection(index).ingest([documents], embedder="hash")
    assert not report.failed, report.summary()
    print(f"built {count} documents in {time.monotonic() - started:.0f} s", file=sys.stderr)
    marker.touch()
    return index


def serve(index: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "yinwen"), "serve", "--index", str(index),
         "--host", "127.0.0.1", "--port", str(port)],
        env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def wait_until_up(process: subprocess.Popen[bytes], url: str, timeout: float = 240) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("yinwen serve exited")
        try:
            if httpx.get(url + "/config", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError("yinwen serve did not start")


def load_event(url: str, config: dict[str, Any]) -> tuple[int, float]:
    """Run the page's load event as the page does (an empty basket); its bytes and seconds."""
    import httpx

    dependency = next(
        d for d in config["dependencies"] if any(t[1] == "load" for t in d["targets"])
    )
    session = uuid.uuid4().hex
    body = {"data": [[] for _ in dependency["inputs"]], "fn_index": dependency["id"],
            "session_hash": session, "event_data": None, "trigger_id": None}  # fmt: skip
    size = 0
    started = time.monotonic()
    with httpx.Client(base_url=url, timeout=60) as http:
        http.post("/gradio_api/queue/join", json=body).raise_for_status()
        with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as s:
            for line in s.iter_lines():
                size += len(line.encode("utf-8"))
                if '"process_completed"' in line:
                    break
    return size, time.monotonic() - started


def in_browser(url: str) -> dict[str, float]:
    """Bytes a fresh headless chromium fetches until the page shows the collection's
    size (the load event has run), and the time it took; nothing without chromium."""
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        return {}
    from playwright.sync_api import sync_playwright

    fetched: list[int] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(60_000)

            def finished(request: Any) -> None:
                sizes = request.sizes()
                fetched.append(sizes["responseBodySize"] + sizes["responseHeadersSize"])

            page.on("requestfinished", finished)
            started = time.monotonic()
            page.goto(url, wait_until="load")
            page.wait_for_function(
                "document.querySelector('#yw-info') &&"
                " document.querySelector('#yw-info').innerText.includes('篇文档')"
            )
            shown = time.monotonic() - started
            page.wait_for_timeout(500)  # a last lazily loaded chunk
            bytes_, requests = float(sum(fetched)), float(len(fetched))
        finally:
            browser.close()
    return {"browser": bytes_, "requests": requests, "browser_s": shown}


def measure(index: Path) -> dict[str, float]:
    import httpx
    from gradio_client import Client

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = serve(index, port)
    try:
        wait_until_up(process, url)
        html = httpx.get(url + "/", timeout=30).content
        config_response = httpx.get(url + "/config", timeout=30)
        config = config_response.json()
        assets = 0
        for name in set(re.findall(rb'(?:src|href)="\./(assets/[^"]+)"', html)):
            assets += len(httpx.get(f"{url}/{name.decode()}", timeout=30).content)
        load_bytes, load_seconds = load_event(url, config)
        browser = in_browser(url)
        started = time.monotonic()
        client = Client(url, verbose=False)
        connected = time.monotonic()
        found = client.predict(QUERY, 5, api_name="/search")
        first = time.monotonic()
        client.predict("团结奋斗", 5, api_name="/search")
        second = time.monotonic()
        assert found["results"], found
        return {
            "html": len(html),
            "config": len(config_response.content),
            "assets": assets,
            "paint": len(html) + assets,
            "load": load_bytes,
            "load_s": load_seconds,
            "connect_s": connected - started,
            "first_s": first - connected,
            "second_s": second - first,
            **browser,
        }
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 5000])
    parser.add_argument("--work", type=Path, default=None, help="keep and reuse collections here")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="yinwen-web-scale-"))
    rows = {n: measure(build(work / str(n), n)) for n in args.sizes}

    kb = lambda v: f"{v / 1024:,.1f} KB"  # noqa: E731
    ms = lambda v: f"{v * 1000:,.0f} ms"  # noqa: E731
    count = lambda v: f"{v:,.0f}"  # noqa: E731
    columns = [
        ("html", "GET /", kb), ("config", "/config", kb), ("assets", "assets", kb),
        ("paint", "first page", kb), ("load", "on-load event", kb), ("load_s", "on-load time", ms),
        ("connect_s", "Client()", ms), ("first_s", "1st /search", ms),
        ("second_s", "2nd /search", ms), ("browser", "browser: all bytes", kb),
        ("requests", "browser: requests", count), ("browser_s", "browser: until shown", ms),
    ]  # fmt: skip
    columns = [c for c in columns if all(c[0] in rows[n] for n in rows)]
    sizes = list(rows)
    header = ["", *(f"N = {n:,}" for n in sizes)]
    if len(sizes) > 1:
        header.append(f"ratio {sizes[-1]:,} / {sizes[0]:,}")
    lines = [header]
    for key, label, shown in columns:
        line = [label, *(shown(rows[n][key]) for n in sizes)]
        if len(sizes) > 1:
            line.append(f"{rows[sizes[-1]][key] / max(rows[sizes[0]][key], 1e-9):.2f}")
        lines.append(line)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))


if __name__ == "__main__":
    main()
