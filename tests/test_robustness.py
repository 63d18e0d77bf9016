"""Hostile input (issue #9): huge one-line files, zip bombs, symlink loops,
racing writers, control characters. Each test reproduces one finding."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from corpus import CorpusStore
from corpus.cleaning import clean_text, join_inline_spaces
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


def _growth(function: Callable[[str], object], make: Callable[[int], str], size: int) -> float:
    """How much longer ``function`` takes on input 4x as long: about 4 when linear,
    about 16 when quadratic. Best of two runs of the small input, against noise."""

    def timed(text: str) -> float:
        started = time.perf_counter()
        function(text)
        return time.perf_counter() - started

    small = make(size // 4)
    small_time = min(timed(small), timed(small))
    return timed(make(size)) / max(small_time, 1e-3)


@pytest.mark.parametrize(
    "make",
    [
        # a megabyte-long line of spaced words (one paragraph glued piece by piece)
        lambda n: "工会 职工 群众 团结 " * (n // 12),
        # thousands of lines numbered like page fragments (each a possible run start)
        lambda n: "\n".join(f"{1 if i % 50 else 2}、工会职工群众团结奋斗，" for i in range(n // 40)),
    ],
    ids=["spaced-words", "numbered-lines"],
)  # fmt: skip
def test_cleaning_is_linear_in_the_length_of_the_text(make: Callable[[int], str]) -> None:
    growth = _growth(clean_text, make, 1_000_000)
    assert growth < 9, f"4x the text took {growth:.1f}x the time"


def test_a_line_of_many_article_labels_keeps_its_spaces_without_recursion() -> None:
    line = "第一条 " * 5000 + "为了保障职工权益。"
    assert join_inline_spaces(line) == "第一条 " * 5000 + "为了保障职工权益。"
