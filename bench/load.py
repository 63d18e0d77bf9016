"""Many clients at once against ``yinwen serve`` on loopback: throughput,
latency, errors and the server's memory, bounded in time and count.

    .venv/bin/python bench/load.py [--clients 32] [--seconds 60] [--embedder e5] [--index DIR]

Each client thread alternates /search and /ask over the 218 questions of
bench/devset/samples.jsonl (each client starting at another place, so the
server sees few repeats) until the time is up (or ``--max-requests`` in all).
Clients speak Gradio's HTTP API (``POST /gradio_api/call/NAME``, then read the
event stream) over one keep-alive connection and one session each, as a
browser tab does (``--client raw``, the default); gradio_client (``--client
gradio``) spends more CPU than the server itself — on 2 cores it measured the
load generator, not yinwen. ``--client direct`` posts to Gradio's direct route
(``/gradio_api/run/NAME``: the reply holds the result, no queue, no event
stream), as a script using the README's curl example does. ``--new-sessions`` sends no session, as a script
calling the REST API does: Gradio then builds a session state per request.

Prints one table row: clients, seconds, requests, errors, requests/s, p50 and
p95 latency, the server's CPU time per request, server RSS warm and after.
Without ``--index`` the sample collection is built in a temporary folder with
``--embedder``. Only 127.0.0.1 is contacted; the server is stopped at the end.
Compare with nothing else running on the machine: 2 cores are easily shared away.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.web_memory import QUESTIONS, rss_mb, start_server  # noqa: E402
from qa.evaluation import load_questions  # noqa: E402

DEVSET = ROOT / "bench" / "devset" / "samples.jsonl"


def devset_questions() -> list[str]:
    """The development set's questions, in file order (answerable or not)."""
    return [question.question for question in load_questions(DEVSET)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RawClient:
    """Gradio's HTTP API over one keep-alive connection: what a script or a
    load balancer's client does, at a fraction of gradio_client's CPU."""

    def __init__(self, url: str, session: bool = True) -> None:
        parsed = urlparse(url)
        self.connection = http.client.HTTPConnection(
            parsed.hostname or "127.0.0.1", parsed.port, timeout=120
        )
        self.session_hash = uuid.uuid4().hex[:11] if session else None

    def post(self, route: str, data: tuple[object, ...]) -> Any:
        """POST the inputs with this client's session; the JSON reply (HTTP 200 only)."""
        body = json.dumps({"data": list(data), "session_hash": self.session_hash}).encode()
        self.connection.request("POST", route, body, {"Content-Type": "application/json"})
        response = self.connection.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {payload[:100]!r}")
        return json.loads(payload)

    def predict(self, *data: object, api_name: str) -> object:
        name = api_name.strip("/")
        event_id = self.post(f"/gradio_api/call/{name}", data)["event_id"]
        self.connection.request("GET", f"/gradio_api/call/{name}/{event_id}")
        response = self.connection.getresponse()
        stream = response.read().decode("utf-8")
        # The stream ends with "event: complete" and the outputs, or "event: error".
        event, _, rest = stream.rpartition("event: ")[2].partition("\n")
        if event.strip() != "complete":
            raise RuntimeError(f"event {event.strip()!r}: {rest[:100]}")
        return json.loads(rest.split("data: ", 1)[1])


class DirectClient(RawClient):
    """One request per call: ``POST /gradio_api/run/NAME`` answers with the result
    (Gradio's direct route, open because ``api_open`` is on: it skips the queue)."""

    def predict(self, *data: object, api_name: str) -> object:
        return self.post(f"/gradio_api/run/{api_name.strip('/')}", data)["data"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--client", choices=("raw", "direct", "gradio"), default="raw")
    parser.add_argument(
        "--new-sessions", action="store_true", help="raw client: no session (one per request)"
    )
    args = parser.parse_args()
    from gradio_client import Client

    questions = devset_questions()

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
            client: RawClient | Client
            if args.client == "gradio":
                client = Client(url, verbose=False)
            else:
                kind = DirectClient if args.client == "direct" else RawClient
                client = kind(url, not args.new_sessions)
            turn = number * (len(questions) // args.clients + 1)
            while time.monotonic() < deadline:
                with lock:
                    if len(latencies) + len(errors) >= args.max_requests:
                        return
                question = questions[turn % len(questions)]
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
        cpu_before = cpu_seconds(server.pid)
        threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        server_cpu = cpu_seconds(server.pid) - cpu_before
        time.sleep(2)
        rss_after = rss_mb(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    ordered = sorted(latencies) or [0.0]
    p50 = statistics.median(ordered) * 1000
    p95 = ordered[int(0.95 * (len(ordered) - 1))] * 1000
    print(
        "| client | clients | seconds | requests | errors | requests/s | p50 ms | p95 ms "
        "| server CPU ms/request | RSS warm → after MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    done = len(latencies) + len(errors)
    print(
        f"| {args.client}{' new sessions' if args.new_sessions else ''} | {args.clients} | {elapsed:.0f} | {done} | {len(errors)} | "
        f"{len(latencies) / elapsed:.1f} | {p50:.0f} | {p95:.0f} | "
        f"{server_cpu * 1000 / max(done, 1):.0f} | {rss_warm:.0f} → {rss_after:.0f} |"
    )
    if errors:
        print("first errors:", *errors[:3], sep="\n  ")


if __name__ == "__main__":
    main()
