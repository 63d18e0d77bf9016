"""The dense index: passage vectors in FAISS, keyed by passage id.

Vectors live in an exact inner-product index (``IndexIDMap2`` over an
``IndexScalarQuantizer`` of 16-bit floats; older collections hold
``IndexFlatIP`` and are converted on their next write), which supports add
and remove by id and is the source of truth. Above :data:`HNSW_THRESHOLD` vectors an HNSW graph is built next to it
for search (see docs/DECISIONS.md for the measured threshold); below it,
exact search is fast enough and has perfect recall.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .environment import environment_int

logger = logging.getLogger(__name__)

FLAT_FILE = "dense.faiss"
HNSW_FILE = "dense.hnsw.faiss"
MOMENTS_SUFFIX = ".moments.npz"
# The sentence index keys sentence j of passage p as p * SENTENCE_SLOTS + j
# (a passage of at most 300 characters has far fewer sentences), so a
# passage's sentences are one id range: removed together, found by division.
SENTENCES_NAME = "sentences"
SENTENCE_SLOTS = 1024
# Word vectors (qa/retrieval/words.py), keyed by :func:`word_key`.
WORDS_NAME = "words"
HNSW_THRESHOLD = environment_int("YINWEN_HNSW_THRESHOLD", 1_000_000, minimum=1)
HNSW_M = 32
HNSW_EF_SEARCH = 256
# A filtered search over at most this many ids reads their vectors by id (its
# cost grows with the filter, not with the index); above it, one scan.
LOOKUP_LIMIT = 20_000


# Vectors read to estimate an index's mean and covariance: enough for a stable
# 512 x 512 covariance, few enough to cost a fraction of a second at 100k.
MOMENTS_SAMPLE = 10_000


def word_key(word: str) -> int:
    """A word's key in the word vector index: 63 bits of its BLAKE2b hash (a
    collision among a million words has odds of about 1 in 20 million)."""
    digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def estimate_moments(
    ids: np.ndarray, vectors: Callable[[np.ndarray], np.ndarray]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Mean vector and covariance of the vectors of ``ids`` (an even sample of at
    most :data:`MOMENTS_SAMPLE`; exact below it), or None for fewer than two."""
    if len(ids) < 2:
        return None
    ordered = np.sort(np.asarray(ids, dtype=np.int64))
    step = max(1, len(ordered) // MOMENTS_SAMPLE)
    sample = np.asarray(vectors(ordered[::step][:MOMENTS_SAMPLE]), dtype=np.float32)
    mean = sample.mean(axis=0, dtype=np.float64)
    centred = sample - mean.astype(np.float32)
    covariance = (centred.T @ centred).astype(np.float64) / len(sample)
    return mean, covariance


def _faiss() -> Any:
    try:
        import faiss
    except ImportError as error:  # pragma: no cover - core dependency
        raise ImportError("the dense index needs: pip install faiss-cpu") from error
    return faiss


def _empty_index(dimension: int) -> Any:
    """Vectors stored as 16-bit floats, scanned exactly: half the memory and about
    twice the scan speed of 32-bit floats, and the same neighbours (recall@60
    0.999 against float32 on 81k passages: docs/DECISIONS.md)."""
    faiss = _faiss()
    storage = faiss.IndexScalarQuantizer(
        dimension, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
    )
    return faiss.IndexIDMap2(storage)


def _as_half_precision(index: Any) -> Any:
    """The same ids and vectors in the 16-bit storage."""
    faiss = _faiss()
    converted = _empty_index(index.d)
    ids = faiss.vector_to_array(index.id_map).astype(np.int64)
    if len(ids):
        converted.add_with_ids(index.reconstruct_batch(ids), ids)
    return converted


def _read_ahead(path: Path) -> threading.Thread:
    """Read ``path`` once in a background thread, so its pages are in the page
    cache when a scan of the mapped file needs them. (``posix_fadvise(WILLNEED)``
    was tried first: the kernel reads only the first 8 MB of it.)"""

    def read() -> None:
        buffer = bytearray(4 << 20)
        try:
            with open(path, "rb", buffering=0) as file:
                while file.readinto(buffer):
                    pass
        except OSError as error:  # gone or unreadable: the scan will say so, not this
            logger.debug("read-ahead of %s stopped: %s", path, error)

    thread = threading.Thread(target=read, name=f"read-ahead {path.name}", daemon=True)
    thread.start()
    return thread


class DenseIndex:
    """Exact FAISS index by passage id, with an optional HNSW search graph."""

    def __init__(
        self, dimension: int, index: Any = None, hnsw: Any = None, name: str = "dense"
    ) -> None:
        self.dimension = dimension
        self.name = name
        # Stored ids, sorted: built on first lookup, dropped on change. A numpy
        # array rather than a set - 8 bytes an id, and membership of many ids at once.
        self._sorted_ids: np.ndarray | None = None
        self.index = index if index is not None else _empty_index(dimension)
        self.hnsw = hnsw
        # Mean and covariance as saved with the index (read at load), so a reader
        # need not touch vectors all over a mapped file to estimate them: that
        # pulled ~300 MB of an 81k collection's files into memory at open.
        self._moments: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def load(
        cls,
        directory: Path,
        dimension: int,
        name: str = "dense",
        mapped: bool = False,
        prefetch: bool = False,
    ) -> DenseIndex:
        """The index stored as ``name.faiss`` in ``directory`` (empty if there is none).

        ``mapped`` (read-only snapshots only) maps the vectors from the file instead
        of copying them into memory: opening costs no time per vector, and vectors
        only read by id (most sentence vectors of a large collection) never take
        memory. Safe against the next ingest, which writes a new generation's own
        files and unlinks, never rewrites, the old ones.

        ``prefetch`` (for an index every query scans) asks the kernel to read the
        mapped file ahead, while the rest of the snapshot loads: from a cold page
        cache the first scan otherwise faults its pages in one by one (81k
        passage vectors: ~1 s, docs/BENCHMARKS.md)."""
        faiss = _faiss()
        path = directory / f"{name}.faiss"
        if not path.exists():
            return cls(dimension, name=name)
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC if mapped else 0)
        if index.d != dimension:
            raise ValueError(f"dense index has dimension {index.d}, embedder gives {dimension}")
        if not mapped and isinstance(faiss.downcast_index(index.index), faiss.IndexFlat):
            index = _as_half_precision(index)  # written before 16-bit storage: upgrade it
        hnsw = None
        hnsw_path = directory / f"{name}.hnsw.faiss"
        if hnsw_path.exists():
            hnsw = faiss.read_index(str(hnsw_path))
            faiss.downcast_index(hnsw.index).hnsw.efSearch = HNSW_EF_SEARCH
        elif mapped and prefetch:
            _read_ahead(path)
        loaded = cls(dimension, index, hnsw, name)
        moments_path = directory / f"{name}{MOMENTS_SUFFIX}"
        if moments_path.exists():
            try:
                with np.load(moments_path, allow_pickle=False) as saved:
                    mean, covariance = saved["mean"], saved["covariance"]
                    count = int(saved["count"])
                # Written with this very index (same vector count) or not used at all.
                if (
                    count == index.ntotal
                    and mean.shape == (dimension,)
                    and covariance.shape == (dimension, dimension)
                ):
                    loaded._moments = (mean, covariance)
            except Exception as error:  # a damaged file: estimated again on demand
                logger.info("ignoring unreadable %s: %s", moments_path, error)
        return loaded

    def save(self, directory: Path, threshold: int = HNSW_THRESHOLD) -> None:
        faiss = _faiss()
        faiss.write_index(self.index, str(directory / f"{self.name}.faiss"))
        moments_path = directory / f"{self.name}{MOMENTS_SUFFIX}"
        # word vectors are only read by key: no background statistics
        moments = self.moments() if self.name != WORDS_NAME else None
        if moments is None:
            moments_path.unlink(missing_ok=True)
        else:
            with moments_path.open("wb") as handle:
                np.savez(handle, mean=moments[0], covariance=moments[1], count=self.index.ntotal)
        hnsw_path = directory / f"{self.name}.hnsw.faiss"
        if self.index.ntotal > threshold and self.name != WORDS_NAME:  # never searched
            self.hnsw = self._build_hnsw()
            faiss.write_index(self.hnsw, str(hnsw_path))
        else:
            self.hnsw = None
            hnsw_path.unlink(missing_ok=True)

    def _build_hnsw(self) -> Any:
        faiss = _faiss()
        ids = self.ids_array()
        vectors = self.vectors(ids)
        graph = faiss.IndexHNSWFlat(self.dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = 80
        mapped = faiss.IndexIDMap2(graph)
        mapped.add_with_ids(vectors, ids)
        graph.hnsw.efSearch = HNSW_EF_SEARCH
        return mapped

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def ids_array(self) -> np.ndarray:
        faiss = _faiss()
        return faiss.vector_to_array(self.index.id_map).astype(np.int64)

    def passage_ids(self) -> set[int]:
        return {int(i) for i in self.ids_array()}

    def moments(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Mean vector and covariance of the stored vectors: as saved, else estimated
        from a sample (:func:`estimate_moments`)."""
        if self._moments is None:
            self._moments = estimate_moments(self.ids_array(), self.vectors)
        return self._moments

    def vectors(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The stored vectors of ``ids`` (each must be present), in that order: a lookup
        by id, so its cost does not grow with the index."""
        if not len(ids):
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.index.reconstruct_batch(np.asarray(list(ids), dtype=np.int64))

    def similarities(self, vector: np.ndarray, ids: Sequence[int] | np.ndarray) -> dict[int, float]:
        """Inner product of ``vector`` with the stored vectors of those ``ids`` that are
        present (unknown ids are left out), without scanning the index."""
        present = self.present(ids)
        if not len(present):
            return {}
        scores = self.vectors(present) @ np.asarray(vector, dtype=np.float32).reshape(-1)
        return dict(zip(present.tolist(), scores.tolist(), strict=True))

    def present(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Those of ``ids`` that have a stored vector, in their order (a binary
        search each in the sorted ids: no per-id Python work)."""
        wanted = np.asarray(ids, dtype=np.int64).reshape(-1)
        if self._sorted_ids is None:
            self._sorted_ids = np.sort(self.ids_array())
        stored = self._sorted_ids
        if not len(stored) or not len(wanted):
            return wanted[:0]
        positions = np.minimum(np.searchsorted(stored, wanted), len(stored) - 1)
        return wanted[stored[positions] == wanted]

    def stored_vectors(self, ids: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(those of ``ids`` that are present, their vectors), unknown ids left out."""
        present = self.present(ids)
        return present, self.vectors(present)

    def contains(self, key: int) -> bool:
        """Whether a vector is stored under ``key``."""
        return bool(len(self.present([key])))

    def add(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        """Add vectors (an id already present is replaced)."""
        if not len(ids):
            return
        self.remove(ids)
        self._sorted_ids = None
        self._moments = None
        self.index.add_with_ids(
            np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
        )

    def remove_sentences_of(self, passage_ids: Sequence[int]) -> None:
        """Remove every sentence vector of the given passages (sentence index only)."""
        if not len(passage_ids) or not len(self):
            return
        keys = self.ids_array()
        gone = keys[np.isin(keys // SENTENCE_SLOTS, np.asarray(list(passage_ids), np.int64))]
        self.remove(gone.tolist())

    def sentence_passages(self) -> set[int]:
        """Passages that have sentence vectors (sentence index only)."""
        return {int(i) for i in np.unique(self.ids_array() // SENTENCE_SLOTS)}

    def remove(self, ids: Sequence[int]) -> None:
        """Remove vectors by id; unknown ids are ignored."""
        if not len(ids):
            return
        faiss = _faiss()
        self._sorted_ids = None
        self._moments = None
        self.index.remove_ids(faiss.IDSelectorBatch(np.asarray(list(ids), dtype=np.int64)))

    def search(
        self, vector: np.ndarray, top_k: int = 50, allowed: Sequence[int] | None = None
    ) -> list[tuple[int, float]]:
        """(passage id, cosine similarity) of the nearest ``top_k`` passages,
        only among ``allowed`` ids when given (exact search then)."""
        if not len(self) or top_k <= 0:
            return []
        query = np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32)
        if allowed is not None:
            if not len(allowed):
                return []
            if len(allowed) <= LOOKUP_LIMIT:
                # A few ids (one document, one author): look their vectors up
                # instead of scanning the whole index with a selector.
                found = self.similarities(query[0], np.unique(np.asarray(allowed, np.int64)))
                ranked = sorted(found.items(), key=lambda pair: (-pair[1], pair[0]))
                return ranked[:top_k]
            faiss = _faiss()
            selector = faiss.IDSelectorBatch(np.asarray(list(allowed), dtype=np.int64))
            scores, ids = self.index.search(
                query, min(top_k, len(allowed)), params=faiss.SearchParameters(sel=selector)
            )
        else:
            index = self.hnsw if self.hnsw is not None else self.index
            scores, ids = index.search(query, min(top_k, len(self)))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]
