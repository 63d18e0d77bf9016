"""Quote verification, always on: every quoted span and every [n] marker of an
answer is checked against the numbered sources before it is shown.

* a quote found verbatim in the source its marker cites: verified;
* found in another source: the marker is corrected to that source;
* found nowhere: the quotation marks go, the words are marked 【未核实】, and
  the span is listed as unverified - it is never shown as a quote;
* a marker that points at no source is removed.

"Verbatim" is compared after normalising width, punctuation variants and
whitespace (:func:`qa.text.normalise`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .text import normalise

UNVERIFIED_MARK = "【未核实】"
MIN_QUOTE_CHARS = 4  # shorter quoted spans are terms ("两个维护"), still checked but lenient

# “…”  「…」  『…』  and straight double quotes
_QUOTE = re.compile(r"“([^“”]+)”|「([^「」]+)」|『([^『』]+)』|\"([^\"]+)\"")
_MARKER = re.compile(r"\[(\d{1,3})\]")
# Markers that belong to a quote: right after it, possibly after punctuation.
_TRAILING_MARKERS = re.compile(r"^[\s，。,.；;：:！!？?）)]*((?:\[\d{1,3}\])+)")


@dataclass
class QuoteCheck:
    quote: str
    status: str  # verified, corrected, unverified
    cited: list[int]  # markers the answer gave it
    found_in: list[int]  # sources that contain it

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Verification:
    """What verification found and changed."""

    quotes: list[QuoteCheck] = field(default_factory=list)
    removed_markers: list[int] = field(default_factory=list)

    @property
    def verified(self) -> int:
        return sum(1 for q in self.quotes if q.status == "verified")

    @property
    def corrected(self) -> int:
        return sum(1 for q in self.quotes if q.status == "corrected")

    @property
    def unverified(self) -> int:
        return sum(1 for q in self.quotes if q.status == "unverified")

    @property
    def ok(self) -> bool:
        return not self.unverified and not self.removed_markers and not self.corrected

    def summary(self) -> str:
        """One line in Chinese for the page and the CLI."""
        if not self.quotes and not self.removed_markers:
            return "核对：答案中没有直接引语"
        parts = [f"引语 {len(self.quotes)} 处：核实 {self.verified}"]
        if self.corrected:
            parts.append(f"更正出处 {self.corrected}")
        if self.unverified:
            parts.append(f"未能核实 {self.unverified}（已去掉引号并标注{UNVERIFIED_MARK}）")
        if self.removed_markers:
            parts.append(f"删除无效标注 {len(self.removed_markers)}")
        return "核对：" + "，".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "corrected": self.corrected,
            "unverified": self.unverified,
            "removed_markers": self.removed_markers,
            "quotes": [q.as_dict() for q in self.quotes],
            "summary": self.summary(),
        }


def _sources_containing(quote: str, sources: dict[int, str]) -> list[int]:
    target = normalise(quote)
    return [n for n, text in sources.items() if target and target in normalise(text)]


def verify_answer(answer: str, sources: dict[int, str]) -> tuple[str, Verification]:
    """Check ``answer`` against ``sources`` (marker number -> source text).

    Returns the corrected answer text and what was found. Pure function.
    """
    report = Verification()
    pieces: list[str] = []
    position = 0
    for match in _QUOTE.finditer(answer):
        quote = next(g for g in match.groups() if g is not None)
        after = answer[match.end() :]
        trailing = _TRAILING_MARKERS.match(after)
        cited = [int(n) for n in _MARKER.findall(trailing.group(1))] if trailing else []
        found = _sources_containing(quote, sources)
        pieces.append(answer[position : match.start()])
        if len(normalise(quote)) < MIN_QUOTE_CHARS and not found:
            # A short quoted term (a slogan, a name) that no source spells out: keep it
            # as the author wrote it, without a claim that it is quoted.
            pieces.append(match.group(0))
            position = match.end()
            continue
        if found and (not cited or any(n in found for n in cited)):
            report.quotes.append(QuoteCheck(quote, "verified", cited, found))
            pieces.append(match.group(0))
            position = match.end()
        elif found:
            report.quotes.append(QuoteCheck(quote, "corrected", cited, found))
            pieces.append(match.group(0))
            assert trailing is not None
            prefix = after[: trailing.start(1)]
            corrected = "".join(f"[{n}]" for n in found[:1])
            pieces.append(prefix + corrected)
            position = match.end() + trailing.end(1)
        else:
            report.quotes.append(QuoteCheck(quote, "unverified", cited, []))
            pieces.append(quote + UNVERIFIED_MARK)
            position = match.end()
    pieces.append(answer[position:])
    text = "".join(pieces)

    def keep_marker(marker: re.Match[str]) -> str:
        number = int(marker.group(1))
        if number in sources:
            return marker.group(0)
        report.removed_markers.append(number)
        return ""

    text = _MARKER.sub(keep_marker, text)
    return text, report
