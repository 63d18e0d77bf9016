"""A linear ranker over candidate features, trained offline on the tune parts.

The weights live in ``ranker.json`` beside this module (written by
``bench/train_ranker.py``, which records the data and command that made
them); scoring is one standardisation and one dot product per candidate, so
it costs microseconds and needs no machine-learning library at run time.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from .features import FEATURES

logger = logging.getLogger(__name__)

RANKER_PATH = Path(__file__).with_name("ranker.json")
# For a collection without word vectors (built before them, until its next ingest):
# the same training with soft coverage zero, as such a search computes it.
RANKER_WITHOUT_WORDS_PATH = Path(__file__).with_name("ranker-without-words.json")


@dataclass(frozen=True)
class LinearRanker:
    """score = bias + sum(weight * (feature - mean) / scale)."""

    weights: tuple[float, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    bias: float = 0.0

    def score(self, features: np.ndarray) -> np.ndarray:
        if features.shape[0] == 0:
            return np.zeros(0)
        standardised = (features - np.asarray(self.means)) / np.asarray(self.scales)
        return standardised @ np.asarray(self.weights) + self.bias

    def to_json(self, **provenance: object) -> str:
        return json.dumps(
            {
                "features": list(FEATURES),
                "weights": list(self.weights),
                "means": list(self.means),
                "scales": list(self.scales),
                "bias": self.bias,
                **provenance,
            },
            ensure_ascii=False,
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> LinearRanker:
        data = json.loads(text)
        if tuple(data["features"]) != FEATURES:
            raise ValueError("ranker.json was trained on other features; run bench/train_ranker.py")
        return cls(
            tuple(data["weights"]), tuple(data["means"]), tuple(data["scales"]), data["bias"]
        )


@cache
def shipped_ranker(words: bool = True) -> LinearRanker | None:
    """The trained ranker shipped with yinwen (``words``: for a collection with word
    vectors), or None if there is none or it does not fit the features (searches
    then fall back to reciprocal rank fusion)."""
    path = RANKER_PATH if words else RANKER_WITHOUT_WORDS_PATH
    if not path.exists():
        return None
    try:
        return LinearRanker.from_json(path.read_text(encoding="utf-8"))
    except (ValueError, KeyError) as error:
        logger.warning("learned ranker not used: %s", error)
        return None
