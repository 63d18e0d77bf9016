"""Reading files into raw text: formats, text encodings and bad input.

Every failure is a :class:`ReadError` whose message is one line a user can act
on; callers report it and go on with the next file. Every resource a file can
make us spend is bounded (:class:`ReadLimits`): bytes on disk, bytes unpacked
from a .docx, archive entries, PDF pages, characters of text, and time.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import io
import logging
import os
import re
import signal
import struct
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

logger = logging.getLogger(__name__)
# pypdf logs every repair ("EOF marker not found") as a warning; with no handler
# configured, Python prints those to stderr, next to the file's one-line reason.
# A NullHandler keeps them out unless the application configures logging.
logging.getLogger("pypdf").addHandler(logging.NullHandler())

SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf"}
DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024
_MB = 1024 * 1024

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc and encrypted .docx
MIXED_ENCODING = "utf-8+gb18030"  # decoded line by line


class ReadError(Exception):
    """A file could not be turned into text; the message is the one-line reason."""


def default_max_file_bytes() -> int:
    """``$YINWEN_MAX_FILE_MB`` megabytes, else 50 MB."""
    value = os.environ.get("YINWEN_MAX_FILE_MB", "").strip()
    try:
        return int(float(value) * _MB) if value else DEFAULT_MAX_FILE_BYTES
    except ValueError:
        logger.warning("YINWEN_MAX_FILE_MB=%r is not a number; using 50", value)
        return DEFAULT_MAX_FILE_BYTES


@dataclass(frozen=True)
class ReadLimits:
    """What one file may cost beyond its size on disk; a file over a bound fails
    with a one-line reason and the batch goes on.

    The defaults are far above real documents (a 1,000-page report's .docx
    holds a few MB of XML) and far below what hurts: a 1.2 MB .docx that
    unpacks to 1.1 GB took the process to 2.4 GB before these bounds.
    """

    max_unpacked_bytes: int = 32 * _MB  # .docx: its XML parts together, decompressed
    max_archive_entries: int = 5000  # .docx: members of the zip (real ones have < 100)
    max_compression_ratio: float = 100.0  # .docx: per member larger than 4 MB unpacked
    max_pdf_pages: int = 5000
    max_chars: int = 20_000_000  # characters of text from one .docx or .pdf
    max_html_bytes: int = 16 * _MB  # an HTML tree takes ~20x its size in memory
    seconds: float = 300.0  # reading, cleaning and segmenting one file


class Deadline:
    """The time budget of one file, checked between pages, blocks and steps."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.expires = time.monotonic() + seconds if seconds else None

    def remaining(self) -> float | None:
        return None if self.expires is None else self.expires - time.monotonic()

    def error(self) -> ReadError:
        return ReadError(
            f"处理超时：超过 {self.seconds:g} 秒 (took longer than {self.seconds:g} s; "
            "the file is too large or malformed)"
        )

    def check(self) -> None:
        remaining = self.remaining()
        if remaining is not None and remaining <= 0:
            raise self.error()


class _Expired(BaseException):
    """Raised by the alarm; a BaseException so that library code catching
    Exception (a PDF parser's recovery, say) cannot swallow it."""


@contextlib.contextmanager
def time_limit(deadline: Deadline) -> Iterator[None]:
    """Interrupt the block when ``deadline`` passes.

    In the main thread (the command line) an alarm signal stops even a parser
    stuck inside one page; elsewhere (the web server's worker threads) signals
    cannot be used and the block relies on :meth:`Deadline.check` calls.
    """
    remaining = deadline.remaining()
    usable = (
        remaining is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0  # someone else's alarm is running
    )
    if not usable or remaining is None:
        yield
        return
    armed = [True]

    def expire(_signal: int, _frame: FrameType | None) -> None:
        if armed[0]:
            raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, max(remaining, 0.001))
            yield
        finally:
            armed[0] = False  # an alarm arriving from here on does nothing
            signal.setitimer(signal.ITIMER_REAL, 0)
            # None: a handler installed outside Python, which cannot be put back.
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
    except _Expired:
        raise deadline.error() from None


@dataclass
class RawText:
    """Text as read from a file, before cleaning, plus what the format told us."""

    text: str
    format: str
    encoding: str | None
    content_hash: str
    metadata: dict[str, str] = field(default_factory=dict)  # title, date, author, source


def read_file(
    path: Path,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    limits: ReadLimits | None = None,
    deadline: Deadline | None = None,
) -> RawText:
    """Read one file of a supported format; raise :class:`ReadError` on bad input."""
    if not path.exists():
        raise ReadError("文件不存在 (no such file)")
    if not path.is_file():
        raise ReadError("不是普通文件 (not a regular file)")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ReadError(
            f"不支持的文件类型 {suffix or '(无扩展名)'} (supported: txt, md, html, docx, pdf)"
        )
    size = path.stat().st_size
    if size > max_bytes:
        raise ReadError(
            f"文件过大 {size / _MB:.1f} MB，超过上限 {max_bytes / _MB:.0f} MB "
            "(file too large; raise YINWEN_MAX_FILE_MB to allow it)"
        )
    if size == 0:
        raise ReadError("空文件 (empty file)")
    try:
        with open(path, "rb") as handle:
            # Never more than the limit, even if the file grew since stat().
            data = handle.read(max_bytes + 1)
    except OSError as error:
        raise ReadError(f"无法读取文件 ({error.strerror or error})") from error
    if len(data) > max_bytes:
        raise ReadError(
            f"文件过大，超过上限 {max_bytes / _MB:.0f} MB "
            "(file too large; raise YINWEN_MAX_FILE_MB to allow it)"
        )
    return read_bytes(data, suffix, limits, deadline)


def read_bytes(
    data: bytes, suffix: str, limits: ReadLimits | None = None, deadline: Deadline | None = None
) -> RawText:
    """Turn the bytes of a file with the given suffix into :class:`RawText`."""
    limits = limits or ReadLimits()
    deadline = deadline or Deadline(None)
    content_hash = hashlib.sha256(data).hexdigest()
    suffix = suffix.lower()
    if suffix in {".txt", ".md", ".markdown"}:
        text, encoding = decode_text(data)
        if suffix != ".txt":
            text = strip_markdown(text)
        return RawText(text, suffix.lstrip(".").replace("markdown", "md"), encoding, content_hash)
    if suffix in {".html", ".htm"}:
        if len(data) > limits.max_html_bytes:
            raise ReadError(
                f"HTML 文件过大 {len(data) / _MB:.1f} MB，超过上限 "
                f"{limits.max_html_bytes / _MB:.0f} MB (HTML page too large)"
            )
        text, encoding = decode_text(data, html=True)
        body, metadata = html_to_text(text)
        return RawText(body, "html", encoding, content_hash, metadata)
    if suffix == ".docx":
        body, metadata = docx_to_text(data, limits, deadline)
        return RawText(body, "docx", None, content_hash, metadata)
    if suffix == ".pdf":
        body, metadata = pdf_to_text(data, limits, deadline)
        return RawText(body, "pdf", None, content_hash, metadata)
    raise ReadError(f"不支持的文件类型 {suffix}")


def _too_many_chars(limits: ReadLimits) -> ReadError:
    return ReadError(
        f"文字过多，超过上限 {limits.max_chars // 10000} 万字 "
        f"(more than {limits.max_chars:,} characters of text)"
    )


# --------------------------------------------------------------------------- text encodings

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_\-]+)", re.IGNORECASE)


def decode_text(data: bytes, html: bool = False) -> tuple[str, str]:
    """Detect the encoding of ``data`` and decode it; raise ReadError for binary data.

    A byte-order mark decides; otherwise strict UTF-8, then the charset an
    HTML page declares. Failing those, every plausible decoding (GB18030 -
    a superset of GBK and GB2312 -, UTF-16 without BOM, UTF-8 with a few
    broken bytes, Big5) is scored by how much of it is common Chinese and
    the best one wins; charset-normalizer is the last resort.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _strict(data, encoding), encoding.replace("-sig", "-bom")
    ascii_utf16 = _utf16_without_bom(data)
    if ascii_utf16:
        return _strict(data, ascii_utf16), ascii_utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if html:
        declared = _META_CHARSET.search(data[:4096])
        if declared:
            name = declared.group(1).decode("ascii").lower()
            if name in {"gbk", "gb2312", "gb_2312-80"}:
                name = "gb18030"
            try:
                return data.decode(name), name
            except (LookupError, UnicodeDecodeError):
                pass
    best: tuple[float, str, str] | None = None
    candidates = ["gb18030", "big5"] + (["utf-16-le", "utf-16-be"] if len(data) % 2 == 0 else [])
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = chinese_score(text)
        if best is None or score > best[0]:
            best = (score, text, encoding)
    by_line = _decode_by_line(data)
    if by_line is not None and (
        best is None or _full_chinese_score(by_line) > _full_chinese_score(best[1])
    ):
        # Lines pasted together from UTF-8 and GBK files: each line decoded on its own
        # beats reading the UTF-8 lines as GBK mojibake (or rejecting the file).
        best = (chinese_score(by_line), by_line, MIXED_ENCODING)
    damaged = data.decode("utf-8", errors="replace")
    if damaged.count("\ufffd") <= max(8, len(damaged) // 200):
        # A few broken bytes in an otherwise UTF-8 file (truncated download, bad copy).
        score = chinese_score(damaged) - 0.01
        if best is None or score > best[0]:
            best = (score, damaged, "utf-8-damaged")
    if best is not None and best[0] >= 0.05 and b"\x00" not in data[:8192]:
        return best[1], best[2]
    if b"\x00" in data[:8192]:
        raise ReadError("二进制文件，不是文本 (binary data, e.g. a renamed file)")
    try:
        from charset_normalizer import from_bytes

        guess = from_bytes(data).best()
    except Exception as error:  # detector bugs must not crash ingestion
        logger.debug("charset-normalizer failed: %s", error)
        guess = None
    if guess is not None and guess.encoding:
        text = str(guess)
        if _reads_as_text(text) and (chinese_score(text) >= 0.05 or _mostly_ascii(text)):
            return text, guess.encoding
    raise ReadError("无法识别文本编码，或文件不是文本 (unknown encoding or binary data)")


# The most frequent characters of modern written Chinese, plus its punctuation:
# a right decoding is full of them, a wrong one (mojibake) almost never.
_COMMON = frozenset(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性"
    "好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第"
    "向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管"
    "特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处"
    "队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单"
    "风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土"
    "许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省"
    "列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置"
    "派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严，。、；：？！“”《》（）"
)


def chinese_score(text: str) -> float:
    """Share of characters that are common Chinese characters or punctuation."""
    sample = text[:20000]
    if not sample:
        return 0.0
    return sum(1 for c in sample if c in _COMMON) / len(sample)


def _full_chinese_score(text: str) -> float:
    """:func:`chinese_score` over the whole text, not its first 20,000 characters."""
    return sum(1 for c in text if c in _COMMON) / len(text) if text else 0.0


def _decode_by_line(data: bytes) -> str | None:
    """Each line as strict UTF-8, else GB18030, else UTF-8 with � for broken bytes;
    None unless the file really mixes UTF-8 and GB18030 lines."""
    lines = data.split(b"\n")
    decoded = []
    utf8 = gb18030 = 0
    for line in lines:
        try:
            text = line.decode("utf-8")
            utf8 += not line.isascii()
        except UnicodeDecodeError:
            try:
                text = line.decode("gb18030")
                gb18030 += 1
            except UnicodeDecodeError:
                text = line.decode("utf-8", errors="replace")
        decoded.append(text)
    if not (utf8 and gb18030):
        return None
    return "\n".join(decoded)


def _mostly_ascii(text: str) -> bool:
    letters = [c for c in text if not c.isspace()]
    return bool(letters) and sum(1 for c in letters if c.isascii()) / len(letters) > 0.9


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise ReadError(f"文本编码损坏 ({encoding}: {error.reason})") from error


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without BOM has NUL in every other byte for ASCII-heavy text
    and decodes to mostly CJK for Chinese text."""
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[:4096]
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > 0.3 * half and even_nuls < 0.05 * half:
        candidates = ["utf-16-le"]
    elif even_nuls > 0.3 * half and odd_nuls < 0.05 * half:
        candidates = ["utf-16-be"]
    else:
        candidates = []
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _reads_as_text(text):
            return encoding
    return None


def _reads_as_text(text: str) -> bool:
    if not text:
        return False
    bad = sum(1 for c in text if (ord(c) < 32 and c not in "\n\r\t\f") or c == "\ufffd")
    return bad / len(text) < 0.01


# --------------------------------------------------------------------------- markdown

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def strip_markdown(text: str) -> str:
    """Remove Markdown markup that is not wording: heading hashes, emphasis, links."""
    lines = []
    for line in text.splitlines():
        line = re.sub(r"^\s{0,3}#{1,6}\s+", "", line)
        line = re.sub(r"^\s{0,3}>\s?", "", line)
        line = re.sub(r"^\s*(?:[-*+]|\d+\.)\s+", "", line)
        line = _MD_LINK.sub(r"\1", line)
        line = re.sub(r"(\*\*|__|`)", "", line)
        if re.fullmatch(r"\s*(?:-{3,}|\*{3,}|_{3,})\s*", line):
            line = ""
        lines.append(line)
    return "\n".join(lines)


# --------------------------------------------------------------------------- html

_BLOCK_TAGS = [
    "p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section",
    "article", "blockquote", "pre", "table", "ul", "ol", "dd", "dt",
]  # fmt: skip
_DROP_TAGS = ["script", "style", "noscript", "nav", "footer", "header", "aside", "form", "iframe"]


def html_to_text(markup: str) -> tuple[str, dict[str, str]]:
    """Visible text of an HTML page, one block element a line, plus its metadata."""
    try:
        from bs4 import BeautifulSoup
    except ImportError as error:  # pragma: no cover - core dependency
        raise ReadError(
            "读取 HTML 需要 beautifulsoup4 (pip install beautifulsoup4 lxml)"
        ) from error
    soup = BeautifulSoup(markup, "lxml")
    metadata: dict[str, str] = {}
    for key, names in {
        "title": ["og:title", "title", "ArticleTitle"],
        "date": ["article:published_time", "publishdate", "PubDate", "pubdate", "date"],
        "author": ["author", "article:author"],
        "source": ["source", "ContentSource", "og:site_name"],
    }.items():
        for name in names:
            tag = soup.find("meta", attrs={"property": name}) or soup.find(
                "meta", attrs={"name": name}
            )
            content = tag.get("content") if tag else None
            if isinstance(content, str) and content.strip():
                metadata[key] = content.strip()
                break
    if "title" not in metadata:
        heading = soup.find("h1") or soup.find("title")
        if heading and heading.get_text(strip=True):
            metadata["title"] = heading.get_text(strip=True)
    if "date" not in metadata:
        time_tag = soup.find("time")
        if time_tag:
            value = time_tag.get("datetime") or time_tag.get_text(strip=True)
            if isinstance(value, str) and value:
                metadata["date"] = value
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    body = soup.body or soup
    for tag in body.find_all(_BLOCK_TAGS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    text = body.get_text()
    return text, metadata


# --------------------------------------------------------------------------- docx


_DOCX_XML_SUFFIXES = (".xml", ".rels")
_RATIO_CHECK_BYTES = 4 * _MB


def docx_to_text(
    data: bytes, limits: ReadLimits | None = None, deadline: Deadline | None = None
) -> tuple[str, dict[str, str]]:
    """Paragraphs and table cells of a .docx, in document order, plus core properties."""
    limits = limits or ReadLimits()
    deadline = deadline or Deadline(None)
    if data.startswith(_OLE_MAGIC):
        raise ReadError(
            "文档已加密（需要密码）或是旧版 .doc 格式 (password-protected or legacy .doc)"
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ReadError("不是有效的 .docx 文件（可能已损坏或被截断） (corrupt or truncated .docx)")
    package = _bounded_docx(data, limits, deadline)
    try:
        import docx  # python-docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph as DocxParagraph

        document = docx.Document(io.BytesIO(package))
        lines: list[str] = []
        chars = 0
        for number, block in enumerate(document.element.body.iterchildren()):
            if number % 200 == 0:
                deadline.check()
            tag = block.tag.rsplit("}", 1)[-1]
            if tag == "p":
                lines.append(DocxParagraph(block, document).text)
            elif tag == "tbl":
                for row in Table(block, document).rows:
                    cells = []
                    for cell in row.cells:
                        if cell.text not in cells:  # merged cells repeat their text
                            cells.append(cell.text)
                    lines.append("  ".join(cells))
            else:
                continue
            chars += len(lines[-1])
            if chars > limits.max_chars:
                raise _too_many_chars(limits)
        properties = document.core_properties
        metadata = {}
        if properties.title:
            metadata["title"] = properties.title
        if properties.author:
            metadata["author"] = properties.author
        if properties.created:
            metadata["date"] = properties.created.date().isoformat()
    except ReadError:
        raise
    except Exception as error:
        raise ReadError(f"无法读取 .docx（文件损坏或被截断）: {type(error).__name__}") from error
    return "\n".join(lines), metadata


def _zip_entry_count(data: bytes) -> int | None:
    """Entries the zip's end record declares, read before the central directory
    is parsed (a million entries would take a gigabyte as ZipInfo objects)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if end < 0 or end + 22 > len(data):
        return None
    (total,) = struct.unpack_from("<H", data, end + 10)
    return int(total)


def _bounded_docx(data: bytes, limits: ReadLimits, deadline: Deadline) -> bytes:
    """A copy of the .docx with its XML parts only, each read with a cap.

    python-docx reads every part of the package into memory whole, so a zip
    bomb in any part - or a 1 GB image - would be decompressed. Sizes and
    compression ratios are checked before anything is unpacked; the sizes a
    zip declares can lie, so every read is capped too. Parts that are not XML
    (images, fonts, embedded files) hold no text and are kept empty.
    """
    entries = _zip_entry_count(data)
    if entries is not None and entries > limits.max_archive_entries:
        raise ReadError(
            f".docx 中条目过多 ({entries} 个，上限 {limits.max_archive_entries}) "
            "(too many entries in the archive; not a normal Word document)"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
        if len(members) > limits.max_archive_entries:
            raise ReadError(
                f".docx 中条目过多 ({len(members)} 个，上限 {limits.max_archive_entries}) "
                "(too many entries in the archive; not a normal Word document)"
            )
        parts = [m for m in members if m.filename.lower().endswith(_DOCX_XML_SUFFIXES)]
        is_part = {id(member) for member in parts}
        for member in parts:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > _RATIO_CHECK_BYTES and ratio > limits.max_compression_ratio:
                raise ReadError(
                    f"疑似压缩炸弹：{member.filename} 解压后 {member.file_size / _MB:.0f} MB，"
                    f"压缩比 {ratio:.0f}:1 (suspected zip bomb)"
                )
        declared = sum(member.file_size for member in parts)
        if declared > limits.max_unpacked_bytes:
            raise _unpacked_too_large(declared, limits)
        budget = limits.max_unpacked_bytes
        copy = io.BytesIO()
        with zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as bounded:
            for member in members:
                content = b""
                if id(member) in is_part:
                    content = _read_capped(archive, member, budget)
                    budget -= len(content)
                    deadline.check()
                bounded.writestr(member.filename, content)
    except ReadError:
        raise
    except Exception as error:  # bad CRC, unsupported compression, encrypted member ...
        raise ReadError(f"无法读取 .docx（文件损坏或被截断）: {type(error).__name__}") from error
    return copy.getvalue()


def _read_capped(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: int) -> bytes:
    """The member's bytes, read a megabyte at a time (zipfile unpacks as much as
    one read asks for); over ``budget`` is an error."""
    chunks = []
    size = 0
    with archive.open(member) as handle:
        while chunk := handle.read(_MB):
            size += len(chunk)
            if size > budget:
                raise _unpacked_too_large(None, ReadLimits(max_unpacked_bytes=budget))
            chunks.append(chunk)
    return b"".join(chunks)


def _unpacked_too_large(size: int | None, limits: ReadLimits) -> ReadError:
    stated = f" {size / _MB:.0f} MB" if size is not None else ""
    return ReadError(
        f".docx 解压后过大{stated}，超过上限 {limits.max_unpacked_bytes / _MB:.0f} MB "
        "(unpacks to too much data; suspected zip bomb)"
    )


# --------------------------------------------------------------------------- pdf


def pdf_to_text(
    data: bytes, limits: ReadLimits | None = None, deadline: Deadline | None = None
) -> tuple[str, dict[str, str]]:
    """Text of every page of a PDF plus its metadata.

    Pages are separated by a form feed on its own line, so that the cleaner
    can join a sentence that runs over a page break. pypdf bounds what one
    stream may unpack to; the page count, the characters and the time are
    bounded here.
    """
    limits = limits or ReadLimits()
    deadline = deadline or Deadline(None)
    if not data.lstrip()[:5] == b"%PDF-":
        raise ReadError("不是有效的 PDF 文件 (not a PDF)")
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as error:  # pragma: no cover - core dependency
        raise ReadError("读取 PDF 需要 pypdf (pip install pypdf)") from error
    try:
        from pypdf.errors import LimitReachedError
    except ImportError:  # pypdf < 6 has no such limits

        class LimitReachedError(Exception):  # type: ignore[no-redef]
            pass

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ReadError("PDF 已加密，需要密码 (password-protected PDF)")
        count = len(reader.pages)
        if count > limits.max_pdf_pages:
            raise ReadError(
                f"PDF 页数过多 ({count} 页，上限 {limits.max_pdf_pages}) (too many pages)"
            )
        pages = []
        chars = 0
        for page in reader.pages:
            deadline.check()
            text = page.extract_text() or ""
            chars += len(text)
            if chars > limits.max_chars:
                raise _too_many_chars(limits)
            pages.append(text)
        metadata: dict[str, str] = {}
        info = reader.metadata
        if info is not None:
            if info.title:
                metadata["title"] = str(info.title)
            if info.author:
                metadata["author"] = str(info.author)
            if info.creation_date:
                metadata["date"] = info.creation_date.date().isoformat()
    except ReadError:
        raise
    except LimitReachedError as error:
        raise ReadError(f"PDF 超出解析上限，疑似恶意构造 ({error})".splitlines()[0]) from error
    except PdfReadError as error:
        raise ReadError(f"PDF 损坏或被截断 ({error})".splitlines()[0]) from error
    except Exception as error:
        raise ReadError(f"无法读取 PDF（文件损坏）: {type(error).__name__}") from error
    text = "\n\f\n".join(pages)
    if not text.strip():
        raise ReadError("PDF 中没有可提取的文字（可能是扫描件） (no extractable text)")
    return text, metadata
