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

from qa.answer import citation_parts


@dataclass(frozen=True)
class BasketItem:
    """A quote collected by a writer, with everything its citation needs."""

    quote: str
    title: str | None
    author: str | None
    date: str | None
    paragraph: int
    doc_id: str
    path: str

    def citation(self) -> str:
        """《title》，author，YYYY年M月D日，第n段 — as complete as the metadata allows."""
        return "，".join(citation_parts(self.title, self.author, self.date, self.paragraph))

    def copy_text(self) -> str:
        """“quote”（《title》，author，YYYY年M月D日，第n段） - what a writer pastes."""
        return f"“{self.quote.strip()}”（{self.citation()}）"

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: Any) -> BasketItem:
        """An item from JSON the browser sent back (the basket lives in the browser):
        checked field by field, ValueError if it is not a basket item."""
        if not isinstance(data, dict):
            raise ValueError("not an object")
        text = {"quote", "doc_id", "path"}
        optional = {"title", "author", "date"}
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
        return cls(paragraph=paragraph, **values)


def to_markdown(items: list[BasketItem]) -> str:
    """Quotes as a numbered list with Markdown footnotes."""
    lines = ["# 素材篮", ""]
    for number, item in enumerate(items, start=1):
        lines.append(f"{number}. “{item.quote.strip()}”[^{number}]")
    lines.append("")
    for number, item in enumerate(items, start=1):
        lines.append(f"[^{number}]: {item.citation()}")
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
        paragraph.add_run(f"“{item.quote.strip()}”")
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
        text.text = " " + item.citation()
        text_run.append(text)
        note_paragraph.append(text_run)
        note.append(note_paragraph)
        footnotes.append(note)

    document.save(str(path))
    return path


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
