"""pgvector's ``hnsw.ef_search`` at ~100k passages: recall of the passage
candidates against the exact answer, and what a search costs, per setting.

Uses the kept 81k collection in both forms (``bench/scale.py --keep`` for the
directory, ``--database embedded --keep --reuse-vectors`` for PostgreSQL): the
same vectors, so the local directory's exact FAISS scan is the ground truth.
Per setting: recall@60 and @10 of the passage candidates (the retriever asks
for 60), the share of queries whose final top 10 (``QA.search``) equals the
local directory's, and search p50 / p95.

    .venv/bin/python bench/pg_ef_search.py [--values 40,64,100,160,256] [--queries 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.backends import database_url, start_database  # noqa: E402
from bench.scale import CACHE, queries  # noqa: E402
from collection.postgres import connection as pg_connection  # noqa: E402
from qa.facade import QA  # noqa: E402

POOL = 60


def _keys(qa: QA, ids: list[int]) -> list[tuple[str, int]]:
    by_id = {p.passage_id: p for p in qa.reader().store.passages(ids)}
    return [(by_id[i].doc_id, by_id[i].passage_index) for i in ids]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", default="40,64,100,160,256")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--embedder", default="use")
    args = parser.parse_args()
    local_dir = CACHE / f"scale-{args.embedder}-100000"
    server = start_database(CACHE / "pg-scale", keep=True)
    url = database_url(server, f"scale_{args.embedder}_100000")
    texts = queries(args.queries)
    local = QA.open(local_dir)
    reader = local.reader()
    vectors = [reader.embedder.embed_query(t) for t in texts]
    exact = [[i for i, _ in reader.dense.search(v, POOL)] for v in vectors]
    exact_keys = [_keys(local, ids) for ids in exact]
    local_top = [
        [(r.passage.doc_id, r.passage.passage_index) for r in local.search(t).results]
        for t in texts
    ]
    print(
        f"{len(texts)} queries, {len(reader.dense)} passage vectors; exact = the local FAISS scan\n"
    )
    print("| ef_search | recall@60 | recall@10 | same top 10 as local | search p50 / p95 ms |")
    print("|---|---|---|---|---|")
    for value in [int(v) for v in args.values.split(",")]:
        pg_connection.HNSW_EF_SEARCH = value  # read when each connection opens
        qa = QA.open(url)
        database = qa.reader()
        recall60, recall10, same, times = [], [], 0, []
        for text, vector, truth, truth_keys, top in zip(
            texts, vectors, exact, exact_keys, local_top, strict=True
        ):
            found = _keys(qa, [i for i, _ in database.dense.search(vector, POOL)])
            recall60.append(len(set(found) & set(truth_keys)) / len(truth))
            recall10.append(len(set(found[:10]) & set(truth_keys[:10])) / min(10, len(truth)))
            started = time.perf_counter()
            results = qa.search(text).results
            times.append(time.perf_counter() - started)
            same += [(r.passage.doc_id, r.passage.passage_index) for r in results] == top
        times.sort()
        print(
            f"| {value} | {statistics.mean(recall60):.3f} | {statistics.mean(recall10):.3f} | "
            f"{same / len(texts):.2f} | {times[len(times) // 2] * 1000:.0f} / "
            f"{times[int(0.95 * (len(times) - 1))] * 1000:.0f} |"
        )


if __name__ == "__main__":
    main()
