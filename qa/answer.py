"""Answers: extractive composition, abstention, citations and quote cards."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from corpus.cleaning import ends_sentence
from corpus.store import StoredPassage

from .retrieval import Location, SearchResult, is_heading_passage
from .text import normalise
from .verify import Verification

NOT_FOUND = "资料中未找到与此问题直接相关的内容。"


def format_date(date: str | None) -> str | None:
    """ISO date as people write it in Chinese: 2023年9月27日."""
    if not date:
        return None
    try:
        year, month, day = (int(part) for part in date.split("-"))
    except ValueError:
        return date
    return f"{year}年{month}月{day}日"


def citation_parts(
    title: str | None,
    author: str | None,
    date: str | None,
    paragraph: int | None = None,
    section: str | None = None,
) -> list[str]:
    """《title》, section, author, YYYY年M月D日, 第n段 - whichever are known, in that order."""
    parts = [f"《{title}》"] if title else []
    if section and section != title:
        parts.append(section)
    if author:
        parts.append(author)
    formatted = format_date(date)
    if formatted:
        parts.append(formatted)
    if paragraph is not None:
        parts.append(f"第{paragraph}段")
    return parts


def quote_card(sentence: str, location: Location | StoredPassage) -> str:
    """“sentence”（《title》，author，YYYY年M月D日） — as complete as the metadata allows."""
    if isinstance(location, StoredPassage):
        location = Location.of(location)
    parts = citation_parts(location.title, location.author, location.date)
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
            self.quote, self.result.locations[0] if self.result.locations else self.passage
        )

    def as_dict(self) -> dict[str, Any]:
        data = self.result.as_dict()
        data["number"] = self.number
        data["card"] = self.card()
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "answerable": self.answerable,
            "mode": self.mode,
            "model": self.model,
            "citations": [c.as_dict() for c in self.citations],
            "verification": self.verification.as_dict(),
            "related": [r.as_dict() for r in self.related],
        }

    def to_markdown(self) -> str:
        """The answer, its sources and the verification line, for a terminal or a chat."""
        lines = [self.text, ""]
        if self.citations:
            lines.append("来源：")
            for citation in self.citations:
                lines.append(
                    f"[{citation.number}] {citation.card()}  第{citation.passage.paragraph_index + 1}段"
                )
        if self.related:
            lines.append("可能相关：")
            for result in self.related:
                lines.append(f"- {quote_card(result.sentence, result.passage)}")
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
