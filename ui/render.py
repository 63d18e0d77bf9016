"""HTML for the web page: answers with clickable [n] markers, source cards with
the quoted sentence highlighted, quote cards with copy buttons. Pure functions
over the qa types; every piece of text is escaped here."""

from __future__ import annotations

import html
import itertools
import re

from qa import NOT_FOUND, Answer, SearchResult, quote_card
from qa.answer import citation_parts, format_date
from qa.verify import UNVERIFIED_MARK

WARNING_LABELS = {
    "spam": "出处文档疑似被注入垃圾词，引用前请核对原始出处",
    "conversion": "出处文档疑似有转换错误的词语",
    "placeholder": "出处文档含未填写的占位符",
}

_counter = itertools.count(1)


def _escape(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def provenance(result: SearchResult) -> str:
    """《title》 · section · author · date · 第n段, as far as known."""
    passage = result.passage
    parts = citation_parts(
        passage.title,
        passage.author,
        passage.date,
        passage.paragraph_index + 1,
        passage.section_title,
    )
    return " · ".join(_escape(part) for part in parts)


def highlighted_passage(result: SearchResult) -> str:
    """The passage with its best sentence(s) in <mark>."""
    passage = result.passage
    pieces = []
    position = passage.start
    for start, end in result.sentence_spans:
        pieces.append(_escape(passage.text[position - passage.start : start - passage.start]))
        pieces.append(
            f"<mark>{_escape(passage.text[start - passage.start : end - passage.start])}</mark>"
        )
        position = end
    pieces.append(_escape(passage.text[position - passage.start :]))
    return "".join(pieces).replace("\n", "<br>")


def warnings_html(result: SearchResult) -> str:
    shown = [WARNING_LABELS[code] for code in result.passage.warnings if code in WARNING_LABELS]
    return "".join(f'<div class="yw-warning">⚠ {_escape(text)}</div>' for text in shown)


def source_card(result: SearchResult, number: int | None, anchor: str) -> str:
    label = f"[{number}] " if number is not None else ""
    others = ""
    if len(result.locations) > 1:
        places = "；".join(
            _escape(
                f"《{loc.title or ''}》第{loc.paragraph}段{'，' + (format_date(loc.date) or '') if loc.date else ''}"
            )
            for loc in result.locations
        )
        others = f'<div class="yw-places">出现于：{places}</div>'
    return (
        f'<div class="yw-source" id="{anchor}">'
        f'<div class="yw-meta">{label}{provenance(result)}</div>'
        f'<div class="yw-passage">{highlighted_passage(result)}</div>{others}{warnings_html(result)}'
        "</div>"
    )


def answer_html(answer: Answer) -> str:
    """An answer for the chat: text with linked [n], the sources, the verification line."""
    turn = next(_counter)
    if not answer.answerable:
        related = "".join(
            source_card(result, None, f"yw-rel-{turn}-{i}")
            for i, result in enumerate(answer.related, 1)
        )
        return (
            f'<div class="yw-answer yw-notfound"><p>{_escape(NOT_FOUND)}</p>'
            + (
                f"<details open><summary>可能相关的段落</summary>{related}</details>"
                if related
                else ""
            )
            + "</div>"
        )
    by_number = {c.number: c for c in answer.citations}

    def link(match: re.Match[str]) -> str:
        number = int(match.group(1))
        citation = by_number.get(number)
        if citation is None:
            return match.group(0)
        tip = _escape(f"《{citation.passage.title or ''}》{citation.passage.text[:120]}")
        return f'<a class="yw-cite" href="#yw-src-{turn}-{number}" title="{tip}">[{number}]</a>'

    body = re.sub(r"\[(\d{1,3})\]", link, _escape(answer.text))
    body = body.replace(
        _escape(UNVERIFIED_MARK),
        f'<span class="yw-unverified" title="未能在资料中找到这句原话">{_escape(UNVERIFIED_MARK)}</span>',
    )
    cards = "".join(
        source_card(c.result, c.number, f"yw-src-{turn}-{c.number}") for c in answer.citations
    )
    mode = "大模型" if answer.mode == "llm" else "抽取式"
    verification = _escape(answer.verification.summary())
    return (
        f'<div class="yw-answer"><p class="yw-text">{body}</p>'
        f'<div class="yw-verify">{verification} · {mode}</div>'
        f"<details open><summary>来源（{len(answer.citations)}）</summary>{cards}</details></div>"
    )


def results_html(
    results: list[SearchResult], answerable: bool = True, contexts: dict[int, str] | None = None
) -> str:
    """Quote cards for the quote-search tab; ``contexts`` maps a passage id to the
    HTML of its whole paragraph (shown on demand)."""
    contexts = contexts or {}
    if not results:
        return '<div class="yw-empty">没有找到结果。</div>'
    intro = (
        ""
        if answerable
        else '<div class="yw-warning">资料中可能没有直接相关的内容；以下为最接近的段落。</div>'
    )
    cards = []
    for result in results:
        card_text = quote_card(
            result.sentence, result.locations[0] if result.locations else result.passage
        )
        paragraph = contexts.get(result.passage.passage_id) or highlighted_passage(result)
        context = f'<details><summary>查看所在段落</summary><div class="yw-context">{paragraph}</div></details>'
        others = ""
        if len(result.locations) > 1:
            others = (
                '<div class="yw-places">同一句话还出现在：'
                + "；".join(
                    _escape(f"《{loc.title or ''}》第{loc.paragraph}段")
                    for loc in result.locations[1:]
                )
                + "</div>"
            )
        cards.append(
            f'<div class="yw-card" data-rank="{result.rank}">'
            f'<div class="yw-quote">{result.rank}. “{_escape(result.sentence.strip())}”</div>'
            f'<div class="yw-meta">{provenance(result)}</div>{others}{warnings_html(result)}'
            f'<div class="yw-actions"><button class="yw-copy" type="button" data-copy="{_escape(card_text)}">复制引文</button></div>'
            f"{context}</div>"
        )
    return intro + "".join(cards)


def paragraph_html(text: str, start: int, sentence_start: int, sentence_end: int) -> str:
    """A whole paragraph with one span highlighted (offsets are document offsets)."""
    a, b = sentence_start - start, sentence_end - start
    return f"{_escape(text[:a])}<mark>{_escape(text[a:b])}</mark>{_escape(text[b:])}"
