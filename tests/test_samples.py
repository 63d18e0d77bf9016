"""The sample collection end to end: what issue #2 promises about real, dirty files."""

from __future__ import annotations

import re

import pytest

from collection import IndexDirectory
from corpus import CorpusStore, Document, samples_path
from corpus.cleaning import SPAM_TERMS

BOILERPLATE = [
    "上传人", "文档编号", "上传时间", "下载", "举报", "第1页", "共3页", "共5页", "亲,该文档",
    "资源描述", "由会员分享", "展开阅读全文", "相关资源", "猜你喜欢", "相关搜索", "当前位置",
    "copyright", "ICP", "版权所有", "本站", "客服", "收藏", "分享", "温馨提示", "ID:", "大小:",
    "页数:", "格式:", "购物车", "我的足迹", "加入Vip", "投注官网", "首页 >", "公网安备",
    "此文档下载收益", "你可能关注", "技术支持", ".docx", "发表时间", "浏览:",
]  # fmt: skip


def _sample_path(prefix: str):  # type: ignore[no-untyped-def]
    return next(p for p in samples_path().iterdir() if p.name.startswith(prefix))


def _by_prefix(documents: dict[str, Document], prefix: str) -> Document:
    return next(d for name, d in documents.items() if name.startswith(prefix))


def test_no_boilerplate_survives_into_any_passage(sample_documents: dict[str, Document]) -> None:
    for document in sample_documents.values():
        for passage in document.passages:
            for noise in BOILERPLATE:
                assert noise.lower() not in passage.text.lower(), (noise, passage.text[:60])
            assert not re.match(r"^\d{1,2}、", passage.text), passage.text[:40]
            assert not re.search(r"第\s*\d+\s*页", passage.text)


def test_page_fragment_splits_are_joined(sample_documents: dict[str, Document]) -> None:
    joined = {
        "000": ["要把广大职工群众紧密团结在党的周围", "要坚持全心全意依靠工人阶级的根本方针",
                "对工会工作取得的新成绩", "首先要体现在亿万劳动者身上"],
        "003": ["2022年全总党组和理论学习中心组专题学习40次", "2022年6月底召开全国总工会",
                "党中央重大决策部署", "进一步推动学习宣传贯彻工作往实里走"],
    }  # fmt: skip
    for prefix, sentences in joined.items():
        document = _by_prefix(sample_documents, prefix)
        for sentence in sentences:
            assert any(sentence in p.text for p in document.passages), sentence


def test_line_wraps_and_layout_spaces_are_undone(sample_documents: dict[str, Document]) -> None:
    pdf_like = _by_prefix(sample_documents, "004")
    text = "".join(p.text for p in pdf_like.passages)
    assert "增强人民群众获得感、幸福感、安全感。" in text
    assert not re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", text)
    spaced = _by_prefix(sample_documents, "002")
    assert "今天,我们召开市总工会x届x次全委会议" in spaced.text
    assert any(p.text.startswith("今天,我们召开") for p in spaced.passages)
    broken_after_comma = _by_prefix(sample_documents, "001")
    assert (
        "大国工匠论坛的机制化建设,深化劳模和工匠人才创新工作室创建工作" in broken_after_comma.text
    )


def test_multi_article_file_yields_one_section_per_article(
    sample_documents: dict[str, Document],
) -> None:
    document = _by_prefix(sample_documents, "001")
    authored = [s for s in document.sections if s.author]
    assert [s.author for s in authored] == [
        "熊选国", "谭天星", "江广平", "杨宇栋", "李金英", "魏地春", "朱建平", "马璐", "邹震", "金善文",
    ]  # fmt: skip
    assert authored[0].title == "切实实现好维护好发展好工人阶级和广大劳动群众合法权益"
    assert authored[4].author_note == "中央纪委国家监委驻全总机关纪检监察组组长、全国总工会党组成员"
    # every passage of an article knows its author
    passages = [p for p in document.passages if document.sections[p.section_index].author]
    assert len(passages) >= 80
    by_author = {document.sections[p.section_index].author for p in passages}
    assert len(by_author) == 10
    # the bylines are metadata, never quotes
    assert not any(
        p.text in {"熊选国", "马璐"} or p.text.startswith("(作者系") for p in document.passages
    )


def test_metadata(sample_documents: dict[str, Document]) -> None:
    # ``date`` is the date a citation may give (the event's or the publication's);
    # a download site's upload date is kept apart, labelled, in ``dates``.
    expected = {
        "000": ("2023学习中国工会第十八次全国代表大会精神感悟", "2023-10-09", None, "2024-08-13"),
        "001": ("全国总工会党组理论学习中心组集中学习《澳门金沙:澳门金沙:工人阶级和工会工作论述摘编》体会",
                "2023-09-27", "工人日报", None),
        "002": ("2023年市总工会全委会议上的致辞", None, None, "2023-04-24"),
        "003": ("2023年强化理论武装把牢政治方向", None, None, "2023-04-20"),
        "004": ("在工会“践行宗旨为民造福”专题学习研讨交流会上的讲话", None, None, None),
    }  # fmt: skip
    for prefix, (title, date, source, uploaded) in expected.items():
        document = _by_prefix(sample_documents, prefix)
        upload = next((d.date for d in document.dates if d.kind == "uploaded"), None)
        assert (document.title, document.date, document.source, upload) == (
            title, date, source, uploaded
        )  # fmt: skip


def test_the_eighteenth_congress_text_is_dated_by_its_meeting(
    sample_documents: dict[str, Document],
) -> None:
    document = _by_prefix(sample_documents, "000")
    event = [d for d in document.dates if d.kind == "event"]
    assert [d.date for d in event] == ["2023-10-09"]
    assert "开幕" in event[0].evidence or "大会" in event[0].evidence
    assert document.date != "2024-08-13"


def test_page_dumps_are_never_cited_by_paragraph(sample_documents: dict[str, Document]) -> None:
    for prefix in ("000", "003"):
        document = _by_prefix(sample_documents, prefix)
        assert not document.paragraphs_real
        assert all(locator.paragraph is None for locator in document.locators)
        pages = [locator.page for locator in document.locators]
        assert None not in pages and pages == sorted(pages) and pages[-1] > 1
        # the page a passage is cited on holds its first words in the source file
        raw = [line for line in _sample_path(prefix).read_text(encoding="utf-8").splitlines()
               if line[:1].isdigit() and "、" in line[:4]]  # fmt: skip
        for passage, locator in zip(document.passages, document.locators, strict=True):
            fragment = next(line for line in raw if line.startswith(f"{locator.page}、"))
            fragment_words = re.sub(r"\s", "", fragment)
            next_fragment = next(
                (line for line in raw if line.startswith(f"{(locator.page or 0) + 1}、")), ""
            )
            head = re.sub(r"\s", "", passage.text)[:8]
            assert head in fragment_words or head in fragment_words + re.sub(
                r"^\d+、", "", next_fragment
            )


def test_every_spam_term_in_the_samples_is_a_damage_span(
    sample_documents: dict[str, Document],
) -> None:
    document = _by_prefix(sample_documents, "001")
    marked = [(d.start, d.end) for d in document.damage if d.code == "spam"]
    for term in SPAM_TERMS:
        for match in re.finditer(re.escape(term), document.text):
            assert any(start <= match.start() and match.end() <= end for start, end in marked)
    # the colon the injection left goes with the spam, the name after it does not
    assert all(document.text[end : end + 1] not in ":：" for _, end in marked)
    assert all("总书记" not in document.text[start:end] for start, end in marked)


def test_speech_samples_are_speeches_and_quoted_speakers_are_found(
    sample_documents: dict[str, Document],
) -> None:
    assert _by_prefix(sample_documents, "002").kind == "speech"
    assert _by_prefix(sample_documents, "004").kind == "speech"
    # neither sample speech names its speaker: none is guessed
    assert _by_prefix(sample_documents, "002").sections[0].author is None
    assert _by_prefix(sample_documents, "004").sections[0].author is None
    speakers_003 = {q.speaker for q in _by_prefix(sample_documents, "003").quotations}
    assert speakers_003 == {"习近平总书记", "全国总工会主席王东明"}
    spam_quotes = _by_prefix(sample_documents, "001").quotations
    assert spam_quotes and all(q.speaker == "总书记" and q.damaged for q in spam_quotes)


def test_spam_injected_document_is_flagged(sample_documents: dict[str, Document]) -> None:
    flagged = {
        name[:3]
        for name, d in sample_documents.items()
        if any(w.code == "spam" for w in d.warnings)
    }
    assert flagged == {"001"}
    conversion = {
        name[:3]
        for name, d in sample_documents.items()
        if any(w.code == "conversion" for w in d.warnings)
    }
    assert conversion == {"002", "003"}


def test_passages_equal_cleaned_text_at_offsets(sample_documents: dict[str, Document]) -> None:
    total = 0
    for document in sample_documents.values():
        for passage in document.passages:
            assert document.text[passage.start : passage.end] == passage.text
            total += 1
        for sentence in document.sentences:
            paragraph = document.paragraphs[sentence.paragraph_index]
            assert paragraph.start <= sentence.start < sentence.end <= paragraph.end
    assert total > 100


def test_passage_sizes_fit_quoting(sample_documents: dict[str, Document]) -> None:
    lengths = [len(p.text) for d in sample_documents.values() for p in d.passages]
    assert sum(lengths) / len(lengths) <= 300
    body = [n for n in lengths if n > 40]
    assert sum(body) / len(body) >= 100


def test_stored_collection_carries_warnings_on_every_passage(sample_collection) -> None:
    generation = IndexDirectory(sample_collection).live_generation()
    assert generation is not None
    store = CorpusStore(generation / "corpus.sqlite", read_only=True)
    try:
        spam_doc = next(d for d in store.documents() if any(w.code == "spam" for w in d.warnings))
        passages = [p for p in store.passages() if p.doc_id == spam_doc.doc_id]
        assert passages and all("spam" in p.warnings for p in passages)
        for passage in store.passages():
            text = store.document_text(passage.doc_id)
            assert text is not None and text[passage.start : passage.end] == passage.text
    finally:
        store.close()


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_every_sample_has_quotable_passages(
    sample_documents: dict[str, Document], prefix: str
) -> None:
    assert len(_by_prefix(sample_documents, prefix).passages) >= 5
