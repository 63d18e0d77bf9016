"""pgvector: exact scan versus HNSW by table size, to choose
``YINWEN_PG_HNSW_THRESHOLD`` (the size above which an HNSW index is built).

Vectors are generated inside PostgreSQL (random unit vectors, 384 dimensions
like e5), so nothing large crosses the socket; queries are table rows plus
noise. Per size: exact p50 ms, and with --hnsw the HNSW build time, p50 ms and
recall@10 against the exact answer.

    .venv/bin/python bench/pgvector_scan.py [--sizes 10000,30000,100000] [--hnsw] [--database URL]
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

from collection.postgres.indexes import HNSW_M, vector_literal  # noqa: E402

DIMENSION = 384


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,30000,100000")
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--hnsw", action="store_true", help="also build and time HNSW")
    parser.add_argument("--database", help="postgresql:// URL (default: a throw-away server)")
    args = parser.parse_args()
    import psycopg

    url = args.database
    if url is None:
        from bench.backends import start_database

        url = start_database(Path(tempfile.mkdtemp(prefix="yinwen-pgvector-")))
    rng = np.random.default_rng(7)
    connection = psycopg.connect(url, autocommit=True)
    connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
    print("| vectors | exact p50 ms | HNSW build s | HNSW p50 ms | HNSW recall@10 |")
    print("|---|---|---|---|---|")
    for size in [int(s) for s in args.sizes.split(",")]:
        connection.execute("DROP TABLE IF EXISTS scan")
        connection.execute(
            f"CREATE TABLE scan (id bigint PRIMARY KEY, embedding vector({DIMENSION}))"
        )
        connection.execute(
            "INSERT INTO scan SELECT i, l2_normalize(array(SELECT random() - 0.5 "
            f"FROM generate_series(1, {DIMENSION}) WHERE i > 0)::vector) "
            "FROM generate_series(1, %s) AS i",
            (size,),
        )
        connection.execute("VACUUM ANALYZE scan")
        queries = []
        for key in rng.integers(1, size, args.queries):
            row = connection.execute(
                "SELECT embedding::real[] FROM scan WHERE id = %s", (int(key),)
            ).fetchone()
            assert row is not None
            vector = np.asarray(row[0], dtype=np.float32) + 0.05 * rng.normal(size=DIMENSION)
            queries.append(vector_literal(vector / np.linalg.norm(vector)))

        def search(query: str, exact: bool) -> list[int]:
            order = "(embedding <#> %s::vector) + 0" if exact else "embedding <#> %s::vector"
            rows = connection.execute(f"SELECT id FROM scan ORDER BY {order} LIMIT 10", (query,))
            return [int(r[0]) for r in rows]

        def timed(exact: bool, queries: list[str]) -> tuple[float, list[list[int]]]:
            times, answers = [], []
            for query in queries:
                started = time.perf_counter()
                answers.append(search(query, exact))
                times.append((time.perf_counter() - started) * 1000)
            return float(np.median(times)), answers

        exact_ms, truth = timed(True, queries)
        cells = ["", "", ""]
        if args.hnsw:
            started = time.perf_counter()
            connection.execute(
                f"CREATE INDEX ON scan USING hnsw (embedding vector_ip_ops) WITH (m = {HNSW_M})"
            )
            build = time.perf_counter() - started
            connection.execute("SET hnsw.ef_search = 256")
            hnsw_ms, found = timed(False, queries)
            recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, found, strict=True)])
            cells = [f"{build:.1f}", f"{hnsw_ms:.1f}", f"{recall:.3f}"]
        print(f"| {size} | {exact_ms:.1f} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
