"""Abstention: whether the collection seems to hold the answer to a question.

Two deciders. The learned one (a logistic model over query-level signals,
per embedder, trained by ``bench/abstention.py`` on the tune parts and stored
in ``abstention.json`` beside this module) is used when the collection's
embedder has one; otherwise thresholds on the top candidates' signals
(:class:`AbstentionSettings`) decide. Both read what the retriever already
computed; the one extra signal is the share of the question's informative
words that the collection has never seen ("红烧肉" in a collection of speeches).
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
)


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


def unseen_share(question: str, sparse: TermIndex) -> float:
    """Share of the question's IDF mass in words no passage holds."""
    tokens = set(tokenize(question))
    if not tokens or not len(sparse):
        return 0.0
    unseen_idf = math.log(1 + (len(sparse) + 0.5) / 0.5)
    weights = {t: sparse.idf(t) or unseen_idf for t in tokens}
    total = sum(weights.values())
    unknown = sum(w for t, w in weights.items() if t not in sparse.vocabulary)
    return unknown / total if total else 0.0


def query_features(question: str, results: list[SearchResult], unseen: float) -> np.ndarray:
    """The :data:`QUERY_FEATURES` of a question and its top results."""
    top = results[:3]
    coverage = [r.signals.coverage or 0.0 for r in top] or [0.0]
    dense = [r.signals.dense for r in top] or [0.0]
    sentence = [max(r.signals.dense, r.signals.sentence_dense) for r in top] or [0.0]
    background = [r.signals.background_z for r in top] or [0.0]
    sentence_background = [r.signals.sentence_background_z for r in top] or [0.0]
    return np.array(
        [
            coverage[0],
            max(coverage),
            max(dense),
            max(sentence),
            top[0].signals.dense_margin if top else 0.0,
            float(any(r.signals.exact for r in top)),
            unseen,
            math.log1p(len(question)),
            max(background),
            max(sentence_background),
        ]
    )


@dataclass(frozen=True)
class AbstentionModel:
    """P(answerable) = logistic(bias + weights . (features - means) / scales);
    answerable when it reaches ``threshold`` (chosen on the tune parts)."""

    weights: tuple[float, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    bias: float
    threshold: float

    def probability(self, features: np.ndarray) -> float:
        z = (features - np.asarray(self.means)) / np.asarray(self.scales)
        logit = float(z @ np.asarray(self.weights)) + self.bias
        return 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))

    def answerable(self, features: np.ndarray) -> bool:
        return self.probability(features) >= self.threshold

    def as_dict(self) -> dict[str, object]:
        return {
            "features": list(QUERY_FEATURES),
            "weights": list(self.weights),
            "means": list(self.means),
            "scales": list(self.scales),
            "bias": self.bias,
            "threshold": self.threshold,
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
