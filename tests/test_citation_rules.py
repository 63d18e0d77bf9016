"""Table-driven tests of the citation rules on small inputs: page starts,
locators, dates and their kinds, speakers and quotations, damage spans."""

from __future__ import annotations

import pytest

from corpus.cleaning import clean_text
from corpus.damage import find_damage, spans_in
from corpus.dates import citation_date, date_conflicts, document_dates, field_kind
from corpus.locators import chinese_numeral, find_headings, locate, paragraphs_are_real
from corpus.model import DateKind, DocumentDate, PageStart, WarningCode
from corpus.segment import segment
from corpus.speakers import find_quotations, is_name, is_speech, speech_speaker

LONG = "这是一个足够长的句子，用来模拟文档分享网站上按页切开的正文内容，" * 4

# --------------------------------------------------------------------------- pages


def _fragment_dump(count: int, declared: int) -> str:
    header = f"上传人:x 文档编号:1 上传时间:2024-08-13 格式:DOCX 页数:{declared}\n资源描述\n\n"
    body = "\n\n".join(f"{n}、第{n}片开始{LONG}{LONG}" for n in range(1, count + 1))
    return header + body


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # numbered fragments that are not the file's pages (5 of them, 3 pages declared)
        (_fragment_dump(5, 3), [(1, "fragment"), (2, "fragment"), (3, "fragment"),
                                (4, "fragment"), (5, "fragment")]),
        # as many fragments as declared pages: they are the pages
        (_fragment_dump(3, 3), [(1, "page"), (2, "page"), (3, "page")]),
        # a PDF's page breaks
        (f"第一页的文字。{LONG}\n\f\n第二页的文字。{LONG}", [(1, "page"), (2, "page")]),
        # Word footers from page 1 on locate every page after them
        (f"{LONG}。\n第1页 共2页\n第二页开始了。{LONG}\n第2页 共2页", [(1, "page"), (2, "page")]),
        # a lone last footer does not say where its page begins: no pages at all
        (f"{LONG}。{LONG}。 第5页 共5页", []),
        # plain text: no pages
        (f"{LONG}\n\n{LONG}", []),
    ],
)  # fmt: skip
def test_page_starts(raw: str, expected: list[tuple[int, str]]) -> None:
    cleaned = clean_text(raw)
    assert [(number, kind) for _, number, kind in cleaned.pages] == expected
    for offset, number, _ in cleaned.pages[1:]:
        # each page begins at its own first words
        assert cleaned.text[offset:].startswith(("第二页", f"第{number}片开始"))


# --------------------------------------------------------------------------- locators


@pytest.mark.parametrize(
    ("number", "numeral"),
    [(1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (44, "四十四"), (105, "一百零五"),
     (110, "一百一十")],
)  # fmt: skip
def test_chinese_numerals(number: int, numeral: str) -> None:
    assert chinese_numeral(number) == numeral


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("一、总体要求\n正文。\n二、主要任务\n正文。", ["一", "二"]),
        (
            "一、甲\n（一）子\n（二）丑\n二、乙\n（一）寅",
            ["一", "（一）", "（二）", "二", "（一）"],
        ),
        # glued to the text by a page dump: still a heading after a sentence end
        ("开头一句。一、坚持党的领导。正文。二、坚持维权。正文。", ["一", "二"]),
        # a "三、" with no "二、" before it is a list inside a sentence
        ("一、甲\n正文三、四、五个方面。", ["一"]),
        ("要做到：一是学深。二是悟透。三是做实。", []),  # not at a sentence start
        ("要做到三点。一是学深。二是悟透。三是做实。", ["一是", "二是", "三是"]),
        ("这是一段没有编号的文字。", []),
    ],
)
def test_numbered_headings(text: str, labels: list[str]) -> None:
    assert [h.label for h in find_headings(text)] == labels


def _locators(text: str, pages: list[PageStart] | None = None, real: bool = True):  # type: ignore[no-untyped-def]
    result = segment(text, "题目")
    return result, locate(text, result.sections, result.paragraphs, result.passages,
                          pages or [], real)  # fmt: skip


def test_locator_has_heading_paragraph_and_page() -> None:
    text = "一、总体要求\n第一段正文说了一件事。\n（一）具体做法\n第二段正文又说了一件事。"
    pages = [PageStart(0, 1, "page"), PageStart(text.index("（一）"), 2, "page")]
    result, locators = _locators(text, pages)
    by_text = {p.text: loc for p, loc in zip(result.passages, locators, strict=True)}
    first = by_text["第一段正文说了一件事。"]
    assert (first.page, first.paragraph, first.headings) == (1, 2, ("一",))
    second = by_text["第二段正文又说了一件事。"]
    assert (second.page, second.paragraph, second.headings) == (2, 4, ("一", "（一）"))
    assert second.heading_text == "（一）具体做法"


def test_law_articles_are_located_by_article() -> None:
    text = "第一条 为了保障职工权益，制定本法。\n第二条 本法适用于全国。\n本条第二款的内容。"
    result, locators = _locators(text)
    assert [
        (p.text[:3], loc.article) for p, loc in zip(result.passages, locators, strict=True)
    ] == [
        ("第一条", "第一条"),
        ("第二条", "第二条"),
    ]


def test_no_paragraph_numbers_without_real_paragraph_breaks() -> None:
    text = LONG * 20
    result, _ = _locators(text)
    assert not paragraphs_are_real(result.paragraphs, page_dump=False)
    assert not paragraphs_are_real(result.paragraphs[:1], page_dump=True)
    _, locators = _locators(text, real=False)
    assert all(loc.paragraph is None for loc in locators)


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("label", "download_site", "kind"),
    [
        ("发表时间", False, DateKind.PUBLISHED),
        ("发布日期", True, DateKind.PUBLISHED),
        ("上传时间", False, DateKind.UPLOADED),
        ("时间", True, DateKind.UPLOADED),  # a bare "时间" on a download site
        ("时间", False, DateKind.PUBLISHED),
        ("文件属性", False, DateKind.FILE),  # a .docx/.pdf creation date dates no quote
        ("网页发布时间", False, DateKind.PUBLISHED),  # an HTML page's date meta tag
    ],
)
def test_date_field_kinds(label: str, download_site: bool, kind: str) -> None:
    assert field_kind(label, download_site) == kind


@pytest.mark.parametrize(
    ("fields", "site", "text", "cited", "kinds"),
    [
        # the text states its meeting: that dates the quote, not the upload
        ([("上传时间", "2024-08-13")], True,
         "2023年10月9日上午，中国工会第十八次全国代表大会在北京开幕。", "2023-10-09",
         ["event", "uploaded"]),
        ([("发表时间", "2023-09-27 10:10")], False, "正文没有日期。", "2023-09-27", ["published"]),
        # only an upload date: a citation gives no date
        ([("时间", "2023-04-24")], True, "正文没有日期。", None, ["uploaded"]),
        # a date in the text that is not an event's is history, not the text's date
        ([], False, "2022年4月30日，工作取得进展，各方面都很好。", None, []),
        # a date line of its own under a speech title
        ([], False, "（2023年5月4日）\n同志们：今天我们在这里开会。", "2023-05-04", ["event"]),
        ([], False, "没有任何日期。", None, []),
    ],
)  # fmt: skip
def test_document_dates(
    fields: list[tuple[str, str]], site: bool, text: str, cited: str | None, kinds: list[str]
) -> None:
    dates = document_dates(fields, site, text)
    assert [d.kind for d in dates] == kinds
    chosen = citation_date(dates)
    assert (chosen.date if chosen else None) == cited


@pytest.mark.parametrize(
    ("dates", "conflicts"),
    [
        ([DocumentDate("event", "2023-10-09", ""), DocumentDate("published", "2023-10-10", "")], 0),
        ([DocumentDate("event", "2023-10-09", ""), DocumentDate("published", "2023-10-01", "")], 1),
        ([DocumentDate("published", "2023-10-09", ""), DocumentDate("published", "2023-11-01", "")], 1),
        ([DocumentDate("event", "2023-10-09", ""), DocumentDate("uploaded", "2020-01-01", "")], 0),
    ],
)  # fmt: skip
def test_conflicting_dates_are_a_warning(dates: list[DocumentDate], conflicts: int) -> None:
    warnings = date_conflicts(dates)
    assert len(warnings) == conflicts
    assert all(w.code == WarningCode.DATE_CONFLICT for w in warnings)


# --------------------------------------------------------------------------- speakers


@pytest.mark.parametrize(
    ("title", "paragraphs", "speech", "speaker"),
    [
        ("王东明在中国工会十八大上的讲话", ["同志们：", "今天……"], True, "王东明"),
        ("在全市工会工作会议上的讲话", ["张三丰", "同志们：", "正文。"], True, "张三丰"),
        ("在全市工会工作会议上的讲话", ["讲话人：李四光", "正文。"], True, "李四光"),
        ("在全市工会工作会议上的讲话", ["同志们：", "今天我们开会。"], True, None),
        ("市总工会全委会议上的致辞", ["正文。"], True, None),
        ("学习心得体会", ["同志们：", "正文。"], True, None),  # a salutation makes a speech
        ("学习心得体会", ["前言", "正文。"], False, None),
        ("在全市工会工作会议上的讲话", ["同志们：", "王五", "正文。"], True, None),  # after the salutation
    ],
)  # fmt: skip
def test_speech_and_speaker(
    title: str, paragraphs: list[str], speech: bool, speaker: str | None
) -> None:
    assert is_speech(title, paragraphs) == speech
    assert speech_speaker(title, paragraphs) == speaker


@pytest.mark.parametrize(
    ("name", "expected"),
    [("王东明", True), ("欧阳修", True), ("前言", False), ("总结", False), ("王东明明明", False)],
)
def test_names(name: str, expected: bool) -> None:
    assert is_name(name) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("习近平总书记强调，要坚持党的领导。我们要落实。",
         [("习近平总书记", "要坚持党的领导。", False)]),
        ("党中央指出：“工会是桥梁。”接着说。", [("党中央", "“工会是桥梁。”", False)]),
        ("全国总工会主席王东明屡次强调，学习要深入。", [("全国总工会主席王东明", "学习要深入。", False)]),
        ("习近平总书记在主题教育工作会议上强调，要教育引导党员。",
         [("习近平总书记", "要教育引导党员。", False)]),
        ("澳门金沙:总书记指出,工会要赢得信任。", [("总书记", "工会要赢得信任。", True)]),
        ("我们强调，要团结。", []),  # the speaker's own words
        ("可以说，这是大事。", []),
        ("会上大家表示，要努力。", []),
    ],
)  # fmt: skip
def test_quotations(text: str, expected: list[tuple[str, str, bool]]) -> None:
    found = [(q.speaker, text[q.start : q.end], q.damaged) for q in find_quotations(text)]
    assert found == expected


# --------------------------------------------------------------------------- damage


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("澳门金沙:总书记强调。", [("澳门金沙:", "spam", "习近平")]),
        ("学习《澳门金沙:澳门金沙:工人阶级论述摘编》", [("澳门金沙:澳门金沙:", "spam", None)]),
        ("总书记澳门金沙:工人阶级的重要论述", [("澳门金沙:", "spam", "关于")]),
        ("把澳门金沙赌城职工吸引到", [("澳门金沙赌城", "spam", None)]),
        ("更好效劳职工群众", [("效劳", "conversion", "服务")]),
        ("是重要组成局部。", [("局部", "conversion", "部分")]),
        ("广阔职工", [("广阔", "conversion", "广大")]),
        ("为工会事业开展创造条件", [("开展", "conversion", "发展")]),
        ("创新开展劳动竞赛", []),  # 开展 as a verb is a word, not a rewrite
        ("干净的句子没有问题。", []),
    ],
)  # fmt: skip
def test_damage_spans(text: str, expected: list[tuple[str, str, str | None]]) -> None:
    assert [(text[d.start : d.end], d.code, d.suggestion) for d in find_damage(text)] == expected


def test_damage_spans_are_cut_to_a_sentence() -> None:
    text = "前句。澳门金沙:总书记强调。"
    spans = find_damage(text)
    assert spans_in(spans, 0, 3) == []
    inside = spans_in(spans, 3, len(text))
    assert [(text[s.start : s.end]) for s in inside] == ["澳门金沙:"]
    assert [(s.start, s.end) for s in spans_in(spans, 5, len(text))] == [(5, 8)]


# --------------------------------------------------------------------------- clean copy first


def _result(number: int, text: str, damage: list[tuple[int, int]] = ()):  # type: ignore[no-untyped-def,assignment]
    from corpus.model import DamageSpan
    from corpus.store import StoredPassage
    from qa.retrieval import SearchResult

    passage = StoredPassage(
        passage_id=number, doc_id=f"d{number}", passage_index=0, paragraph_index=0,
        section_index=0, start=0, end=len(text), text=text, title=None, section_title=None,
        author=None, date=None, source=None, path=f"{number}.txt", warnings=[],
        sentences=[(0, len(text))],
        damage=[DamageSpan(start, end, "spam", None) for start, end in damage],
    )  # fmt: skip
    return SearchResult(passage, 1.0 / number, [(0, len(text))], rank=number)


@pytest.mark.parametrize(
    ("texts", "order"),
    [
        # the clean copy of the damaged sentence is moved before it
        ([("澳门金沙:总书记强调，服务群众不能站在纯服务的角度。", [(0, 5)]), ("别的句子说别的事情。", []),
          ("习近平总书记强调，服务群众不能站在纯服务的角度。", [])], [3, 1, 2]),
        # a clean sentence that says something else stays where it was
        ([("澳门金沙:总书记强调，服务群众不能站在纯服务的角度。", [(0, 5)]),
          ("习近平总书记强调，要坚持党的领导。", [])], [1, 2]),
        # no damage: nothing moves
        ([("甲句子说的是一件事情。", []), ("乙句子说的是另一件事情。", [])], [1, 2]),
    ],
)  # fmt: skip
def test_clean_copy_is_offered_first(
    texts: list[tuple[str, list[tuple[int, int]]]], order: list[int]
) -> None:
    from qa.clean_first import prefer_clean

    results = [_result(number, text, damage) for number, (text, damage) in enumerate(texts, 1)]
    ordered = prefer_clean(results)
    assert [r.passage.passage_id for r in ordered] == order
    assert [r.rank for r in ordered] == list(range(1, len(order) + 1))


@pytest.mark.parametrize(
    ("name", "content", "date", "kinds"),
    [
        ("page.html",
         '<html><head><meta property="article:published_time" content="2023-05-04T08:00:00">'
         "<title>劳动节讲话</title></head><body><p>同志们：今天我们在这里召开大会，总结工作，部署任务。"
         "这是一个很长的句子，用来确保正文足够长，可以成为引文段落。</p></body></html>",
         "2023-05-04", ["published"]),
        ("notes.txt", "学习笔记\n\n上传时间:2024-08-13\n\n这是一段正文，说明了学习的体会，内容足够长，可以成为引文。",
         None, ["uploaded"]),
    ],
)  # fmt: skip
def test_dates_by_file_format(
    tmp_path, name: str, content: str, date: str | None, kinds: list[str]
) -> None:  # type: ignore[no-untyped-def]
    from corpus import IngestSettings, build_document

    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    document = build_document(path, IngestSettings())
    assert document.date == date
    assert [d.kind for d in document.dates] == kinds


def test_citation_types_are_public_names_of_corpus() -> None:
    import corpus

    for name in ("WarningCode", "DateKind", "DocumentDate", "Locator", "Quotation", "DamageSpan"):
        assert name in corpus.__all__ and getattr(corpus, name) is getattr(corpus.model, name)
    # the codes stored as plain strings are the enum's values
    assert WarningCode("spam_here") is WarningCode.SPAM_HERE and WarningCode.SPAM == "spam"
