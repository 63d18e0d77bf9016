"""Many clients at once against ``yinwen serve`` on loopback: throughput,
latency, errors and the server's memory, bounded in time and count.

    .venv/bin/python bench/load.py [--clients 32] [--seconds 60] [--embedder e5] [--index DIR]

Each client thread has its own gradio_client session and alternates /search
and /ask over a fixed list of questions until the time is up (or
``--max-requests`` in all). Prints one table row: clients, seconds, requests,
errors, requests/s, p50 and p95 latency, server RSS warm and after. Without
``--index`` the sample collection is built in a temporary folder with
``--embedder``. Only 127.0.0.1 is contacted; the server is stopped at the end.
Compare with nothing else running on the machine: 2 cores are easily shared away.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.web_memory import QUESTIONS, rss_mb, start_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--index", type=Path, default=None)
    args = parser.parse_args()
    from gradio_client import Client

    index = args.index
    if index is None:
        from collection import Collection

        index = Path(tempfile.mkdtemp(prefix="yinwen-load-")) / "collection"
        Collection(index).ingest([ROOT / "corpus" / "samples"], embedder=args.embedder)
    server, url = start_server(index)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    try:
        warm = Client(url, verbose=False)
        for question in QUESTIONS:
            warm.predict(question, 5, api_name="/search")
            warm.predict(question, "extractive", api_name="/ask")
        time.sleep(1)
        rss_warm = rss_mb(server.pid)
        deadline = time.monotonic() + args.seconds

        def client_loop(number: int) -> None:
            client = Client(url, verbose=False)
            turn = number
            while time.monotonic() < deadline:
                with lock:
                    if len(latencies) + len(errors) >= args.max_requests:
                        return
                question = QUESTIONS[turn % len(QUESTIONS)]
                started = time.perf_counter()
                try:
                    if turn % 2:
                        client.predict(question, "extractive", api_name="/ask")
                    else:
                        client.predict(question, 5, api_name="/search")
                except Exception as error:  # counted, not raised: the run goes on
                    with lock:
                        errors.append(f"{type(error).__name__}: {error}"[:200])
                else:
                    with lock:
                        latencies.append(time.perf_counter() - started)
                turn += 1

        started = time.monotonic()
        threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        time.sleep(2)
        rss_after = rss_mb(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    ordered = sorted(latencies) or [0.0]
    p50 = statistics.median(ordered) * 1000
    p95 = ordered[int(0.95 * (len(ordered) - 1))] * 1000
    print(
        "| clients | seconds | requests | errors | requests/s | p50 ms | p95 ms | RSS warm → after MB |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.clients} | {elapsed:.0f} | {len(latencies) + len(errors)} | {len(errors)} | "
        f"{len(latencies) / elapsed:.1f} | {p50:.0f} | {p95:.0f} | {rss_warm:.0f} → {rss_after:.0f} |"
    )
    if errors:
        print("first errors:", *errors[:3], sep="\n  ")


if __name__ == "__main__":
    main()
