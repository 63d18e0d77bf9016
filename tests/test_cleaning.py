"""Table-driven tests of each cleaning rule on small inputs."""

from __future__ import annotations

import pytest

from corpus.cleaning import (
    clean_text,
    ends_sentence,
    find_page_fragments,
    is_boilerplate_line,
    join_inline_spaces,
    parse_date,
    parse_meta_line,
    remove_page_markers,
    split_wrapped_line,
)


@pytest.mark.parametrize(
    "line",
    [
        "上传人:lao****ou 文档编号:969011 上传时间:2024-08-13 格式:DOCX 页数:3 大小:14.52KB",
        "下载 相关 举报",
        "2023学习中国工会第十八次全国代表大会精神感悟.docx_第1页",
        "第1页 / 共3页",
        "亲,该文档总共3页,全部预览完了,如果喜欢就下载吧!",
        "资源描述",
        "《某某.docx》由会员分享,可在线阅读,更多相关《某某.docx(3页珍藏版)》请在第一文库网上搜索。",
        "展开阅读全文",
        "相关资源",
        "猜你喜欢",
        "当前位置:首页 > 应用文档 > 工作总结",
        "copyright@ 2008-2022 001doc.com网站版权所有",
        "经营许可证编号:宁ICP备2022001085号",
        "本站为文档C2C交易模式,即用户上传的文档直接被用户下载,本站只是中间服务平台。",
        "客服",
        "收藏 分享(赏)",
        "收藏 分享赚钱",
        "ID:2067353",
        "大小:18.18KB",
        "页数:5页",
        "格式:DOCX",
        "温馨提示:",
        "1. 部分包含数学公式或PPT动画的文件,查看预览时可能会显示错乱或异常。",
        "2. 本文档由用户上传,版权归属用户,汇文网负责整理代发布。",
        "网站客服:3074922707",
        "此文档下载收益归作者所有",
        "你可能关注的文档",
        "购物车",
        "我的足迹",
        "加入Vip免费下载 立即下载",
        "首页 > 澳门金沙 > 领导讲话",
        "澳门金沙_澳门金沙赌城¥投注官网",
        "主办:澳门金沙赌城:  桂ICP备15005466号",
        "桂公网安备 45040502000012号",
        "版权所有(c)2015澳门金沙赌城:主办 技术支持:广西工人报社新媒体中心",
    ],
)
def test_boilerplate_lines_are_recognised(line: str) -> None:
    assert is_boilerplate_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "要把广大职工群众紧密团结在党的周围,为实现党的中心任务而团结奋斗。",
        "熊选国",
        "学深悟透 真抓实干",
        "确保澳门金沙:总书记重要指示批示落到实处",  # a real heading with injected spam
        "一、坚持党的领导。",
        "同志们:",
        "(作者系全国总工会副主席、书记处书记、党组成员)",
        "推动会员代表大会、民主选举、会员会籍管理、会员评家等基层工会组织制度落地落实。",
        "下载和分享学习资料是群众喜闻乐见的方式,本文档介绍这种方式的由来与发展。" * 2,
    ],
)
def test_real_text_is_not_boilerplate(line: str) -> None:
    assert not is_boilerplate_line(line)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "来源:工人日报   作者:   浏览:次   发表时间:2023-09-27 10:10:14",
            {"source": "工人日报", "views": "次", "date_published": "2023-09-27 10:10:14"},
        ),
        ("来源:工人日报", {"source": "工人日报"}),
        ("时间:2023-04-24", {"date_other": "2023-04-24"}),
        (
            "作者：张三  发布时间：2023年5月1日",
            {"author": "张三", "date_published": "2023年5月1日"},
        ),
        ("这是一句提到来源:某处的正文，不是元数据行。", None),
        ("作者:" + "很长的一段话" * 10, None),
    ],
)
def test_parse_meta_line(line: str, expected: dict[str, str] | None) -> None:
    assert parse_meta_line(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("第1页 / 共3页", ""),
        ("为工会事业开展创造良好条件。 第5页 共5页", "为工会事业开展创造良好条件。"),
        ("前文 第2页／共9页 后文", "前文 后文"),
        ("第一页的内容没有页码标记", "第一页的内容没有页码标记"),
    ],
)
def test_remove_page_markers(line: str, expected: str) -> None:
    assert remove_page_markers(line).strip() == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("发表时间:2023-09-27 10:10:14", "2023-09-27"),
        ("2023年10月9日上午", "2023-10-09"),
        ("2023/4/5", "2023-04-05"),
        ("2023年13月40日", None),
        ("没有日期", None),
    ],
)
def test_parse_date(text: str, expected: str | None) -> None:
    assert parse_date(text) == expected


LONG = "这是一个足够长的页面片段，用来模拟文档分享网站按页输出的正文内容" * 5


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([f"1、{LONG}", f"2、{LONG}", f"3、{LONG}"], {0, 1, 2}),
        (["1、短项", "2、短项", "3、短项"], set()),  # a real numbered list
        ([f"2、{LONG}", "x", f"3、{LONG}"], {0, 2}),  # page 1 may lack its number
        ([f"1、{LONG}", f"5、{LONG}"], set()),  # not a sequence
    ],
)
def test_find_page_fragments(lines: list[str], expected: set[int]) -> None:
    assert find_page_fragments(lines) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("增强人民群众获得感、幸福感、安全 感。", "增强人民群众获得感、幸福感、安全感。"),
        ("学深悟透 真抓实干", "学深悟透 真抓实干"),  # a spaced heading keeps its space
        ("云南、新疆工会召开电视 会议对学习", "云南、新疆工会召开电视会议对学习"),
        ("use the AI model", "use the AI model"),
        ("推动中国 AI 产业发展，", "推动中国AI产业发展，"),
    ],
)
def test_join_inline_spaces(text: str, expected: str) -> None:
    assert join_inline_spaces(text) == expected


def test_split_wrapped_line_pdf_wraps_and_short_heading_line() -> None:
    # A PDF's hard wraps rendered as spaces: equal-width segments; a short one ends a paragraph.
    line = (
        "各级工会组织作为党联系职工群众的桥梁和纽带，必须时刻 "
        "牢记竭诚服务职工群众的基本职责，切实增强践行宗旨为 "
        "民造福的责任感、使命感。下面，我强调几点意见。 "
        "一、强化理论武装，增强践行宗旨为民造福的理论自 "
        "觉 "
        "习近平总书记指出，站在新时代、新起点上，党要团结 "
        "带领人民群众夺取中国特色社会主义新胜利。"
    )
    assert split_wrapped_line(line) == [
        "各级工会组织作为党联系职工群众的桥梁和纽带，必须时刻牢记竭诚服务职工群众的基本职责，"
        "切实增强践行宗旨为民造福的责任感、使命感。下面，我强调几点意见。",
        "一、强化理论武装，增强践行宗旨为民造福的理论自觉",
        "习近平总书记指出，站在新时代、新起点上，党要团结带领人民群众夺取中国特色社会主义新胜利。",
    ]


def test_split_wrapped_line_space_separated_paragraphs() -> None:
    line = "市总工会全委会议上的讲话 同志们: 今天,我们召开全委会议。 过去的一年,工作取得进步; 规模以上工业增加值增长。"
    assert split_wrapped_line(line) == [
        "市总工会全委会议上的讲话",
        "同志们:",
        "今天,我们召开全委会议。",
        "过去的一年,工作取得进步;规模以上工业增加值增长。",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("好。", True), ("他说：“好。”", True), ("好！）", True), ("标题", False), ("一句，", False)],
)
def test_ends_sentence(text: str, expected: bool) -> None:
    assert ends_sentence(text) is expected


def test_clean_text_joins_page_fragment_halves() -> None:
    raw = (
        "文档标题.docx\n\n上传人:abc 文档编号:1 上传时间:2024-08-13 格式:DOCX\n下载 相关 举报\n"
        "第1页 / 共2页\n亲,该文档总共2页,全部预览完了,如果喜欢就下载吧!\n资源描述\n\n"
        f"1、{LONG}。要把广大职工群\n\n2、众紧密团结在党的周围。{LONG}。\n\n展开阅读全文\n相关资源\n"
    )
    cleaned = clean_text(raw)
    assert cleaned.title == "文档标题"
    assert cleaned.date == "2024-08-13"
    assert "要把广大职工群众紧密团结在党的周围。" in cleaned.text
    for noise in ["上传人", "下载", "第1页", "资源描述", "展开阅读全文", "1、", "2、"]:
        assert noise not in cleaned.text


def test_clean_text_page_fragment_after_full_stop_starts_new_paragraph() -> None:
    raw = f"1、{LONG}。\n\n2、{LONG}。"
    assert clean_text(raw).text.count("\n") == 1


def test_clean_text_joins_hard_wrapped_text_file() -> None:
    wrapped = (
        "党的十八大以来，我国工人阶级在党和国家事业发展中发\n"
        "挥了主力军作用，工运事业取得历史性成就，工会工作实\n"
        "现全方位进步。过去五年，广大职工群众与党同心、跟党\n"
        "奋斗，展现了敢打硬仗、勇挑重担的时代风采。\n"
        "第二段很短。\n"
    )
    cleaned = clean_text(wrapped)
    assert cleaned.text.split("\n") == [
        "党的十八大以来，我国工人阶级在党和国家事业发展中发挥了主力军作用，工运事业取得历史性成就，"
        "工会工作实现全方位进步。过去五年，广大职工群众与党同心、跟党奋斗，展现了敢打硬仗、"
        "勇挑重担的时代风采。",
        "第二段很短。",
    ]


def test_clean_text_joins_paragraph_broken_after_comma() -> None:
    raw = "加强大国工匠创新交流大会暨大国工匠论坛的机制化建设,\n\n深化劳模和工匠人才创新工作室创建工作。"
    assert clean_text(raw).text == (
        "加强大国工匠创新交流大会暨大国工匠论坛的机制化建设,深化劳模和工匠人才创新工作室创建工作。"
    )


def test_clean_text_keeps_headings_and_short_lines_apart() -> None:
    raw = "学深悟透 真抓实干\n\n推动工会各项工作取得积极成效\n\n江广平\n\n正文第一句。正文第二句。"
    assert clean_text(raw).text.split("\n") == [
        "学深悟透 真抓实干",
        "推动工会各项工作取得积极成效",
        "江广平",
        "正文第一句。正文第二句。",
    ]


def test_clean_text_reads_page_metadata_and_drops_title_repeat() -> None:
    raw = (
        "购物车\n我的足迹\n\n在工会专题学习研讨交流会上的讲话\n\n加入Vip免费下载 立即下载\n"
        "在工会专题学习研 讨交流会上的讲话 同志们: 习近平总书记在学习贯彻习近平新时代中国特色社会"
        "主义思想主题教育工作会议上强调,要教育引导广大党员、干部牢固树立以人民为中心的发展思想。"
    )
    cleaned = clean_text(raw)
    assert cleaned.title == "在工会专题学习研讨交流会上的讲话"
    # The page-title line goes; the title glued to the body is part of that line and stays.
    assert cleaned.text.split("\n")[0] == "在工会专题学习研讨交流会上的讲话同志们:"
    assert "购物车" not in cleaned.text


def test_clean_text_never_changes_wording() -> None:
    """Every character of cleaned text comes from the raw text, in order."""
    raw = "标题\n\n第1页 / 共1页\n正文里有 空格 和  错字“效劳”。\n\n另一段,\n\n接着写。"
    cleaned = clean_text(raw).text.replace("\n", "")
    remaining = iter(raw)
    assert all(char in remaining for char in cleaned)


def test_clean_text_prefers_page_date_over_file_metadata() -> None:
    raw = "标题行\n发布时间：2023-05-01\n" + "正文内容，" * 20 + "。"
    assert clean_text(raw, {"date": "2020-01-01"}).date == "2023-05-01"
    assert clean_text("正文内容，" * 20 + "。", {"date": "2020-01-01"}).date == "2020-01-01"


def test_a_document_that_is_only_its_title_keeps_it() -> None:
    raw = "江苏常州：大胆小偷卷走68万元名贵药材\n\n江苏常州：大胆小偷卷走68万元名贵药材\n"
    cleaned = clean_text(raw)
    assert cleaned.title == "江苏常州：大胆小偷卷走68万元名贵药材"
    assert cleaned.text == "江苏常州：大胆小偷卷走68万元名贵药材"


def test_tag_lines_are_keyword_lines_of_the_page_not_short_posts() -> None:
    from corpus.cleaning import is_tag_line

    head = "2023年市总工会全委会议上的致辞.docx 下载文档"
    assert is_tag_line("2023 总工会 会议 致辞", head)
    assert not is_tag_line("民风淳朴 来吧 阿勒泰路", "民风淳朴")
    assert not is_tag_line("今天开会。 大家 都来", head)  # punctuation: prose


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("民风淳朴\n\n民风淳朴 来吧 阿勒泰路\n", "民风淳朴 来吧 阿勒泰路"),
        ("树旁的大凤凰树很高\n\n树旁的大凤凰树很高，\n", "树旁的大凤凰树很高，"),
        ("苦逼的加班党  一天一夜了   白班260  夜班350\n", "苦逼的加班党一天一夜了白班260夜班350"),
    ],
)
def test_short_posts_keep_their_text(raw: str, text: str) -> None:
    assert clean_text(raw).text.split("\n")[0] == text
