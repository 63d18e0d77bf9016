"""What issue #10 promises on the sample collection, through the library and the
web page's actions (hash embedder): locators, dates, speakers, marked damage."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpus.cleaning import SPAM_TERMS
from qa import QA, Filters, SearchResult
from ui import render
from ui.actions import WebActions

PAGE_DUMPS = ("十八次", "强化理论武装")


@pytest.fixture(scope="module")
def qa(sample_collection: Path) -> QA:
    return QA.open(sample_collection)


def _every_passage_as_a_result(qa: QA) -> list[SearchResult]:
    """Each passage as if it were the search result, quoting all its sentences."""
    return [
        SearchResult(passage, 1.0, passage.sentences) for passage in qa.reader().store.passages()
    ]


def test_no_quote_from_the_page_dumps_is_cited_by_a_paragraph_number(qa: QA) -> None:
    dumps = [r for r in _every_passage_as_a_result(qa)
             if any(word in (r.passage.title or "") for word in PAGE_DUMPS)]  # fmt: skip
    assert len(dumps) > 20
    for result in dumps:
        item = render.basket_item(result, Path("/"))
        copied = item.copy_text()
        assert not re.search(r"第[1一]段", copied), copied
        assert re.search(r"第\d+片段", copied)
        assert "第1片段" in copied or result.passage.locator.page != 1


def test_the_eighteenth_congress_text_is_never_dated_by_its_upload(qa: QA) -> None:
    congress = [r for r in _every_passage_as_a_result(qa) if "十八次" in (r.passage.title or "")]
    for result in congress:
        item = render.basket_item(result, Path("/"))
        assert item.date == "2023-10-09"
        assert "2024-08-13" not in item.copy_text()
        assert "2023-10-09" in item.citation()


def test_every_spam_span_is_marked_and_never_copied_unmarked(qa: QA) -> None:
    results = _every_passage_as_a_result(qa)
    damaged = [r for r in results if any(term in r.passage.text for term in SPAM_TERMS)]
    assert len(damaged) > 20
    for result in damaged:
        item = render.basket_item(result, Path("/"))
        spam = [(start, end) for start, end, code, _ in item.damage if code == "spam"]
        for term in SPAM_TERMS:
            for match in re.finditer(re.escape(term), item.quote):
                assert any(s <= match.start() and match.end() <= e for s, e in spam)
        assert item.quote == result.sentence.strip()  # still verbatim
        copied = item.copy_text()
        note = item.note()
        assert note is not None and note in copied
        for start, end in spam:
            assert f"“{item.quote[start:end]}”疑为注入的垃圾词" in note
        card = render.results_html([result], [item])
        assert card.count('<del class="yw-damage yw-spam"') >= len(spam)
        if any(term in item.title for term in SPAM_TERMS if item.title):
            # the title a citation names is marked too
            assert "标题中" in note


def test_speakers_quoted_in_the_samples_are_found_and_filter(qa: QA) -> None:
    response = qa.search("学习贯彻重要论述", filters=Filters(author="王东明"))
    assert response.results
    assert all(
        any("王东明" in q.speaker for q in r.passage.quoted) or "王东明" in (r.passage.author or "")
        for r in response.results
    )
    actions = WebActions(qa)
    shown = actions.find_quotes("王东明强调学习贯彻要聚精会神、持之以恒、不断深化", author="王东明")
    assert "引述：全国总工会主席王东明" in shown


def test_an_answer_quoting_damaged_words_carries_the_note(qa: QA) -> None:
    answer = qa.ask("服务群众、维护群众权益为什么不能站在纯服务、纯业务的角度？")
    damaged = [c for c in answer.citations if "澳门金沙" in c.quote]
    assert damaged
    markdown = answer.to_markdown()
    for citation in damaged:
        note = citation.damage_note()
        assert note and "“澳门金沙:”疑为注入的垃圾词" in note and note in markdown
        assert "引述：总书记（姓名处疑被垃圾词替换）" in citation.card()
        assert citation.as_dict()["damage_note"] == note


def test_quote_cards_holding_the_query_as_typed_say_so(qa: QA, sample_collection: Path) -> None:
    """A writer searching a phrase tells the exact matches from those that only
    mean the same (the review found results 8-10 of "新就业形态劳动者" lacking it)."""
    assert render.holds_query("职工书屋要有场地、有书刊，有ＡＢ。", "职工书屋 有场地、有书刊 有AB")
    assert not render.holds_query("职工书屋要有场地。", "职工书屋 有书刊")
    assert not render.holds_query("任何文字", "  ")
    response = qa.search("新就业形态劳动者", top_k=10)
    items = [render.basket_item(r, sample_collection) for r in response.results]
    page = render.results_html(response.results, items, query="新就业形态劳动者")
    cards = page.split('<div class="yw-card"')[1:]
    assert len(cards) == len(response.results)
    marked = ['class="yw-holds"' in card for card in cards]
    holding = ["新就业形态劳动者" in r.passage.text for r in response.results]
    assert marked == holding and any(holding)


def test_a_document_with_only_an_upload_date_shows_it_everywhere(sample_collection: Path) -> None:
    """The library and the picker said 日期不详 where the cards said 上传于… (review)."""
    from collection import Collection

    documents = Collection(sample_collection).documents()
    undated = [d for d in documents if not d.date and d.uploaded]
    assert undated
    table = render.documents_html(documents, sample_collection)
    for document in undated:
        assert render.document_date(document).startswith("上传于")
        assert render.document_date(document) in table
        assert f"（上传于{document.uploaded}）" in WebActions.choice(document)[0]
