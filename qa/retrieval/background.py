"""How far a cosine stands above a query's similarity to the whole collection.

A raw cosine means little alone: e5 gives any Chinese question about 0.8 with
any passage, and a question the collection cannot answer still has a best
passage. Standardised against the query's cosines with *every* vector of the
collection, it says whether the best passage stands out. Their mean and
variance follow from the collection's mean vector μ and covariance Σ (q·μ and
qᵀΣq), so a query pays two small products, not a scan. μ and Σ are estimated
once per snapshot from an even sample of at most :data:`SAMPLE` vectors, on
first use, so opening a collection does not wait for them. Measured for the
abstention decision in docs/DECISIONS.md (bench/signal_trials.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from collection.backend import VectorIndex
from collection.collection import CollectionReader

# Vectors read to estimate the moments: enough for a stable 384 x 384 covariance,
# few enough that the first search of a large snapshot pays a fraction of a second
# (every development collection is smaller, so its moments are exact).
SAMPLE = 10_000


@dataclass(frozen=True)
class Moments:
    """Mean vector and covariance of (a sample of) an index's vectors."""

    mean: np.ndarray
    covariance: np.ndarray

    @classmethod
    def of(cls, index: VectorIndex | None) -> Moments | None:
        if index is None:
            return None
        keys = sorted(index.passage_ids())
        if len(keys) < 2:
            return None
        step = max(1, len(keys) // SAMPLE)
        sample = index.vectors(keys[::step][:SAMPLE]).astype(np.float32)
        mean = sample.mean(axis=0, dtype=np.float64)
        centred = sample - mean.astype(np.float32)
        covariance = (centred.T @ centred).astype(np.float64) / len(sample)
        return cls(mean, covariance)

    def cosine_stats(self, vector: np.ndarray) -> tuple[float, float]:
        """Mean and standard deviation of ``vector``'s cosines with the vectors."""
        query = vector.astype(np.float64)
        variance = float(query @ self.covariance @ query)
        return float(query @ self.mean), math.sqrt(max(variance, 0.0))


class Background:
    """The moments of one snapshot's passage and sentence vectors, computed on first use."""

    def __init__(self, reader: CollectionReader) -> None:
        self._reader = reader

    @cached_property
    def passages(self) -> Moments | None:
        return Moments.of(self._reader.dense)

    @cached_property
    def sentences(self) -> Moments | None:
        return Moments.of(self._reader.sentences) or self.passages

    def standardisers(self, vector: np.ndarray) -> tuple[Standardise, Standardise]:
        """For one query: cosine -> z against the passages, and against the sentences."""
        return _standardiser(self.passages, vector), _standardiser(self.sentences, vector)


@dataclass(frozen=True)
class Standardise:
    """cosine -> (cosine - mean) / spread for one query; 0 when nothing is known."""

    mean: float = 0.0
    spread: float = 0.0

    def __call__(self, cosine: float) -> float:
        return (cosine - self.mean) / self.spread if self.spread > 1e-9 else 0.0


def _standardiser(moments: Moments | None, vector: np.ndarray) -> Standardise:
    return Standardise(*moments.cosine_stats(vector)) if moments is not None else Standardise()
