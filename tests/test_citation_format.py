"""GB/T 7714—2015 references, damage notes, and the quote + citation that copy,
the basket, Markdown and Word carry."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.locators import locator_label
from corpus.model import Locator
from qa.answer import citation_parts
from ui.citation import damage_note, document_type, marked, reference, restoration
from ui.export import BasketItem, read_docx_footnotes, to_docx, to_markdown


@pytest.mark.parametrize(
    ("source", "format_", "uploaded", "code"),
    [("工人日报", "txt", None, "N"), ("人民日报", "html", None, "N"), ("新华网", "html", None, "EB/OL"),
     (None, "txt", "2024-08-13", "EB/OL"), (None, "html", None, "EB/OL"), (None, "docx", None, "Z"),
     ("情报", "txt", None, "EB/OL")],
)  # fmt: skip
def test_document_type(source: str | None, format_: str, uploaded: str | None, code: str) -> None:
    assert document_type(source, format_, uploaded) == code


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (dict(title="切实实现好维护好发展好工人阶级合法权益", author="熊选国", source="工人日报",
              date="2023-09-27", locator="第三部分", type_code="N"),
         "熊选国. 切实实现好维护好发展好工人阶级合法权益[N]. 工人日报, 2023-09-27: 第三部分."),
        # an upload date is labelled as such, never given as the text's date
        (dict(title="学习心得", uploaded="2024-08-13", locator="第2片段", type_code="EB/OL"),
         "学习心得[EB/OL]. (上传于2024-08-13): 第2片段."),
        (dict(title="学习心得", date="2023-10-09", uploaded="2024-08-13", type_code="EB/OL"),
         "学习心得[EB/OL]. 2023-10-09."),
        (dict(title="在会上的讲话", author="王东明", type_code="Z"), "王东明. 在会上的讲话[Z]."),
        (dict(title="劳动法", locator="第四十四条", type_code="Z"), "劳动法[Z]. 第四十四条."),
        (dict(title=None), "（无题）[Z]."),
    ],
)  # fmt: skip
def test_gbt7714_reference(arguments: dict[str, str], expected: str) -> None:
    assert reference(**arguments) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("locator", "label"),
    [
        (Locator(page=2, page_kind="page", paragraph=None), "第2页"),
        (Locator(page=3, page_kind="fragment"), "第3片段"),
        (Locator(paragraph=12, headings=("三",)), "第三部分，第十二段"),
        (Locator(paragraph=5, headings=("一", "（二）")), "第一部分（二），第五段"),
        (Locator(paragraph=5, headings=("一", "二是")), "第一部分“二是”处，第五段"),
        (Locator(paragraph=9, article="第四十四条"), "第四十四条"),
        (Locator(), ""),
    ],
)
def test_locator_labels(locator: Locator, label: str) -> None:
    assert locator_label(locator) == label


@pytest.mark.parametrize(
    ("kwargs", "parts"),
    [
        (dict(kind="speech", quoted=["习近平总书记"]),
         ["《题目》", "讲话：王东明；引述：习近平总书记", "2023年10月9日", "第二段"]),
        (dict(quoted=["党中央"]), ["《题目》", "王东明；引述：党中央", "2023年10月9日", "第二段"]),
    ],
)  # fmt: skip
def test_card_names_speaker_and_quoted_speaker(kwargs: dict[str, object], parts: list[str]) -> None:
    found = citation_parts("题目", "王东明", "2023-10-09", locator=Locator(paragraph=2), **kwargs)  # type: ignore[arg-type]
    assert found == parts


def test_card_labels_an_upload_date_and_gives_no_paragraph_it_does_not_have() -> None:
    parts = citation_parts("题目", None, None, locator=Locator(page=2, page_kind="fragment"),
                           uploaded="2024-08-13")  # fmt: skip
    assert parts == ["《题目》", "上传于2024年8月13日", "第2片段"]


QUOTE = "澳门金沙:总书记强调，要更好效劳职工。"
DAMAGE = ((0, 5, "spam", "习近平"), (14, 16, "conversion", "服务"))


def test_damage_note_marked_text_and_restoration() -> None:
    note = damage_note(QUOTE, DAMAGE)
    assert note and "“澳门金沙:”疑为注入的垃圾词（原文可能为“习近平”）" in note
    assert "“效劳”疑为转换错误（可能应为“服务”）" in note
    assert damage_note(QUOTE, ()) is None
    struck = marked(QUOTE, DAMAGE, lambda words, code, _s: f"[{code}:{words}]")
    assert struck == "[spam:澳门金沙:]总书记强调，要更好[conversion:效劳]职工。"
    assert restoration(QUOTE, DAMAGE) == "习近平总书记强调，要更好服务职工。"
    assert restoration(QUOTE, ((0, 5, "spam", None),)) is None  # nothing is guessed


DAMAGED = BasketItem(
    QUOTE, "推动学习宣传贯彻", "熊选国", "2023-09-27", 4, "d", "d.txt", source="工人日报",
    locator="第一部分，第四段", type_code="N", quoted=("总书记",), damage=DAMAGE,
)  # fmt: skip


def test_copy_text_is_quote_and_full_citation_with_the_damage_note() -> None:
    lines = DAMAGED.copy_text().split("\n")
    assert lines[0] == f"“{QUOTE}”（引述：总书记）"  # verbatim
    assert lines[1] == "——熊选国. 推动学习宣传贯彻[N]. 工人日报, 2023-09-27: 第一部分，第四段."
    assert lines[2].startswith("〔注：") and "澳门金沙:" in lines[2]


def test_basket_items_round_trip_and_old_items_still_load() -> None:
    assert BasketItem.from_dict(DAMAGED.as_dict()) == DAMAGED
    old = {"quote": "要团结。", "title": "题", "author": None, "date": None, "paragraph": 3,
           "doc_id": "d", "path": "d.txt"}  # fmt: skip
    item = BasketItem.from_dict(old)
    assert item.citation() == "题[Z]. 第3段."
    for bad in ([[0, 99, "spam", None]], [[0, 2, "evil", None]], "x", [[0, 2, "spam", 5]]):
        with pytest.raises(ValueError):
            BasketItem.from_dict({**DAMAGED.as_dict(), "damage": bad})


def test_markdown_and_word_carry_the_marks_and_the_gbt_footnote(tmp_path: Path) -> None:
    import zipfile

    clean = BasketItem("要团结奋斗。", "题目", "张三", "2023-05-01", 2, "c", "c.txt",
                       locator="第二段", type_code="Z")  # fmt: skip
    markdown = to_markdown([DAMAGED, clean])
    # spam struck through, a likely conversion error highlighted, as on the page
    assert "1. “~~澳门金沙:~~总书记强调，要更好==效劳==职工。”（引述：总书记）[^1]" in markdown
    assert "[^2]: 张三. 题目[Z]. 2023-05-01: 第二段." in markdown
    assert markdown.count("〔注：") == 2  # under the quote and in its footnote

    path = to_docx([DAMAGED, clean], tmp_path / "basket.docx")
    body, notes = read_docx_footnotes(path)
    assert body[1] == f"“{QUOTE}”（引述：总书记）"  # the words are verbatim
    assert notes[0].startswith(
        "熊选国. 推动学习宣传贯彻[N]. 工人日报, 2023-09-27: 第一部分，第四段."
    )
    assert "〔注：" in notes[0] and "澳门金沙:" in notes[0]
    assert notes[1] == "张三. 题目[Z]. 2023-05-01: 第二段."
    # in Word both damaged spans are highlighted, only the spam is struck through
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    struck = xml.split("<w:strike/>")
    assert len(struck) == 2  # one struck run
    assert "澳门金沙:" in struck[1][: struck[1].index("</w:r>")]
    highlighted = xml.split('<w:highlight w:val="yellow"/>')
    assert len(highlighted) == 3
    assert "效劳" in highlighted[2][: highlighted[2].index("</w:r>")]
