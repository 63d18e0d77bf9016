"""The dense and BM25 indexes in PostgreSQL, with the methods (and the scores) of
:class:`embeddings.dense.DenseIndex` and :class:`embeddings.sparse.BM25Index`.

Vectors are pgvector columns searched by inner product (``<#>``, unit vectors:
cosines). Search is exact (a scan) until a table holds more than
:data:`HNSW_THRESHOLD` vectors; then an HNSW index serves unfiltered searches,
while a search restricted to some passages stays exact.

BM25 is computed by PostgreSQL from a postings table (term, passage, count) and
the passages' token counts, with the IDF of each query term computed here from
the document frequencies read once per snapshot, with the same formula as the
local index, so that both backends rank alike.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

import numpy as np

from embeddings.dense import SENTENCE_SLOTS, estimate_moments
from embeddings.environment import environment_int
from embeddings.sparse import K1, B

from .connection import Database
from .schema import TERM_POSTINGS_SELECT

# Vectors above which an HNSW index is built; below it, an exact scan is fast enough
# and has perfect recall. pgvector scans ~1.7 ms per 1,000 384-dimension vectors on
# the (loaded) 2-core bench machine, so 50,000 is ~85 ms, where HNSW answers in
# ~15 ms (bench/pgvector_scan.py, docs/BENCHMARKS.md).
HNSW_THRESHOLD = environment_int("YINWEN_PG_HNSW_THRESHOLD", 50_000, minimum=1)
HNSW_M = 32
# pgvector builds an HNSW graph many times faster when all of it fits in
# maintenance_work_mem (the server's default, 64 MB, holds ~25,000 vectors of 512
# dimensions; past that the build goes to disk). A build asks its transaction for
# what the graph needs, up to this many MB (docs/DEPLOYMENT.md).
HNSW_BUILD_MB = environment_int("YINWEN_PG_BUILD_MEMORY_MB", 1024, minimum=64)
_BATCH = 2000
# A write touching more terms than this rebuilds every term's packed postings.
_REBUILD_ALL_TERMS = 20_000
# Bytes of packed postings a snapshot keeps in memory (PostgresTermIndex._postings).
_CACHED_BYTES = 32 * 2**20
# One posting as packed in bm25_term_postings (schema.TERM_POSTINGS_SELECT).
POSTING = np.dtype([("id", ">i8"), ("tf", ">f4"), ("length", ">i4")])


def graph_mb(count: int, dimension: int) -> int:
    """About what pgvector's in-memory HNSW graph of ``count`` vectors takes: each
    element's values (4 bytes a dimension), its base-layer links (2 m) and upper
    layers, with its bookkeeping; a fifth more for safety."""
    per_vector = dimension * 4 + 2 * HNSW_M * 8 * 1.25 + 150
    return max(64, math.ceil(count * per_vector * 1.2 / 2**20))


def vector_literal(vector: np.ndarray) -> str:
    """pgvector's text form; float32 values print exactly."""
    return "[" + ",".join(map(str, np.asarray(vector, dtype=np.float32).reshape(-1).tolist())) + "]"


def vector_from_binary(value: bytes) -> np.ndarray:
    """pgvector's binary form: dimension and a reserved field (int16 each), then
    big-endian float32 values."""
    return np.frombuffer(bytes(value), dtype=">f4", offset=4).astype(np.float32)


KEYS = {
    "passage_vectors": "passage_id",
    "sentence_vectors": "sentence_key",
    "word_vectors": "word_key",
}


class PostgresVectorIndex:
    """Unit vectors in a pgvector table, by integer key (passage id, sentence key, or
    word key)."""

    def __init__(
        self,
        database: Database,
        table: str,
        dimension: int,
        length: int | None = None,
        stored_moments: Any = None,
    ) -> None:
        if table not in KEYS:
            raise ValueError(table)
        self.database = database
        self.table = table
        self.key = KEYS[table]
        self.dimension = dimension
        # A snapshot's count, read once: retrieval asks for it per query, and a
        # count(*) scans the table. None (a writer's index) counts each time.
        self.length = length
        # The moments row as read with the snapshot's counts (read_stored_moments).
        self._stored_moments = stored_moments
        # Whether this (writer's) index added or removed vectors: only then does
        # the write estimate and store the moments again.
        self.changed = False

    def __len__(self) -> int:
        if self.length is not None:
            return self.length
        return int(self.database.rows(f"SELECT count(*) FROM {self.table}")[0][0])

    def search(
        self, vector: np.ndarray, top_k: int = 50, allowed: Sequence[int] | None = None
    ) -> list[tuple[int, float]]:
        if top_k <= 0 or (allowed is not None and not len(allowed)):
            return []
        literal = vector_literal(vector)
        if allowed is None:
            rows = self.database.rows(
                f"SELECT {self.key}, -(embedding <#> %s::vector) FROM {self.table} "
                "ORDER BY embedding <#> %s::vector LIMIT %s",
                (literal, literal, top_k),
            )
        else:
            # "+ 0" keeps the order off an HNSW index: a filtered search stays exact.
            rows = self.database.rows(
                f"SELECT {self.key}, -(embedding <#> %s::vector) FROM {self.table} "
                f"WHERE {self.key} = ANY(%s) ORDER BY (embedding <#> %s::vector) + 0 LIMIT %s",
                (literal, [int(i) for i in allowed], literal, top_k),
            )
        return [(int(key), float(score)) for key, score in rows]

    def vectors(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The stored vectors of ``ids`` (each must be present), in that order."""
        keys = [int(i) for i in ids]
        if not keys:
            return np.zeros((0, self.dimension), dtype=np.float32)
        rows = self.database.rows(
            f"SELECT {self.key}, embedding FROM {self.table} WHERE {self.key} = ANY(%s)",
            (keys,),
            binary=True,
        )
        found = {int(key): vector_from_binary(value) for key, value in rows}
        return np.array([found[key] for key in keys], dtype=np.float32).reshape(
            len(keys), self.dimension
        )

    def present(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Those of ``ids`` that have a stored vector, in their order."""
        keys = [int(i) for i in ids]
        if not keys:
            return np.zeros(0, dtype=np.int64)
        rows = self.database.rows(
            f"SELECT {self.key} FROM {self.table} WHERE {self.key} = ANY(%s)", (keys,)
        )
        stored = {int(row[0]) for row in rows}
        return np.array([k for k in keys if k in stored], dtype=np.int64)

    def stored_vectors(self, ids: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(those of ``ids`` that are present, their vectors), unknown ids left out."""
        if not len(ids):
            return np.zeros(0, dtype=np.int64), np.zeros((0, self.dimension), dtype=np.float32)
        rows = self.database.rows(
            f"SELECT {self.key}, embedding FROM {self.table} WHERE {self.key} = ANY(%s)",
            ([int(i) for i in ids],),
            binary=True,
        )
        found = np.array([int(key) for key, _ in rows], dtype=np.int64)
        vectors = [vector_from_binary(value) for _, value in rows]
        matrix = np.array(vectors, dtype=np.float32).reshape(len(found), self.dimension)
        return found, matrix

    def similarities(self, vector: np.ndarray, ids: Sequence[int]) -> dict[int, float]:
        keys = [int(i) for i in ids]
        if not keys:
            return {}
        rows = self.database.rows(
            f"SELECT {self.key}, -(embedding <#> %s::vector) FROM {self.table} "
            f"WHERE {self.key} = ANY(%s)",
            (vector_literal(vector), keys),
        )
        return {int(key): float(score) for key, score in rows}

    def passage_ids(self) -> set[int]:
        return {int(row[0]) for row in self.database.rows(f"SELECT {self.key} FROM {self.table}")}

    def moments(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Mean and covariance as the last write stored them, read with this
        snapshot's counts; estimated from an even sample of the stored vectors when
        there are none (a database written before ``vector_moments``) or they do
        not fit this snapshot (another count or dimension)."""
        row = self._stored_moments
        if row is not None and int(row[0]) == len(self):
            dimension = self.dimension
            mean, covariance = bytes(row[1]), bytes(row[2])
            if len(mean) == 8 * dimension and len(covariance) == 8 * dimension * dimension:
                return (
                    np.frombuffer(mean, dtype="<f8").copy(),
                    np.frombuffer(covariance, dtype="<f8").reshape(dimension, dimension).copy(),
                )
        return self._estimated_moments()

    def _estimated_moments(self) -> tuple[np.ndarray, np.ndarray] | None:
        return estimate_moments(np.fromiter(self.passage_ids(), np.int64), self.vectors)

    def store_moments(self) -> None:
        """After a write that added or removed vectors, estimate the moments of the
        table as it leaves it and store them in the write's transaction (a reader
        reads them together with its counts). A write that changed no vector keeps
        the row; an older database without one gets it at its next such write."""
        if not self.changed:
            return
        ids = np.fromiter(self.passage_ids(), np.int64)
        moments = estimate_moments(ids, self.vectors)
        if moments is None:
            self.database.execute("DELETE FROM vector_moments WHERE table_name = %s", (self.table,))
            return
        mean, covariance = moments
        self.database.execute(
            "INSERT INTO vector_moments (table_name, count, mean, covariance) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (table_name) DO UPDATE SET "
            "count = excluded.count, mean = excluded.mean, covariance = excluded.covariance",
            (
                self.table,
                len(ids),  # the keys just read: no second count(*) of the table
                np.ascontiguousarray(mean, dtype="<f8").tobytes(),
                np.ascontiguousarray(covariance, dtype="<f8").tobytes(),
            ),
        )

    def add(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        """Add vectors (an id already present is replaced)."""
        if not len(ids):
            return
        self.remove(ids)
        self.changed = True
        keys = [int(i) for i in ids]
        if self.table != "sentence_vectors":
            self.database.copy_rows(
                self.table,
                [self.key, "embedding"],
                ((key, vector_literal(row)) for key, row in zip(keys, vectors, strict=True)),
            )
        else:
            self.database.copy_rows(
                self.table,
                ["sentence_key", "passage_id", "embedding"],
                (
                    (key, key // SENTENCE_SLOTS, vector_literal(row))
                    for key, row in zip(keys, vectors, strict=True)
                ),
            )

    def remove(self, ids: Sequence[int]) -> None:
        if len(ids):
            self._delete(f"{self.key} = ANY(%s)", [int(i) for i in ids])

    def remove_sentences_of(self, passage_ids: Sequence[int]) -> None:
        if len(passage_ids):
            self._delete("passage_id = ANY(%s)", [int(i) for i in passage_ids])

    def _delete(self, condition: str, keys: list[int]) -> None:
        """Delete the rows matching ``condition``; only a deletion that found rows
        marks the vectors changed (and their moments due for a new estimate)."""
        rows = self.database.rows(
            f"WITH gone AS (DELETE FROM {self.table} WHERE {condition} RETURNING 1) "
            "SELECT count(*) FROM gone",
            (keys,),
        )
        if rows and int(rows[0][0]):
            self.changed = True

    def sentence_passages(self) -> set[int]:
        rows = self.database.rows("SELECT DISTINCT passage_id FROM sentence_vectors")
        return {int(row[0]) for row in rows}

    def update_search_index(self, threshold: int = HNSW_THRESHOLD) -> None:
        """An HNSW index above ``threshold`` vectors, none below (as the local index)."""
        name = f"{self.table}_hnsw"
        count = len(self)
        if count > threshold:
            memory = min(graph_mb(count, self.dimension), HNSW_BUILD_MB)
            # SET LOCAL: for this ingest's transaction only (no effect if the index exists)
            self.database.execute(f"SET LOCAL maintenance_work_mem = '{memory}MB'")
            self.database.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {self.table} "
                f"USING hnsw (embedding vector_ip_ops) WITH (m = {HNSW_M})"
            )
        else:
            self.database.execute(f"DROP INDEX IF EXISTS {name}")


def read_stored_moments(database: Database, table: str) -> Any:
    """The (count, mean, covariance) row a write stored for ``table``, or None."""
    rows = database.rows(
        "SELECT count, mean, covariance FROM vector_moments WHERE table_name = %s",
        (table,),
        binary=True,
    )
    return rows[0] if rows else None


class PostgresTermIndex:
    """BM25 over jieba tokens, scored by PostgreSQL from the postings tables."""

    def __init__(
        self,
        database: Database,
        frequencies: dict[str, int] | None = None,
        count: int = 0,
        average_length: float = 1.0,
    ) -> None:
        self.database = database
        # Term -> document frequency, as of the snapshot (empty while writing).
        self.frequencies = frequencies or {}
        self.count = count
        self.average_length = average_length
        # Terms whose packed postings a write must rebuild (refresh_term_postings).
        self.touched: set[str] = set()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cached_bytes = 0
        self._lock = threading.Lock()

    @classmethod
    def load(cls, database: Database) -> PostgresTermIndex:
        """The statistics of the committed state, read once per snapshot."""
        frequencies = {
            term: int(df) for term, df in database.rows("SELECT term, df FROM bm25_terms")
        }
        count, average = database.rows("SELECT count(*), avg(length) FROM bm25_passages")[0]
        # The local index averages float32 lengths; so does this, for equal scores.
        return cls(database, frequencies, int(count), float(np.float32(average or 1.0)))

    @property
    def vocabulary(self) -> dict[str, int]:
        return self.frequencies

    def __len__(self) -> int:
        return self.count

    def idf(self, token: str) -> float:
        df = self.frequencies.get(token, 0)
        if df == 0 or not self.count:
            return 0.0
        return math.log(1 + (self.count - df + 0.5) / (df + 0.5))

    def search(
        self, tokens: Sequence[str], top_k: int = 50, allowed: Sequence[int] | None = None
    ) -> list[tuple[int, float]]:
        weights = {t: float(w) for t, w in Counter(tokens).items() if self.idf(t) > 0}
        if not weights or top_k <= 0 or (allowed is not None and not len(allowed)):
            return []
        # One packed row per query term, scored here as the local index scores
        # (float32 counts and lengths, the same formula), so both backends rank alike.
        ids_parts, score_parts = [], []
        packed = self._postings(list(weights))
        for term in weights:  # in the query's order, so that sums round alike every time
            postings = packed.get(term)
            if postings is None:
                continue
            tf = postings["tf"].astype(np.float32)
            lengths = postings["length"].astype(np.float32)
            denominator = tf + K1 * (1 - B + B * lengths / self.average_length)
            ids_parts.append(postings["id"].astype(np.int64))
            score_parts.append(weights[term] * self.idf(term) * tf * (K1 + 1) / denominator)
        if not ids_parts:
            return []
        ids, where = np.unique(np.concatenate(ids_parts), return_inverse=True)
        scores = np.bincount(where, weights=np.concatenate(score_parts), minlength=len(ids))
        if allowed is not None:
            keep = np.isin(ids, np.asarray([int(i) for i in allowed], dtype=np.int64))
            ids, scores = ids[keep], scores[keep]
        best = np.lexsort((ids, -scores))[:top_k]  # by score, then by passage id
        return [(int(ids[i]), float(scores[i])) for i in best]

    def term_matches(self, tokens: Sequence[str], ids: Sequence[int]) -> np.ndarray:
        matrix = np.zeros((len(ids), len(tokens)), dtype=bool)
        known = [t for t in tokens if t in self.frequencies]
        if not len(ids) or not known:
            return matrix
        wanted = np.asarray([int(i) for i in ids], dtype=np.int64)
        postings = self._postings(known)
        for column, token in enumerate(tokens):
            if token in postings:
                matrix[:, column] = np.isin(wanted, postings[token]["id"].astype(np.int64))
        return matrix

    def _postings(self, terms: list[str]) -> dict[str, np.ndarray]:
        """The packed postings (records of :data:`POSTING`) of those ``terms`` that
        have any. The terms read last are kept (up to 32 MB) for the life of this
        snapshot's index: a search reads each query term twice (scores, then which
        candidates hold it), and the next question often shares words. A commit
        makes the app open a new snapshot, with an empty cache."""
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for term in terms:
                if term in self._cache:
                    self._cache.move_to_end(term)
                    found[term] = self._cache[term]
        missing = [t for t in terms if t not in found]
        if missing:
            rows = self.database.rows(
                "SELECT term, postings FROM bm25_term_postings WHERE term = ANY(%s)",
                (missing,),
                binary=True,
            )
            with self._lock:
                for term, packed in rows:
                    found[term] = postings = np.frombuffer(packed, dtype=POSTING)
                    if term not in self._cache:
                        self._cache[term] = postings
                        self._cached_bytes += postings.nbytes
                while self._cached_bytes > _CACHED_BYTES and self._cache:
                    self._cached_bytes -= self._cache.popitem(last=False)[1].nbytes
        return found

    def passages_with_all(self, tokens: Sequence[str], limit: int = 200) -> list[int]:
        """Passages holding every one of the (up to three rarest) tokens; empty if a
        token is unknown."""
        unique = set(tokens)
        if not unique or any(t not in self.frequencies for t in unique):
            return []
        rarest = [t for _, t in sorted((self.frequencies[t], t) for t in unique)[:3]]
        rows = self.database.rows(
            "SELECT passage_id FROM bm25_postings WHERE term = ANY(%s) "
            "GROUP BY passage_id HAVING count(*) = %s ORDER BY passage_id LIMIT %s",
            (rarest, len(rarest), limit),
        )
        return [int(row[0]) for row in rows]

    def passage_terms(self, ids: Sequence[int]) -> dict[int, list[str]]:
        """The distinct terms indexed for each of ``ids`` (unknown ids left out; in
        no particular order): one read through the postings' passage index."""
        if not len(ids):
            return {}
        rows = self.database.rows(
            "SELECT passage_id, term FROM bm25_postings WHERE passage_id = ANY(%s)",
            ([int(i) for i in ids],),
        )
        found: dict[int, list[str]] = {}
        for passage, term in rows:
            found.setdefault(int(passage), []).append(term)
        return found

    def passage_ids(self) -> set[int]:
        return {int(row[0]) for row in self.database.rows("SELECT passage_id FROM bm25_passages")}

    def add(self, ids: Sequence[int], token_lists: Iterable[list[str]]) -> None:
        """Add passages (an id already present is replaced); tokens may be a generator,
        written a batch at a time."""
        if not len(ids):
            return
        self.remove(ids)
        pairs = zip(ids, token_lists, strict=True)
        while batch := list(islice(pairs, _BATCH)):
            self.touched.update(term for _, tokens in batch for term in tokens)
            self.database.copy_rows(
                "bm25_postings",
                ["term", "passage_id", "tf"],
                (
                    (term, int(i), count)
                    for i, tokens in batch
                    for term, count in Counter(tokens).items()
                ),
            )
            self.database.copy_rows(
                "bm25_passages",
                ["passage_id", "length"],
                ((int(i), len(tokens)) for i, tokens in batch),
            )
            self.database.execute(
                "INSERT INTO bm25_terms (term, df) SELECT term, count(*) FROM bm25_postings "
                "WHERE passage_id = ANY(%s) GROUP BY term "
                "ON CONFLICT (term) DO UPDATE SET df = bm25_terms.df + EXCLUDED.df",
                ([int(i) for i, _ in batch],),
            )

    def remove(self, ids: Sequence[int]) -> None:
        """Remove passages; unknown ids are ignored."""
        if not len(ids):
            return
        keys = [int(i) for i in ids]
        gone = self.database.rows(
            "UPDATE bm25_terms t SET df = t.df - g.n FROM (SELECT term, count(*) AS n "
            "FROM bm25_postings WHERE passage_id = ANY(%s) GROUP BY term) g "
            "WHERE t.term = g.term RETURNING t.term",
            (keys,),
        )
        self.touched.update(row[0] for row in gone)
        self.database.execute("DELETE FROM bm25_terms WHERE df <= 0")
        self.database.execute("DELETE FROM bm25_postings WHERE passage_id = ANY(%s)", (keys,))
        self.database.execute("DELETE FROM bm25_passages WHERE passage_id = ANY(%s)", (keys,))

    def refresh_term_postings(self) -> None:
        """Rebuild the packed postings of every term this write added or removed
        postings of (all of them, in one pass, when that is most terms)."""
        if not self.touched:
            return
        if len(self.touched) > _REBUILD_ALL_TERMS:
            self.database.execute("DELETE FROM bm25_term_postings")
            self.database.execute(
                f"INSERT INTO bm25_term_postings (term, postings) {TERM_POSTINGS_SELECT} "
                "GROUP BY p.term"
            )
        else:
            terms = sorted(self.touched)
            self.database.execute("DELETE FROM bm25_term_postings WHERE term = ANY(%s)", (terms,))
            self.database.execute(
                f"INSERT INTO bm25_term_postings (term, postings) {TERM_POSTINGS_SELECT} "
                "WHERE p.term = ANY(%s) GROUP BY p.term",
                (terms,),
            )
        self.touched.clear()
