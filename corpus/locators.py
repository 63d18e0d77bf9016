"""Locators: where in its source a reader can check a passage - the page, the
numbered heading above it (一、/（一）/一是), the paragraph where paragraph
breaks are real, and a law's article.

A locator is only what the source supports: a page dump whose line breaks
were lost has no paragraph numbers, and a text without numbered headings has
no heading label. Nothing is guessed.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from .model import Locator, PageStart, Paragraph, Passage, Section

_DIGITS = "零一二三四五六七八九"
_NUMERAL = "[一二三四五六七八九十]{1,3}"
# A numbered heading starts a paragraph, or follows a sentence end where a
# page dump glued the heading to the text before it.
_HEADING = re.compile(
    rf"(?m)(?:^|(?<=[。！？；!?]))[ \t]*"
    rf"(?:(?P<top>{_NUMERAL})、|[（(](?P<sub>{_NUMERAL})[)）]|(?P<item>[一二三四五六七八九十])是)"
)
_ARTICLE_START = re.compile(r"第[一二三四五六七八九十百千零〇两\d]+条(?=[\s　])")
# A passage that opens a law article: its label in Chinese numerals, then a space.
_ARTICLE_HEAD = re.compile(r"(第[一二三四五六七八九十百千零〇两]+条)[ \u3000]")
ARTICLE_HEAD_CHARS = 16
_HEADING_WORDS = re.compile(r"[^。！？；!?\n]{1,40}")
# Paragraph numbers mean nothing in a text this lumped together.
_LUMPED_PARAGRAPH_CHARS = 2000


def article_label(passage_text: str) -> str | None:
    """The law article a passage opens ("第四十四条 用人单位…" → "第四十四条"), or None.

    Stored with each passage at ingest (the ``article_heads`` table of both
    backends), so that a query naming an article finds it without a scan of
    every passage's text when a snapshot opens."""
    match = _ARTICLE_HEAD.match(passage_text[:ARTICLE_HEAD_CHARS])
    return match.group(1) if match else None


def chinese_numeral(number: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十, 105 → 一百零五 (as paragraph and part numbers are written)."""
    if number <= 0:
        return str(number)
    if number < 10:
        return _DIGITS[number]
    if number < 20:
        return "十" + (_DIGITS[number % 10] if number % 10 else "")
    if number < 100:
        return _DIGITS[number // 10] + "十" + (_DIGITS[number % 10] if number % 10 else "")
    if number < 1000:
        rest = number % 100
        tail = ""
        if rest:
            tail = ("零" + _DIGITS[rest]) if rest < 10 else chinese_numeral(rest)
            if 10 <= rest < 20:
                tail = "一" + tail
        return _DIGITS[number // 100] + "百" + tail
    return str(number)


def parse_numeral(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十三 → 23; None for what is not a small Chinese numeral."""
    if not text or any(c not in _DIGITS + "十" for c in text):
        return None
    if "十" not in text:
        return _DIGITS.index(text) if len(text) == 1 else None
    tens, _, units = text.partition("十")
    value = (_DIGITS.index(tens) if tens else 1) * 10
    return value + (_DIGITS.index(units) if units else 0) if len(units) <= 1 else None


@dataclass(frozen=True)
class Heading:
    offset: int
    level: int  # 0: 一、  1: （一）  2: 一是
    label: str  # "一", "（二）", "三是"
    words: str  # the heading's own words, up to its first sentence end


def find_headings(text: str, start: int = 0, end: int | None = None) -> list[Heading]:
    """Numbered headings of ``text[start:end]`` that count in sequence.

    A level's numbers must go 1, 2, 3…: a "三、" that follows no "二、" is a
    list inside a sentence, not a heading. A new outer heading restarts the
    inner levels.
    """
    end = len(text) if end is None else end
    expected = [1, 1, 1]
    found: list[Heading] = []
    for match in _HEADING.finditer(text, start, end):
        level = 0 if match.group("top") else 1 if match.group("sub") else 2
        numeral = match.group("top") or match.group("sub") or match.group("item")
        number = parse_numeral(numeral)
        if number is None or (number != expected[level] and number != 1):
            continue
        expected[level] = number + 1
        for inner in range(level + 1, 3):
            expected[inner] = 1
        label = (numeral, f"（{numeral}）", f"{numeral}是")[level]
        words_match = _HEADING_WORDS.match(text, match.end())
        words = text[match.start() : words_match.end() if words_match else match.end()].strip()
        found.append(Heading(match.start(), level, label, words))
    return found


def headings_at(headings: list[Heading], offset: int) -> list[Heading]:
    """The headings in force at ``offset``: the last of each level, outer before inner."""
    active: list[Heading] = []
    for heading in headings:
        if heading.offset > offset:
            break
        active = [h for h in active if h.level < heading.level] + [heading]
    return active


def paragraphs_are_real(paragraphs: list[Paragraph], page_dump: bool) -> bool:
    """False when paragraph numbers would be an artefact: a page dump whose line
    breaks were lost, or a text lumped into one or two very long lines."""
    if page_dump:
        return False
    body = [p for p in paragraphs if not p.is_heading]
    return not (len(body) <= 2 and any(p.end - p.start > _LUMPED_PARAGRAPH_CHARS for p in body))


def locate(
    text: str,
    sections: list[Section],
    paragraphs: list[Paragraph],
    passages: list[Passage],
    pages: list[PageStart],
    paragraphs_real: bool,
) -> list[Locator]:
    """One locator per passage."""
    page_offsets = [page.offset for page in pages]
    headings_of = {s.index: find_headings(text, s.start, s.end) for s in sections}
    article_starts: list[tuple[int, str]] = []
    for paragraph in paragraphs:
        match = _ARTICLE_START.match(text, paragraph.start, paragraph.end)
        if match:
            article_starts.append((paragraph.start, match.group(0)))
    article_offsets = [offset for offset, _ in article_starts]
    locators = []
    # Passages come in text order: the headings in force are kept as a stack
    # advanced passage by passage (a rescan per passage was quadratic).
    active: list[Heading] = []
    section_index = None
    next_heading = 0
    for passage in passages:
        if passage.section_index != section_index:
            section_index, active, next_heading = passage.section_index, [], 0
        section_headings = headings_of.get(passage.section_index, [])
        while (
            next_heading < len(section_headings)
            and section_headings[next_heading].offset <= passage.start
        ):
            heading = section_headings[next_heading]
            active = [h for h in active if h.level < heading.level] + [heading]
            next_heading += 1
        page = None
        page_kind = None
        if pages:
            position = bisect.bisect_right(page_offsets, passage.start) - 1
            if position >= 0:
                page, page_kind = pages[position].number, pages[position].kind
        article = None
        position = bisect.bisect_right(article_offsets, passage.start) - 1
        if position >= 0:
            article = article_starts[position][1]
        locators.append(
            Locator(
                page=page,
                page_kind=page_kind,
                paragraph=passage.paragraph_index + 1 if paragraphs_real else None,
                headings=tuple(h.label for h in active),
                heading_text=active[-1].words if active else None,
                article=article,
            )
        )
    return locators


def locator_label(locator: Locator) -> str:
    """The locator as a reader checks it: "第2页，第三部分（二），第十二段", "第四十四条".

    A law's article replaces the paragraph (it is how laws are cited); a download
    site's numbered chunk is called what it is ("第3片段"), never a page.
    """
    parts = []
    if locator.page is not None:
        unit = "页" if locator.page_kind == "page" else "片段"
        parts.append(f"第{locator.page}{unit}")
    if locator.article:
        parts.append(locator.article)
    else:
        heading = _heading_label(locator.headings)
        if heading:
            parts.append(heading)
        if locator.paragraph is not None:
            parts.append(f"第{chinese_numeral(locator.paragraph)}段")
    return "，".join(parts)


def _heading_label(labels: tuple[str, ...]) -> str:
    """("三", "（二）") → "第三部分（二）"; ("一是",) → "“一是”处"."""
    text = ""
    for label in labels:
        if label.endswith("是"):
            text += f"“{label}”处"
        elif label.startswith("（"):
            text += label
        else:
            text += f"第{label}部分"
    return text
