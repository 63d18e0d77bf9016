"""Damage located at the word: injected spam and likely conversion errors as
spans inside the text, each with the word likely intended where that is known.

The text is never changed: a span marks words that are probably not the
author's, so that the page can strike them, a copied quote can carry a note,
and a writer checks the source before pasting.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from typing import Protocol, TypeVar

from .cleaning import SPAM_TERMS
from .model import DamageSpan, WarningCode
from .quality import CONVERSION_ERRORS

# (start, end, code, likely word) inside a quote: what is shown and copied
Damage = tuple[int, int, str, str | None]


class _HasSpan(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


_Spanned = TypeVar("_Spanned", bound=_HasSpan)

# Spam terms, longest first; a colon the injection left after a term goes with it.
_SPAM = re.compile(
    "(?:" + "|".join(re.escape(t) for t in sorted(SPAM_TERMS, key=len, reverse=True)) + ")[:：]?"
)
# Where the spam stood in for a name or a function word, what usually stood there.
_BEFORE_NAME = ("总书记", "同志", "主席")
_AFTER_SPEAKER = ("总书记", "重要论述", "重要讲话", "重要指示")

# Rewritten words that are only wrong in a context (开展 is a word; "事业开展" is
# a rewrite of 事业发展): (pattern, the group that is wrong, the likely word).
CONTEXT_ERRORS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"(?:事业|创新|高质量|经济社会|持续健康|融合)(开展)(?=[，。、；的”上创提大]|$)"),
        "发展",
    ),
    (re.compile(r"科学(答复)"), "回答"),
    (re.compile(r"深刻(说明)了"), "阐明"),
    (re.compile(r"(屡次)强调"), "多次"),
    (re.compile(r"(稳固)拓展"), "巩固"),
    (re.compile(r"团结(带着)"), "带领"),
]


def _trim(wrong: str, right: str) -> tuple[int, int, str]:
    """The part of ``wrong`` that differs from ``right``, at word size: a shared
    prefix or suffix of two or more characters is not part of the error.
    Returns (start, end) within ``wrong`` and the replacement for that part."""
    prefix = 0
    while prefix < min(len(wrong), len(right)) and wrong[prefix] == right[prefix]:
        prefix += 1
    prefix = prefix if prefix >= 2 and len(wrong) - prefix >= 2 else 0
    suffix = 0
    while (
        suffix < min(len(wrong), len(right)) - prefix
        and wrong[len(wrong) - 1 - suffix] == right[len(right) - 1 - suffix]
    ):
        suffix += 1
    suffix = suffix if suffix >= 2 and len(wrong) - prefix - suffix >= 2 else 0
    return prefix, len(wrong) - suffix, right[prefix : len(right) - suffix]


def spam_spans(text: str) -> list[DamageSpan]:
    """Each run of spam terms (with the colons injected after them) as one span."""
    spans: list[DamageSpan] = []
    for match in _SPAM.finditer(text):
        if spans and spans[-1].end == match.start():
            last = spans.pop()
            spans.append(DamageSpan(last.start, match.end(), WarningCode.SPAM, None))
            continue
        spans.append(DamageSpan(match.start(), match.end(), WarningCode.SPAM, None))
    return [_with_suggestion(text, span) for span in spans]


def _with_suggestion(text: str, span: DamageSpan) -> DamageSpan:
    after = text[span.end : span.end + 4]
    before = text[max(0, span.start - 4) : span.start]
    words = len(_SPAM.findall(text[span.start : span.end]))
    suggestion = None
    if words == 1 and after.startswith(_BEFORE_NAME):
        suggestion = "习近平"
    elif words == 1 and before.endswith(_AFTER_SPEAKER):
        suggestion = "关于"
    return DamageSpan(span.start, span.end, span.code, suggestion)


def conversion_spans(text: str) -> list[DamageSpan]:
    """Likely conversion errors, each span the wrong word with the likely one."""
    spans = []
    for wrong, right in CONVERSION_ERRORS.items():
        start, end, replacement = _trim(wrong, right)
        position = text.find(wrong)
        while position >= 0:
            spans.append(
                DamageSpan(position + start, position + end, WarningCode.CONVERSION, replacement)
            )
            position = text.find(wrong, position + len(wrong))
    for pattern, replacement in CONTEXT_ERRORS:
        for match in pattern.finditer(text):
            spans.append(
                DamageSpan(match.start(1), match.end(1), WarningCode.CONVERSION, replacement)
            )
    return spans


def find_damage(text: str) -> list[DamageSpan]:
    """All damage spans of a text, in order, never overlapping (spam wins, then the
    earlier conversion error). One pass over spans sorted by start: a text with
    tens of thousands of them stays linear."""
    spam = spam_spans(text)  # in order, never overlapping
    spam_starts = [span.start for span in spam]
    kept = list(spam)
    last_end = -1
    for span in sorted(conversion_spans(text), key=lambda s: (s.start, s.end)):
        if span.start < last_end:
            continue  # overlaps the conversion error kept before it
        position = bisect.bisect_right(spam_starts, span.start)
        before = spam[position - 1] if position else None
        after = spam[position] if position < len(spam) else None
        if (before and before.end > span.start) or (after and after.start < span.end):
            continue
        kept.append(span)
        last_end = span.end
    return sorted(kept, key=lambda s: (s.start, s.end))


def overlapping(items: list[_Spanned], ranges: list[tuple[int, int]]) -> list[list[_Spanned]]:
    """For each ``[start, end)`` of ``ranges`` (in text order), the items that overlap
    it: a sweep over both, linear rather than every item for every range."""
    ordered = sorted(items, key=lambda item: item.start)
    result: list[list[_Spanned]] = []
    active: list[_Spanned] = []
    position = 0
    for start, end in ranges:
        while position < len(ordered) and ordered[position].start < end:
            active.append(ordered[position])
            position += 1
        active = [item for item in active if item.end > start]
        result.append([item for item in active if item.start < end])
    return result


def spans_in(spans: list[DamageSpan], start: int, end: int) -> list[DamageSpan]:
    """The spans inside ``[start, end)`` (a passage or a sentence), whole or cut at its edges."""
    return [
        DamageSpan(max(s.start, start), min(s.end, end), s.code, s.suggestion)
        for s in spans
        if s.start < end and start < s.end
    ]


def _describe(text: str, damage: Sequence[Damage]) -> list[str]:
    parts = []
    for start, end, code, suggestion in damage:
        words = text[start:end]
        if code == WarningCode.SPAM:
            what = f"“{words}”疑为注入的垃圾词"
            what += f"（原文可能为“{suggestion}”）" if suggestion else "（原词不明）"
        else:
            what = f"“{words}”疑为转换错误" + (f"（可能应为“{suggestion}”）" if suggestion else "")
        parts.append(what)
    return parts


def title_damage(title: str | None) -> tuple[Damage, ...]:
    """Spam inside a title (a page's title is damaged like its text): marked the same way."""
    if not title:
        return ()
    return tuple((d.start, d.end, d.code, d.suggestion) for d in spam_spans(title))


def damage_note(
    quote: str, damage: Sequence[Damage], in_title: Sequence[Damage] = (), title: str = ""
) -> str | None:
    """The note a quote with marked words (or a citation whose title has spam in it)
    carries wherever it is copied or exported."""
    if not damage and not in_title:
        return None
    sentences = []
    if damage:
        sentences.append("引文照录出处原文，其中" + "；".join(_describe(quote, damage)))
    if in_title:
        sentences.append("出处标题中" + "；".join(_describe(title, in_title)))
    return "〔注：" + "。".join(sentences) + "。引用前请核对原始出处。〕"
