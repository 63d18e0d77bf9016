"""Fusion, de-duplication, sentence selection, filters, abstention, quote cards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from corpus.store import StoredPassage
from qa import QA, AbstentionSettings, Filters, quote_card
from qa.abstention import is_answerable
from qa.answer import compose_extractive, format_date
from qa.retrieval import (
    Location,
    SearchResult,
    Signals,
    article_labels,
    best_sentences,
    chinese_number,
    convex_fusion,
    coverage,
    deduplicate,
    mmr,
    query_phrases,
    reciprocal_rank_fusion,
)


def _passage(
    pid: int, text: str, date: str | None = "2023-01-01", title: str = "标题", doc: str = "d"
) -> StoredPassage:
    spans = []
    position = 0
    for piece in text.split("。"):
        if piece:
            spans.append((position, position + len(piece) + 1))
            position += len(piece) + 1
    return StoredPassage(
        passage_id=pid, doc_id=doc, passage_index=0, paragraph_index=0, section_index=0,
        start=0, end=len(text), text=text, title=title, section_title=None, author="作者",
        date=date, source=None, path=f"/x/{doc}.txt", warnings=[], sentences=spans,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("rankings", "weights", "expected_order"),
    [
        ([[1, 2, 3], [3, 2, 1]], None, [1, 3, 2]),  # 1/61 + 1/63 > 2/62: a top rank counts more
        ([[1, 2], [2, 3]], None, [2, 1, 3]),
        ([[1, 2], [2, 1]], [2.0, 1.0], [1, 2]),  # weight favours the first list
        ([[], [5]], None, [5]),
    ],
)
def test_reciprocal_rank_fusion(rankings, weights, expected_order) -> None:  # type: ignore[no-untyped-def]
    fused = reciprocal_rank_fusion(rankings, weights, k=60)
    order = sorted(fused, key=lambda item: (-fused[item], item))
    assert order == expected_order


def test_rrf_scores_are_exact() -> None:
    assert reciprocal_rank_fusion([[7]], k=60) == {7: pytest.approx(1 / 61)}


@pytest.mark.parametrize(
    ("dense", "sparse", "alpha", "best"),
    [
        ([(1, 0.9), (2, 0.1)], [(2, 30.0), (1, 10.0)], 0.5, None),  # symmetric: tie
        ([(1, 0.9), (2, 0.1)], [(2, 30.0), (1, 10.0)], 0.8, 1),
        ([(1, 0.9), (2, 0.1)], [(2, 30.0), (1, 10.0)], 0.2, 2),
        ([(1, 0.5)], [], 0.5, 1),
    ],
)
def test_convex_fusion(dense, sparse, alpha, best) -> None:  # type: ignore[no-untyped-def]
    fused = convex_fusion(dense, sparse, alpha)
    top = max(fused.values())
    winners = [item for item, score in fused.items() if score == pytest.approx(top)]
    assert winners == ([best] if best is not None else sorted(fused))


def test_coverage_counts_unknown_words_against_the_query() -> None:
    idf = {"工会": 1.0, "红烧肉": 5.0}
    assert coverage(["工会", "红烧肉"], {"工会"}, idf) == pytest.approx(1 / 6)
    assert coverage(["工会"], {"工会"}, idf) == 1.0
    assert coverage([], {"工会"}, idf) == 0.0


@pytest.mark.parametrize(
    ("query", "phrases"),
    [
        ("“劳动最光荣”出自哪里", ["劳动最光荣"]),
        ("要把广大职工群众紧密团结在党的周围", ["要把广大职工群众紧密团结在党的周围"]),
        ("工会如何维护职工权益", []),  # a question, not a quote
        ("智慧工会", []),  # too short to demand verbatim
    ],
)
def test_query_phrases(query: str, phrases: list[str]) -> None:
    assert query_phrases(query) == phrases


@pytest.mark.parametrize(
    ("number", "text"),
    [(1, "一"), (10, "十"), (14, "十四"), (20, "二十"), (44, "四十四"), (101, "一百零一"),
     (110, "一百一十"), (1260, "一千二百六十")],
)  # fmt: skip
def test_chinese_number(number: int, text: str) -> None:
    assert chinese_number(number) == text


def test_article_labels() -> None:
    assert article_labels("劳动法第44条和第 四十五 条") == ["第四十四条", "第四十五条"]
    assert article_labels("没有条文") == []


def test_best_sentence_is_the_matching_one_and_short_ones_get_a_neighbour() -> None:
    passage = _passage(
        1, "第一句讲天气。要大力弘扬劳模精神、劳动精神、工匠精神。第三句讲别的事情。"
    )
    spans = best_sentences(passage, "劳模精神", ["劳模", "精神"], {"劳模": 2.0, "精神": 1.0})
    assert [passage.text[s:e] for s, e in spans] == ["要大力弘扬劳模精神、劳动精神、工匠精神。"]
    short = _passage(2, "好。这是接下来很长的一句话，讲的是团结奋斗。")
    spans = best_sentences(short, "好", ["好"], {"好": 1.0})
    assert "".join(short.text[s:e] for s, e in spans) == short.text


def _result(
    passage: StoredPassage, score: float, sentence: tuple[int, int] | None = None
) -> SearchResult:
    return SearchResult(passage, score, [sentence or (passage.start, passage.end)])


def test_deduplicate_merges_the_same_sentence_and_lists_every_place() -> None:
    same = "要把广大职工群众紧密团结在党的周围。"
    later = _passage(1, same, date="2023-09-27", title="晚", doc="b")
    earlier = _passage(2, "另一句话在前面。" + same, date="2023-04-20", title="早", doc="a")
    other = _passage(3, "完全不同的内容在这里出现。", doc="c")
    results = [
        _result(later, 0.9),
        _result(other, 0.5),
        _result(earlier, 0.8, (8, 8 + len(same))),
    ]
    merged = deduplicate(results)
    assert len(merged) == 2
    first = merged[0]
    assert first.score == 0.9  # best score of the group
    assert first.passage.title == "早"  # the earliest source is the one shown
    assert [loc.title for loc in first.locations] == ["早", "晚"]  # earliest date first


def test_deduplicate_keeps_short_identical_sentences_in_different_passages() -> None:
    a = _passage(1, "好。第一段其余的内容很长很长。", doc="a")
    b = _passage(2, "好。第二段其余的内容完全不同。", doc="b")
    merged = deduplicate([_result(a, 1.0, (0, 2)), _result(b, 0.9, (0, 2))])
    assert len(merged) == 2


def test_mmr_prefers_variety() -> None:
    import numpy as np

    passages = [_passage(i, f"内容{i}。") for i in range(3)]
    results = [_result(p, s) for p, s in zip(passages, [1.0, 0.99, 0.5], strict=True)]
    vectors = {0: np.array([1.0, 0.0]), 1: np.array([1.0, 0.0]), 2: np.array([0.0, 1.0])}
    chosen = mmr(results, vectors, 2, lambda_=0.5)
    assert [r.passage.passage_id for r in chosen] == [0, 2]


@pytest.mark.parametrize(
    ("signals", "answerable"),
    [
        ({"exact": True}, True),
        ({"coverage": 0.7, "dense": 0.1}, True),
        ({"coverage": 0.2, "dense": 0.95}, True),
        ({"coverage": 0.35, "dense": 0.88}, True),  # moderately both
        ({"coverage": 0.2, "dense": 0.88}, False),
        ({"coverage": 0.1, "dense": 0.5}, False),
    ],
)
def test_is_answerable(signals: dict[str, Any], answerable: bool) -> None:
    settings = AbstentionSettings(
        min_coverage=0.5, min_dense=0.9, mixed_coverage=0.3, mixed_dense=0.875
    )
    result = SearchResult(_passage(1, "内容。"), 1.0, [(0, 3)], signals=Signals(**signals))
    assert is_answerable([result], settings) is answerable
    assert is_answerable([], settings) is False


@pytest.mark.parametrize(
    ("location", "card"),
    [
        (Location(1, "d", "讲话", None, "张三", "2023-09-27", None, "/p", 3, 0, 5),
         "“团结奋斗。”（《讲话》，张三，2023年9月27日）"),
        (Location(1, "d", "讲话", None, None, None, None, "/p", 3, 0, 5), "“团结奋斗。”（《讲话》）"),
        (Location(1, "d", None, None, None, None, None, "/p", 3, 0, 5), "“团结奋斗。”"),
    ],
)  # fmt: skip
def test_quote_card(location: Location, card: str) -> None:
    assert quote_card("团结奋斗。", location) == card


def test_format_date() -> None:
    assert format_date("2023-04-05") == "2023年4月5日"
    assert format_date(None) is None


def test_compose_extractive_cites_each_sentence() -> None:
    a = _passage(1, "第一句。要团结奋斗。", doc="a")
    b = _passage(2, "另一个来源说要改革创新。", doc="b")
    text, citations = compose_extractive(
        [_result(a, 1.0, (4, 10)), _result(b, 0.9)], max_sentences=3
    )
    assert text == "要团结奋斗。[1]另一个来源说要改革创新。[2]"
    assert [c.number for c in citations] == [1, 2]


# ----------------------------------------------------------------------------- against a collection


@pytest.fixture(scope="module")
def qa(sample_location: Path | str) -> QA:
    """The sample collection on each backend."""
    return QA.open(sample_location)


def test_search_returns_verbatim_sentences_with_provenance(qa: QA) -> None:
    response = qa.search("要把广大职工群众紧密团结在党的周围", top_k=5)
    assert response.answerable
    top = response.results[0]
    assert "要把广大职工群众紧密团结在党的周围" in top.sentence
    text = qa.reader().store.document_text(top.passage.doc_id)
    assert text is not None
    for start, end in top.sentence_spans:
        assert top.passage.start <= start < end <= top.passage.end
    assert text[top.passage.start : top.passage.end] == top.passage.text
    assert top.passage.title and top.passage.path and top.locations


def test_filters_by_author_date_and_document(qa: QA) -> None:
    by_author = qa.search("工会工作", top_k=10, filters=Filters(author="马璐")).results
    assert by_author and all(r.passage.author == "马璐" for r in by_author)
    dated = qa.search("工会工作", top_k=10, filters=Filters(date_from="2023-09-01")).results
    assert dated and all((r.passage.date or "") >= "2023-09-01" for r in dated)
    undated_range = qa.search("工会工作", top_k=10, filters=Filters(date_to="2000-01-01")).results
    assert undated_range == []
    doc_id = by_author[0].passage.doc_id
    in_doc = qa.search("劳动", top_k=10, filters=Filters(doc_ids=(doc_id,))).results
    assert in_doc and {r.passage.doc_id for r in in_doc} == {doc_id}


def test_newest_first_sort(qa: QA) -> None:
    """By the date each card shows: the text's own, then the upload date it shows
    as 上传于… (the review saw 上传于4月20日 before 上传于4月24日), undated last."""
    results = qa.search("工会 职工", top_k=10, sort="newest").results
    shown = [
        (2, r.passage.date) if r.passage.date else (1, r.passage.uploaded or "")
        if r.passage.uploaded else (0, "")
        for r in results
    ]  # fmt: skip
    assert shown == sorted(shown, reverse=True)
    assert {kind for kind, _ in shown} >= {1, 2}  # both kinds are in the samples' top ten


def test_out_of_collection_question_abstains_with_related_passages(qa: QA) -> None:
    answer = qa.ask("红烧肉怎么做才好吃？")
    assert not answer.answerable
    assert answer.text == "资料中未找到与此问题直接相关的内容。"
    assert answer.related and not answer.citations


def test_extractive_answer_quotes_are_verbatim_and_verified(qa: QA) -> None:
    answer = qa.ask("要大力弘扬劳模精神、劳动精神、工匠精神")
    assert answer.answerable and answer.citations
    for citation in answer.citations:
        assert citation.quote in citation.passage.text
        assert f"{citation.quote}[{citation.number}]" in answer.text
    assert answer.verification.unverified == 0 and answer.verification.verified == len(
        answer.citations
    )
    assert "核对" in answer.to_markdown()


def test_paragraph_context(qa: QA) -> None:
    top = qa.search("职工之家", top_k=1).results[0]
    start, end, text = qa.paragraph(top.passage.doc_id, top.passage.paragraph_index + 1) or (
        0,
        0,
        "",
    )
    assert top.passage.text in text and start <= top.passage.start and top.passage.end <= end


def test_reranker_is_a_pluggable_step(sample_collection: Path) -> None:
    """A reranker (e.g. a CrossEncoder a user has) reorders candidates before de-duplication."""

    class ReverseByLength:
        def __init__(self) -> None:
            self.seen: list[int] = []

        def rerank(self, query: str, results: list[SearchResult]) -> list[SearchResult]:
            self.seen.append(len(results))
            return sorted(results, key=lambda r: len(r.passage.text))

    reranker = ReverseByLength()
    qa = QA.open(sample_collection, reranker=reranker)
    results = qa.search("工会工作", top_k=5).results
    assert reranker.seen and reranker.seen[0] >= 5
    lengths = [len(r.passage.text) for r in results]
    assert lengths == sorted(lengths)


def test_normalising_a_folded_text_gives_the_same_as_normalising_the_text() -> None:
    """The best-sentence choice folds each sentence once (NFKC + lower case) and
    derives the comparison form from that; it must be exactly ``normalise``."""
    import random

    from embeddings.sparse import normalise_for_tokens
    from qa.text import normalise, normalise_folded

    samples = Path(__file__).resolve().parent.parent / "corpus" / "samples"
    texts = [
        line
        for path in sorted(samples.glob("*.txt"))
        for line in path.read_text("utf-8").splitlines()
    ]
    alphabet = "ＡＢａｂİIK，。；：！？（）【】“”‘’「」《》—–－…·・ \t\u3000\u00a0ﬁ①Ⅻ㈱가工会劳动"
    rng = random.Random(7)
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(2000)]
    for text in texts:
        assert normalise_folded(normalise_for_tokens(text)) == normalise(text), text


def test_a_search_reads_each_sentence_cosine_and_passage_outline_once(
    sample_collection: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The candidates' sentence list, the verbatim-phrase check, the ranking
    features and each result's best sentence ask for overlapping sentences and
    passages; each is read once a search (qa/retrieval/reads.py; reading sentence
    vectors by id three times was ~12 ms of a search at 81k passages)."""
    from qa.retrieval import retriever

    monkeypatch.setattr(retriever, "SENTENCE_SCAN_LIMIT", 0)  # as above 100k sentences
    qa = QA.open(sample_collection)
    sentences = qa.reader().sentences
    assert sentences is not None
    asked: list[int] = []
    original = sentences.similarities

    def counting(vector: Any, keys: Any) -> dict[int, float]:
        asked.extend(keys)
        return original(vector, keys)

    monkeypatch.setattr(sentences, "similarities", counting)
    store = qa.reader().store
    outlined: list[int] = []
    read_outlines = store.passage_outlines

    def counting_outlines(ids: list[int]) -> dict[int, tuple[str, int]]:
        outlined.extend(ids)
        return read_outlines(ids)

    monkeypatch.setattr(store, "passage_outlines", counting_outlines)
    results = qa.search("“工会工作”如何维护职工合法权益", top_k=10).results
    assert results and asked and outlined
    assert len(asked) == len(set(asked))
    assert len(outlined) == len(set(outlined))
    assert any(len(r.passage.sentences) >= 2 for r in results)


def test_sharing_a_search_s_reads_changes_no_result(
    sample_collection: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QueryReads only remembers what a search read: reading everything afresh at
    every step gives the same results, scores and sentences."""
    from qa.retrieval import retriever
    from qa.retrieval.reads import QueryReads

    monkeypatch.setattr(retriever, "SENTENCE_SCAN_LIMIT", 0)  # as above 100k sentences
    qa = QA.open(sample_collection)
    queries = [
        "工会如何维护职工合法权益",
        "“劳模精神”",
        "马璐在文章中说了什么",
        "产业工人队伍建设改革",
    ]

    def run() -> list[list[tuple[int, float, list[tuple[int, int]]]]]:
        return [
            [(r.passage.passage_id, r.score, r.sentence_spans) for r in qa.search(q).results]
            for q in queries
        ]

    shared = run()

    def fresh_cosines(self: QueryReads, keys: list[int]) -> dict[int, float]:
        sentences = self._sentences
        return {} if sentences is None else sentences.similarities(self.vector, keys)

    def fresh_outlines(self: QueryReads, ids: list[int]) -> dict[int, tuple[str, int]]:
        return self._store.passage_outlines(ids)

    monkeypatch.setattr(QueryReads, "sentence_cosines", fresh_cosines)
    monkeypatch.setattr(QueryReads, "outlines", fresh_outlines)
    unshared = run()
    assert all(shared)
    for mine, theirs in zip(shared, unshared, strict=True):
        assert [(i, spans) for i, _, spans in mine] == [(i, spans) for i, _, spans in theirs]
        assert [score for _, score, _ in mine] == pytest.approx([s for _, s, _ in theirs], abs=1e-6)
