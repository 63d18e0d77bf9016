"""Segmenting cleaned text: paragraphs, sections (articles and their authors),
sentences and passages, all as character offsets into the cleaned text."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .cleaning import CLOSERS
from .model import Paragraph, Passage, Section, Sentence


@dataclass(frozen=True)
class ChunkingSettings:
    """How sentences are packed into passages (recorded in the index manifest)."""

    ideal_chars: int = 200
    max_chars: int = 300
    min_passage_chars: int = 6  # shorter paragraphs ("同志们:") make no passage

    def as_dict(self) -> dict[str, int]:
        return {
            "ideal_chars": self.ideal_chars,
            "max_chars": self.max_chars,
            "min_passage_chars": self.min_passage_chars,
        }


# A sentence ends after 。！？；… (full or half width) and any closing quotes or
# brackets. A half-width "?" or "!" only ends a sentence before a space, a
# closer or the end: scraped text uses "?" for lost characters ("用真功?笃行").
_SENTENCE_END = re.compile(
    rf"(?:[。！？；;]+|…+|\.{{3,}}|[?!](?=[\s{re.escape(CLOSERS)}]|$))[{re.escape(CLOSERS)}]*"
)
_AUTHOR_NOTE = re.compile(r"^[(（]\s*(?:作者系|作者为|作者是|作者单位[:：]?)\s*(.+?)\s*[)）]$")
_NAME_LINE = re.compile(r"^[\u4e00-\u9fff]{1,2}[\u4e00-\u9fff·]{1,3}$")
_HEADING_MAX_CHARS = 40
_ARTICLE_START = re.compile(r"^第[一二三四五六七八九十百千零〇两\d]+条[\s　]")


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """Offsets of the non-empty lines of cleaned text (one paragraph a line)."""
    spans = []
    position = 0
    for line in text.split("\n"):
        end = position + len(line)
        if line.strip():
            start = position + (len(line) - len(line.lstrip()))
            spans.append((start, end - (len(line) - len(line.rstrip()))))
        position = end + 1
    return spans


def is_heading(paragraph: str) -> bool:
    """A short line without sentence punctuation: a title, heading or salutation."""
    return (
        len(paragraph) <= _HEADING_MAX_CHARS
        and not re.search(r"[。！？；;!?]", paragraph)
        and not paragraph.rstrip().endswith((":", "："))  # a salutation leads into the text
    )


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans of one paragraph; every character belongs to exactly one sentence."""
    spans = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if text[start:end].strip():
            spans.append((offset + start, offset + end))
        start = end
    if text[start:].strip():
        spans.append((offset + start, offset + len(text)))
    return spans


def pack_sentences(lengths: list[int], settings: ChunkingSettings) -> list[tuple[int, int]]:
    """Group consecutive sentences into passages: ranges ``[i, j)`` of sentence indexes.

    Never cuts a sentence. Minimises the squared distance of passage sizes
    from ``ideal_chars`` (shortfalls weigh double) under a hard ``max_chars``
    (a single longer sentence is its own passage), so a paragraph is cut into
    even pieces rather than full pieces and a scrap.
    """
    count = len(lengths)
    if count == 0:
        return []
    if sum(lengths) <= settings.max_chars:
        return [(0, count)]
    best = [0.0] + [math.inf] * count
    cut = [0] * (count + 1)
    for end in range(1, count + 1):
        size = 0
        for start in range(end - 1, -1, -1):
            size += lengths[start]
            if size > settings.max_chars and start < end - 1:
                break
            # Short passages cost double: better one full piece than a scrap.
            shortfall = settings.ideal_chars - size
            cost = best[start] + (2 * shortfall**2 if shortfall > 0 else shortfall**2)
            if cost < best[end]:
                best[end] = cost
                cut[end] = start
    ranges = []
    end = count
    while end > 0:
        ranges.append((cut[end], end))
        end = cut[end]
    return ranges[::-1]


@dataclass(frozen=True)
class Segmentation:
    sections: list[Section]
    paragraphs: list[Paragraph]
    sentences: list[Sentence]
    passages: list[Passage]


def segment(
    text: str,
    document_title: str | None = None,
    document_author: str | None = None,
    settings: ChunkingSettings | None = None,
) -> Segmentation:
    """Cut cleaned text into sections, paragraphs, sentences and passages."""
    settings = settings or ChunkingSettings()
    spans = split_paragraphs(text)
    texts = [text[start:end] for start, end in spans]
    sections, section_of, bylines = find_sections(texts, spans, document_title, document_author)

    paragraphs: list[Paragraph] = []
    sentences: list[Sentence] = []
    passages: list[Passage] = []
    first_sentence_of: list[int] = []
    for index, ((start, end), paragraph_text) in enumerate(zip(spans, texts, strict=True)):
        paragraphs.append(
            Paragraph(index, section_of[index], start, end, is_heading(paragraph_text))
        )
        first_sentence_of.append(len(sentences))
        for sentence_start, sentence_end in split_sentences(paragraph_text, start):
            sentences.append(Sentence(len(sentences), index, sentence_start, sentence_end))
    first_sentence_of.append(len(sentences))

    def add_passage(first: int, last: int, sentence_from: int, sentence_to: int) -> None:
        passage_start = sentences[sentence_from].start
        passage_end = sentences[sentence_to - 1].end
        passages.append(
            Passage(
                index=len(passages),
                section_index=section_of[first],
                paragraph_index=first,
                sentence_start=sentence_from,
                sentence_end=sentence_to,
                start=passage_start,
                end=passage_end,
                text=text[passage_start:passage_end],
                paragraph_end=last + 1,
            )
        )

    index = 0
    while index < len(paragraphs):
        paragraph = paragraphs[index]
        content_chars = len(re.sub(r"[\W_]", "", texts[index]))
        quotable = index not in bylines and (
            content_chars >= settings.min_passage_chars
            or (paragraph.is_heading and content_chars >= 2)
        )
        if not quotable or first_sentence_of[index] == first_sentence_of[index + 1]:
            index += 1
            continue
        if paragraph.is_heading:
            # Consecutive heading lines (a title over two or three lines) are one passage.
            last = index
            while (
                last + 1 < len(paragraphs)
                and paragraphs[last + 1].is_heading
                and last + 1 not in bylines
                and section_of[last + 1] == section_of[index]
                and paragraphs[last + 1].end - paragraph.start <= settings.max_chars
            ):
                last += 1
            heading_text = re.sub(r"[\W_]", "", text[paragraph.start : paragraphs[last].end])
            if len(heading_text) >= settings.min_passage_chars:
                add_passage(index, last, first_sentence_of[index], first_sentence_of[last + 1])
            index = last + 1
            continue
        last = index
        if _ARTICLE_START.match(texts[index]):
            # A law's article and its further clauses (款) are quoted together.
            while (
                last + 1 < len(paragraphs)
                and not paragraphs[last + 1].is_heading
                and not _ARTICLE_START.match(texts[last + 1])
                and last + 1 not in bylines
                and section_of[last + 1] == section_of[index]
            ):
                last += 1
        first = first_sentence_of[index]
        stop = first_sentence_of[last + 1]
        lengths = [sentences[i].end - sentences[i].start for i in range(first, stop)]
        for group_start, group_end in pack_sentences(lengths, settings):
            add_passage(
                sentences[first + group_start].paragraph_index,
                sentences[first + group_end - 1].paragraph_index,
                first + group_start,
                first + group_end,
            )
        index = last + 1
    return Segmentation(sections, paragraphs, sentences, passages)


def find_sections(
    paragraphs: list[str],
    spans: list[tuple[int, int]],
    document_title: str | None,
    document_author: str | None,
) -> tuple[list[Section], list[int], set[int]]:
    """Split a document into articles by their bylines.

    A file that collects several articles marks each with a title (1-4 short
    lines), the author's name on a line of its own, the text, and a closing
    note "(作者系…)". Returns the sections, the section index of every
    paragraph, and the indexes of byline paragraphs (names and notes), which
    are metadata rather than quotable text.
    """
    notes = [i for i, p in enumerate(paragraphs) if _AUTHOR_NOTE.match(p)]
    total_end = spans[-1][1] if spans else 0
    if not notes:
        section = Section(0, document_title, document_author, None, 0, total_end)
        return [section], [0] * len(paragraphs), set()

    sections: list[Section] = []
    section_of = [0] * len(paragraphs)
    bylines: set[int] = set(notes)
    block_start = 0
    for note in notes:
        name_index = _find_name_line(paragraphs, block_start, note)
        if name_index is None:
            title_start = block_start
            title = None
            author = None
        else:
            bylines.add(name_index)
            title_start = name_index
            while (
                title_start - 1 >= block_start
                and name_index - (title_start - 1) <= 4
                and is_heading(paragraphs[title_start - 1])
                and not paragraphs[title_start - 1].startswith("——")
            ):
                title_start -= 1
            title = _join_title(paragraphs[title_start:name_index]) or None
            author = paragraphs[name_index]
        if title_start > block_start:
            # Front matter before the first article: the collection's own heading.
            sections.append(
                Section(
                    len(sections), document_title, None, None,
                    spans[block_start][0], spans[title_start - 1][1],
                )
            )  # fmt: skip
            for i in range(block_start, title_start):
                section_of[i] = len(sections) - 1
        note_match = _AUTHOR_NOTE.match(paragraphs[note])
        sections.append(
            Section(
                len(sections),
                title or document_title,
                author,
                note_match.group(1) if note_match else None,
                spans[title_start][0],
                spans[note][1],
            )
        )
        for i in range(title_start, note + 1):
            section_of[i] = len(sections) - 1
        block_start = note + 1
    if block_start < len(paragraphs):
        sections.append(
            Section(len(sections), document_title, None, None, spans[block_start][0], total_end)
        )
        for i in range(block_start, len(paragraphs)):
            section_of[i] = len(sections) - 1
    return sections, section_of, bylines


def _find_name_line(paragraphs: list[str], start: int, end: int) -> int | None:
    """The author's name line near the start of an article block: a 2-5 character
    name between the heading lines and the first body paragraph."""
    for index in range(start, min(end, start + 8)):
        paragraph = paragraphs[index]
        if not _NAME_LINE.match(paragraph):
            continue
        following = paragraphs[index + 1] if index + 1 < end else ""
        previous = paragraphs[index - 1] if index > start else ""
        if not is_heading(following) and (not previous or is_heading(previous)):
            return index
    return None


def _join_title(lines: list[str]) -> str:
    """Join title lines; a line that stops on a function word continues on the next."""
    title = ""
    for line in lines:
        if title and not title.endswith(
            ("为", "的", "和", "与", "及", "在", "把", "以", "对", "于")
        ):
            title += " "
        title += line
    return title.strip()
