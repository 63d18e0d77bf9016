"""Abstention: whether the collection seems to hold the answer to a question.

Two deciders. The learned one (a logistic model over query-level signals,
per embedder, trained by ``bench/abstention.py`` on the tune parts and stored
in ``abstention.json`` beside this module) is used when the collection's
embedder has one; otherwise thresholds on the top candidates' signals
(:class:`AbstentionSettings`) decide. Both read what the retriever already
computed, plus what the question's own words say: the share of its
informative words that the collection has never seen ("红烧肉" in a
collection of speeches), the most informative word that none of the top
results holds ("防暑降温费" in speeches that talk about workers' welfare but
never about that allowance), and how many of its characters the best of them
holds.

Between refusing and answering there is a third outcome: an answer given
with a caution. When the learned probability is above the refusal threshold
but below ``caution`` (both chosen on the tune parts), the passages are shown
as usual with a note that they may not answer the question. These are mostly
questions whose words the collection shares without holding the fact asked
for, such as another law's article on the same subject.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from collection.backend import TermIndex
from embeddings.sparse import tokenize

from .retrieval import SearchResult
from .text import normalise

logger = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).with_name("abstention.json")

QUERY_FEATURES: tuple[str, ...] = (
    "coverage_top",  # IDF-weighted share of the question's words in the best result
    "coverage_max",  # the same, best of the top three
    "dense_max",  # best passage cosine among the top three
    "sentence_dense_max",  # best sentence (or passage) cosine among the top three
    "dense_margin_top",  # the best result's cosine above the candidates' median
    "exact",  # a top result holds a phrase of the question verbatim
    "unseen_share",  # share of the question's IDF mass in words the collection never saw
    "log_length",  # log of the question's length in characters
    "background_z_max",  # best passage cosine above the collection's, in std (top three)
    "sentence_background_z_max",  # the same for the best sentence
    "missing_max",  # the largest IDF of a question word no top-three result holds, relative
    "characters_max",  # best share of the question's content characters a top-three result holds
)

# Characters of the question's form ("什么", "哪些", "如何") rather than its content.
FUNCTION_CHARACTERS = frozenset("什么哪些几怎样如何吗呢是的了有在和与")


@dataclass(frozen=True)
class AbstentionSettings:
    """When to say "not found" (calibrated on the development sets: bench/abstention.py,
    docs/DECISIONS.md).

    A question counts as answerable when a top candidate contains a phrase of
    the query verbatim, or covers enough of the question's informative words
    (IDF-weighted), or is semantically close enough, or is moderately both.
    Dense thresholds depend on the embedder's similarity scale, so they are
    calibrated per embedder (:data:`CALIBRATED`); for an embedder without a
    calibration only the lexical signals decide.
    """

    min_coverage: float = 0.6
    min_dense: float | None = None
    mixed_coverage: float = 0.35
    mixed_dense: float | None = None
    top_n: int = 3  # candidates whose signals are considered

    @classmethod
    def for_embedder(cls, embedder_id: str) -> AbstentionSettings:
        return CALIBRATED.get(embedder_id, cls())


# Per-embedder thresholds from bench/abstention.py (see docs/DECISIONS.md).
CALIBRATED: dict[str, AbstentionSettings] = {
    "multilingual-e5-small-q4": AbstentionSettings(
        min_coverage=0.5, min_dense=0.89, mixed_coverage=0.3, mixed_dense=0.875
    ),
    "use-multilingual-v3": AbstentionSettings(
        min_coverage=0.45, min_dense=0.38, mixed_coverage=0.2, mixed_dense=0.34
    ),
}


def is_answerable(results: list[SearchResult], settings: AbstentionSettings) -> bool:
    """The abstention decision, from the signals of the top candidates."""
    for result in results[: settings.top_n]:
        signals = result.signals
        coverage = signals.coverage or 0.0
        # the closer of the two grains: a paraphrase may match one sentence only
        dense = max(signals.dense, signals.sentence_dense)
        if signals.exact or coverage >= settings.min_coverage:
            return True
        if settings.min_dense is not None and dense >= settings.min_dense:
            return True
        if (
            settings.mixed_dense is not None
            and coverage >= settings.mixed_coverage
            and dense >= settings.mixed_dense
        ):
            return True
    return False


@dataclass(frozen=True)
class QuestionTerms:
    """A question's words with their IDF in the collection; a word no passage
    holds weighs what a word in no passage would."""

    weights: dict[str, float]
    unseen: frozenset[str]

    @property
    def unseen_share(self) -> float:
        """Share of the question's IDF mass in words no passage holds."""
        total = sum(self.weights.values())
        return sum(self.weights[t] for t in self.unseen) / total if total else 0.0

    def missing_from(self, texts: list[str]) -> float:
        """The largest weight of a word none of ``texts`` (normalised) holds,
        relative to the question's largest: 1 when its most informative word is
        in none of them, 0 when every word is in one of them."""
        largest = max(self.weights.values(), default=0.0)
        missing = [w for t, w in self.weights.items() if not any(t in text for text in texts)]
        return max(missing, default=0.0) / largest if largest else 0.0


def question_terms(question: str, sparse: TermIndex) -> QuestionTerms:
    """The question's words weighed by the collection's IDF (empty collection: none)."""
    tokens = set(tokenize(question))
    if not tokens or not len(sparse):
        return QuestionTerms({}, frozenset())
    unseen_idf = math.log(1 + (len(sparse) + 0.5) / 0.5)
    vocabulary = sparse.vocabulary
    weights = {t: sparse.idf(t) or unseen_idf for t in tokens}
    return QuestionTerms(weights, frozenset(t for t in tokens if t not in vocabulary))


def content_characters(question: str) -> frozenset[str]:
    """The question's Chinese characters, less those of its form (:data:`FUNCTION_CHARACTERS`)."""
    return frozenset(c for c in normalise(question) if "\u4e00" <= c <= "\u9fff") - (
        FUNCTION_CHARACTERS
    )


def query_features(question: str, results: list[SearchResult], terms: QuestionTerms) -> np.ndarray:
    """The :data:`QUERY_FEATURES` of a question, its top results and its terms."""
    top = results[:3]
    coverage = [r.signals.coverage or 0.0 for r in top] or [0.0]
    dense = [r.signals.dense for r in top] or [0.0]
    sentence = [max(r.signals.dense, r.signals.sentence_dense) for r in top] or [0.0]
    background = [r.signals.background_z for r in top] or [0.0]
    sentence_background = [r.signals.sentence_background_z for r in top] or [0.0]
    texts = [normalise(r.passage.text) for r in top]
    characters = content_characters(question)
    held = [len(characters & set(text)) / len(characters) for text in texts if characters]
    return np.array(
        [
            coverage[0],
            max(coverage),
            max(dense),
            max(sentence),
            top[0].signals.dense_margin if top else 0.0,
            float(any(r.signals.exact for r in top)),
            terms.unseen_share,
            math.log1p(len(question)),
            max(background),
            max(sentence_background),
            terms.missing_from(texts),
            max(held, default=0.0),
        ]
    )


@dataclass(frozen=True)
class AbstentionModel:
    """P(answerable) = logistic(bias + weights . (features - means) / scales);
    answerable when it reaches ``threshold``, answered with a caution while it is
    below ``caution`` (both chosen on the tune parts; no caution when None)."""

    weights: tuple[float, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    bias: float
    threshold: float
    caution: float | None = None

    def probability(self, features: np.ndarray) -> float:
        z = (features - np.asarray(self.means)) / np.asarray(self.scales)
        logit = float(z @ np.asarray(self.weights)) + self.bias
        return 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))

    def answerable(self, features: np.ndarray) -> bool:
        return self.decide(features)[0]

    def uncertain(self, probability: float) -> bool:
        """Answered, but with too little confidence to go without a caution."""
        return self.threshold <= probability < (self.caution or 0.0)

    def decide(self, features: np.ndarray) -> tuple[bool, bool]:
        """(answerable, uncertain) from one probability."""
        probability = self.probability(features)
        return probability >= self.threshold, self.uncertain(probability)

    def as_dict(self) -> dict[str, object]:
        return {
            "features": list(QUERY_FEATURES),
            "weights": list(self.weights),
            "means": list(self.means),
            "scales": list(self.scales),
            "bias": self.bias,
            "threshold": self.threshold,
            "caution": self.caution,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> AbstentionModel:
        if tuple(data["features"]) != QUERY_FEATURES:  # type: ignore[arg-type]
            raise ValueError(
                "abstention.json was trained on other features; run bench/abstention.py"
            )
        return cls(
            tuple(data["weights"]),  # type: ignore[arg-type]
            tuple(data["means"]),  # type: ignore[arg-type]
            tuple(data["scales"]),  # type: ignore[arg-type]
            float(data["bias"]),  # type: ignore[arg-type]
            float(data["threshold"]),  # type: ignore[arg-type]
            None if data.get("caution") is None else float(data["caution"]),  # type: ignore[arg-type]
        )


@cache
def _models() -> dict[str, AbstentionModel]:
    if not MODEL_PATH.exists():
        return {}
    try:
        data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
        return {
            embedder: AbstentionModel.from_dict(entry) for embedder, entry in data["models"].items()
        }
    except (ValueError, KeyError, TypeError) as error:
        logger.warning("learned abstention not used: %s", error)
        return {}


def model_for(embedder_id: str) -> AbstentionModel | None:
    """The learned abstention model for an embedder, if one was trained."""
    return _models().get(embedder_id)
