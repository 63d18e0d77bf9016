"""Memory of the served page under API load: RSS of ``yinwen serve`` before and
after N loopback gradio_client requests (alternating /search and /ask).

    .venv/bin/python bench/web_memory.py --requests 2000 [--index DIR] [--clients 1]

Measured on 2 shared cores, hash embedder, 2,000-3,000 requests with
``--new-sessions`` (docs/BENCHMARKS.md has no web section yet):
before (Gradio's default 10,000 sessions): 197.7 MB -> 477.1 MB after 2,000 (+143 KB/request);
after (SESSION_CAPACITY 200): 197.7 MB -> 232 MB at 500, 241 MB at 2,000, 241.9 MB at 3,000.

Without ``--index`` a temporary sample collection is built with the ``hash``
embedder (the leak, if any, is in the served path, not in the model).
``--new-sessions`` gives every request a session of its own (as a script that
creates a Client per call, or many browser tabs, would); without it one client
session makes all requests. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "劳模精神",
    "工会如何维护职工权益？",
    "职工之家建设",
    "新就业形态劳动者",
    "红烧肉怎么做",
]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(index: Path, timeout: float = 240) -> tuple[subprocess.Popen[bytes], str]:
    """``yinwen serve`` over ``index`` on a free loopback port, once it accepts
    connections: the process (its own session, for killpg) and its URL."""
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "yinwen"), "serve", "--index", str(index),
         "--port", str(port)],
        env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return server, f"http://127.0.0.1:{port}"
        time.sleep(0.3)
    os.killpg(server.pid, signal.SIGTERM)
    raise TimeoutError("yinwen serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--new-sessions", action="store_true")
    parser.add_argument("--index", type=Path, default=None)
    args = parser.parse_args()

    index = args.index
    if index is None:
        from collection import Collection

        index = Path(tempfile.mkdtemp(prefix="yinwen-memory-")) / "collection"
        Collection(index).ingest([ROOT / "corpus" / "samples"], embedder="hash")
    server, url = start_server(index)
    try:
        from gradio_client import Client

        client = Client(url, verbose=False)
        for question in QUESTIONS:  # warm up: model loaded, first-request caches filled
            client.predict(question, 5, api_name="/search")
            client.predict(question, "extractive", api_name="/ask")
        time.sleep(1)
        before = rss_mb(server.pid)
        started = time.monotonic()
        checkpoints = []
        for number in range(args.requests):
            if number and number % 500 == 0:
                checkpoints.append(f"{number}:{rss_mb(server.pid):.0f}MB")
            if args.new_sessions:
                client.reset_session()
            question = QUESTIONS[number % len(QUESTIONS)]
            if number % 2:
                client.predict(question, "extractive", api_name="/ask")
            else:
                client.predict(question, 5, api_name="/search")
        elapsed = time.monotonic() - started
        time.sleep(1)
        after = rss_mb(server.pid)
        print(
            f"requests={args.requests} new_sessions={args.new_sessions} rss_before={before:.1f}MB "
            f"rss_after={after:.1f}MB growth={after - before:+.1f}MB "
            f"per_request={(after - before) * 1024 / args.requests:+.1f}KB "
            f"({args.requests / elapsed:.0f} req/s)"
        )
        print("rss at", " ".join(checkpoints))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
