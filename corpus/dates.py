"""Dates of a document and what each one means.

A scraped page carries several dates: the day the text itself names for the
speech or meeting it reports (event), the page's publication time
(published), a download site's upload time (uploaded) and a file property.
They are kept apart, because only the first two can date a quote: an upload
date presented as the date of a speech is wrong in a footnote. Two dates of
one kind that disagree, or a publication before the event it reports, are a
warning rather than a silent choice.
"""

from __future__ import annotations

import re

from .model import DateKind, DocumentDate, DocumentWarning, WarningCode

_PUBLISHED_LABELS = {"发表时间", "发布时间", "发布日期", "网页发布时间"}
_UPLOADED_LABELS = {"上传时间", "更新时间"}
_FULL_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
# What makes a date in the text the date of the event the text reports.
_EVENT_WORDS = re.compile(r"开幕|闭幕|召开|举行|举办|讲话|致辞|发表|会议|大会|会上")
_EVENT_WINDOW = 40  # characters after the date in which an event word must stand
_OPENING_CHARS = 400  # only the opening of a text dates it; later dates are history
# A speech's date on a line of its own under the title: "（2023年10月9日）".
_DATE_LINE = re.compile(r"^[（(]?\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*[)）]?$")


def iso_date(year: int, month: int, day: int) -> str | None:
    if 1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def parse_iso(text: str) -> str | None:
    match = _FULL_DATE.search(text)
    return iso_date(*(int(g) for g in match.groups())) if match else None


def field_kind(label: str, download_site: bool) -> str:
    """The kind of a labelled metadata date ("发表时间", "上传时间", "时间"...).

    A bare "时间"/"日期" on a download site's page is its upload time; on a
    news page it is the publication time.
    """
    if label in _PUBLISHED_LABELS:
        return DateKind.PUBLISHED
    if label in _UPLOADED_LABELS:
        return DateKind.UPLOADED
    if label == "文件属性":
        return DateKind.FILE
    return DateKind.UPLOADED if download_site else DateKind.PUBLISHED


def stated_event_date(text: str) -> DocumentDate | None:
    """The event date the opening of the text states: a full date followed closely
    by an event word ("2023年10月9日上午，…大会在北京…开幕"), or a date line of
    its own ("（2023年10月9日）") in the first lines."""
    for line in text.split("\n")[:4]:
        if _DATE_LINE.match(line.strip()):
            date = parse_iso(line)
            if date:
                return DocumentDate(DateKind.EVENT, date, line.strip())
    opening = text[:_OPENING_CHARS]
    for match in _FULL_DATE.finditer(opening):
        after = text[match.end() : match.end() + _EVENT_WINDOW]
        event = _EVENT_WORDS.search(after)
        if not event:
            continue
        date = iso_date(*(int(g) for g in match.groups()))
        if date:
            evidence = text[match.start() : match.end() + event.end()]
            return DocumentDate(DateKind.EVENT, date, evidence)
    return None


def document_dates(
    fields: list[tuple[str, str]], download_site: bool, text: str
) -> list[DocumentDate]:
    """Every date of a document with its kind, without repeats, in the order found."""
    dates: list[DocumentDate] = []
    event = stated_event_date(text)
    if event:
        dates.append(event)
    for label, value in fields:
        date = parse_iso(value)
        if not date:
            continue
        found = DocumentDate(field_kind(label, download_site), date, f"{label}:{value}")
        if not any(d.kind == found.kind and d.date == found.date for d in dates):
            dates.append(found)
    return dates


def citation_date(dates: list[DocumentDate]) -> DocumentDate | None:
    """The date a citation may give: the event's, else the publication's; never an
    upload or file date (those are shown labelled, or not at all)."""
    for kind in (DateKind.EVENT, DateKind.PUBLISHED):
        for date in dates:
            if date.kind == kind:
                return date
    return None


def upload_date(dates: list[DocumentDate]) -> DocumentDate | None:
    return next((d for d in dates if d.kind == DateKind.UPLOADED), None)


def date_conflicts(dates: list[DocumentDate]) -> list[DocumentWarning]:
    """Dates that cannot all be right: two of one kind that differ, or a publication
    before the event it reports."""
    warnings = []
    for kind, name in ((DateKind.EVENT, "事件"), (DateKind.PUBLISHED, "发布")):
        values = sorted({d.date for d in dates if d.kind == kind})
        if len(values) > 1:
            warnings.append(
                DocumentWarning(
                    WarningCode.DATE_CONFLICT,
                    f"{name}日期不一致（{'、'.join(values)}），引用前请核对",
                )
            )
    event = next((d for d in dates if d.kind == DateKind.EVENT), None)
    published = next((d for d in dates if d.kind == DateKind.PUBLISHED), None)
    if event and published and published.date < event.date:
        warnings.append(
            DocumentWarning(
                WarningCode.DATE_CONFLICT,
                f"发布日期 {published.date} 早于正文所述日期 {event.date}，引用前请核对",
            )
        )
    return warnings
