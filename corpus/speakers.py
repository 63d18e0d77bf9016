"""Who speaks: the speaker of a speech, and the original speaker of a sentence
the text quotes ("习近平总书记强调，……").

A speech is recognised by its title ("在…上的讲话/致辞") or its salutation
("同志们："); its speaker only when the text names one - in the title
("王东明在…上的讲话"), on a name line under the title, or on a byline
("讲话人：…"). A quotation's speaker is the noun phrase before a verb of
saying; the span it governs runs to the closing quotation mark, or else to the
end of the sentence. Nothing is guessed: no name, no speaker.
"""

from __future__ import annotations

import re

from .cleaning import SPAM_TERMS
from .model import Quotation

_SPEECH_TITLE = re.compile(
    r"(?:讲话|致辞|致词|发言|讲稿|报告)(?:稿|提纲)?\s*$|上的(?:讲话|致辞|致词|发言)"
)
_SALUTATION = re.compile(r"^(?:同志们|各位代表|各位领导|女士们、先生们|同事们|朋友们)[，,：:！!]")
_CJK_NAME = "[\u4e00-\u9fff]"
# Common surnames: a name line or title name must start with one, so that a
# short heading ("前言", "总结") is never taken for a person.
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
    "覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚"
    "符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆"
    "农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋"
    "商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝习"
)
_TWO_CHARACTER_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "司徒", "慕容")
_NAME_LINE = re.compile(
    r"^(?:讲话人|主讲人|发言人|作者)?[:：]?\s*[—-]*\s*([\u4e00-\u9fff\s]{2,8}?)\s*(?:同志)?$"
)
_TITLE_NAME = re.compile(rf"^({_CJK_NAME}{{2,4}}?)(?:同志)?(?:在|[:：])")
_BYLINE = re.compile(r"(?:讲话人|主讲人|发言人)[:：]\s*([\u4e00-\u9fff]{2,4})")

# Verbs of saying that introduce someone else's words.
_VERB = re.compile(r"(?:强调|指出|表示|宣布|告诫|指示|寄语|说)(?:道)?[，,：:]")
# Adverbs between a speaker and the verb: not part of the name.
_ADVERBS = re.compile(
    r"(?:多次|屡次|反复|一再|再次|曾经|曾|也|还|都|又|明确|特别|深刻|郑重|鲜明|进一步|亲切|同时|并|就此|对此|生动|精辟)+$"
)
# Who can be quoted: a phrase ending in an office, a body or a document.
_SPEAKER_SUFFIX = re.compile(
    r"(?:总书记|书记|主席|总理|委员长|部长|主任|省长|市长|县长|局长|厅长|院长|同志|负责人|中央|国务院|"
    r"党组|会议|大会|全会|文件|报告|讲话|意见|决定|通知|社论|条例|决议|纲要)$"
)
_NOT_SPEAKERS = {
    "我",
    "我们",
    "咱们",
    "大家",
    "他",
    "她",
    "他们",
    "有人",
    "有的",
    "本文",
    "文章",
    "可以",
}
_MAX_QUOTATION_CHARS = 1000
_PHRASE_BOUNDARY = re.compile(r"[。！？；，,、：:“”‘’《》（）()\n]")


def is_name(text: str) -> bool:
    """A 2-4 character Chinese personal name starting with a common surname."""
    compact = re.sub(r"\s", "", text)
    if not re.fullmatch(rf"{_CJK_NAME}{{2,4}}", compact):
        return False
    if compact.startswith(_TWO_CHARACTER_SURNAMES):
        return len(compact) >= 3
    return compact[0] in SURNAMES and len(compact) <= 3


def is_speech(title: str | None, paragraphs: list[str]) -> bool:
    """A speech by its title, or by a salutation in its first lines."""
    if title and _SPEECH_TITLE.search(title):
        return True
    return any(_SALUTATION.match(p) for p in paragraphs[:4])


def speech_speaker(title: str | None, paragraphs: list[str]) -> str | None:
    """The speaker a speech names: in its title, on a name line or byline near the top."""
    if title:
        match = _TITLE_NAME.match(title.strip())
        if match and is_name(match.group(1)) and _SPEECH_TITLE.search(title):
            return match.group(1)
    for paragraph in paragraphs[:5]:
        stripped = paragraph.strip()
        if _SALUTATION.match(stripped):
            break  # the text begins; a name further down is not a byline
        byline = _BYLINE.search(stripped)
        if byline and is_name(byline.group(1)):
            return byline.group(1)
        line = _NAME_LINE.match(stripped)
        if line and is_name(line.group(1)):
            return re.sub(r"\s", "", line.group(1))
    return None


def _speaker_before(text: str, verb_start: int) -> tuple[str, bool] | None:
    """(speaker, damaged) of the phrase before a verb of saying, or None."""
    window_start = max(0, verb_start - 40)
    window = text[window_start:verb_start]
    boundaries = list(_PHRASE_BOUNDARY.finditer(window))
    boundary = boundaries[-1] if boundaries else None
    phrase = window[boundary.end() :] if boundary else window
    # "澳门金沙:总书记": spam put a colon inside the name; the boundary cut it off.
    damaged = False
    if boundary and boundary.group(0) in ":：":
        before = window[: boundary.start()]
        if any(before.endswith(term) for term in SPAM_TERMS):
            damaged = True
    phrase = _ADVERBS.sub("", phrase.strip())
    place = phrase.find("在")
    if place > 0 and re.search(r"(?:上|中|时)$", phrase):
        phrase = phrase[:place]  # "习近平总书记在…会议上强调"
    for term in SPAM_TERMS:
        if term in phrase:
            damaged = True
            phrase = phrase.replace(term, "")
    phrase = _shorten(phrase.strip(" :："))
    if not (2 <= len(phrase) <= 24) or phrase in _NOT_SPEAKERS:
        return None
    if not (_SPEAKER_SUFFIX.search(phrase) or is_name(phrase[-3:]) or is_name(phrase[-2:])):
        return None
    return phrase, damaged


def _shorten(phrase: str) -> str:
    """A long phrase that ends in a title keeps only the name and title
    ("…展现新作为习近平总书记" → "习近平总书记": a heading glued before it by a
    page dump is not part of the name)."""
    suffix = _SPEAKER_SUFFIX.search(phrase)
    if len(phrase) <= 12 or not suffix:
        return phrase
    for size in (3, 2):
        name = phrase[max(0, suffix.start() - size) : suffix.start()]
        if is_name(name):
            return name + suffix.group(0)
    return suffix.group(0) if len(suffix.group(0)) >= 2 else phrase


def _governed_end(text: str, start: int) -> int:
    """Where the words a verb of saying introduces end: at the closing quotation
    mark if they open with one, else at the end of the sentence (or the line)."""
    # Bounded: a quotation is a few sentences at most, and a scan to the end of a
    # megabyte-long line for every verb would be quadratic.
    limit = min(len(text), start + _MAX_QUOTATION_CHARS)
    line_end = text.find("\n", start, limit)
    line_end = limit if line_end < 0 else line_end
    if text.startswith("“", start):
        close = text.find("”", start, line_end)
        if close >= 0:
            return close + 1
    for position in range(start, line_end):
        if text[position] in "。！？!?":
            end = position + 1
            while end < line_end and text[end] in "”’」』）)":
                end += 1
            return end
    return line_end


def find_quotations(text: str) -> list[Quotation]:
    """Every "X强调，……" in ``text`` with the span of X's words."""
    quotations = []
    for match in _VERB.finditer(text):
        found = _speaker_before(text, match.start())
        if found is None:
            continue
        speaker, damaged = found
        end = _governed_end(text, match.end())
        if end > match.end():
            quotations.append(Quotation(speaker, match.end(), end, damaged))
    return quotations


def speakers_in(quotations: list[Quotation], start: int, end: int) -> list[str]:
    """Distinct speakers whose quoted words overlap ``[start, end)``, in order."""
    names: list[str] = []
    for quotation in quotations:
        if quotation.start < end and start < quotation.end and quotation.speaker not in names:
            names.append(quotation.speaker)
    return names
