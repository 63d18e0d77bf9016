"""Sentences, passages and sections."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.segment import ChunkingSettings, find_sections, pack_sentences, segment, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("第一句。第二句！第三句？", ["第一句。", "第二句！", "第三句？"]),
        ("他说：“要团结。”然后走了。", ["他说：“要团结。”", "然后走了。"]),
        ("一是加强；二是改进；", ["一是加强；", "二是改进；"]),
        ("省略号……后面还有", ["省略号……", "后面还有"]),
        ("用真功?笃行实作见行动。", ["用真功?笃行实作见行动。"]),  # "?" for a lost character
        ("Is it? Yes!", ["Is it?", " Yes!"]),
        ("没有句号的标题", ["没有句号的标题"]),
        (
            "引号不闭合“学什么和“怎么学的问题。下一句。",
            ["引号不闭合“学什么和“怎么学的问题。", "下一句。"],
        ),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in split_sentences(text)] == expected


def test_split_sentences_covers_every_character() -> None:
    text = "甲。乙！“丙？”丁"
    spans = split_sentences(text, offset=10)
    assert spans[0][0] == 10 and spans[-1][1] == 10 + len(text)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))


@pytest.mark.parametrize(
    ("lengths", "expected"),
    [
        ([50, 50, 50], [(0, 3)]),  # fits: one passage
        ([120, 120, 120, 120], [(0, 2), (2, 4)]),  # even split, not 240+240 greedy by chance
        ([400, 50], [(0, 1), (1, 2)]),  # an over-long sentence stands alone, never cut
    ],
)
def test_pack_sentences(lengths: list[int], expected: list[tuple[int, int]]) -> None:
    assert pack_sentences(lengths, ChunkingSettings()) == expected


def test_pack_sentences_avoids_a_trailing_scrap() -> None:
    groups = pack_sentences([100] * 7, ChunkingSettings())
    assert sorted((end - start) * 100 for start, end in groups) == [200, 200, 300]


@given(st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=40))
@settings(max_examples=200, deadline=None)
def test_pack_sentences_properties(lengths: list[int]) -> None:
    chunking = ChunkingSettings()
    groups = pack_sentences(lengths, chunking)
    # contiguous cover of all sentences, in order
    assert groups[0][0] == 0 and groups[-1][1] == len(lengths)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(groups))
    for start, end in groups:
        size = sum(lengths[start:end])
        assert size <= chunking.max_chars or end - start == 1


_sentence = st.text(
    alphabet=st.sampled_from(list("工会职工群众团结党的周围要把强国建设民族复兴“”，、 ab1")),
    min_size=1,
    max_size=80,
).map(lambda s: s + "。")
_paragraph = st.lists(_sentence, min_size=1, max_size=8).map("".join)


@given(st.lists(_paragraph, min_size=1, max_size=6))
@settings(max_examples=150, deadline=None)
def test_passages_are_exact_slices_of_the_text(paragraphs: list[str]) -> None:
    text = "\n".join(paragraphs)
    result = segment(text, "标题")
    for passage in result.passages:
        assert text[passage.start : passage.end] == passage.text
        first = result.paragraphs[passage.paragraph_index]
        last = result.paragraphs[passage.paragraph_end - 1]
        assert first.start <= passage.start < passage.end <= last.end
        assert passage.paragraph_end == passage.paragraph_index + 1 or all(
            p.is_heading for p in result.paragraphs[passage.paragraph_index : passage.paragraph_end]
        )
        first = result.sentences[passage.sentence_start]
        last = result.sentences[passage.sentence_end - 1]
        assert (first.start, last.end) == (passage.start, passage.end)


def test_find_sections_multi_article() -> None:
    paragraphs = [
        "推动学习走深走实",
        "——集中学习体会",
        "第一篇标题",
        "张三",
        "第一篇正文。很长的正文内容在这里，足够长足够长足够长足够长足够长足够长足够长。",
        "(作者系某单位负责人)",
        "学深悟透 真抓实干",
        "推动各项工作",
        "李四",
        "第二篇正文。很长的正文内容在这里，足够长足够长足够长足够长足够长足够长足够长。",
        "（作者系另一单位负责人）",
        "来源说明。",
    ]
    spans = []
    position = 0
    for paragraph in paragraphs:
        spans.append((position, position + len(paragraph)))
        position += len(paragraph) + 1
    sections, section_of, bylines = find_sections(paragraphs, spans, "合集标题", None)
    assert [(s.title, s.author, s.author_note) for s in sections] == [
        ("合集标题", None, None),
        ("第一篇标题", "张三", "某单位负责人"),
        ("学深悟透 真抓实干 推动各项工作", "李四", "另一单位负责人"),
        ("合集标题", None, None),
    ]
    assert section_of == [0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3]
    assert bylines == {3, 5, 8, 10}


def test_single_article_gets_document_title_and_author() -> None:
    result = segment("正文第一句。正文第二句。", "标题", "王五")
    assert [(s.title, s.author) for s in result.sections] == [("标题", "王五")]


def test_bylines_and_salutations_make_no_passage() -> None:
    text = "第一篇文章的标题\n张三\n同志们:\n正文第一句话在这里。\n(作者系某单位负责人)"
    result = segment(text, "标题")
    assert [p.text for p in result.passages] == ["第一篇文章的标题", "正文第一句话在这里。"]


def test_consecutive_heading_lines_are_one_passage() -> None:
    text = (
        "始终坚持党的领导\n坚定不移走中国特色社会主义\n工会发展道路\n杨宇栋\n正文第一句话在这里。"
    )
    result = segment(text + "\n(作者系某单位负责人)", "标题")
    assert [p.text for p in result.passages] == [
        "始终坚持党的领导\n坚定不移走中国特色社会主义\n工会发展道路",
        "正文第一句话在这里。",
    ]
    assert (result.passages[0].paragraph_index, result.passages[0].paragraph_end) == (0, 3)
