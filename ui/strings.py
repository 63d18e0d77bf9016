"""Every piece of text the web page shows, in Chinese, in one place - plus the
few functions that turn library values (timestamps, embedder ids, English
glosses in ingest reasons, dates typed by people) into what a reader expects.

The library's messages are shared with the command line, where an English
gloss in brackets helps; the page drops it here rather than at the source.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime

from corpus.model import WarningCode

TITLE = "引文 yinwen"
HEADING = "引文 yinwen —— 可引用的原文，逐字核对的出处"

# tabs
TAB_CHAT = "问答"
TAB_SEARCH = "找引文"
TAB_BASKET = "素材篮"
TAB_LIBRARY = "资料库"

# chat
MODE_LABEL = "回答方式"
EXTRACTIVE = "抽取式（原文摘句，不用大模型）"
LLM = "大模型（核对引语）"
QUESTION_PLACEHOLDER = "用中文提问，例如：工会如何维护新就业形态劳动者的权益？"
ASK = "提问"
NEW_CONVERSATION = "新对话"
CHAT_PLACEHOLDER = "提问后，回答中的每句原文都带 [n]，点击可查看出处。"
THINKING = "正在查找……"
ANSWER_FAILED = "⚠ 回答失败：{error}"
SEARCH_FAILED = "⚠ 查找失败：{error}"
LLM_NOT_CONFIGURED = (
    "未配置大模型，无法用“大模型”方式回答。请由管理员设置 YINWEN_LLM 和 YINWEN_LLM_MODEL 后重启，"
    "或改用“抽取式”回答。"
)
UNKNOWN_MODE = "不认识的回答方式“{mode}”：请用 extractive（抽取式）或 llm（大模型）。"
EMPTY_QUESTION = "请输入问题。"
QUESTION_TOO_LONG = "问题太长（{length} 字），请控制在 {limit} 字以内。"
MODE_NAMES = {"extractive": "抽取式", "llm": "大模型"}
SOURCES = "来源（{count}）"
RELATED = "可能相关的段落"
UNVERIFIED_TIP = "未能在资料中找到这句原话"
COPY_ANSWER = "复制回答"
COPY_QUOTE = "复制引文"
COPIED = "已复制"
ADD_TO_BASKET = "加入素材篮"
ADDED = "已加入"
OPEN_PARAGRAPH = "查看所在段落"
# Warnings shown next to a quote: one label per code, for the page, the command
# line and the export alike. Codes about the whole document that do not touch
# the wording (boilerplate, short) are shown in the library, not with quotes.
WARNING_LABELS = {
    WarningCode.SPAM: "出处文档疑似被注入垃圾词，引用前请核对原始出处",
    WarningCode.SPAM_HERE: "所在段落含疑似注入的垃圾词",
    WarningCode.CONVERSION: "出处文档疑似有转换错误的词语",
    WarningCode.CONVERSION_HERE: "所在段落含疑似转换错误的词语",
    WarningCode.PLACEHOLDER: "出处文档含未填写的占位符",
    WarningCode.ENCODING: "出处文件含损坏或混用编码的字符，引用前请核对原文",
    WarningCode.DATE_CONFLICT: "出处文档的日期互相矛盾，引用前请核对日期",
}
DAMAGE_SPAM_TIP = "疑似注入的垃圾词，原文可能是“{suggestion}”"
DAMAGE_SPAM_UNKNOWN_TIP = "疑似注入的垃圾词，原词不明"
DAMAGE_CONVERSION_TIP = "疑似转换错误，可能应为“{suggestion}”"
RESTORATION = "推测原文（非原文，仅供核对）："
FOUND_IN = "出现于："
ALSO_IN = "同一句话还出现在："
HOLDS_QUERY = "含原词"
HOLDS_QUERY_TIP = "这一段逐字含有所查的每个词；未标的结果只是意思相近"

# quote search
QUERY_PLACEHOLDER = "找一句关于劳模精神的论述"
SEARCH = "查找"
FILTERS = "筛选与排序"
FILTER_DOCUMENTS = "文档"
FILTER_DOCUMENTS_INFO = "列出最近加入的文档；其他文档请在上面查找"
FIND_DOCUMENT = "查找文档"
FIND_DOCUMENT_HINT = "标题、作者或文件名中的字词"
FILTER_AUTHOR = "作者/讲话人/被引述者"
FILTER_AUTHOR_INFO = "列出引文最多的作者；也可以直接输入姓名，同时找出引述此人原话的句子"
DATE_FROM = "起始日期"
DATE_TO = "截止日期"
DATE_HINT = "如 2023-04-01、2023年4月 或 2023"
SORT = "排序"
SORT_RELEVANCE = "相关度"
SORT_NEWEST = "最新在前"
TOP_K = "结果数"
ENTER_QUERY = "请输入要找的内容。"
NO_RESULTS = "没有找到结果。"
NOT_ANSWERABLE_HINT = "资料中可能没有直接相关的内容；以下为最接近的段落。"
BAD_DATE = "无法识别的{which}“{value}”：请写成 2023-04-01、2023年4月 或 2023。"
DATES_REVERSED = "起始日期晚于截止日期，没有结果。"

# basket
BASKET_EMPTY = "素材篮是空的。在“问答”或“找引文”里点“加入素材篮”。"
BASKET_COUNT = "素材篮中共 {count} 条引文"
BASKET_ALREADY = "这条引文已在素材篮中"
BASKET_BAD_ITEM = "无法加入：引文数据不完整"
MOVE_UP = "上移"
MOVE_DOWN = "下移"
REMOVE_QUOTE = "移除"
EXPORT = "导出 Markdown 和 Word"
EXPORTED = "已导出 {count} 条引文。"
CLEAR_BASKET = "清空素材篮"
CONFIRM_CLEAR_BASKET = "确定清空素材篮中的 {count} 条引文？此操作不能撤销。"
CONFIRM_CLEAR = "确认清空"
CANCEL = "取消"
BASKET_CLEARED = "素材篮已清空。"
MARKDOWN_FILE = "Markdown"
WORD_FILE = "Word（脚注标注出处）"
BASKET_HEADERS = ("#", "引文", "出处", "")

# library
LIBRARY_INTRO = "上传 txt、md、html、docx、pdf（每个文件不超过 {limit} MB）。"
LIBRARY_INTRO_FOLDER = "也可以导入服务器上这些目录里的文件夹：{roots}。"
LIBRARY_READ_ONLY = "只有管理员可以添加或删除文档。"
UPLOAD = "选择文件"
INGEST = "加入资料库"
FOLDER = "服务器上的文件夹"
IMPORT_FOLDER = "导入文件夹"
CHOOSE_FILES_FIRST = "请先选择文件。"
ENTER_FOLDER = "请输入服务器上的文件夹路径。"
FOLDER_IMPORT_OFF = "此服务器未开放文件夹导入（启动时用 --import-root 指定允许的目录）。"
FOLDER_OUTSIDE = "只能导入这些目录里的文件夹：{roots}"
FOLDER_MISSING = "文件夹不存在：{folder}"
LINK_OUTSIDE = "链接指向允许的目录之外，已跳过"
NOT_ALLOWED = "只有管理员可以添加或删除文档。"
NOT_AN_UPLOAD = "不是本页上传的文件"
INGEST_SUMMARY = "新增 {added}，更新 {updated}，未变 {unchanged}，失败 {failed}"
INGEST_HEADERS = ("文件", "结果", "标题", "引文段数", "原因/警告")
DOCUMENTS = "文档"
DOCUMENT_HEADERS = ("标题", "日期", "作者", "引文段数", "文件", "警告")
DOCUMENTS_EMPTY = "资料库是空的。"
DOCUMENTS_NOT_FOUND = "没有标题、作者或文件名含这些字词的文档。"
PAGE_ALL = "第 {page}/{pages} 页 · 共 {count} 篇 · 最近加入的在前"
PAGE_FOUND = "第 {page}/{pages} 页 · 找到 {count} 篇"
PREVIOUS_PAGE = "上一页"
NEXT_PAGE = "下一页"
REMOVE_PICK = "选择要删除的文档（列出本页的文档）"
REMOVE = "删除所选文档"
CHOOSE_DOCUMENTS_FIRST = "请先选择要删除的文档。"
CONFIRM_REMOVE = "确定从资料库删除这 {count} 篇文档？{titles}（原文件不受影响）"
CONFIRM_REMOVE_BUTTON = "确认删除"
REMOVED = "已删除 {count} 篇文档。"
UPLOAD_TOO_BIG = "文件 {size:.1f} MB，超过上传上限 {limit} MB"
STATUS_LABELS = {
    "added": "新增",
    "updated": "更新",
    "unchanged": "未变",
    "failed": "失败",
    "skipped": "跳过",
    "removed": "删除",
}
UNKNOWN_DATE = "日期不详"

# header
INFO = (
    "**资料库**：{documents} 篇文档 · {passages} 段引文 · 向量模型 {model} · "
    "更新于 {updated} · 回答方式：{mode}"
)
INFO_LLM = "大模型可用（{model}）"
INFO_EXTRACTIVE = "抽取式（未配置大模型）"

#: Embedder ids recorded in a collection, as people know the models.
MODEL_NAMES = {
    "multilingual-e5-small-q4": "multilingual-e5-small（4-bit，内置）",
    "use-multilingual-v3": "Universal Sentence Encoder 多语言版",
    "m3e:m3e-small": "m3e-small",
}


def model_name(embedder_id: str | None) -> str:
    """A human name for an embedder id; unknown ids are shown as they are."""
    if not embedder_id:
        return "—"
    if embedder_id.startswith("hash-"):
        return "哈希向量（仅供测试）"
    return MODEL_NAMES.get(embedder_id, embedder_id)


def timestamp(value: str | None) -> str:
    """An ISO timestamp as 2026年11月21日 21:46, in the server's local time."""
    if not value:
        return "—"
    try:
        moment = datetime.fromisoformat(value.replace("+0000", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


# "(no such file or folder)" and the like: a bracketed gloss without Chinese in it.
_ENGLISH_GLOSS = re.compile(r"\s*[（(](?=[^()（）]*[A-Za-z]{3})[^()（）\u3400-\u9fff]*[)）]\s*$")
_ENGLISH_REASONS = {
    "Permission denied": "没有读取权限",
    "Is a directory": "是文件夹",
}


def reason(text: str | None) -> str:
    """An ingest reason for the page: Chinese only. The library's reasons end in an
    English gloss for the command line ("空文件 (empty file)"); the gloss goes, the
    Chinese stays. A reason that is only English is kept (it may be all we know)."""
    if not text:
        return ""
    for english, chinese in _ENGLISH_REASONS.items():
        text = re.sub(rf"\s*\({english}\)", f"（{chinese}）", text)
    stripped = _ENGLISH_GLOSS.sub("", text)
    return stripped if re.search(r"[\u3400-\u9fff]", stripped) else text


_ISO = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?$")
_CHINESE = re.compile(r"^(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})日)?)?$")


def parse_date(value: str | None, end: bool = False) -> str | None:
    """A date typed by a person as YYYY-MM-DD for the filters, or None if empty.

    "2023", "2023-04", "2023年4月", "2023/4/5" and "2023年4月5日" are understood;
    a year or month alone means its first day (``end=False``) or its last day
    (``end=True``), so "2023年4月" to "2023年4月" is all of April.
    Raises ValueError for anything else.
    """
    value = (value or "").strip().replace(" ", "")
    if not value:
        return None
    match = _ISO.match(value) or _CHINESE.match(value)
    if not match:
        raise ValueError(value)
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else (12 if end else 1)
    if match.group(3):
        day = int(match.group(3))
    else:
        day = calendar.monthrange(year, month)[1] if end and 1 <= month <= 12 else 1
    try:
        datetime(year, month, day)
    except ValueError as error:
        raise ValueError(value) from error
    return f"{year:04d}-{month:02d}-{day:02d}"
