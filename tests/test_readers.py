"""Formats, encodings and every kind of bad input a reader can meet."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from corpus.readers import ReadError, decode_text, read_bytes, read_file

TEXT = "要把广大职工群众紧密团结在党的周围，为实现党的中心任务而团结奋斗。劳模精神、劳动精神、工匠精神。"


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-bom"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("gb2312"), "gb18030"),
        ((TEXT + "𠀀").encode("gb18030"), "gb18030"),  # a character outside GBK
        (TEXT.encode("utf-16"), "utf-16"),  # with BOM
        (TEXT.encode("utf-16-le"), "utf-16-le"),  # without BOM
        (TEXT.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_decode_text_detects_encodings(encoded: bytes, encoding: str) -> None:
    text, detected = decode_text(encoded)
    assert text.lstrip("\ufeff").startswith(TEXT)
    assert detected == encoding


def test_decode_text_ascii_utf16_without_bom() -> None:
    text, detected = decode_text("plain English text, long enough".encode("utf-16-le"))
    assert text == "plain English text, long enough" and detected == "utf-16-le"


def test_decode_text_tolerates_a_few_broken_bytes() -> None:
    data = TEXT.encode("utf-8") * 20
    damaged = data[:100] + b"\xff" + data[100:]
    text, detected = decode_text(damaged)
    assert detected == "utf-8-damaged"
    assert 1 <= text.count("\ufffd") <= 4  # the broken character, nothing else
    assert text.endswith(TEXT)


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 40,  # binary with NUL bytes
        b"\x89PNG\r\n\x1a\n" + os.urandom(2000).replace(b"\x00", b"\x01"),
        b"\x7fELF" + bytes([0x80 + i % 100 for i in range(3000)]),
    ],
)
def test_decode_text_rejects_binary(data: bytes) -> None:
    with pytest.raises(ReadError):
        decode_text(data)


def test_read_file_bad_paths(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="不存在"):
        read_file(tmp_path / "missing.txt")
    with pytest.raises(ReadError, match="不是普通文件"):
        read_file(tmp_path)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(ReadError, match="空文件"):
        read_file(empty)
    other = tmp_path / "table.xlsx"
    other.write_bytes(b"x")
    with pytest.raises(ReadError, match="不支持"):
        read_file(other)


def test_read_file_oversized_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with open(big, "wb") as handle:  # sparse: 200 MB on paper, nothing on disk
        handle.truncate(200 * 1024 * 1024)
    with pytest.raises(ReadError, match=r"文件过大 200\.0 MB"):
        read_file(big)


def test_binary_renamed_txt(tmp_path: Path) -> None:
    fake = tmp_path / "photo.txt"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(500))
    with pytest.raises(ReadError, match="二进制"):
        read_file(fake)


def test_markdown_markup_is_removed() -> None:
    raw = read_bytes("# 标题\n\n**加粗**的[链接](http://x)和正文。\n\n- 列表项".encode(), ".md")
    assert raw.text.splitlines() == ["标题", "", "加粗的链接和正文。", "", "列表项"]
    assert raw.format == "md"


def test_html_text_and_metadata() -> None:
    page = """<html><head><meta charset="gbk"><title>网站 - 页面标题</title>
    <meta name="publishdate" content="2023-09-27"><meta property="og:title" content="文章标题">
    <script>var x = "不要这段";</script><style>.a{}</style></head>
    <body><nav>首页 导航</nav><h1>文章标题</h1><p>第一段正文，内容。</p><div>第二段<br>换行</div>
    <footer>版权所有</footer></body></html>"""
    raw = read_bytes(page.encode("gbk"), ".html")
    assert raw.metadata["title"] == "文章标题"
    assert raw.metadata["date"] == "2023-09-27"
    assert "第一段正文，内容。" in raw.text
    assert "不要这段" not in raw.text and "导航" not in raw.text and "版权所有" not in raw.text
    assert raw.encoding == "gb18030"


def _docx_bytes(paragraphs: list[str], title: str = "", author: str = "") -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "表格左"
    table.rows[0].cells[1].text = "表格右"
    document.core_properties.title = title
    document.core_properties.author = author
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_paragraphs_tables_and_properties() -> None:
    raw = read_bytes(_docx_bytes(["第一段。", "第二段。"], "文档标题", "张三"), ".docx")
    assert raw.text.split("\n") == ["第一段。", "第二段。", "表格左  表格右"]
    assert raw.metadata["title"] == "文档标题" and raw.metadata["author"] == "张三"


def test_docx_truncated_corrupt_and_encrypted() -> None:
    good = _docx_bytes(["第一段。"])
    with pytest.raises(ReadError, match="docx"):
        read_bytes(good[: len(good) // 2], ".docx")
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    with pytest.raises(ReadError, match="docx"):
        read_bytes(broken.getvalue(), ".docx")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000)  # encrypted docx / legacy .doc
    with pytest.raises(ReadError, match="加密"):
        read_bytes(ole, ".docx")


def _pdf_bytes(pages: list[list[str]], password: str | None = None) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setTitle("PDF标题")
    for lines in pages:
        pdf.setFont("STSong-Light", 12)
        for number, line in enumerate(lines):
            pdf.drawString(50, 800 - 20 * number, line)
        pdf.showPage()
    pdf.save()
    data = buffer.getvalue()
    if password:
        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        writer.encrypt(password)
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    return data


def test_pdf_text_with_page_breaks() -> None:
    raw = read_bytes(
        _pdf_bytes([["要把广大职工群众紧密团结在党的"], ["周围，为实现党的中心任务而奋斗。"]]),
        ".pdf",
    )
    assert "\f" in raw.text
    assert raw.metadata["title"] == "PDF标题"


def test_pdf_sentence_over_page_break_is_joined() -> None:
    from corpus.cleaning import clean_text

    raw = read_bytes(
        _pdf_bytes(
            [
                ["第一页的第一句话写在这里。要把广大职工群众紧密团结在党的"],
                ["周围，为实现党的中心任务而团结奋斗。"],
            ]
        ),
        ".pdf",
    )
    assert (
        "要把广大职工群众紧密团结在党的周围，为实现党的中心任务而团结奋斗。"
        in clean_text(raw.text).text
    )


def test_pdf_password_truncated_and_fake() -> None:
    with pytest.raises(ReadError, match="加密"):
        read_bytes(_pdf_bytes([["机密内容。"]], password="secret"), ".pdf")
    good = _pdf_bytes([["内容。"]])
    with pytest.raises(ReadError):
        read_bytes(good[: len(good) // 3], ".pdf")
    with pytest.raises(ReadError, match="不是有效的 PDF"):
        read_bytes(b"just text pretending", ".pdf")
