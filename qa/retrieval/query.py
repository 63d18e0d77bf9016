"""Reading a query: its words, the phrases it wants verbatim, the law articles it names."""

from __future__ import annotations

import re

from ..text import normalise

_DIGITS = "零一二三四五六七八九"


def chinese_number(number: int) -> str:
    """1-9999 in Chinese numerals as laws write them: 10 十, 14 十四, 105 一百零五."""
    if number < 10:
        return _DIGITS[number]
    if number < 20:
        return "十" + (_DIGITS[number % 10] if number % 10 else "")
    result = ""
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // value % 10
        if digit:
            if zero and result:
                result += "零"
            result += _DIGITS[digit] + unit
            zero = False
        elif result:
            zero = True
    return result


def article_labels(query: str) -> list[str]:
    """Article labels a query names, in the form laws use: "第44条" -> "第四十四条"."""
    labels = []
    for match in re.finditer(r"第\s*([一二三四五六七八九十百千零〇两]+|\d{1,4})\s*条", query):
        number = match.group(1)
        labels.append("第" + (chinese_number(int(number)) if number.isdigit() else number) + "条")
    return labels


_QUESTION = re.compile(r"[?？吗呢]$|什么|哪些|哪个|如何|怎么|怎样|为什么|是否|谁|多少|几")


def query_phrases(query: str) -> list[str]:
    """Phrases a user wants verbatim: text in quotes, else a query that reads as a quote
    (8+ characters, not a question)."""
    quoted = re.findall(r"[“\"「『‘']([^”\"」』’']{2,})[”\"」』’']", query)
    if quoted:
        return quoted
    stripped = query.strip()
    if len(normalise(stripped)) >= 8 and not _QUESTION.search(stripped):
        return [stripped]
    return []
