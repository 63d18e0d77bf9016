"""What soft coverage costs inside a search: the share of each query spent in
``WordMatcher.soft_coverage`` (qa/retrieval/words.py), over a kept collection.

    make bench-setup
    .venv/bin/python bench/scale.py --sizes 100000 --embedder e5-query-cost --keep --no-langchain
    sync; echo 1 > /proc/sys/vm/drop_caches      # a cold first pass, as bench/scale.py's
    .venv/bin/python bench/soft_coverage_cost.py bench/.cache/scale-e5-query-cost-100000

The 200 reworded questions of bench/scale.py are searched once (the first pass:
every passage and word met for the first time), after one search that opens the
snapshot. Run it from a git worktree of other code, over the same collection, to
compare two versions side by side (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index", help="a kept collection (directory or database URL)")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    from bench.e5_query_cost import register
    from bench.scale import queries
    from qa import QA
    from qa.retrieval import words

    register()  # the collections bench/scale.py keeps with --embedder e5-query-cost
    spent: list[float] = []
    measured = words.WordMatcher.soft_coverage

    def timed(self: words.WordMatcher, *arguments: object) -> object:
        started = time.perf_counter()
        try:
            return measured(self, *arguments)  # type: ignore[arg-type]
        finally:
            spent.append(time.perf_counter() - started)

    words.WordMatcher.soft_coverage = timed  # type: ignore[assignment,method-assign]
    questions = queries(args.queries)
    qa = QA.open(args.index if "://" in args.index else Path(args.index))
    qa.search(questions[0])
    spent.clear()
    searches = []
    for question in questions:
        started = time.perf_counter()
        qa.search(question, top_k=10)
        searches.append(time.perf_counter() - started)

    def row(name: str, values: list[float]) -> str:
        values = sorted(values)
        if not values:
            return f"| {name} | 0 | | | |"
        p50 = values[len(values) // 2] * 1000
        p95 = values[int(0.95 * (len(values) - 1))] * 1000
        mean = sum(values) / len(values) * 1000
        return f"| {name} | {len(values)} | {p50:.1f} | {p95:.1f} | {mean:.1f} |"

    print("| part | calls | p50 ms | p95 ms | mean ms |")
    print("|---|---|---|---|---|")
    print(row("search", searches))
    print(row("soft coverage", spent))


if __name__ == "__main__":
    main()
