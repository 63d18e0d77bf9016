"""The corpus data model: what every later layer reads.

A :class:`Document` owns its *cleaned* text; every :class:`Section`,
:class:`Paragraph`, :class:`Sentence` and :class:`Passage` refers to that text
by half-open character offsets ``[start, end)``. The text of a passage is by
definition ``document.text[passage.start:passage.end]`` - this is what makes a
quote verifiable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class WarningCode(StrEnum):
    """Every warning code, in one place: the CLI, the web page and the export all
    name warnings by these values (they are stored as plain strings)."""

    # Document level (DocumentWarning.code)
    SPAM = "spam"
    CONVERSION = "conversion"
    PLACEHOLDER = "placeholder"
    BOILERPLATE = "boilerplate"
    SHORT = "short"
    ENCODING = "encoding"
    DATE_CONFLICT = "date_conflict"
    # Passage level: the problem is inside the passage itself
    SPAM_HERE = "spam_here"
    CONVERSION_HERE = "conversion_here"


@dataclass(frozen=True)
class DocumentWarning:
    """Something the cleaner noticed but could not fix (never stops ingestion)."""

    code: str  # a WarningCode value
    message: str  # one line, in Chinese, shown to users


class DateKind(StrEnum):
    """What a date of a document means; only EVENT and PUBLISHED date a quote."""

    EVENT = "event"  # the text states it: the day of the speech or meeting
    PUBLISHED = "published"  # the page's own publication time (发布时间, 发表时间)
    UPLOADED = "uploaded"  # a download site's upload time: says nothing about the text
    FILE = "file"  # a file property (docx/pdf creation date)


@dataclass(frozen=True, slots=True)
class DocumentDate:
    kind: str  # a DateKind value
    date: str  # ISO YYYY-MM-DD
    evidence: str  # the words it was read from, e.g. "上传时间:2024-08-13"

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "date": self.date, "evidence": self.evidence}


@dataclass(frozen=True, slots=True)
class PageStart:
    """Where a page of the original begins in the cleaned text."""

    offset: int
    number: int
    kind: str  # "page" (a real page) or "fragment" (a download site's numbered chunk)


@dataclass(frozen=True, slots=True)
class Locator:
    """The best place a reader can check a passage by, as far as the source supports.

    Every field is None when the source gives no honest value: a paragraph
    number is only set where paragraph breaks are real, not where a page dump
    lost them.
    """

    page: int | None = None
    page_kind: str | None = None  # "page" or "fragment"
    paragraph: int | None = None  # 1-based
    headings: tuple[str, ...] = ()  # enumeration labels above, outermost first: ("一", "（二）")
    heading_text: str | None = None  # the innermost heading's words, for a tooltip
    article: str | None = None  # a law's article label, e.g. "第四十四条"

    def as_dict(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "page_kind": self.page_kind,
            "paragraph": self.paragraph,
            "headings": list(self.headings),
            "heading_text": self.heading_text,
            "article": self.article,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Locator:
        data = data or {}
        return cls(
            page=data.get("page"),
            page_kind=data.get("page_kind"),
            paragraph=data.get("paragraph"),
            headings=tuple(data.get("headings") or ()),
            heading_text=data.get("heading_text"),
            article=data.get("article"),
        )


@dataclass(frozen=True, slots=True)
class Quotation:
    """A span of the text that repeats what someone else said ("X强调，……")."""

    speaker: str
    start: int  # document offsets of the words quoted
    end: int
    damaged: bool = False  # the speaker's name was damaged (spam in its place)


@dataclass(frozen=True, slots=True)
class DamageSpan:
    """Words inside the text that are likely not the author's: injected spam, or a
    conversion error. ``suggestion`` is the likely intended word, if known."""

    start: int  # document offsets
    end: int
    code: str  # WarningCode.SPAM or WarningCode.CONVERSION
    suggestion: str | None = None


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
    kind: str | None = None  # "speech" when the text is a speech (its author is the speaker)
    dates: list[DocumentDate] = field(default_factory=list)  # every date found, with its kind
    pages: list[PageStart] = field(default_factory=list)
    paragraphs_real: bool = True  # False for page dumps whose line breaks were lost
    locators: list[Locator] = field(default_factory=list)  # one per passage
    quotations: list[Quotation] = field(default_factory=list)
    damage: list[DamageSpan] = field(default_factory=list)

    @property
    def authors(self) -> list[str]:
        """Distinct section authors, in order of appearance."""
        seen: list[str] = []
        for section in self.sections:
            if section.author and section.author not in seen:
                seen.append(section.author)
        return seen
