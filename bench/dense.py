"""Exact (flat) versus HNSW search: latency, build time and recall@10, by size.

Vectors are synthetic but shaped like sentence embeddings (384 dimensions,
unit length, drawn around a few thousand topic centres), since embedding
400k real passages with e5 would take hours here. The dev-set check that
HNSW keeps retrieval quality is separate: run bench/retrieval.py with
YINWEN_HNSW_THRESHOLD=0 (forces HNSW) and compare with the default.

    .venv/bin/python bench/dense.py [--sizes 10000,50000,100000,200000,400000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embeddings.dense import DenseIndex  # noqa: E402

DIMENSION = 384


def vectors(count: int, rng: np.random.Generator) -> np.ndarray:
    centres = rng.normal(size=(max(count // 100, 10), DIMENSION)).astype(np.float32)
    data = centres[rng.integers(0, len(centres), count)] + 0.6 * rng.normal(
        size=(count, DIMENSION)
    ).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,100000,200000,400000")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    print("| vectors | flat p50 ms | HNSW build s | HNSW p50 ms | HNSW recall@10 vs flat |")
    print("|---|---|---|---|---|")
    for size in [int(s) for s in args.sizes.split(",")]:
        data = vectors(size, rng)
        queries = data[rng.integers(0, size, args.queries)] + 0.3 * rng.normal(
            size=(args.queries, DIMENSION)
        ).astype(np.float32)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        index = DenseIndex(DIMENSION)
        index.add(list(range(size)), data)
        flat_times, truth = [], []
        for query in queries:
            started = time.perf_counter()
            hits = index.search(query, 10)
            flat_times.append(time.perf_counter() - started)
            truth.append({i for i, _ in hits})
        with tempfile.TemporaryDirectory() as directory:
            started = time.perf_counter()
            index.save(Path(directory), threshold=0)  # builds the HNSW graph
            build = time.perf_counter() - started
            graph = DenseIndex.load(Path(directory), DIMENSION)
        hnsw_times, recall = [], []
        for query, expected in zip(queries, truth, strict=True):
            started = time.perf_counter()
            hits = graph.search(query, 10)
            hnsw_times.append(time.perf_counter() - started)
            recall.append(len({i for i, _ in hits} & expected) / 10)
        print(
            f"| {size:,} | {np.median(flat_times) * 1000:.1f} | {build:.0f} | "
            f"{np.median(hnsw_times) * 1000:.2f} | {np.mean(recall):.3f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
