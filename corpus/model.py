"""The corpus data model: what every later layer reads.

A :class:`Document` owns its *cleaned* text; every :class:`Section`,
:class:`Paragraph`, :class:`Sentence` and :class:`Passage` refers to that text
by half-open character offsets ``[start, end)``. The text of a passage is by
definition ``document.text[passage.start:passage.end]`` - this is what makes a
quote verifiable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DocumentWarning:
    """Something the cleaner noticed but could not fix (never stops ingestion)."""

    code: str  # "spam", "boilerplate", "short", "conversion", "encoding", ...
    message: str  # one line, in Chinese, shown to users


@dataclass(frozen=True, slots=True)
class Section:
    """One article inside a document (a file may hold several)."""

    index: int
    title: str | None
    author: str | None
    author_note: str | None  # e.g. "全国总工会副主席、书记处书记、党组成员"
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Paragraph:
    index: int
    section_index: int
    start: int
    end: int
    is_heading: bool


@dataclass(frozen=True, slots=True)
class Sentence:
    index: int
    paragraph_index: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Passage:
    """Whole consecutive sentences of one paragraph, sized for quoting."""

    index: int  # position within the document
    section_index: int
    paragraph_index: int
    sentence_start: int  # first sentence index (inclusive)
    sentence_end: int  # last sentence index (exclusive)
    start: int
    end: int
    text: str
    paragraph_end: int = -1  # exclusive; consecutive heading lines form one passage

    def __post_init__(self) -> None:
        if self.paragraph_end < 0:
            object.__setattr__(self, "paragraph_end", self.paragraph_index + 1)


@dataclass
class Document:
    """A cleaned, segmented document ready to be stored."""

    path: str  # resolved source path
    content_hash: str  # sha256 of the raw file bytes
    text_hash: str  # sha256 of the cleaned text
    format: str  # txt, md, html, docx, pdf
    encoding: str | None
    text: str
    title: str | None = None
    date: str | None = None  # ISO YYYY-MM-DD
    source: str | None = None  # publisher, e.g. 工人日报
    raw_chars: int = 0
    sections: list[Section] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    warnings: list[DocumentWarning] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)  # caller's own (LangChain)

    @property
    def authors(self) -> list[str]:
        """Distinct section authors, in order of appearance."""
        seen: list[str] = []
        for section in self.sections:
            if section.author and section.author not in seen:
                seen.append(section.author)
        return seen
