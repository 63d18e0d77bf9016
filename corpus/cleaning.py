"""Cleaning web-scrape noise without touching the wording of the real text.

The input is raw text as a reader produced it; the output is the *cleaned*
text - one paragraph a line - that all offsets refer to, and the page
metadata found on the way (title, date, source).

Rules, each a small pure function with table-driven tests:

* site chrome and download prompts are removed as whole lines
  (:func:`is_boilerplate_line`), page-metadata lines are read then removed
  (:func:`parse_meta_line`);
* page markers ("第1页 / 共3页") are removed wherever they stand
  (:func:`remove_page_markers`);
* numbered page fragments ("2、", "3、" ... at line starts, in sequence) lose
  their number and the two halves of the cut sentence are joined
  (:func:`find_page_fragments`); where each began is kept as a page start
  (:func:`locate_pages`), as are PDF page breaks and Word page footers;
* hard line wraps are undone: wrapped lines of a text file, PDF wraps rendered
  as spaces inside a line (:func:`split_wrapped_line`), paragraphs broken
  after a comma;
* spaces between Chinese characters are removed (:func:`join_inline_spaces`);
* control characters (NUL, BEL, ESC ...) are removed (:func:`strip_control_characters`).

Nothing here replaces or reorders characters of the real text: the cleaned
text is the raw text with noise lines, markers and layout whitespace taken out.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass, field

# Bump when a rule changes what cleaned text looks like: stored documents are
# then processed again on the next ingest.
CLEANER_VERSION = "6"  # 6: no paragraph break inside an open bracket; 5: page starts, labelled dates, download-site flag

# Sentence-final punctuation, full and half width, and what may close after it.
TERMINALS = "。！？!?…"
CLOSERS = "”’」』）)》〉】\"'"
_CLAUSE_OPEN_END = "，,、（(“‘《〈【—"

_CHROME_WORDS = {
    "收藏", "分享", "下载", "举报", "相关", "赏", "分享赚钱", "下载文档", "立即下载",
    "加入vip免费下载", "收起", "展开", "图片", "客服", "购物车", "我的足迹", "资源描述",
    "温馨提示", "相关资源", "猜你喜欢", "相关搜索", "展开阅读全文", "你可能关注的文档",
    "此文档下载收益归作者所有", "打印", "关闭", "返回顶部", "上一篇", "下一篇", "字号",
    "大", "中", "小", "登录", "注册", "首页", "评论", "点赞", "阅读全文", "全文阅读",
    "扫一扫", "微信", "微博", "qq空间", "打印本页", "关闭窗口", "纠错", "责任编辑",
}  # fmt: skip

_BOILERPLATE_PATTERNS = [
    re.compile(p, re.IGNORECASE)
    for p in [
        r"上传人[:：].*",
        r".*文档编号[:：]\s*\d+.*",
        r"(?:文档)?ID[:：]\s*\d+",
        r"(?:大小|页数|格式|浏览|浏览量|阅读|下载|收藏|上传时间|时间|日期|字数)[:：].{0,40}",
        r".{1,80}\.(?:docx?|pdf|pptx?|xlsx?|txt|wps)_第\s*\d+\s*页",
        r"第\s*\d+\s*页\s*[/／]?\s*共\s*\d+\s*页",
        r"亲[,，]该文档总共\d+页.*",
        r"《.*》由会员分享.*",
        r"当前位置[:：].*",
        r"(?:首页|主页)\s*[>＞›»].{0,80}",
        r".{0,80}(?:copyright|版权所有|©|\(c\)\s*\d{4}).{0,80}",
        r".{0,80}(?:ICP备|ICP证|公网安备|经营许可证).{0,80}",
        r"(?:主办|承办|协办|技术支持|联系电话|电话|邮箱|地址)[:：].{0,80}",
        r"本站.{0,200}(?:下载|上传|版权|侵权|删除).*",
        r"\d+[.、]\s*(?:部分包含|本文档由用户上传|下载前请|下载文档时|本站).*",
        r".{0,20}(?:网站客服|在线客服|客服热线|客服QQ).{0,40}",
        r"(?:扫码|扫描二维码|长按二维码).{0,40}",
        r"展开阅读全文.*",
        r"(?:分享到|分享至)[:：]?.{0,40}",
    ]
]

# Terms of the gambling spam that replaced words in one sample. Chrome lines
# made of them are removed; in body text they are flagged, never "repaired".
SPAM_TERMS = (
    "澳门金沙", "金沙赌城", "赌城", "投注官网", "娱乐城", "百家乐", "真人娱乐", "葡京",
    "威尼斯人娱乐", "博彩网", "老虎机", "线上赌场", "六合彩", "时时彩", "棋牌官网",
)  # fmt: skip

_META_KEYS = {
    "来源": "source",
    "稿源": "source",
    "出处": "source",
    "作者": "author",
    "发表时间": "date_published",
    "发布时间": "date_published",
    "发布日期": "date_published",
    "日期": "date_other",
    "时间": "date_other",
    "上传时间": "date_other",
    "编辑": "editor",
    "责任编辑": "editor",
    "浏览": "views",
}
_META_FIELD = re.compile(
    r"(来源|稿源|出处|作者|发表时间|发布时间|发布日期|上传时间|日期|时间|责任编辑|编辑|浏览)\s*[:：]\s*"
)
_PAGE_MARKER = re.compile(r"\s*第\s*(\d+)\s*页\s*[/／]?\s*共\s*\d+\s*页\s*")
_PAGE_FRAGMENT = re.compile(r"^(\d{1,3})、")
_FILENAME_TITLE = re.compile(r"^(.{2,120}?)\.(?:docx?|pdf|pptx?|wps|txt)$", re.IGNORECASE)
_DATE_PATTERNS = [
    re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"),
]
_CJK_RANGE = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WIDE = re.compile(rf"[{_CJK_RANGE}\u3000-\u303f\uff00-\uffef“”‘’…—·]")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
# "第一条" "第十二条" - the label of a law's article.
_ARTICLE_LABEL = re.compile(r"第[一二三四五六七八九十百千零〇两\d]+条")
# "一、" "（二）" "3." "第一," "一是" - how a heading or list item starts.
_ENUMERATION = re.compile(
    r"(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[.、．]\D"
    r"|第[一二三四五六七八九十]{1,3}[,，、]|[一二三四五六七八九十]是)"
)


@dataclass
class Cleaned:
    """Result of :func:`clean_text`."""

    text: str  # paragraphs separated by "\n"
    title: str | None
    date: str | None
    source: str | None
    author: str | None
    raw_chars: int  # non-space characters before cleaning
    kept_chars: int  # non-space characters after cleaning
    # Where pages of the original begin: (offset in ``text``, page number, kind),
    # kind "page" or "fragment" (a download site's numbered chunk that is not a page).
    pages: list[tuple[int, int, str]] = field(default_factory=list)
    # Every date-bearing metadata field as it stood: ("上传时间", "2024-08-13"), ...
    date_fields: list[tuple[str, str]] = field(default_factory=list)
    download_site: bool = False  # the page is a document-sharing site's preview
    page_dump: bool = False  # numbered page fragments were joined: line breaks are lost


# --------------------------------------------------------------------------- line rules


# Control characters are not wording: NUL, BEL, ESC (which would drive a
# terminal), DEL and the C1 range. Tab and form feed keep their meaning (a
# layout space, a page break); a vertical tab (a manual line break) ends a line.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def strip_control_characters(text: str) -> str:
    """Remove control characters other than tab, line feed, carriage return and form feed."""
    return _CONTROL_CHARACTERS.sub("", text.replace("\x0b", "\n"))


def normalize_whitespace(text: str) -> str:
    """Unify line ends and layout spaces; drop control characters, BOMs and zero-width
    characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = strip_control_characters(text)
    text = re.sub(r"[\ufeff\u200b\u200c\u200d\u2060]", "", text)
    text = re.sub(r"[\u00a0\u3000\t\u2002\u2003\u2009\u202f]", " ", text)
    return text


def is_boilerplate_line(line: str, lenient: bool = False) -> bool:
    """True if a whole (stripped) line is site chrome, a download prompt or a legal footer.

    ``lenient`` keeps the two rules that judge by shape rather than by words
    (keyword tag lines, short spam-title lines) out of it: the cleaner falls
    back to it when the strict rules would leave a document with no text.
    """
    stripped = line.strip()
    if not stripped:
        return False
    tokens = [t for t in re.split(r"[\s()（）|｜/·]+", stripped.lower()) if t]
    if tokens and all(t.rstrip(":：") in _CHROME_WORDS for t in tokens):
        return True
    if len(stripped) <= 300 and any(p.fullmatch(stripped) for p in _BOILERPLATE_PATTERNS):
        return True
    if lenient:
        return False
    return is_spam_chrome_line(stripped)


def is_tag_line(line: str, context: str) -> bool:
    """A keyword line such as "2023 总工会 会议 致辞": 3+ short tokens, no punctuation,
    most of them words of the page's heading lines (``context``). A short post of
    spaced phrases ("民风淳朴 来吧 阿勒泰路") is not one: its words are its own."""
    tokens = line.split()
    if not (
        len(tokens) >= 3
        and len(line) <= 40
        and all(len(t) <= 6 for t in tokens)
        and not re.search(r"[，。、,.;；:：！？!?“”]", line)
    ):
        return False
    return sum(1 for t in tokens if t in context) >= 0.6 * len(tokens)


def is_spam_chrome_line(line: str) -> bool:
    """A short site-title line made of spam terms, e.g. "澳门金沙_澳门金沙赌城¥投注官网"."""
    if len(line) > 60 or not any(term in line for term in SPAM_TERMS):
        return False
    rest = line
    for term in SPAM_TERMS:
        rest = rest.replace(term, "")
    rest_cjk = re.findall(rf"[{_CJK_RANGE}]", rest)
    return len(rest_cjk) <= 4 or bool(re.search(r"官网|投注|地址[:：]", line))


def parse_meta_line(line: str) -> dict[str, str] | None:
    """Fields of a page-metadata line ("来源:工人日报 作者: 发表时间:2023-09-27 10:10"), or None.

    Only lines that start with a known key and are short count, so that a
    sentence mentioning "来源" is never taken for metadata.
    """
    stripped = line.strip()
    if len(stripped) > 160:
        return None
    matches = list(_META_FIELD.finditer(stripped))
    if not matches or matches[0].start() != 0:
        return None
    fields: dict[str, str] = {}
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(stripped)
        value = stripped[match.end() : end].strip()
        key = _META_KEYS[match.group(1)]
        if value and key not in fields:
            fields[key] = value
    # A single "作者:" with a long value is probably prose, not a metadata line.
    if set(fields) == {"author"} and len(fields["author"]) > 20:
        return None
    return fields


def remove_page_markers(line: str) -> str:
    """Remove "第1页 / 共3页" and "第5页 共5页" wherever they stand in a line."""
    return _PAGE_MARKER.sub(lambda m: " " if m.start() and m.end() < len(line) else "", line)


def parse_date(text: str) -> str | None:
    """First date in ``text`` as ISO YYYY-MM-DD, or None (accepts 2023-09-27, 2023年9月27日)."""
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            year, month, day = (int(g) for g in match.groups())
            if 1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31:
                return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def find_page_fragments(lines: list[str]) -> set[int]:
    """Indexes of lines that start a numbered page fragment ("1、", "2、", ... in sequence).

    Document-sharing sites dump a file page by page, each page prefixed by its
    number, which cuts sentences in half. A real numbered list is told apart
    by its length: page fragments are long (on average 150+ characters).
    """
    candidates = [
        (i, int(m.group(1))) for i, line in enumerate(lines) if (m := _PAGE_FRAGMENT.match(line))
    ]
    # The run from a candidate takes the first later line numbered one more, and
    # so on; runs that meet go on together, so each run's length is computed
    # once, from the last candidate backwards (a scan from every start was
    # quadratic in a file of thousands of "1、" lines).
    run_length = [1] * len(candidates)
    following: list[int | None] = [None] * len(candidates)
    first_after: dict[int, int] = {}  # number -> its first candidate after the current one
    for position in range(len(candidates) - 1, -1, -1):
        number = candidates[position][1]
        after = first_after.get(number + 1)
        if after is not None:
            following[position] = after
            run_length[position] = 1 + run_length[after]
        first_after[number] = position
    best: list[int] = []
    best_length = 0
    for position, (_, number) in enumerate(candidates):
        if number in (1, 2) and run_length[position] > best_length:
            best_length = run_length[position]
            best = []
            step: int | None = position
            while step is not None:
                best.append(candidates[step][0])
                step = following[step]
    if len(best) < 2:
        return set()
    lengths = [len(lines[i]) for i in best]
    if statistics.mean(lengths) < 150:
        return set()
    return set(best)


# --------------------------------------------------------------------------- inline rules


def display_width(text: str) -> int:
    """Columns a string takes in a fixed-width layout (CJK counts 2)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def ends_sentence(text: str) -> bool:
    """True if text ends with sentence-final punctuation, possibly followed by closers."""
    stripped = text.rstrip().rstrip(CLOSERS)
    return bool(stripped) and stripped[-1] in TERMINALS


def _needs_space(left: str, right: str) -> bool:
    """Two pieces a layout break separated are joined without a space, except
    between Latin words or numbers (``left`` ends, ``right`` starts the join)."""
    return bool(left and right and _ASCII_WORD.match(left[-1]) and _ASCII_WORD.match(right[0]))


def join_inline_spaces(text: str) -> str:
    """Remove layout spaces next to Chinese characters; keep one space between Latin words."""
    pieces = re.split(r"\s+", text.strip())
    # Article labels ("第一条 第二条 …") keep their space; a loop, not recursion, and
    # one join at the end, so that a line of a hundred thousand labels stays linear.
    labels: list[str] = []
    start = 0
    while True:
        rest = pieces[start:] if start else pieces
        if _is_spaced_heading(rest):
            return " ".join(labels + rest)
        if len(pieces) - start > 1 and _ARTICLE_LABEL.fullmatch(pieces[start]):
            labels.append(pieces[start])
            start += 1
            continue
        break
    parts = [pieces[start]]
    last = pieces[start][-1:] or " "
    for piece in pieces[start + 1 :]:
        if not (_WIDE.match(last) or _WIDE.match(piece[0])):
            parts.append(" ")
        parts.append(piece)
        last = piece[-1]
    return " ".join([*labels, "".join(parts)])


def _is_spaced_heading(pieces: list[str]) -> bool:
    """A heading of phrases set apart by a space, e.g. "学深悟透 真抓实干": the space is wording."""
    return (
        2 <= len(pieces) <= 3
        and all(2 <= len(piece) <= 8 for piece in pieces)
        and not any(re.search(r"[^\w“”《》]", piece) for piece in pieces)
    )


def split_wrapped_line(line: str) -> list[str]:
    """Undo wraps inside one line; return its paragraphs.

    Two layouts occur in scraped text. (a) A PDF's hard wraps rendered as
    spaces: segments of nearly equal width; a clearly shorter segment ends a
    paragraph (e.g. a heading). (b) Paragraphs separated by a space: a space
    after sentence-final punctuation, or after a salutation such as "同志们:",
    or after a short heading at the start of the line, ends a paragraph. All
    other spaces between Chinese characters are layout and go.
    """
    segments = line.split()
    if len(segments) <= 1 or _is_spaced_heading(segments):
        return [" ".join(segments)] if segments else []
    widths = [display_width(s) for s in segments[:-1]]
    width = statistics.median(widths)
    tolerance = max(4, 0.12 * width)
    # Wraps fall anywhere, mostly inside words; paragraph breaks follow punctuation.
    after_punctuation = sum(1 for s in segments[:-1] if re.search(r"[^\w\s]$", s))
    wrapped = (
        len(segments) >= 4
        and width >= 16
        and sum(abs(w - width) <= tolerance for w in widths) >= 0.6 * len(widths)
        and after_punctuation < 0.5 * len(widths)
    )
    paragraphs: list[str] = []
    # The paragraph being built, as parts joined once at its end: gluing onto one
    # growing string was quadratic on a megabyte-long line of spaced words.
    current: list[str] = []
    length = 0
    for i, segment in enumerate(segments):
        if current and _needs_space(current[-1], segment):
            current.append(" ")
            length += 1
        current.append(segment)
        length += len(segment)
        if i == len(segments) - 1:
            break
        if i == 0 and _ARTICLE_LABEL.fullmatch(segment):
            # "第一条　为保障……": the label belongs to its article; keep the space.
            current.append(" ")
            length += 1
            continue
        if length <= _OPEN_BRACKET_REACH and _inside_brackets(current):
            # "《卡美拉 大怪兽空中决战》", "耶利米（希伯来文： יִרְמְיָהוּ）是…": a space
            # inside an opened title or parenthesis never ends a paragraph.
            breaks = False
        elif ends_sentence(segment) and _ENUMERATION.match(segments[i + 1]):
            breaks = True
        elif wrapped:
            breaks = display_width(segment) < width - max(6, 0.15 * width)
        else:
            breaks = (
                ends_sentence(segment)
                or (segment[-1] in ":：" and length <= 12)
                or (i == 0 and len(segment) <= 40 and not re.search(r"[，。,;；]", segment)
                    and bool(_WIDE.match(segments[1][0])) and bool(_WIDE.match(segment[-1]))
                    and segments[1][0] not in "（(〔【"  # "盾柱木 （学名…）是…": one sentence
                    and sum(map(len, segments[1:])) >= 40)
            )  # fmt: skip
        if breaks:
            paragraphs.append("".join(current))
            current = []
            length = 0
    if current:
        paragraphs.append("".join(current))
    return paragraphs


_BRACKET_PAIRS = dict(zip("（(《「『【〔“", "）)》」』】〕”", strict=True))
_BRACKET_CLOSERS = set(_BRACKET_PAIRS.values())
# Past this length an unclosed bracket is a typo, not a phrase still open: paragraphs
# may end again (so one stray "（" cannot glue the rest of a long line together).
_OPEN_BRACKET_REACH = 120


def _inside_brackets(parts: list[str]) -> bool:
    """True if the paragraph being built (its parts, at most _OPEN_BRACKET_REACH
    characters: the caller checks, so a long line stays linear) has a bracket it
    has not closed yet."""
    depth = 0
    for char in "".join(parts):
        if char in _BRACKET_PAIRS:
            depth += 1
        elif char in _BRACKET_CLOSERS and depth:
            depth -= 1
    return depth > 0


# --------------------------------------------------------------------------- pipeline


@dataclass
class _Line:
    text: str
    blank_before: bool  # a blank line separates it from the previous kept line
    page_break_before: bool
    fragment: bool  # starts a numbered page fragment (after the first)


def clean_text(raw: str, known: dict[str, str] | None = None) -> Cleaned:
    """Clean raw text into paragraphs and read the page metadata on the way.

    ``known`` carries metadata the file format already told (HTML meta tags,
    docx/pdf properties); page lines win over it for the date, since a page's
    publication time is more specific than a file's creation time. If the
    strict rules leave no text at all (a one-line forum post that looks like a
    keyword line), the lenient rules are used instead of losing the document.
    """
    known = {key: strip_control_characters(value) for key, value in (known or {}).items()}
    cleaned = _clean(raw, known, lenient=False)
    if not cleaned.text.strip():
        cleaned = _clean(raw, known, lenient=True)
    return cleaned


def _clean(raw: str, known: dict[str, str], lenient: bool) -> Cleaned:
    text = normalize_whitespace(raw).replace("\f", "\n\f\n")
    raw_lines = ["\f" if line == "\f" else line.strip() for line in text.split("\n")]
    raw_chars = sum(len(re.sub(r"\s", "", line)) for line in raw_lines)

    meta: dict[str, str] = {}
    date_fields: list[tuple[str, str]] = []
    title_candidates: list[tuple[int, str]] = []  # (priority, title)
    kept: list[tuple[int, str]] = []  # (raw line index, text)
    # Page footers in the body ("第1页 共5页"): the page after each begins at the next words.
    footers: list[tuple[int, str | None]] = []  # (number of the page that follows, its words)
    waiting: list[int] = []  # footers whose page's first words are not read yet
    first_content = _first_content_line(raw_lines)
    download_site = any(_DOWNLOAD_SITE.search(line) for line in raw_lines[:60] if len(line) < 300)
    declared_pages = _declared_pages(raw_lines[:60])
    for index, line in enumerate(raw_lines):
        if not line or line == "\f":
            kept.append((index, line))
            continue
        for key, value, label in _embedded_dates(line):
            meta.setdefault(key, value)
            date_fields.append((label, value))
        fields = parse_meta_line(line)
        if fields is not None:
            date_fields.extend(_date_labels(line))
            for key, value in fields.items():
                meta.setdefault(key, value)
            if index <= first_content and index > 0:
                previous = _previous_nonblank(raw_lines, index)
                if previous is not None and _could_be_title(raw_lines[previous]):
                    title_candidates.append((1, raw_lines[previous]))
            continue
        if is_boilerplate_line(line, lenient):
            marker = _PAGE_MARKER.fullmatch(line)
            if marker and index > first_content:
                waiting.append(len(footers))
                footers.append((int(marker.group(1)) + 1, None))
            continue
        if not lenient and is_tag_line(line, _heading_context(raw_lines, line)):
            continue
        if index < first_content:
            filename = _FILENAME_TITLE.match(line)
            if filename:
                title_candidates.append((0, filename.group(1).strip()))
                continue
            if _could_be_title(line):
                title_candidates.append((3, line))
        if index >= first_content:
            # Footers still waiting for their page's first words get this line's
            # (a list of the waiting ones, so that many footers stay linear).
            words_here = remove_page_markers(line).strip() or None
            for position in waiting:
                footers[position] = (footers[position][0], words_here)
            waiting = [] if words_here else waiting
            for marker in _PAGE_MARKER.finditer(line):
                after = line[marker.end() :].strip() or None
                if after is None:
                    waiting.append(len(footers))
                footers.append((int(marker.group(1)) + 1, after))
        line = remove_page_markers(line).strip()
        if line:
            kept.append((index, line))

    title = _choose_title(title_candidates, known.get("title"))
    paragraphs, anchors, page_dump = _build_paragraphs(kept)
    if not anchors and footers and footers[0][0] == 2:
        # Footers locate pages only when they start at page 1: a lone "第5页 共5页"
        # at the end says where page 5 ends, not where it begins.
        anchors = [("page", number, words) for number, words in footers if words]
    elif (
        anchors
        and anchors[0][0] == "fragment"
        and declared_pages == max(number for _, number, _ in anchors)
    ):
        anchors = [("page", number, words) for _, number, words in anchors]
    priority = min((p for p, t in title_candidates if t == title), default=None)
    if title and priority is not None and priority > 0:
        # A page-title line (before the metadata line) is chrome; a first line
        # that is only a heading stays, unless the body repeats it right away.
        # ... but a document that is only its title (a headline, a forum post)
        # keeps it: the title is then its text.
        paragraphs = _drop_title_lines(paragraphs, title, require_repeat=priority > 1) or paragraphs
    cleaned = "\n".join(paragraphs)

    date = (
        parse_date(meta.get("date_published", ""))
        or parse_date(meta.get("date_other", ""))
        or parse_date(known.get("date", ""))
        or parse_date(cleaned[:300])
    )
    if known.get("date"):
        date_fields.append(("文件属性", known["date"]))
    return Cleaned(
        text=cleaned,
        title=title,
        date=date,
        source=meta.get("source") or known.get("source"),
        author=meta.get("author") or known.get("author"),
        raw_chars=raw_chars,
        kept_chars=len(re.sub(r"\s", "", cleaned)),
        pages=locate_pages(cleaned, anchors),
        date_fields=date_fields,
        download_site=download_site,
        page_dump=page_dump,
    )


# How far after the previous page a page's first words are looked for.
_PAGE_SEARCH_WINDOW = 200_000
_DOWNLOAD_SITE = re.compile(
    r"文档编号|上传人[:：]|上传时间|由会员分享|本文档由用户上传|下载文档|资源描述|该文档总共|^ID[:：]\s*\d+"
)
_DECLARED_PAGES = re.compile(r"页数[:：]\s*(\d+)|共\s*(\d+)\s*页|总共\s*(\d+)\s*页")
_DATE_LABEL = re.compile(
    r"(发表时间|发布时间|发布日期|上传时间|更新时间|日期|时间)\s*[:：]\s*"
    r"(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})"
)


def _declared_pages(lines: list[str]) -> int | None:
    """The page count a download site states ("页数:3", "第1页 / 共3页"), if any."""
    for line in lines:
        match = _DECLARED_PAGES.search(line)
        if match:
            return int(next(group for group in match.groups() if group))
    return None


def _date_labels(line: str) -> list[tuple[str, str]]:
    """(label, date) of each dated field of a metadata line."""
    return [(match.group(1), match.group(2)) for match in _DATE_LABEL.finditer(line)]


def locate_pages(text: str, anchors: list[tuple[str, int, str]]) -> list[tuple[int, int, str]]:
    """Offsets in ``text`` where each anchored page begins: (offset, number, kind).

    An anchor is a page's first words as they stood in the raw line; cleaning
    only takes whitespace out of them, so they are found again with whitespace
    allowed between their characters, each after the previous one and within
    :data:`_PAGE_SEARCH_WINDOW` characters of it (so a missing one costs a
    bounded scan, not the rest of the text). Page 1 begins at 0 when any page
    is found; an anchor whose words are not found (dropped as a title) is skipped.
    """
    if not anchors:
        return []
    kind = anchors[0][0]
    pages = [(0, 1, kind)]
    position = 0
    for _, number, words in anchors:
        snippet = re.sub(r"\s", "", words)[:16]
        if number <= pages[-1][1] or not snippet:
            continue
        pattern = re.compile(r"\s*".join(re.escape(character) for character in snippet))
        found = pattern.search(text, position, position + _PAGE_SEARCH_WINDOW)
        if found is None:
            continue
        pages.append((found.start(), number, kind))
        position = found.end()
    return pages if len(pages) > 1 else []


_EMBEDDED_DATE = re.compile(
    r"(上传时间|发布时间|发表时间|更新时间)\s*[:：]\s*(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})"
)


def _embedded_dates(line: str) -> list[tuple[str, str, str]]:
    """Dates inside a chrome line such as "上传人:x 文档编号:1 上传时间:2024-08-13 格式:DOCX":
    (meta key, date, label as written)."""
    if len(line) > 200:
        return []
    return [
        ("date_other" if match.group(1) in {"上传时间", "更新时间"} else "date_published",
         match.group(2), match.group(1))
        for match in _EMBEDDED_DATE.finditer(line)
    ]  # fmt: skip


def _heading_context(lines: list[str], line: str) -> str:
    """The first lines of the page other than ``line`` itself: where a tag line's words come from."""
    return " ".join([other for other in lines[:12] if other and other != line][:6])


def _first_content_line(lines: list[str]) -> int:
    """Index of the first line that reads as body text (long, with sentence punctuation)."""
    for index, line in enumerate(lines):
        if (
            len(line) >= 20
            and re.search(r"[，。,；;]", line)
            and not is_boilerplate_line(line)
            and parse_meta_line(line) is None
        ):
            return index
    return len(lines)


def _previous_nonblank(lines: list[str], index: int) -> int | None:
    for previous in range(index - 1, -1, -1):
        if lines[previous].strip():
            return previous
    return None


def _could_be_title(line: str) -> bool:
    return (
        2 <= len(line) <= 80
        and not ends_sentence(line)
        and not is_boilerplate_line(line)
        and not _PAGE_FRAGMENT.match(line)
        and parse_meta_line(line) is None
    )


def _choose_title(candidates: list[tuple[int, str]], known: str | None) -> str | None:
    if candidates:
        best = min(candidates, key=lambda item: item[0])
        if best[0] <= 1 or not known:
            return best[1]
    if known:
        return known.strip()
    return None


def _build_paragraphs(
    kept: list[tuple[int, str]],
) -> tuple[list[str], list[tuple[str, int, str]], bool]:
    """Paragraphs of the kept lines; the first words of each page (a numbered
    fragment, or a line after a PDF page break) as (kind, page number, words);
    and whether the text was a page dump (numbered fragments joined)."""
    lines: list[_Line] = []
    page_number = 1
    pdf_pages: list[tuple[str, int, str]] = []
    blank = False
    page_break = False
    for _, text in kept:
        if not text:
            blank = True
            continue
        if text == "\f":
            page_break = True
            page_number += 1
            continue
        if page_break:
            pdf_pages.append(("page", page_number, text))
        lines.append(_Line(text, blank, page_break, False))
        blank = page_break = False
    fragments = find_page_fragments([line.text for line in lines])
    first_fragment = min(fragments) if fragments else -1
    fragment_pages: list[tuple[str, int, str]] = []
    for index in sorted(fragments):
        line = lines[index]
        match = _PAGE_FRAGMENT.match(line.text)
        line.text = _PAGE_FRAGMENT.sub("", line.text, count=1)
        line.fragment = index != first_fragment
        if match:
            fragment_pages.append(("fragment", int(match.group(1)), line.text))

    wrap_width = _wrap_width([line.text for line in lines])
    # Paragraphs as parts joined once at the end: a hard-wrapped file whose
    # million lines make one paragraph must not copy it on every line.
    paragraphs: list[_Parts] = []
    previous: _Line | None = None
    for line in lines:
        pieces = split_wrapped_line(line.text)
        if not pieces:
            continue
        if paragraphs and previous is not None:
            last = paragraphs[-1]
            if _continues(last.tail(), last.length, previous.text, line, wrap_width):
                # Page fragments are cut anywhere, even inside a number ("学习4" | "0次").
                last.add(pieces[0], glue=not line.fragment)
                pieces = pieces[1:]
        paragraphs.extend(_Parts(join_inline_spaces(piece)) for piece in pieces)
        previous = line
    texts = [p for p in (join_inline_spaces(p.text()) for p in paragraphs) if p]
    return texts, fragment_pages or pdf_pages, bool(fragment_pages)


class _Parts:
    """A paragraph being built from pieces; :meth:`text` joins them once."""

    __slots__ = ("length", "parts")

    # _continues looks at the end of a paragraph only; this much of it is plenty.
    TAIL = 256

    def __init__(self, text: str) -> None:
        self.parts = [text]
        self.length = len(text)

    def add(self, text: str, glue: bool) -> None:
        """Append ``text``; with ``glue``, a space between two Latin words."""
        if glue and _needs_space(self.parts[-1], text):
            self.parts.append(" ")
            self.length += 1
        self.parts.append(text)
        self.length += len(text)

    def tail(self) -> str:
        """The last :attr:`TAIL` characters (or all of a shorter paragraph)."""
        pieces: list[str] = []
        size = 0
        for part in reversed(self.parts):
            pieces.append(part)
            size += len(part)
            if size >= self.TAIL:
                break
        return "".join(reversed(pieces))[-self.TAIL :]

    def text(self) -> str:
        return "".join(self.parts)


def _wrap_width(lines: list[str]) -> float | None:
    """The fixed width a text file was hard-wrapped at, if most lines share it."""
    widths = [display_width(line) for line in lines if line]
    if len(widths) < 4:
        return None
    top = sorted(widths)[int(0.8 * (len(widths) - 1))]
    if top < 20:
        return None
    near = sum(1 for w in widths if 0.85 * top <= w <= 1.05 * top)
    return float(top) if near >= 0.5 * len(widths) else None


def _continues(
    previous: str, previous_length: int, previous_line: str, line: _Line, wrap_width: float | None
) -> bool:
    """Does ``line`` continue the paragraph ending in ``previous`` (a layout break, not a real one)?

    ``previous`` is the end of that paragraph (at least its last
    :attr:`_Parts.TAIL` characters) and ``previous_length`` its length;
    ``previous_line`` is the physical line the paragraph ended on; its width
    against the file's wrap width tells a hard wrap from a paragraph end.
    """
    if line.fragment:
        return not ends_sentence(previous)
    if line.page_break_before:
        return previous_length >= 20 and not ends_sentence(previous)
    if line.blank_before:
        # A paragraph that stops after a comma was broken by the page layout.
        return previous_length >= 20 and previous.rstrip()[-1] in _CLAUSE_OPEN_END
    full_line = bool(wrap_width) and display_width(previous_line) >= 0.85 * (wrap_width or 0)
    if ends_sentence(previous):
        return full_line and display_width(previous_line) >= 0.95 * (wrap_width or 0)
    if full_line:
        return True
    return previous_length >= 30 and previous[-1] not in ":：;；"


def _drop_title_lines(paragraphs: list[str], title: str, require_repeat: bool) -> list[str]:
    """Drop the title line and a repeat of the title at the start of the body.

    The title is kept as metadata; repeating it as the first passages would
    only make a heading compete with the text in search. A repeat may be
    wrapped over several paragraphs; a partial match drops nothing. With
    ``require_repeat`` nothing is dropped unless the title stands there twice.
    Only whole lines go: a title at the start of a longer line is the start
    of its sentence ("锣鼓经是…"), or a heading a page dump glued to the text;
    either way those words are the text's, and cutting them would make quotes
    that are not in the source.
    """
    compact = re.sub(r"\s", "", title)
    once = _strip_leading_title(paragraphs, compact)
    if once is None:
        return paragraphs
    twice = _strip_leading_title(once, compact)
    if twice is not None and once and twice[:1] != once[:1] and len(twice) >= len(once):
        # The body's first line is the title plus a few characters ("…旁，", "…啊！"):
        # the fuller line is the text, so keep it whole.
        remainder = re.sub(r"[\W_]", "", twice[0])
        if len(remainder) < 3:
            return once
    if twice:
        return twice
    if twice is not None:
        return once  # the title twice and nothing else: keep one copy as the text
    if once and re.sub(r"\s", "", once[0]).startswith(compact):
        # The body opens with the title as the start of its first sentence
        # ("锣鼓经是…"): the title line above it is the repeat, the sentence stays whole.
        return once
    return paragraphs if require_repeat else once


def _strip_leading_title(paragraphs: list[str], compact_title: str) -> list[str] | None:
    remaining = compact_title
    result = list(paragraphs)
    while result and remaining:
        first = re.sub(r"\s", "", result[0])
        if remaining.startswith(first):
            remaining = remaining[len(first) :]
            result.pop(0)
        else:
            return None
    if remaining:
        return None
    return [p for p in result if p]
