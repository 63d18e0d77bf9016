"""How far a cosine stands above a query's similarity to the whole collection.

A raw cosine means little alone: e5 gives any Chinese question about 0.8 with
any passage, and a question the collection cannot answer still has a best
passage. Standardised against the query's cosines with *every* vector of the
collection, it says whether the best passage stands out. Their mean and
variance follow from the collection's mean vector μ and covariance Σ (q·μ and
qᵀΣq), so a query pays two small products, not a scan. μ and Σ come from
the index (``VectorIndex.moments``: saved beside a local index when it is
written, estimated from an even sample of the vectors otherwise), once per
snapshot, in a background thread started when the snapshot opens, so that
neither opening nor the first search waits for an estimate. Measured for the
abstention decision in docs/DECISIONS.md (bench/signal_trials.py).
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass

import numpy as np

from collection.backend import VectorIndex
from collection.collection import CollectionReader

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Moments:
    """Mean vector and covariance of (a sample of) an index's vectors."""

    mean: np.ndarray
    covariance: np.ndarray

    @classmethod
    def of(cls, index: VectorIndex | None) -> Moments | None:
        found = index.moments() if index is not None else None
        return cls(*found) if found is not None else None

    def cosine_stats(self, vector: np.ndarray) -> tuple[float, float]:
        """Mean and standard deviation of ``vector``'s cosines with the vectors."""
        query = vector.astype(np.float64)
        variance = float(query @ self.covariance @ query)
        return float(query @ self.mean), math.sqrt(max(variance, 0.0))


class Background:
    """The moments of one snapshot's passage and sentence vectors.

    Estimated once, by a background thread started here (``warm=False``: by the
    first caller); whoever asks before the estimate is done waits for it.
    """

    def __init__(self, reader: CollectionReader, warm: bool = True) -> None:
        self._reader = reader
        self._lock = threading.Lock()
        self._moments: tuple[Moments | None, Moments | None] | None = None
        if warm:
            threading.Thread(target=self._warm, name="yinwen-moments", daemon=True).start()

    def _warm(self) -> None:
        try:
            self._estimate()
        except Exception as error:  # the first search retries and reports it
            logger.info("estimating the collection's moments in the background failed: %s", error)

    def _estimate(self) -> tuple[Moments | None, Moments | None]:
        with self._lock:
            if self._moments is None:
                passages = Moments.of(self._reader.dense)
                self._moments = (passages, Moments.of(self._reader.sentences) or passages)
            return self._moments

    @property
    def passages(self) -> Moments | None:
        return self._estimate()[0]

    @property
    def sentences(self) -> Moments | None:
        return self._estimate()[1]

    def standardisers(self, vector: np.ndarray) -> tuple[Standardise, Standardise]:
        """For one query: cosine -> z against the passages, and against the sentences."""
        passages, sentences = self._estimate()
        return _standardiser(passages, vector), _standardiser(sentences, vector)


@dataclass(frozen=True)
class Standardise:
    """cosine -> (cosine - mean) / spread for one query; 0 when nothing is known."""

    mean: float = 0.0
    spread: float = 0.0

    def __call__(self, cosine: float) -> float:
        return (cosine - self.mean) / self.spread if self.spread > 1e-9 else 0.0


def _standardiser(moments: Moments | None, vector: np.ndarray) -> Standardise:
    return Standardise(*moments.cosine_stats(vector)) if moments is not None else Standardise()
