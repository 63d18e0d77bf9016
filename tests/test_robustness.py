"""Hostile input (issue #9): huge one-line files, zip bombs, symlink loops,
racing writers, control characters. Each test reproduces one finding."""

from __future__ import annotations

import time
from pathlib import Path

from corpus import CorpusStore
from corpus.model import Document
from corpus.segment import segment


def _document(text: str) -> Document:
    result = segment(text, "长文")
    return Document(
        path="/long.txt", content_hash="c", text_hash="t", format="txt", encoding="utf-8",
        text=text, title="长文", sections=result.sections, paragraphs=result.paragraphs,
        sentences=result.sentences, passages=result.passages,
    )  # fmt: skip


def test_loading_the_passages_of_a_huge_document_is_linear(tmp_path: Path) -> None:
    # 120,000 short sentences on one line: 5,454 passages. Matching every
    # passage against every sentence took minutes; linear work takes well under one.
    text = "职工群众团结奋斗。" * 120_000
    document = _document(text)
    assert len(document.sentences) == 120_000
    store = CorpusStore(tmp_path / "corpus.sqlite")
    added, _ = store.put_document("long", document, [[] for _ in document.passages])
    started = time.perf_counter()
    passages = store.passages(added)
    elapsed = time.perf_counter() - started
    assert elapsed < 3, f"{elapsed:.1f} s to load {len(added)} passages"
    for passage in passages[:50] + passages[-50:]:  # spans still right at both ends
        assert passage.sentences
        assert passage.sentences[0][0] == passage.start
        assert passage.sentences[-1][1] == passage.end
        assert all(text[s:e] == "职工群众团结奋斗。" for s, e in passage.sentences)
    few = store.passages([added[-1], added[0]])  # a search result's few passages, in order
    assert [p.passage_id for p in few] == [added[-1], added[0]]
    assert few[0].sentences == passages[-1].sentences
    store.close()
