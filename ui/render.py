"""HTML for the web page: answers with clickable [n] markers, source and quote
cards with their actions (copy with citation, add to basket, the paragraph),
the basket and the library tables. Pure functions over the qa types; every
piece of text is escaped here, and the page's script (ui/static/yinwen.js)
acts on the ``data-*`` attributes written here."""

from __future__ import annotations

import html
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from corpus.damage import find_damage
from corpus.ingest import IngestReport
from corpus.locators import locator_label
from corpus.model import WarningCode
from corpus.store import StoredDocument
from qa import Answer, SearchResult
from qa.answer import UNCERTAIN_NOTE, citation_parts, date_part
from qa.retrieval import Location
from qa.text import normalise
from qa.verify import UNVERIFIED_MARK

from . import strings
from .access import shown_path
from .citation import Damage, document_type, marked, restoration, title_damage
from .export import BasketItem

WARNING_LABELS = strings.WARNING_LABELS

# Answers in one page share the DOM, so their anchors are numbered per answer.
_counter = itertools.count(1)

# Gradio's HTML component treats its value as a template (``${…}`` and Handlebars
# ``{{…}}``); a source text that contains them (template placeholders are common
# in scraped pages) must stay text, so the characters are written as entities.
_TEMPLATE_CHARACTERS = str.maketrans({"{": "&#123;", "}": "&#125;", "$": "&#36;"})


def escape(text: str | None) -> str:
    """Text as inert HTML, in element content and in quoted attributes alike."""
    return html.escape(text or "", quote=True).translate(_TEMPLATE_CHARACTERS)


def quote_damage(result: SearchResult) -> tuple[str, tuple[Damage, ...]]:
    """The quote as the basket keeps it (stripped) and its damage spans inside it."""
    sentence = result.sentence
    lead = len(sentence) - len(sentence.lstrip())
    quote = sentence.strip()
    spans = tuple(
        (max(0, start - lead), min(len(quote), end - lead), code, suggestion)
        for start, end, code, suggestion in result.sentence_damage()
        if min(len(quote), end - lead) > max(0, start - lead)
    )
    return quote, spans


def basket_item(result: SearchResult, collection: Path) -> BasketItem:
    """What the basket keeps of a result: the verbatim sentence, its marked words, and
    the citation of its earliest location (the one the quote card names)."""
    place = result.locations[0] if result.locations else Location.of(result.passage)
    quote, damage = quote_damage(result)
    title = place.section or place.title  # an article in a collection is cited by its own title
    return BasketItem(
        quote=quote,
        title=title,
        author=place.author,
        date=place.date,
        paragraph=place.paragraph,
        doc_id=place.doc_id,
        path=shown_path(place.path, collection),
        source=place.source,
        kind=place.kind,
        uploaded=place.uploaded,
        locator=locator_label(place.locator),
        type_code=document_type(place.source, place.format, place.uploaded),
        quoted=tuple(result.quoted_speakers()),
        damage=damage,
    )


def provenance(result: SearchResult) -> str:
    """《title》 · section · 讲话：…；引述：… · date · locator, as far as known."""
    passage = result.passage
    parts = citation_parts(
        passage.title, passage.author, passage.date, section=passage.section_title,
        locator=passage.locator, kind=passage.kind, uploaded=passage.uploaded,
        quoted=result.quoted_speakers(),
    )  # fmt: skip
    # a title damaged by spam is marked like the text
    return " · ".join(marked_quote(part, title_damage(part)) for part in parts)


def damage_mark(words: str, code: str, suggestion: str | None) -> str:
    """A damaged span: struck (spam) or highlighted (a conversion error), the words
    unchanged, the likely word in its tooltip."""
    if code == WarningCode.SPAM:
        tip = (strings.DAMAGE_SPAM_TIP.format(suggestion=suggestion) if suggestion
               else strings.DAMAGE_SPAM_UNKNOWN_TIP)  # fmt: skip
        return f'<del class="yw-damage yw-spam" title="{escape(tip)}">{escape(words)}</del>'
    tip = strings.DAMAGE_CONVERSION_TIP.format(suggestion=suggestion or "?")
    return f'<span class="yw-damage yw-suspect" title="{escape(tip)}">{escape(words)}</span>'


def marked_quote(quote: str, damage: Sequence[Damage]) -> str:
    """A quote as HTML with its damaged spans marked."""
    return marked(quote, damage, damage_mark, escape)


def restoration_html(item: BasketItem) -> str:
    """The likely original beside a damaged quote, labelled as not verbatim."""
    restored = restoration(item.quote, item.damage)
    if restored is None:
        return ""
    return f'<div class="yw-restoration">{strings.RESTORATION}<span>{escape(restored)}</span></div>'


def highlighted_passage(result: SearchResult) -> str:
    """The passage with its best sentence(s) in <mark> and its damaged words marked."""
    passage = result.passage

    def text(start: int, end: int) -> str:
        damage = [
            (max(d.start, start) - start, min(d.end, end) - start, d.code, d.suggestion)
            for d in passage.damage
            if d.start < end and start < d.end
        ]
        words = passage.text[start - passage.start : end - passage.start]
        return marked_quote(words, damage)

    pieces = []
    position = passage.start
    for start, end in result.sentence_spans:
        pieces.append(text(position, start))
        pieces.append(f"<mark>{text(start, end)}</mark>")
        position = end
    pieces.append(text(position, passage.end))
    return "".join(pieces).replace("\n", "<br>")


def paragraph_html(text: str, start: int, sentence_start: int, sentence_end: int) -> str:
    """A whole paragraph with one span highlighted (offsets are document offsets)
    and its damaged words marked."""
    a, b = sentence_start - start, sentence_end - start
    damage = [(d.start, d.end, d.code, d.suggestion) for d in find_damage(text)]

    def piece(first: int, last: int) -> str:
        inside = [(max(s, first) - first, min(e, last) - first, code, suggestion)
                  for s, e, code, suggestion in damage if s < last and first < e]  # fmt: skip
        return marked_quote(text[first:last], inside)

    return f"{piece(0, a)}<mark>{piece(a, b)}</mark>{piece(b, len(text))}"


def warnings_html(result: SearchResult) -> str:
    """The passage's warnings, labelled from the one table (a passage-level code says
    more than its document's, so the document's is left out when both are there)."""
    codes = list(dict.fromkeys(result.passage.warnings))
    if WarningCode.SPAM_HERE in codes and WarningCode.SPAM in codes:
        codes.remove(WarningCode.SPAM)
    if WarningCode.CONVERSION_HERE in codes and WarningCode.CONVERSION in codes:
        codes.remove(WarningCode.CONVERSION)
    shown = [WARNING_LABELS[WarningCode(code)] for code in codes if code in WARNING_LABELS]
    return "".join(f'<div class="yw-warning">⚠ {escape(text)}</div>' for text in shown)


def quote_actions(item: BasketItem, paragraph: str | None) -> str:
    """Copy (the quote with its full citation), add to basket, and the paragraph."""
    data = json.dumps(item.as_dict(), ensure_ascii=False)
    buttons = (
        f'<div class="yw-actions">'
        f'<button class="yw-copy" type="button" data-copy="{escape(item.copy_text())}">'
        f"{strings.COPY_QUOTE}</button>"
        f'<button class="yw-add" type="button" data-item="{escape(data)}">'
        f"{strings.ADD_TO_BASKET}</button></div>"
    )
    if paragraph is None:
        return buttons
    return (
        f'{buttons}<details class="yw-paragraph"><summary>{strings.OPEN_PARAGRAPH}</summary>'
        f'<div class="yw-context">{paragraph}</div></details>'
    )


def source_card(
    result: SearchResult,
    number: int | None,
    anchor: str,
    item: BasketItem,
    paragraph: str | None,
) -> str:
    label = f"[{number}] " if number is not None else ""
    others = ""
    if len(result.locations) > 1:
        places = "；".join(
            escape(
                "，".join(
                    citation_parts(
                        loc.title, None, loc.date, locator=loc.locator, uploaded=loc.uploaded
                    )
                )
            )
            for loc in result.locations
        )
        others = f'<div class="yw-places">{strings.FOUND_IN}{places}</div>'
    return (
        f'<div class="yw-source" id="{anchor}">'
        f'<div class="yw-meta">{label}{provenance(result)}</div>'
        f'<div class="yw-passage">{highlighted_passage(result)}</div>{restoration_html(item)}'
        f"{others}{warnings_html(result)}{quote_actions(item, paragraph)}</div>"
    )


def answer_copy_text(answer: Answer, items: Mapping[int, BasketItem]) -> str:
    """The answer as a writer pastes it: the text, the caution if it has one (a pasted
    answer must not read surer than the page showed it), then each source with its
    citation."""
    lines = [answer.text.strip()]
    if answer.uncertain:
        lines.append(f"〔⚠ {UNCERTAIN_NOTE}〕")
    damaged = [c.number for c in answer.citations if (item := items.get(c.number)) and item.damage]
    if damaged:
        numbers = "".join(f"[{number}]" for number in damaged)
        lines.append(f"〔注：{numbers}的引文含疑似被替换或转换错误的词语，见下方来源中的注。〕")
    if answer.citations:
        lines += ["", "来源："]
        for citation in answer.citations:
            item = items.get(citation.number)
            if item is not None:
                lines.append(f"[{citation.number}] {item.copy_text()}")
    return "\n".join(lines)


# Above an answer's sources, or the quote search's quotes, when the abstention
# model lets the question through with little confidence.
_CAUTION = f'<div class="yw-caution">⚠ {escape(UNCERTAIN_NOTE)}</div>'


def answer_html(
    answer: Answer,
    items: Mapping[int, BasketItem],
    paragraphs: Mapping[int, str],
    related: Sequence[BasketItem] = (),
) -> str:
    """An answer for the chat: text with linked [n], the verification line, a copy
    button, and the sources with their actions. ``items`` and ``paragraphs`` are
    keyed by citation number; ``related`` follows ``answer.related``."""
    turn = next(_counter)
    if not answer.answerable:
        cards = "".join(
            source_card(result, None, f"yw-rel-{turn}-{i}", item, None)
            for i, (result, item) in enumerate(zip(answer.related, related, strict=False), 1)
        )
        return (
            f'<div class="yw-answer yw-notfound"><p>{escape(answer.text)}</p>'
            + (
                f"<details open><summary>{strings.RELATED}</summary>{cards}</details>"
                if cards
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
        tip = escape(f"《{citation.passage.title or ''}》{citation.passage.text[:120]}")
        return f'<a class="yw-cite" href="#yw-src-{turn}-{number}" title="{tip}">[{number}]</a>'

    body = escape(answer.text)
    for citation in answer.citations:
        # The quoted sentence's damaged words are marked in the answer too.
        item = items.get(citation.number)
        if item is not None and item.damage:
            body = body.replace(escape(item.quote), marked_quote(item.quote, item.damage), 1)
    body = re.sub(r"\[(\d{1,3})\]", link, body)
    body = body.replace(
        escape(UNVERIFIED_MARK),
        f'<span class="yw-unverified" title="{strings.UNVERIFIED_TIP}">{escape(UNVERIFIED_MARK)}</span>',
    )
    cards = "".join(
        source_card(
            c.result,
            c.number,
            f"yw-src-{turn}-{c.number}",
            items[c.number],
            paragraphs.get(c.number),
        )
        for c in answer.citations
    )
    mode = strings.MODE_NAMES.get(answer.mode, answer.mode)
    verification = escape(answer.verification.summary())
    copy = escape(answer_copy_text(answer, items))
    caution = _CAUTION if answer.uncertain else ""
    return (
        f'<div class="yw-answer" data-mode="{escape(answer.mode)}"><p class="yw-text">{body}</p>'
        f"{caution}"
        f'<div class="yw-verify">{verification} · {escape(mode)}</div>'
        f'<div class="yw-actions"><button class="yw-copy yw-copy-answer" type="button" '
        f'data-copy="{copy}">{strings.COPY_ANSWER}</button></div>'
        f"<details open><summary>{strings.SOURCES.format(count=len(answer.citations))}</summary>"
        f"{cards}</details></div>"
    )


def streaming_html(text: str) -> str:
    """A partial answer while it streams: plain escaped text and a cursor."""
    return f'<div class="yw-streaming">{escape(text)} ▌</div>'


def user_html(question: str) -> str:
    """A question as the user typed it - text, never markup."""
    return f'<div class="yw-question">{escape(question)}</div>'


def message_html(text: str) -> str:
    return f'<div class="yw-message">{escape(text)}</div>'


def holds_query(passage_text: str, query: str) -> bool:
    """Whether a passage holds every word of ``query`` (split at spaces, two
    characters or more) as typed, up to width, punctuation variants and whitespace."""
    words = [w for w in (normalise(part) for part in query.split()) if len(w) >= 2]
    text = normalise(passage_text)
    return bool(words) and all(w in text for w in words)


def results_html(
    results: Sequence[SearchResult],
    items: Sequence[BasketItem],
    answerable: bool = True,
    contexts: Mapping[int, str] | None = None,
    uncertain: bool = False,
    query: str = "",
) -> str:
    """Quote cards for the quote-search tab; ``items`` follows ``results``;
    ``contexts`` maps a passage id to the HTML of its whole paragraph; a warning
    first when the collection seems not to answer the query (or may not). A card
    whose passage holds the query's words as typed says so: a writer looking for
    a phrase tells the exact matches from the ones that only mean the same."""
    contexts = contexts or {}
    if not results:
        return f'<div class="yw-empty">{strings.NO_RESULTS}</div>'
    intro = (
        f'<div class="yw-warning">{strings.NOT_ANSWERABLE_HINT}</div>'
        if not answerable
        else _CAUTION
        if uncertain
        else ""
    )
    cards = []
    for result, item in zip(results, items, strict=True):
        paragraph = contexts.get(result.passage.passage_id) or highlighted_passage(result)
        others = ""
        if len(result.locations) > 1:
            others = (
                f'<div class="yw-places">{strings.ALSO_IN}'
                + "；".join(
                    escape("，".join(citation_parts(loc.title, None, None, locator=loc.locator)))
                    for loc in result.locations[1:]
                )
                + "</div>"
            )
        holds = (
            f'<span class="yw-holds" title="{strings.HOLDS_QUERY_TIP}">{strings.HOLDS_QUERY}</span> '
            if holds_query(result.passage.text, query)
            else ""
        )
        cards.append(
            f'<div class="yw-card" data-rank="{result.rank}">'
            f'<div class="yw-quote">{result.rank}. “{marked_quote(item.quote, item.damage)}”</div>'
            f"{restoration_html(item)}"
            f'<div class="yw-meta">{holds}{provenance(result)}</div>{others}{warnings_html(result)}'
            f"{quote_actions(item, paragraph)}</div>"
        )
    return intro + "".join(cards)


def basket_html(items: Sequence[BasketItem]) -> str:
    """The basket as a numbered list, each quote with its citation and its buttons
    (copy, up, down, remove) - no wide table, so it fits a phone."""
    if not items:
        return f'<div class="yw-empty">{strings.BASKET_EMPTY}</div>'
    rows = []
    last = len(items) - 1
    for index, item in enumerate(items):
        up = " disabled" if index == 0 else ""
        down = " disabled" if index == last else ""
        rows.append(
            f'<li class="yw-basket-item" data-index="{index}">'
            f'<div class="yw-quote">“{marked_quote(item.quote, item.damage)}”</div>'
            + (
                f'<div class="yw-warning yw-note">{escape(item.note())}</div>'
                if item.note()
                else ""
            )
            + f'<div class="yw-meta yw-citation">{escape(item.citation())}</div>'
            f'<div class="yw-actions">'
            f'<button class="yw-copy" type="button" data-copy="{escape(item.copy_text())}">{strings.COPY_QUOTE}</button>'
            f'<button class="yw-basket-op" type="button" data-op="up" data-index="{index}"{up}>{strings.MOVE_UP}</button>'
            f'<button class="yw-basket-op" type="button" data-op="down" data-index="{index}"{down}>{strings.MOVE_DOWN}</button>'
            f'<button class="yw-basket-op yw-danger" type="button" data-op="remove" data-index="{index}">{strings.REMOVE_QUOTE}</button>'
            "</div></li>"
        )
    count = f'<div class="yw-basket-count">{strings.BASKET_COUNT.format(count=len(items))}</div>'
    return f'{count}<ol class="yw-basket-list">{"".join(rows)}</ol>'


def table_html(headers: Sequence[str], rows: Sequence[Sequence[object]], css_class: str) -> str:
    """A table that wraps its cells within the page width; on a phone each row
    becomes a block with the column name before each value (see yinwen.css)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td data-label="{escape(h)}">{escape(str(cell))}</td>'
            for h, cell in zip(headers, row, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    return f'<table class="yw-table {css_class}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def document_date(document: StoredDocument) -> str:
    """A document's date as its quote cards show it: its own, else "上传于…" (the
    download site's upload date), else 日期不详 - one date per document everywhere."""
    return date_part(document.date, document.uploaded) or strings.UNKNOWN_DATE


def short_document_date(document: StoredDocument) -> str:
    """The same date in ISO form, where space is short (the picker, ``yinwen docs``)."""
    when = document.date or (f"上传于{document.uploaded}" if document.uploaded else None)
    return when or strings.UNKNOWN_DATE


def documents_html(documents: Sequence[StoredDocument], collection: Path) -> str:
    if not documents:
        return f'<div class="yw-empty">{strings.DOCUMENTS_EMPTY}</div>'
    rows = [
        [
            d.title or Path(d.path).name,
            document_date(d),
            "、".join(d.authors),
            d.passages,
            shown_path(d.path, collection),
            "；".join(strings.reason(w.message) for w in d.warnings),
        ]
        for d in documents
    ]
    return table_html(strings.DOCUMENT_HEADERS, rows, "yw-documents-table")


def report_rows(report: IngestReport) -> list[list[object]]:
    return [
        [
            Path(r.path).name,
            strings.STATUS_LABELS.get(r.status, r.status),
            r.title or "",
            r.passages,
            strings.reason(r.reason) or "；".join(strings.reason(w.message) for w in r.warnings),
        ]
        for r in report.results
    ]
