"""Calibrating the abstention decision on the development sets.

For every question it records the signals the decision can use - lexical
coverage of the top candidates, the top dense similarity, and how far the
top dense similarity stands above the query's typical similarity to the
collection - then grid-searches the thresholds that keep false abstentions
at or under 5% while abstaining on as many out-of-collection questions as
possible, per embedder. Prints the table docs/DECISIONS.md quotes.

    .venv/bin/python bench/abstention.py --embedders e5,use
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.retrieval import build  # noqa: E402
from embeddings import get_embedder  # noqa: E402
from qa import QA, AbstentionSettings  # noqa: E402
from qa.answer import is_answerable  # noqa: E402
from qa.evaluation import load_questions  # noqa: E402

SETS = [
    (ROOT / "corpus/samples", ROOT / "bench/devset/samples.jsonl"),
    (ROOT / "bench/.cache/laws-labour", ROOT / "bench/devset/laws.jsonl"),
]


def collect(embedder: str) -> list[tuple[bool, list]]:
    """(answerable?, top results with signals) for every question of every set."""
    rows = []
    for corpus, questions in SETS:
        if not corpus.exists():
            print(f"# skipping {corpus} (run bench/laws.py --subset labour)", file=sys.stderr)
            continue
        qa = QA.open(build(embedder, corpus))
        for question in load_questions(questions):
            response = qa.search(question.question, top_k=10)
            rows.append((bool(question.gold), response.results))
    return rows


def score(rows: list[tuple[bool, list]], settings: AbstentionSettings) -> tuple[float, float]:
    """(share of unanswerable questions abstained on, share of answerable ones abstained on)."""
    unanswerable = [r for g, r in rows if not g]
    answerable = [r for g, r in rows if g]
    right = sum(not is_answerable(r, settings) for r in unanswerable) / max(len(unanswerable), 1)
    false = sum(not is_answerable(r, settings) for r in answerable) / max(len(answerable), 1)
    return right, false


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedders", default="e5")
    parser.add_argument("--max-false", type=float, default=0.05)
    args = parser.parse_args()
    print("| embedder | settings | abstain ok | false abstain |")
    print("|---|---|---|---|")
    for embedder in args.embedders.split(","):
        rows = collect(embedder)
        best = None
        grid = itertools.product(
            [0.45, 0.5, 0.55, 0.6, 0.7, 0.8, 1.01],  # min_coverage
            [None, *np.arange(0.80, 0.96, 0.005)]
            if embedder != "use"
            else [None, *np.arange(0.3, 0.8, 0.01)],
            [0.2, 0.25, 0.3, 0.35, 0.4, 0.5],  # mixed_coverage
            [None, *np.arange(0.80, 0.96, 0.005)]
            if embedder != "use"
            else [None, *np.arange(0.3, 0.8, 0.01)],
        )
        for coverage, dense, mixed_coverage, mixed_dense in grid:
            settings = AbstentionSettings(
                min_coverage=coverage,
                min_dense=None if dense is None else round(float(dense), 3),
                mixed_coverage=mixed_coverage,
                mixed_dense=None if mixed_dense is None else round(float(mixed_dense), 3),
            )
            right, false = score(rows, settings)
            key = (false <= args.max_false, right, -false)
            if best is None or key > best[0]:
                best = (key, settings, right, false)
        assert best is not None
        _, settings, right, false = best
        print(f"| {embedder} best | {settings} | {right:.2f} | {false:.2f} |")
        shipped = AbstentionSettings.for_embedder(get_embedder(embedder).id)
        right, false = score(rows, shipped)
        print(f"| {embedder} shipped | {shipped} | {right:.2f} | {false:.2f} |")


if __name__ == "__main__":
    main()
