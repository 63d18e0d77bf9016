"""Answers: extractive composition, abstention, citations and quote cards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from corpus.cleaning import ends_sentence
from corpus.damage import damage_note, title_damage
from corpus.locators import locator_label
from corpus.model import Locator
from corpus.store import StoredPassage

from .retrieval import Location, SearchResult, is_heading_passage
from .text import normalise
from .verify import Verification

NOT_FOUND = "资料中未找到与此问题直接相关的内容。"
# A "how many" question refused because none of the nearest passages gives a
# number (qa/quantities.py): they may well be on the topic, so say what is missing.
QUANTITY_NOT_FOUND = NOT_FOUND + "最相关的几段资料都没有给出所问的数字。"
# Said beside an answer the abstention model lets through with little confidence
# (qa/abstention.py, ``caution``): the passages share the question's subject and
# may still not hold what it asks.
UNCERTAIN_NOTE = "把握不大：以下资料与问题相关，但未必直接回答了它；引用前请核对原文。"


def format_date(date: str | None) -> str | None:
    """ISO date as people write it in Chinese: 2023年9月27日."""
    if not date:
        return None
    try:
        year, month, day = (int(part) for part in date.split("-"))
    except ValueError:
        return date
    return f"{year}年{month}月{day}日"


def date_part(date: str | None, uploaded: str | None = None) -> str | None:
    """The date a citation gives: the event's or publication's as people write it; a
    download site's upload date only labelled as such ("上传于…"), never as the
    date of the text."""
    if date:
        return format_date(date)
    if uploaded:
        return f"上传于{format_date(uploaded)}"
    return None


def person_part(
    author: str | None, kind: str | None = None, quoted: Sequence[str] = ()
) -> str | None:
    """ "讲话：王东明；引述：习近平总书记" - who spoke, and whom the quote repeats."""
    parts = []
    if author:
        parts.append(f"讲话：{author}" if kind == "speech" else author)
    if quoted:
        parts.append("引述：" + "、".join(quoted))
    return "；".join(parts) or None


def citation_parts(
    title: str | None,
    author: str | None,
    date: str | None,
    paragraph: int | None = None,
    section: str | None = None,
    *,
    locator: Locator | None = None,
    kind: str | None = None,
    uploaded: str | None = None,
    quoted: Sequence[str] = (),
) -> list[str]:
    """《title》, section, author (讲话：…；引述：…), date, locator - whichever are known.

    With a ``locator`` the place is what the source supports ("第2页", "第三部分",
    "第十二段"); ``paragraph`` alone is the old paragraph number.
    """
    parts = [f"《{title}》"] if title else []
    if section and section != title:
        parts.append(section)
    person = person_part(author, kind, quoted)
    if person:
        parts.append(person)
    formatted = date_part(date, uploaded)
    if formatted:
        parts.append(formatted)
    if locator is not None:
        label = locator_label(locator)
        if label:
            parts.append(label)
    elif paragraph is not None:
        parts.append(f"第{paragraph}段")
    return parts


def quote_card(
    sentence: str, location: Location | StoredPassage, quoted: Sequence[str] = ()
) -> str:
    """“sentence”（《title》，author，YYYY年M月D日，locator） — as complete as the metadata allows."""
    if isinstance(location, StoredPassage):
        location = Location.of(location)
    parts = citation_parts(
        location.title, location.author, location.date, locator=location.locator,
        kind=location.kind, uploaded=location.uploaded, quoted=quoted,
    )  # fmt: skip
    citation = f"（{'，'.join(parts)}）" if parts else ""
    text = sentence.strip()
    if not (text.startswith("“") and text.endswith("”")):
        text = f"“{text}”"
    return text + citation


@dataclass
class Citation:
    """Source [n] of an answer: a passage and the sentence(s) quoted from it."""

    number: int
    result: SearchResult

    @property
    def passage(self) -> StoredPassage:
        return self.result.passage

    @property
    def quote(self) -> str:
        return self.result.sentence

    def card(self) -> str:
        return quote_card(
            self.quote,
            self.result.locations[0] if self.result.locations else self.passage,
            self.result.quoted_speakers(),
        )

    def damage_note(self) -> str | None:
        """The note the quote carries when words in it, or in the title it cites,
        are marked (spam, conversion errors) — as `yinwen search` and exports say it."""
        sentence = self.quote
        lead = len(sentence) - len(sentence.lstrip())
        spans = [(start - lead, end - lead, code, suggestion)
                 for start, end, code, suggestion in self.result.sentence_damage()]  # fmt: skip
        title = self.result.locations[0].title if self.result.locations else self.passage.title
        return damage_note(sentence.strip(), spans, title_damage(title), title or "")

    def as_dict(self) -> dict[str, Any]:
        data = self.result.as_dict()
        data["number"] = self.number
        data["card"] = self.card()
        data["damage_note"] = self.damage_note()
        return data


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation]
    answerable: bool
    mode: str  # "extractive" or "llm"
    verification: Verification = field(default_factory=Verification)
    related: list[SearchResult] = field(default_factory=list)  # shown when not answerable
    model: str | None = None
    uncertain: bool = False  # answered, but the sources may not answer it (UNCERTAIN_NOTE)

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "answerable": self.answerable,
            "uncertain": self.uncertain,
            "mode": self.mode,
            "model": self.model,
            "citations": [c.as_dict() for c in self.citations],
            "verification": self.verification.as_dict(),
            "related": [r.as_dict() for r in self.related],
        }

    def to_markdown(self) -> str:
        """The answer, its sources and the verification line, for a terminal or a chat."""
        lines = [self.text, ""]
        if self.uncertain:
            lines[1:1] = [f"⚠ {UNCERTAIN_NOTE}", ""]
        if self.citations:
            lines.append("来源：")
            for citation in self.citations:
                lines.append(f"[{citation.number}] {citation.card()}")
                note = citation.damage_note()
                if note:
                    lines.append(f"    ⚠ {note}")
        if self.related:
            lines.append("可能相关：")
            for result in self.related:
                lines.append(
                    f"- {quote_card(result.sentence, result.passage, result.quoted_speakers())}"
                )
        lines.append("")
        lines.append(self.verification.summary())
        return "\n".join(lines).strip()


def compose_extractive(
    results: list[SearchResult], max_sentences: int = 3, max_chars: int = 260, margin: float = 0.5
) -> tuple[str, list[Citation]]:
    """An answer made only of verbatim sentences, each followed by its [n].

    Takes the best sentence of the top results while they stay within
    ``margin`` of the best score and the answer stays short. A heading is never
    a quote, and a sentence that mostly repeats one already taken is skipped:
    the answer covers the distinct points its sources make.
    """
    if not results:
        return "", []
    citations: list[Citation] = []
    parts: list[str] = []
    chosen: list[set[str]] = []
    top = results[0].score
    length = 0
    for result in results:
        if len(citations) >= max_sentences:
            break
        if citations and _below(result.score, top, margin):
            break
        sentence = result.sentence.strip()
        if is_heading_passage(result.passage) or not ends_sentence(sentence):
            continue
        grams = _bigrams(sentence)
        if any(_overlap(grams, other) >= 0.6 for other in chosen):
            continue
        if citations and length + len(sentence) > max_chars:
            break
        chosen.append(grams)
        number = len(citations) + 1
        citations.append(Citation(number, result))
        parts.append(f"{sentence}[{number}]")
        length += len(sentence)
    return "".join(parts), citations


def _below(score: float, top: float, margin: float) -> bool:
    """Whether a score falls out of the answer's band. RRF scores are positive:
    below ``margin`` of the top. The learned ranker's scores are pairwise logits
    of any sign: more than 2 below the top means the top is preferred with odds
    above 7 to 1, and the weaker result stays out of the answer."""
    if top > 0 and score > 0:
        return score < top * margin
    return top - score > 2.0


def _bigrams(text: str) -> set[str]:
    compact = normalise(text)
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


def _overlap(first: set[str], second: set[str]) -> float:
    """Share of the shorter sentence's character bigrams that the other holds."""
    if not first or not second:
        return 0.0
    return len(first & second) / min(len(first), len(second))
