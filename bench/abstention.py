"""Training the abstention decision on the tune parts of the development sets.

For every question it records the query-level signals (qa/abstention.py
QUERY_FEATURES) and fits a logistic model of "the collection holds the
answer" (scikit-learn, bench extra), every set weighing the same; the
probability threshold is the highest that keeps false abstentions on the
answerable tune questions of every set at or under ``--max-false``. The model
is written to qa/abstention.json under the embedder's id (``--write``). For
comparison the best threshold rule (AbstentionSettings) is grid-searched the
same way. Both are applied after the facade's own refusal of a question that
asks for a quantity none of the top results states (qa/quantities.py;
``--quantity-results 0`` leaves it out), so the 5% bound counts what it refuses.
Prints tune and report figures per set; the report parts are only printed,
never used to choose.

``--left-out K`` adds the realistic kind of out-of-collection question in
numbers: each set's documents are dealt into K folds, a collection is built
without each fold, and every question whose gold span only the left-out
documents hold is asked of it, as a question the collection cannot answer
(rows "SET-left-out"). ``--fit-left-out`` also fits on their tune parts.

The model also carries a *caution*: a probability under which an answer is
still given, but with a note that its sources may not answer the question.
It is the highest that cautions at most ``--max-cautioned`` of the answered
answerable tune questions of every set. The second table prints how often
it applies: among the answered questions with and without an answer, and
the share of those without one that are refused or cautioned.

    .venv/bin/python bench/abstention.py [--embedder e5] [--sets samples,laws,cmrc] [--write]
        [--max-false 0.05] [--max-cautioned 0.10]
        [--quantity-results 3] [--left-out 3 [--fit-left-out]]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import itertools
import json
import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.retrieval import SETS, build, open_sets  # noqa: E402
from embeddings import get_embedder  # noqa: E402
from qa import QA, AbstentionSettings  # noqa: E402
from qa.abstention import (  # noqa: E402
    MODEL_PATH,
    QUERY_FEATURES,
    AbstentionModel,
    query_features,
    question_terms,
)
from qa.evaluation import Question, load_questions  # noqa: E402
from qa.quantities import QUANTITY_RESULTS, quantity_unstated  # noqa: E402
from qa.retrieval import SearchResult  # noqa: E402
from qa.text import normalise  # noqa: E402

# Answerable questions answered with a caution, at most (on every tune part): a
# note on one answer in ten is still read; on more it would be noise.
MAX_CAUTIONED = 0.10

# answerable?, the top results, QUERY_FEATURES, refused whatever the model says
Rows = list[tuple[bool, list[SearchResult], np.ndarray, bool]]


def vetoed(question: str, results: list[SearchResult], top: int = QUANTITY_RESULTS) -> bool:
    """What the facade refuses before either decider: a quantity asked for that
    none of the ``top`` results states (qa/quantities.py); ``top`` 0: nothing."""
    return top > 0 and quantity_unstated(question, [r.passage.text for r in results[:top]])


def collect(
    embedder: str, names: list[str], quantity_results: int = QUANTITY_RESULTS
) -> dict[tuple[str, str], Rows]:
    """(set, part) -> (answerable?, top results with signals) per question."""
    rows: dict[tuple[str, str], Rows] = {}
    for spec, qa in open_sets(embedder, names):
        for part in ("tune", "report"):
            questions = load_questions(spec.questions, part)
            rows[(spec.name, part)] = ask(qa, questions, quantity_results)
    return rows


def ask(qa: QA, questions: list[Question], quantity_results: int) -> Rows:
    """One row per question: answerable?, its top five results, their signals."""
    reader = qa.reader()
    data: Rows = []
    for question in questions:
        results = qa.search(question.question, top_k=10).results[:5]
        terms = question_terms(question.question, reader.sparse)
        features = query_features(question.question, results, terms)
        veto = vetoed(question.question, results, quantity_results)
        data.append((bool(question.gold), results, features, veto))
    return data


def left_out_questions(
    questions: list[Question], left: list[str], kept: list[str]
) -> list[Question]:
    """The answerable ``questions`` whose gold spans some ``left`` text holds and no
    ``kept`` text does (texts normalised), as questions without an answer."""
    chosen = []
    for question in questions:
        targets = [normalise(g) for g in question.gold if normalise(g)]
        in_left = any(t in text for text in left for t in targets)
        if in_left and not any(t in text for text in kept for t in targets):
            chosen.append(Question(question.id, question.question, [], question.kind))
    return chosen


def mirror(folder: Path, sources: dict[str, Path]) -> None:
    """Make ``folder`` hold exactly copies of ``sources`` (name -> file), copying
    again only when a name, size or mtime differs, so the collection built over it
    is not re-ingested on every run and never misses an edited source."""

    def same(copy: Path, source: Path) -> bool:
        mine, theirs = copy.stat(), source.stat()
        return (mine.st_size, mine.st_mtime_ns) == (theirs.st_size, theirs.st_mtime_ns)

    names = {copy.name for copy in folder.iterdir()} if folder.exists() else set()
    if names == set(sources) and all(same(folder / n, p) for n, p in sources.items()):
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, source in sources.items():
        shutil.copy2(source, folder / name)


def collect_left_out(
    embedder: str, names: list[str], folds: int, quantity_results: int = QUANTITY_RESULTS
) -> dict[tuple[str, str], Rows]:
    """("SET-left-out", part) -> rows of answerable questions asked of a collection
    built without the documents that hold their answer (all labelled not answerable).

    A question counts only when its gold spans are in the left-out documents and
    in none of the kept ones; one whose fact the kept documents state in other
    words would still count, which is the noise this estimate carries."""
    rows: dict[tuple[str, str], Rows] = {}
    for name in names:
        spec = SETS[name]
        if not spec.corpus.exists():
            continue
        files = sorted(path for path in spec.corpus.rglob("*") if path.is_file())
        texts = {path: normalise(path.read_text(encoding="utf-8")) for path in files}
        by_part = {part: load_questions(spec.questions, part) for part in ("tune", "report")}
        for fold in range(folds):
            left = set(files[fold::folds])
            kept = [path for path in files if path not in left]
            folder = ROOT / "bench" / ".cache" / "left-out" / f"{name}-{fold}-of-{folds}"
            mirror(folder, {path.relative_to(spec.corpus).as_posix().replace("/", "_"): path
                            for path in kept})  # fmt: skip
            qa = QA.open(build(embedder, folder, f"{name}-left-out-{fold}-of-{folds}"))
            for part, questions in by_part.items():
                asked = left_out_questions(
                    questions,
                    [texts[p] for p in left],
                    [texts[p] for p in kept],
                )
                if asked:
                    rows.setdefault((f"{name}-left-out", part), []).extend(
                        ask(qa, asked, quantity_results)
                    )
    return rows


class Signals:
    """The decision's inputs for a list of questions as arrays (questions x top 3),
    so a grid of thresholds is scored with array operations."""

    def __init__(self, rows: Rows, top_n: int = 3) -> None:
        shape = (len(rows), top_n)
        self.exact = np.zeros(shape, dtype=bool)
        self.coverage = np.zeros(shape)
        self.dense = np.full(shape, -1.0)
        self.gold = np.array([gold for gold, _, _, _ in rows], dtype=bool)
        self.features = np.array([features for _, _, features, _ in rows])
        self.vetoed = np.array([veto for _, _, _, veto in rows], dtype=bool)
        for row, (_, results, _, _) in enumerate(rows):
            for column, result in enumerate(results[:top_n]):
                signals = result.signals
                self.exact[row, column] = signals.exact
                self.coverage[row, column] = signals.coverage or 0.0
                self.dense[row, column] = max(signals.dense, signals.sentence_dense)

    def answerable(self, settings: AbstentionSettings) -> np.ndarray:
        """Vectorised :func:`qa.answer.is_answerable` (tested equal in tests/test_ranking.py)."""
        yes = self.exact | (self.coverage >= settings.min_coverage)
        if settings.min_dense is not None:
            yes |= self.dense >= settings.min_dense
        if settings.mixed_dense is not None:
            yes |= (self.coverage >= settings.mixed_coverage) & (self.dense >= settings.mixed_dense)
        return np.asarray(yes.any(axis=1)) & ~self.vetoed


def score(signals: Signals, settings: AbstentionSettings) -> tuple[float, float]:
    """(share of unanswerable questions abstained on, share of answerable ones abstained on)."""
    return rates(signals, ~signals.answerable(settings))


def rates(signals: Signals, abstains: np.ndarray) -> tuple[float, float]:
    unanswerable, answerable = ~signals.gold, signals.gold
    right = float(abstains[unanswerable].mean()) if unanswerable.any() else 0.0
    false = float(abstains[answerable].mean()) if answerable.any() else 0.0
    return right, false


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--sets", default="samples,laws,cmrc")
    parser.add_argument("--max-false", type=float, default=0.05)
    parser.add_argument("--max-cautioned", type=float, default=MAX_CAUTIONED)
    parser.add_argument(
        "--write", action="store_true", help="Store the model in qa/abstention.json."
    )
    parser.add_argument(
        "--quantity-results",
        type=int,
        default=QUANTITY_RESULTS,
        help="How many top results a quantity asked for is looked for in (0: no such refusal; "
        "qa/quantities.py).",
    )
    parser.add_argument(
        "--left-out",
        type=int,
        default=0,
        metavar="K",
        help="Also ask questions of collections built without their answer's documents "
        "(K folds of each set's documents; 0: not).",
    )
    parser.add_argument(
        "--fit-left-out",
        action="store_true",
        help="Fit and choose on the left-out questions' tune parts as well.",
    )
    args = parser.parse_args()
    names = args.sets.split(",")
    collected = collect(args.embedder, names, args.quantity_results)
    if args.left_out:
        collected |= collect_left_out(args.embedder, names, args.left_out, args.quantity_results)
    rows = {key: Signals(data) for key, data in collected.items()}
    tune = [
        key
        for key in rows
        if key[1] == "tune" and (args.fit_left_out or not key[0].endswith("-left-out"))
    ]
    dense_grid = (
        [None, *np.arange(0.80, 0.97, 0.005)]
        if args.embedder != "use"
        else [None, *np.arange(0.3, 0.8, 0.01)]
    )
    best = None
    for coverage, dense, mixed_coverage, mixed_dense in itertools.product(
        [0.5, 0.6, 0.7, 0.8, 0.9, 1.01], dense_grid, [0.2, 0.3, 0.4, 0.5], dense_grid
    ):
        settings = AbstentionSettings(
            min_coverage=coverage,
            min_dense=None if dense is None else round(float(dense), 3),
            mixed_coverage=mixed_coverage,
            mixed_dense=None if mixed_dense is None else round(float(mixed_dense), 3),
        )
        scores = [score(rows[key], settings) for key in tune]
        worst_false = max(false for _, false in scores)
        mean_right = sum(right for right, _ in scores) / len(scores)
        key = (worst_false <= args.max_false, mean_right, -worst_false)
        if best is None or key > best[0]:
            best = (key, settings)
    assert best is not None
    chosen = best[1]
    model = fit_model([rows[key] for key in tune], args.max_false, args.max_cautioned)
    print("| decision | set | part | abstain ok | false abstain |")
    print("|---|---|---|---|---|")
    for label, decide in (
        ("learned (shipped)" if args.write else "learned", lambda s: ~learned(model, s)),
        ("best threshold rule on tune", lambda s: ~s.answerable(chosen)),
    ):
        for (name, part), signals in rows.items():
            right, false = rates(signals, decide(signals))
            print(
                f"| {label} | {name} ({len(signals.gold)}) | {part} | {right:.2f} | {false:.2f} |"
            )
    print(
        "\n| caution | set | part | answered without an answer: cautioned | "
        "answered with one: cautioned | without an answer: refused or cautioned |"
    )
    print("|---|---|---|---|---|---|")
    for (name, part), signals in rows.items():
        answered, warned = learned(model, signals), cautioned(model, signals)
        missing = ~signals.gold
        print(
            f"| {model.caution} | {name} | {part} | {_share(warned, answered & missing)} | "
            f"{_share(warned, answered & signals.gold)} | "
            f"{_share(~answered | warned, missing)} |"
        )
    print(f"\nthreshold rule: {chosen}")
    print(
        f"learned: threshold {model.threshold:.3f}, weights "
        + ", ".join(f"{n} {w:+.2f}" for n, w in zip(QUERY_FEATURES, model.weights, strict=True))
        + f"; caution below {model.caution}"
    )
    if args.write:
        embedder_id = get_embedder(args.embedder).id
        stored = json.loads(MODEL_PATH.read_text(encoding="utf-8")) if MODEL_PATH.exists() else {}
        models = stored.get("models", {})
        models[embedder_id] = model.as_dict()
        MODEL_PATH.write_text(
            json.dumps(
                {"command": "bench/abstention.py --write", "trained": datetime.date.today().isoformat(), "models": models},
                ensure_ascii=False, indent=1,
            ) + "\n",
            encoding="utf-8",
        )  # fmt: skip
        print(f"wrote {MODEL_PATH} [{embedder_id}]")


def learned(model: AbstentionModel, signals: Signals) -> np.ndarray:
    """Answerable? for every question of a set, by the learned model."""
    decided = np.array([model.answerable(features) for features in signals.features], dtype=bool)
    return decided & ~signals.vetoed


def cautioned(model: AbstentionModel, signals: Signals) -> np.ndarray:
    """Answered with a caution? for every question of a set."""
    return np.array(
        [model.decide(features)[1] for features in signals.features], dtype=bool
    ) & learned(model, signals)


def _share(flags: np.ndarray, among: np.ndarray) -> str:
    """The share of ``among`` that ``flags`` marks, and how many ``among`` holds."""
    return f"{flags[among].mean():.2f} ({among.sum()})" if among.any() else "–"


def fit_model(
    sets: list[Signals], max_false: float, max_cautioned: float = MAX_CAUTIONED
) -> AbstentionModel:
    """A logistic model on the pooled tune sets (each set weighs the same), with the
    highest threshold whose false abstentions stay within ``max_false`` on every set,
    and the highest caution that marks at most ``max_cautioned`` of the answerable
    questions it lets through, on every set."""
    from sklearn.linear_model import LogisticRegression

    features = np.vstack([s.features for s in sets])
    labels = np.concatenate([s.gold for s in sets])
    weights = np.concatenate([np.full(len(s.gold), 1.0 / len(s.gold)) for s in sets])
    means = features.mean(axis=0)
    scales = features.std(axis=0)
    scales[scales == 0] = 1.0
    classifier = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced")
    classifier.fit((features - means) / scales, labels, sample_weight=weights * len(weights))
    model = AbstentionModel(
        tuple(float(w) for w in classifier.coef_[0]),
        tuple(float(m) for m in means),
        tuple(float(s) for s in scales),
        float(classifier.intercept_[0]),
        0.5,
    )
    best = 0.0
    for threshold in np.arange(0.01, 0.99, 0.005):
        candidate = AbstentionModel(
            model.weights, model.means, model.scales, model.bias, float(threshold)
        )
        if all(rates(s, ~learned(candidate, s))[1] <= max_false for s in sets):
            best = float(threshold)
    model = AbstentionModel(model.weights, model.means, model.scales, model.bias, round(best, 3))
    caution = model.threshold
    for level in np.arange(model.threshold, 0.99, 0.005):
        candidate = dataclasses.replace(model, caution=round(float(level), 3))
        if all(
            cautioned(candidate, s)[s.gold & learned(candidate, s)].mean() <= max_cautioned
            for s in sets
        ):
            caution = round(float(level), 3)
    return dataclasses.replace(model, caution=caution)


if __name__ == "__main__":
    main()
