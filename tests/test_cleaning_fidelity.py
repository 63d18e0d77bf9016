"""Cleaning never removes words from inside a line of real text.

A title is metadata, and a standalone repeat of it may go; but when the
body's first sentence *begins* with the title ("锣鼓经是大陆传统器乐……"), or a
heading begins with it, every word of that line must survive cleaning, or
quotes from it would not be verbatim.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.cleaning import clean_text

# Common characters only, so no generated line looks like chrome, a date or a page marker.
HAN = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质"


def _line(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=HAN, min_size=min_size, max_size=max_size)


@settings(max_examples=150, deadline=None)
@given(title=_line(2, 12), rest=_line(8, 60), more=_line(20, 80))
def test_title_at_the_start_of_the_first_sentence_is_kept(title: str, rest: str, more: str) -> None:
    """The CMRC shape: title line, blank line, a paragraph that begins with the title."""
    first = f"{title}{rest}。"
    raw = f"{title}\n\n{first}{more}。\n"
    text = clean_text(raw).text
    assert first in text


@settings(max_examples=150, deadline=None)
@given(title=_line(2, 12), body=_line(20, 80), more=_line(20, 80))
def test_title_on_a_line_of_its_own_may_go_but_the_body_stays(
    title: str, body: str, more: str
) -> None:
    raw = f"{title}\n\n{title}\n\n{body}。{more}。\n"
    text = clean_text(raw).text
    assert f"{body}。{more}。" in text


@settings(max_examples=150, deadline=None)
@given(title=_line(2, 10), tail=_line(2, 10), body=_line(20, 80))
def test_title_as_the_prefix_of_a_heading_keeps_the_heading(
    title: str, tail: str, body: str
) -> None:
    heading = title + tail
    raw = f"{title}\n\n{heading}\n\n{body}。\n"
    cleaned = clean_text(raw).text
    assert heading in cleaned.split("\n")
    assert f"{body}。" in cleaned


@settings(max_examples=100, deadline=None)
@given(title=_line(2, 12), lines=st.lists(_line(10, 50), min_size=1, max_size=6))
def test_every_sentence_line_survives(title: str, lines: list[str]) -> None:
    """Whatever the title, every sentence of the body is in the cleaned text word for word."""
    body = [f"{title}{lines[0]}。", *(f"{line}。" for line in lines[1:])]
    raw = title + "\n\n" + "\n".join(body) + "\n"
    compact = re.sub(r"\s", "", clean_text(raw).text)
    for sentence in body:
        assert sentence in compact


def test_cmrc_shaped_file_keeps_its_first_words() -> None:
    raw = "锣鼓经\n\n锣鼓经是大陆传统器乐及戏曲里面常用的打击乐记谱方法，以中文字的声音模拟敲击乐的声音。\n"
    assert clean_text(raw).text.startswith("锣鼓经是大陆传统器乐")


def test_a_title_glued_to_the_text_stays_with_its_line() -> None:
    """Only whole lines go: the title line is dropped, the line that starts with it is kept."""
    raw = "民风淳朴\n\n民风淳朴 来吧 阿勒泰路\n"
    assert clean_text(raw).text == "民风淳朴 来吧 阿勒泰路"


def test_a_parenthesis_after_the_subject_does_not_split_the_sentence() -> None:
    raw = "盾柱木\n\n盾柱木 （学名：Peltophorum pterocarpum），是豆科盾柱木属的植物，原产于中国海南岛。\n"
    assert clean_text(raw).text.startswith("盾柱木（学名：")  # the layout space goes, no word


def test_a_space_inside_an_open_title_mark_does_not_split_the_paragraph() -> None:
    """Before: "《卡美拉" became a heading of its own and the title was cut in two passages."""
    raw = (
        "卡美拉 大怪兽空中决战\n\n《卡美拉 大怪兽空中决战》（原名：ガメラ 大怪獣空中决戦）"
        "是1995年上映的日本怪兽电影，卡美拉系列电影的第9部作品。\n"
    )
    paragraphs = clean_text(raw).text.split("\n")
    assert any(p.startswith("《卡美拉大怪兽空中决战》（原名") for p in paragraphs)
    assert "《卡美拉" not in paragraphs


def test_a_colon_inside_a_parenthesis_is_not_a_salutation() -> None:
    """Before: "耶利米（希伯来文：" ended a paragraph like "同志们：" does."""
    raw = (
        "耶利米\n\n耶利米（希伯来文： יִרְמְיָהוּ）是《圣经》中犹大国灭国前，最黑暗时的一位先知，"
        "《旧约圣经》中《耶利米书》、《耶利米哀歌》的作者。\n"
    )
    paragraphs = clean_text(raw).text.split("\n")
    assert paragraphs[0].startswith("耶利米（希伯来文：")
    assert "是《圣经》中犹大国灭国前" in paragraphs[0]


def test_an_unclosed_bracket_does_not_glue_a_long_line_together() -> None:
    """A stray "（" is a typo after a while: later sentence ends still end paragraphs."""
    first = "（这是一个没有闭合的括号" + "，内容很长" * 30 + "。"
    line = first + " 第二段落从这里开始，内容也很长很长很长很长很长很长很长。"
    paragraphs = clean_text("标题\n\n" + line + "\n").text.split("\n")
    assert paragraphs[-1].startswith("第二段落从这里开始")
