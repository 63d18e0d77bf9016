"""Warnings about what cleaning cannot fix: injected spam, conversion errors,
template placeholders, pages that are mostly boilerplate, very short texts.

Warnings never stop ingestion; they are attached to the document and, for
problems that affect the wording, to every passage of it, so that a speech
writer sees them next to a quote before pasting it.
"""

from __future__ import annotations

import re

from .cleaning import SPAM_TERMS
from .model import DocumentWarning, WarningCode

# Words that document-conversion tools (OCR, Traditional/Simplified converters,
# "smart" rewriters on document-sharing sites) put where another word stood.
# Only forms that are wrong in this register are listed, with the likely original.
CONVERSION_ERRORS = {
    "效劳": "服务",
    "根底": "基础",
    "细那么": "细则",
    "组成局部": "组成部分",
    "重要局部": "重要部分",
    "广阔职工": "广大职工",
    "广阔工会干部": "广大工会干部",
    "广阔党员": "广大党员",
    "平安感": "安全感",
    "推开工作": "推动工作",
    "坚决不移": "坚定不移",
    "表到达": "体现到",
    "回忆总结": "回顾总结",
    "四個": "四个",
    "四風": "四风",
}
_PLACEHOLDER = re.compile(r"(?<![A-Za-z])[xX]{1,3}(?=届|次|亿|万|%|个|县|区|同志|年|月|日|号)")

# Passage-level codes: problems in the wording that every quote must show.
WORDING_CODES = (WarningCode.SPAM, WarningCode.CONVERSION, WarningCode.PLACEHOLDER)

MIN_TEXT_CHARS = 200
MAX_BOILERPLATE_SHARE = 0.6


def spam_hits(text: str) -> dict[str, int]:
    """Occurrences of each spam term in ``text`` (overlapping terms counted once)."""
    hits: dict[str, int] = {}
    remaining = text
    for term in sorted(SPAM_TERMS, key=len, reverse=True):
        count = remaining.count(term)
        if count:
            hits[term] = count
            remaining = remaining.replace(term, "\0")
    return hits


def conversion_hits(text: str) -> dict[str, int]:
    return {wrong: text.count(wrong) for wrong in CONVERSION_ERRORS if wrong in text}


def assess(text: str, raw_chars: int, kept_chars: int) -> list[DocumentWarning]:
    """Warnings for one cleaned document."""
    warnings: list[DocumentWarning] = []
    spam = spam_hits(text)
    if sum(spam.values()) >= 2:
        terms = "、".join(f"“{term}”" for term in spam)
        warnings.append(
            DocumentWarning(
                WarningCode.SPAM,
                f"疑似被注入垃圾词 {terms}（共 {sum(spam.values())} 处），原文词语（如人名、“关于”）"
                "可能已被替换；引用前请核对原始出处",
            )
        )
    conversions = conversion_hits(text)
    if sum(conversions.values()) >= 2:
        examples = "、".join(
            f"“{wrong}”（应为“{CONVERSION_ERRORS[wrong]}”）" for wrong in list(conversions)[:4]
        )
        warnings.append(
            DocumentWarning(
                WarningCode.CONVERSION,
                f"疑似文档转换错误 {sum(conversions.values())} 处，如 {examples}；引用前请核对原文",
            )
        )
    placeholders = _PLACEHOLDER.findall(text)
    if len(placeholders) >= 2:
        warnings.append(
            DocumentWarning(
                WarningCode.PLACEHOLDER,
                f"含有占位符（如“x届x次”“x亿元”）{len(placeholders)} 处，可能是未填写的模板",
            )
        )
    if raw_chars and kept_chars / raw_chars < 1 - MAX_BOILERPLATE_SHARE:
        warnings.append(
            DocumentWarning(
                WarningCode.BOILERPLATE,
                f"文件大部分是网页模板或下载提示，清理后仅保留 {kept_chars / raw_chars:.0%} 的文字",
            )
        )
    if kept_chars < MIN_TEXT_CHARS:
        warnings.append(
            DocumentWarning(WarningCode.SHORT, f"正文很短（{kept_chars} 字），可能不完整或不是正文")
        )
    return warnings


def passage_codes(passage_text: str, document_warnings: list[DocumentWarning]) -> list[str]:
    """Warning codes to show with a passage: the document's wording problems,
    plus "spam_here" when the passage itself contains a spam term."""
    codes = [w.code for w in document_warnings if w.code in WORDING_CODES]
    if spam_hits(passage_text):
        codes.append(WarningCode.SPAM_HERE)
    if conversion_hits(passage_text):
        codes.append(WarningCode.CONVERSION_HERE)
    return codes
