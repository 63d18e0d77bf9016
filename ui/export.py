"""Exporting the quote basket: Markdown with numbered notes, and .docx with real
Word footnotes (one per quote, carrying its citation).

python-docx has no footnote API, so the footnotes part is written with its
low-level OPC classes: a ``word/footnotes.xml`` part related to the document,
and a ``w:footnoteReference`` run after each quote.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.model import WarningCode

from .citation import Damage, damage_note, marked, reference, title_damage


@dataclass(frozen=True)
class BasketItem:
    """A quote collected by a writer, with everything its citation needs.

    The basket lives in the browser, so an item saved by an older version may
    lack the later fields: ``locator`` None means such an item, cited by its
    paragraph number as it was then.
    """

    quote: str
    title: str | None
    author: str | None
    date: str | None  # ISO; the event's or the publication's, never an upload date
    paragraph: int
    doc_id: str
    path: str
    source: str | None = None
    kind: str | None = None  # "speech": the author is the speaker
    uploaded: str | None = None  # a download site's upload date (ISO)
    locator: str | None = None  # "第2页，第三部分"; "" when the source supports none
    type_code: str = "Z"  # GB/T 7714 document type: N, EB/OL, Z
    quoted: tuple[str, ...] = ()  # whom the quote repeats
    damage: tuple[Damage, ...] = ()  # marked words inside ``quote``

    def place(self) -> str | None:
        if self.locator is None:
            return f"第{self.paragraph}段"
        return self.locator or None

    def citation(self) -> str:
        """The GB/T 7714—2015 reference of the quote's source, with its locator."""
        return reference(
            self.title, self.author, source=self.source, date=self.date,
            uploaded=self.uploaded, locator=self.place(), type_code=self.type_code,
        )  # fmt: skip

    def quote_line(self) -> str:
        """“quote”, and whom it repeats: “……”（引述：习近平总书记）."""
        quoted = f"（引述：{'、'.join(self.quoted)}）" if self.quoted else ""
        return f"“{self.quote.strip()}”{quoted}"

    def note(self) -> str | None:
        """The visible note a quote with marked words carries (None for a clean quote and
        title): the quote's own marked words, and spam inside the title it cites."""
        return damage_note(self.quote, self.damage, title_damage(self.title), self.title or "")

    def copy_text(self) -> str:
        """What a writer pastes: the quote, its full citation, and any damage note."""
        lines = [self.quote_line(), f"——{self.citation()}"]
        note = self.note()
        if note:
            lines.append(note)
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["quoted"] = list(self.quoted)
        data["damage"] = [list(span) for span in self.damage]
        return data

    @classmethod
    def from_dict(cls, data: Any) -> BasketItem:
        """An item from JSON the browser sent back (the basket lives in the browser):
        checked field by field, ValueError if it is not a basket item."""
        if not isinstance(data, dict):
            raise ValueError("not an object")
        text = {"quote", "doc_id", "path"}
        optional = {"title", "author", "date", "source", "kind", "uploaded", "locator"}
        values: dict[str, Any] = {}
        for key in text | optional:
            value = data.get(key)
            if value is None and key in optional:
                values[key] = None
            elif isinstance(value, str) and len(value) <= 5000:
                values[key] = value
            else:
                raise ValueError(f"bad field {key}")
        paragraph = data.get("paragraph")
        if not isinstance(paragraph, int) or isinstance(paragraph, bool) or paragraph < 1:
            raise ValueError("bad field paragraph")
        if not values["quote"].strip():
            raise ValueError("empty quote")
        type_code = data.get("type_code", "Z")
        if type_code not in {"N", "EB/OL", "Z"}:
            raise ValueError("bad field type_code")
        quoted = data.get("quoted", [])
        if not isinstance(quoted, list) or not all(
            isinstance(name, str) and len(name) <= 100 for name in quoted
        ):
            raise ValueError("bad field quoted")
        return cls(
            paragraph=paragraph, type_code=type_code, quoted=tuple(quoted),
            damage=_damage(data.get("damage", []), len(values["quote"])), **values,
        )  # fmt: skip


def _damage(value: Any, length: int) -> tuple[Damage, ...]:
    """Damage spans sent back by the browser, checked: inside the quote, known codes."""
    if not isinstance(value, list) or len(value) > 100:
        raise ValueError("bad field damage")
    spans: list[Damage] = []
    for item in value:
        if not (isinstance(item, list) and len(item) == 4):
            raise ValueError("bad field damage")
        start, end, code, suggestion = item
        valid = (
            isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= length
            and code in {WarningCode.SPAM, WarningCode.CONVERSION}
            and (suggestion is None or (isinstance(suggestion, str) and len(suggestion) <= 50))
        )  # fmt: skip
        if not valid:
            raise ValueError("bad field damage")
        spans.append((start, end, code, suggestion))
    return tuple(spans)


def _markdown_mark(words: str, code: str, _suggestion: str | None) -> str:
    return f"~~{words}~~" if code == WarningCode.SPAM else f"=={words}=="


def to_markdown(items: list[BasketItem]) -> str:
    """Quotes as a numbered list with Markdown footnotes."""
    lines = ["# 素材篮", ""]
    for number, item in enumerate(items, start=1):
        # As on the page: spam struck through, a likely conversion error highlighted
        # (struck text in a draft reads "delete this"); verbatim inside the marks.
        quote = marked(item.quote, item.damage, _markdown_mark)
        quoted = f"（引述：{'、'.join(item.quoted)}）" if item.quoted else ""
        lines.append(f"{number}. “{quote.strip()}”{quoted}[^{number}]")
        note = item.note()
        if note:
            lines.append(f"   {note}")
    lines.append("")
    for number, item in enumerate(items, start=1):
        note = item.note()
        lines.append(f"[^{number}]: {item.citation()}" + (f" {note}" if note else ""))
    return "\n".join(lines) + "\n"


_FOOTNOTES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
    "</w:footnotes>"
)
_FOOTNOTES_CONTENT_TYPE = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
)
_FOOTNOTES_RELATIONSHIP = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
)


def to_docx(items: list[BasketItem], path: Path) -> Path:
    """A Word document: one paragraph per quote, each with a footnote citing its source."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE  # noqa: F401 - ensures docx.opc is loaded
    from docx.opc.packuri import PackURI
    from docx.opc.part import XmlPart
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    document = docx.Document()
    document.add_heading("素材篮", level=1)
    main_part = document.part
    footnotes_part = XmlPart(
        PackURI("/word/footnotes.xml"),
        _FOOTNOTES_CONTENT_TYPE,
        parse_xml(_FOOTNOTES_XML.encode("utf-8")),
        main_part.package,
    )
    main_part.relate_to(footnotes_part, _FOOTNOTES_RELATIONSHIP)
    footnotes = footnotes_part.element

    for number, item in enumerate(items, start=1):
        paragraph = document.add_paragraph()
        paragraph.add_run("“")
        _add_quote_runs(paragraph, item)
        paragraph.add_run("”" + (f"（引述：{'、'.join(item.quoted)}）" if item.quoted else ""))
        reference = OxmlElement("w:r")
        properties = OxmlElement("w:rPr")
        align = OxmlElement("w:vertAlign")
        align.set(qn("w:val"), "superscript")
        properties.append(align)
        reference.append(properties)
        mark = OxmlElement("w:footnoteReference")
        mark.set(qn("w:id"), str(number))
        reference.append(mark)
        paragraph._p.append(reference)

        note = OxmlElement("w:footnote")
        note.set(qn("w:id"), str(number))
        note_paragraph = OxmlElement("w:p")
        note_mark = OxmlElement("w:r")
        note_mark.append(copy.deepcopy(properties))
        own_mark = OxmlElement("w:footnoteRef")
        note_mark.append(own_mark)
        note_paragraph.append(note_mark)
        text_run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.set(qn("xml:space"), "preserve")
        damage_text = item.note()
        text.text = " " + item.citation() + (f" {damage_text}" if damage_text else "")
        text_run.append(text)
        note_paragraph.append(text_run)
        note.append(note_paragraph)
        footnotes.append(note)

    document.save(str(path))
    return path


def _add_quote_runs(paragraph: Any, item: BasketItem) -> None:
    """The quote as runs; a marked span is highlighted, and struck through too if
    it is spam (as on the page), its words unchanged (Word shows the likely word
    nowhere but in the footnote)."""
    from docx.enum.text import WD_COLOR_INDEX

    position = 0
    for start, end, code, _suggestion in sorted(item.damage):
        if start < position:
            continue
        if start > position:
            paragraph.add_run(item.quote[position:start])
        run = paragraph.add_run(item.quote[start:end])
        if code == WarningCode.SPAM:
            run.font.strike = True
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        position = end
    if position < len(item.quote):
        paragraph.add_run(item.quote[position:])


def read_docx_footnotes(path: Path) -> tuple[list[str], list[str]]:
    """(body paragraphs, footnote texts) of a .docx - for tests and for checking an export."""
    import zipfile

    import docx
    from lxml import etree

    body = [p.text for p in docx.Document(str(path)).paragraphs if p.text]
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("word/footnotes.xml")
    namespace = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    root = etree.fromstring(xml)
    notes = []
    for note in root.findall("w:footnote", namespace):
        if note.get(f"{{{namespace['w']}}}type"):
            continue  # separators
        notes.append("".join(t.text or "" for t in note.iter(f"{{{namespace['w']}}}t")).strip())
    return body, notes
