"""Train the learned ranker (qa/retrieval/ranker.json) on the tune parts only.

For every answerable question of the tune part of every development set, the
retriever's candidate lists are turned into feature rows (qa/retrieval/features.py);
a candidate is positive when its passage holds a gold span. The ranker is
pairwise: a logistic regression (scikit-learn, from the ``bench`` extra) learns
which of two candidates of the same question is the right one from the
difference of their features (up to 30 wrong candidates per right one, drawn
with a fixed seed), each question weighted equally and each set weighted
equally, so the largest set does not decide alone. Pairwise fitting measured
better than pointwise on the law set (docs/DECISIONS.md). The report parts
are never read here.

    .venv/bin/python bench/train_ranker.py [--embedder e5] [--sets samples,laws,cmrc] [--c 1.0]
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.retrieval import open_sets  # noqa: E402
from qa.evaluation import load_questions  # noqa: E402
from qa.retrieval import HybridRetriever  # noqa: E402
from qa.retrieval.features import FEATURES, WORD_FEATURES  # noqa: E402
from qa.retrieval.ranker import RANKER_PATH, RANKER_WITHOUT_WORDS_PATH, LinearRanker  # noqa: E402
from qa.text import normalise  # noqa: E402


def collect(embedder: str, names: list[str]) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """(features, labels, weight) per tune question with a right candidate."""
    questions_out: list[tuple[np.ndarray, np.ndarray, float]] = []
    for spec, qa in open_sets(embedder, names):
        name = spec.name
        reader = qa.reader()
        retriever = HybridRetriever(reader)
        questions = [q for q in load_questions(spec.questions, "tune") if q.gold]
        found_here = []
        for question in questions:
            found = retriever.candidates(question.question, top_k=10)
            if found is None:
                continue
            ids, features = retriever.features(found.lists, found.vector, found.tokens, found.idf)
            outlines = reader.store.passage_outlines(ids)
            targets = [normalise(g) for g in question.gold if normalise(g)]
            positive = np.array(
                [any(t in normalise(outlines.get(i, ("", 0))[0]) for t in targets) for i in ids]
            )
            if positive.any() and not positive.all():
                found_here.append((features, positive))
        # each set weighs the same in total, each question the same within its set
        questions_out += [(f, p, 1.0 / len(found_here)) for f, p in found_here]
        print(f"# {name}: {len(found_here)} of {len(questions)} tune questions", file=sys.stderr)
    return questions_out


def pairs(
    questions: list[tuple[np.ndarray, np.ndarray, float]], per_positive: int = 30
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature differences right - wrong (label 1) and wrong - right (label 0)."""
    rng = np.random.default_rng(0)
    differences, labels, weights = [], [], []
    for features, positive, weight in questions:
        right, wrong = np.where(positive)[0], np.where(~positive)[0]
        chosen = [
            (r, w)
            for r in right
            for w in rng.choice(wrong, size=min(per_positive, len(wrong)), replace=False)
        ]
        for r, w in chosen:
            differences += [features[r] - features[w], features[w] - features[r]]
            labels += [1, 0]
            weights += [weight / len(chosen)] * 2
    return np.array(differences), np.array(labels), np.array(weights)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--sets", default="samples,laws,cmrc")
    parser.add_argument("--c", type=float, default=1.0, help="Inverse regularisation strength.")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--without-words",
        action="store_true",
        help="Train as for a collection without word vectors (soft coverage zero), "
        "written to ranker-without-words.json.",
    )
    args = parser.parse_args()
    out = args.out or (RANKER_WITHOUT_WORDS_PATH if args.without_words else RANKER_PATH)
    from sklearn.linear_model import LogisticRegression

    questions = collect(args.embedder, args.sets.split(","))
    if args.without_words:  # what a search computes for a collection built before them
        for features, _, _ in questions:
            features[:, [FEATURES.index(name) for name in WORD_FEATURES]] = 0.0
    differences, labels, weights = pairs(questions)
    scales = differences.std(axis=0)
    scales[scales == 0] = 1.0
    model = LogisticRegression(C=args.c, max_iter=3000, fit_intercept=False)
    model.fit(differences / scales, labels, sample_weight=weights * len(weights))
    # A pairwise model scores a candidate by weights . (features / scales); the
    # means only shift every candidate of a query alike, so they are zero.
    ranker = LinearRanker(
        tuple(float(w) for w in model.coef_[0]),
        tuple(0.0 for _ in FEATURES),
        tuple(float(s) for s in scales),
        0.0,
    )
    out.write_text(
        ranker.to_json(
            trained=datetime.date.today().isoformat(),
            command=f"bench/train_ranker.py --embedder {args.embedder} --sets {args.sets} "
            f"--c {args.c}" + (" --without-words" if args.without_words else ""),
            rows=len(labels),
            positives=int(labels.sum()),
        )
        + "\n",
        encoding="utf-8",
    )
    for name, weight in sorted(
        zip(FEATURES, ranker.weights, strict=True), key=lambda p: -abs(p[1])
    ):
        print(f"{name:>22} {weight:+.3f}")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
