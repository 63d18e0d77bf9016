"""Citations as a writer pastes them: GB/T 7714—2015 references, and the notes a
quote with damaged words must carry.

A reference follows GB/T 7714—2015 for documents and web pages::

    主要责任者. 题名[文献类型标识]. 出版者或报纸名, 日期: 位置.

``[N]`` for a newspaper article, ``[EB/OL]`` for a web page, ``[Z]`` otherwise.
The date is the event's or the publication's; a download site's upload date
is given only as "(上传于YYYY-MM-DD)", never as the date of the text. The
location is the locator the source supports ("第2页", "第三部分", "第十二段").
Pure functions; the basket, the page and the export all use them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from corpus.damage import Damage, damage_note, title_damage

__all__ = ["Damage", "damage_note", "document_type", "marked", "reference", "restoration",
           "title_damage"]  # fmt: skip

_NEWSPAPER = re.compile(r"(?:日报|晚报|早报|时报|工人报|[^情画]报)$")


def document_type(source: str | None, format_: str | None, uploaded: str | None) -> str:
    """The GB/T 7714 type code: N (newspaper), EB/OL (a web page), Z (other)."""
    if source and _NEWSPAPER.search(source.strip()):
        return "N"
    if source or uploaded or format_ == "html":
        return "EB/OL"
    return "Z"


def reference(
    title: str | None,
    author: str | None = None,
    *,
    source: str | None = None,
    date: str | None = None,
    uploaded: str | None = None,
    locator: str | None = None,
    type_code: str = "Z",
) -> str:
    """One GB/T 7714—2015 reference; parts that are not known are left out."""
    head = f"{author}. " if author else ""
    body = f"{title or '（无题）'}[{type_code}]"
    publication = [part for part in (source, date) if part]
    tail = ", ".join(publication)
    if not date and uploaded:
        tail = f"{tail}(上传于{uploaded})" if tail else f"(上传于{uploaded})"
    if locator:
        tail = f"{tail}: {locator}" if tail else locator
    return f"{head}{body}. {tail}." if tail else f"{head}{body}."


def marked(
    quote: str,
    damage: Sequence[Damage],
    mark: Callable[[str, str, str | None], str],
    plain: Callable[[str], str] = lambda text: text,
) -> str:
    """``quote`` with each damaged span passed through ``mark(words, code, suggestion)``
    and the rest through ``plain`` (e.g. HTML escaping)."""
    pieces = []
    position = 0
    for start, end, code, suggestion in sorted(damage):
        if start < position:
            continue
        pieces.append(plain(quote[position:start]))
        pieces.append(mark(quote[start:end], code, suggestion))
        position = end
    pieces.append(plain(quote[position:]))
    return "".join(pieces)


def restoration(quote: str, damage: Sequence[Damage]) -> str | None:
    """The quote with every damaged span replaced by its likely word - NOT verbatim,
    shown beside the quote and labelled so; None unless every span has a suggestion."""
    if not damage or any(suggestion is None for *_, suggestion in damage):
        return None
    return marked(quote, damage, lambda _words, _code, suggestion: suggestion or "")
