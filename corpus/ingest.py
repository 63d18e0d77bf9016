"""Ingesting files into a corpus store: discover, read, clean, segment, store.

One bad file never stops a batch: it becomes a :class:`FileResult` with
status ``failed`` and a one-line reason, and the store keeps what it had.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import Protocol

from .cleaning import CLEANER_VERSION, clean_text
from .damage import find_damage
from .dates import citation_date, date_conflicts, document_dates
from .locators import locate, paragraphs_are_real
from .model import Document, DocumentWarning, PageStart, WarningCode
from .quality import assess, passage_codes
from .readers import (
    MIXED_ENCODING,
    SUPPORTED_SUFFIXES,
    Deadline,
    ReadError,
    ReadLimits,
    default_max_file_bytes,
    read_file,
    time_limit,
)
from .segment import ChunkingSettings, segment
from .speakers import find_quotations, is_speech, speech_speaker

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


class DocumentStore(Protocol):
    """Where ingest puts documents: the SQLite :class:`corpus.store.CorpusStore`, or
    any store with these methods (the collection layer's PostgreSQL store)."""

    def document_hashes(self) -> dict[str, tuple[str, str, str]]: ...
    def put_document(
        self, doc_id: str, document: Document, passage_warnings: list[list[str]]
    ) -> tuple[list[int], list[int]]: ...
    def update_content_hash(self, doc_id: str, content_hash: str) -> None: ...
    def remove_document(self, doc_id: str) -> list[int]: ...
    def count(self, table: str) -> int: ...


@dataclass(frozen=True)
class IngestSettings:
    max_file_bytes: int = field(default_factory=default_max_file_bytes)
    chunking: ChunkingSettings = field(default_factory=ChunkingSettings)
    limits: ReadLimits = field(default_factory=ReadLimits)

    def fingerprint(self) -> dict[str, object]:
        """What, when changed, means every document must be processed again."""
        return {"cleaner_version": CLEANER_VERSION, "chunking": self.chunking.as_dict()}


@dataclass
class FileResult:
    path: str
    status: str  # added, updated, unchanged, failed, skipped, removed
    reason: str | None = None
    doc_id: str | None = None
    title: str | None = None
    passages: int = 0
    sections: int = 0
    warnings: list[DocumentWarning] = field(default_factory=list)
    # The file's stat before it was read (see file_signature); not reported to users.
    signature: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "status": self.status,
            "reason": self.reason,
            "doc_id": self.doc_id,
            "title": self.title,
            "passages": self.passages,
            "sections": self.sections,
            "warnings": [{"code": w.code, "message": w.message} for w in self.warnings],
        }


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)
    added_passage_ids: list[int] = field(default_factory=list)
    removed_passage_ids: list[int] = field(default_factory=list)
    documents: int = 0
    passages: int = 0
    sections: int = 0

    def count(self, status: str) -> int:
        return sum(1 for result in self.results if result.status == status)

    @property
    def failed(self) -> list[FileResult]:
        return [result for result in self.results if result.status == "failed"]

    @property
    def warnings(self) -> int:
        return sum(len(result.warnings) for result in self.results)

    @property
    def changed(self) -> bool:
        return bool(self.added_passage_ids or self.removed_passage_ids) or any(
            result.status in {"added", "updated", "removed"} for result in self.results
        )

    def summary(self) -> dict[str, object]:
        return {
            "added": self.count("added"),
            "updated": self.count("updated"),
            "unchanged": self.count("unchanged"),
            "removed": self.count("removed"),
            "failed": self.count("failed"),
            "skipped": self.count("skipped"),
            "documents": self.documents,
            "passages": self.passages,
            "sections": self.sections,
            "warnings": self.warnings,
        }


def document_id(path: str) -> str:
    """Stable id of a document: derived from its resolved source path."""
    return hashlib.sha1(path.encode("utf-8")).hexdigest()[:16]


# C0, DEL and C1 (U+009B is a terminal escape on its own).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def path_key(path: Path | str) -> str:
    """A path as it is stored, matched and shown: ``str(path)``, except that bytes
    of a name that are not UTF-8 (a GBK name unpacked from a Windows zip) and
    control characters (a newline or ESC in a name would break a one-line
    report, or drive the terminal) are written as ``\\xNN``."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = os.fsencode(text).decode("utf-8", "backslashreplace")
    return _CONTROL_CHARACTERS.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def one_line(reason: str, limit: int = 300) -> str:
    """A reason as one short line: control characters become spaces (a message
    may quote a file's bytes), long ones are cut."""
    line = " ".join(_CONTROL_CHARACTERS.sub(" ", reason).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def readable_stem(path: Path) -> str:
    """The file name without suffix, for a title: a name in GBK bytes is decoded as such."""
    stem = path.stem
    try:
        stem.encode("utf-8")
    except UnicodeEncodeError:
        raw = os.fsencode(stem)
        try:
            stem = raw.decode("gb18030")
        except UnicodeDecodeError:
            stem = raw.decode("utf-8", "backslashreplace")
    return _CONTROL_CHARACTERS.sub("", stem)


def path_problem(path: Path) -> str | None:
    """Why ``path`` cannot be opened at all (one line), or None. Never raises:
    symlink loops, dangling links and over-long names are reasons, not crashes."""
    found = _located(path)
    return found if isinstance(found, str) else None


def _located(path: Path, folder: Path | None = None) -> Path | str:
    """The resolved path, or why ``path`` cannot be opened (one line). ``folder``:
    the already resolved folder ``path`` lies in, which spares resolving every
    component of a plain file's path again (a re-ingest of 7,700 files spent
    most of its time there)."""
    try:
        if path.is_symlink():
            try:
                return path.resolve(strict=True)
            except FileNotFoundError:
                target = path_key(os.readlink(path))
                return f"符号链接指向不存在的目标 {target} (dangling symlink)"
            except RuntimeError:  # Python < 3.13 reports a loop so
                return "符号链接循环 (symlink loop)"
            except OSError as error:
                if error.errno == errno.ELOOP:
                    return "符号链接循环 (symlink loop)"
                raise
        elif not path.exists():
            return "路径不存在 (no such file or folder)"
        elif folder is not None:
            return folder / path.name
    except OSError as error:
        if error.errno == errno.ENAMETOOLONG:
            return "路径或文件名过长 (file name too long)"
        return f"无法访问路径 ({error.strerror or error})"
    return _resolved(path)


def _resolved(path: Path) -> Path | str:
    """The resolved path, or why it cannot be resolved."""
    try:
        return path.resolve()
    except (OSError, RuntimeError) as error:
        return f"无法访问路径 ({getattr(error, 'strerror', None) or error})"


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[FileResult]]:
    """Expand files and folders (recursively) into the files to read.

    Returns the files, and results for what cannot be read at all: missing
    paths, symlink loops and dangling links (under the link's own path),
    unreadable folders, folders without a readable file, unsupported files
    inside folders (skipped). A file named explicitly with an unsupported type
    is returned and fails with its reason when read. Never raises.
    """
    files: list[Path] = []
    problems: list[FileResult] = []
    for given in paths:
        path = Path(given)
        with contextlib.suppress(RuntimeError):  # "~someone" with no home: taken literally
            path = path.expanduser()
        problem = path_problem(path)
        if problem is not None:
            problems.append(FileResult(path_key(path), "failed", problem))
            continue
        if not path.is_dir():
            resolved = _resolved(path)
            if isinstance(resolved, str):
                problems.append(FileResult(path_key(path), "failed", resolved))
            else:
                files.append(resolved)
            continue
        found = 0

        def unreadable(error: OSError, folder: Path = path) -> None:
            where = path_key(error.filename or folder)
            problems.append(
                FileResult(where, "failed", f"无法读取文件夹 ({error.strerror or error})")
            )

        for root, directories, names in os.walk(path, onerror=unreadable):
            folder = _resolved(Path(root))
            kept = []
            for directory in sorted(directories):
                if directory.startswith("."):
                    continue
                if os.path.islink(os.path.join(root, directory)):
                    # Not followed: a link to a parent folder would never end.
                    problems.append(
                        FileResult(
                            path_key(Path(root) / directory),
                            "skipped",
                            "符号链接指向的文件夹不会被读取 (symlinked folder not followed)",
                        )
                    )
                    continue
                kept.append(directory)
            directories[:] = kept
            for name in sorted(names):
                if name.startswith(".") or name.startswith("~$"):
                    continue
                candidate = Path(root) / name
                if candidate.suffix.lower() not in SUPPORTED_SUFFIXES:
                    problems.append(
                        FileResult(
                            path_key(candidate),
                            "skipped",
                            f"不支持的类型 {path_key(candidate.suffix)}",
                        )
                    )
                    continue
                found += 1
                resolved = _located(candidate, folder if isinstance(folder, Path) else None)
                if isinstance(resolved, str):
                    problems.append(FileResult(path_key(candidate), "failed", resolved))
                else:
                    files.append(resolved)
        if not found:
            problems.append(
                FileResult(
                    path_key(path),
                    "failed",
                    "文件夹中没有可读取的文件 (no .txt/.md/.html/.docx/.pdf files in folder)",
                )
            )
    unique = list(dict.fromkeys(files))
    return unique, problems


def build_document(path: Path, settings: IngestSettings) -> Document:
    """Read, clean and segment one file within its time budget; raise ReadError
    with a one-line reason."""
    deadline = Deadline(settings.limits.seconds)
    with time_limit(deadline):
        return _build_document(path, settings, deadline)


def _build_document(path: Path, settings: IngestSettings, deadline: Deadline) -> Document:
    raw = read_file(path, settings.max_file_bytes, settings.limits, deadline)
    deadline.check()
    cleaned = clean_text(raw.text, raw.metadata)
    deadline.check()
    if not cleaned.text.strip():
        raise ReadError("清理网页模板后没有正文 (no text left after removing boilerplate)")
    title = cleaned.title or readable_stem(path)
    result = segment(cleaned.text, title, cleaned.author, settings.chunking)
    deadline.check()
    if not result.passages:
        raise ReadError("没有可引用的句子 (no quotable sentences found)")
    warnings = assess(cleaned.text, cleaned.raw_chars, cleaned.kept_chars)
    fields = cleaned.date_fields
    if raw.format == "html":
        # An HTML page's date meta tag (article:published_time, pubdate) is its
        # publication time; a .docx/.pdf property is only the file's creation.
        fields = [
            ("网页发布时间" if label == "文件属性" else label, value) for label, value in fields
        ]
    dates = document_dates(fields, cleaned.download_site, cleaned.text)
    warnings.extend(date_conflicts(dates))
    cited = citation_date(dates)
    paragraph_texts = [cleaned.text[p.start : p.end] for p in result.paragraphs]
    speech = is_speech(title, paragraph_texts)
    sections = result.sections
    if speech and len(sections) == 1 and not sections[0].author:
        speaker = speech_speaker(title, paragraph_texts)
        if speaker:
            sections = [dataclasses.replace(sections[0], author=speaker)]
    pages = [PageStart(offset, number, kind) for offset, number, kind in cleaned.pages]
    real = paragraphs_are_real(result.paragraphs, cleaned.page_dump)
    locators = locate(cleaned.text, sections, result.paragraphs, result.passages, pages, real)
    if raw.encoding and raw.encoding.endswith("-damaged"):
        warnings.append(
            DocumentWarning(
                WarningCode.ENCODING, "文件含有损坏的字节，个别字符已替换为 �；引用前请核对原文"
            )
        )
    if raw.encoding == MIXED_ENCODING:
        warnings.append(
            DocumentWarning(
                WarningCode.ENCODING,
                "文件混用了 UTF-8 和 GBK 两种编码，已逐行识别；引用前请核对原文",
            )
        )
    return Document(
        path=path_key(path),
        content_hash=raw.content_hash,
        text_hash=hashlib.sha256(cleaned.text.encode("utf-8")).hexdigest(),
        format=raw.format,
        encoding=raw.encoding,
        text=cleaned.text,
        title=title,
        date=cited.date if cited else None,
        source=cleaned.source,
        raw_chars=cleaned.raw_chars,
        sections=sections,
        paragraphs=result.paragraphs,
        sentences=result.sentences,
        passages=result.passages,
        warnings=warnings,
        kind="speech" if speech else None,
        dates=dates,
        pages=pages,
        paragraphs_real=real,
        locators=locators,
        quotations=find_quotations(cleaned.text),
        damage=find_damage(cleaned.text),
    )


def hash_file(path: Path, max_bytes: int) -> str | None:
    """sha256 of a file, or None when it cannot be read or is too large (read_file says why)."""
    try:
        if not path.is_file() or path.stat().st_size > max_bytes:
            return None  # a FIFO named like a document would block the read
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


# A file modified this recently may change again within its file system's
# timestamp granularity (whole seconds on some) without its stat changing.
_RACY_SECONDS = 2


def file_signature(path: Path) -> str | None:
    """Size, modification and change time of a regular file, or None.

    Taken *before* a file is read and recorded with its document, it lets a
    re-ingest recognise an unchanged file without reading it (as git and rsync
    do). The change time (ctime) cannot be set by tools that preserve mtime,
    so content replaced at the same size and mtime still shows. None for a
    file modified in the last two seconds (it might change again unseen: the
    "racy" case), gone, or not a regular file; then the file is hashed.

    Also None everywhere with ``YINWEN_TRUST_STAT=0`` and on Windows, where
    ``st_ctime`` is the creation time: file systems without a real change time
    (FAT/exFAT drives, some network mounts that cache attributes) should set it,
    so every file is hashed as before (docs/ARCHITECTURE.md).
    """
    if os.name == "nt" or os.environ.get("YINWEN_TRUST_STAT", "1") == "0":
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    if not S_ISREG(stat.st_mode):
        return None
    now = time.time_ns()
    if now - max(stat.st_mtime_ns, stat.st_ctime_ns) < _RACY_SECONDS * 1_000_000_000:
        return None
    return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}"


def ingest(
    paths: Iterable[Path],
    store: DocumentStore,
    settings: IngestSettings | None = None,
    reprocess: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Add new files, replace changed ones, leave unchanged ones alone.

    ``reprocess`` re-reads files even when their bytes are unchanged (after the
    cleaner or chunking settings changed); passages whose document text did
    not change keep their ids, so they are never embedded again.
    """
    settings = settings or IngestSettings()
    files, problems = discover(paths)
    report = IngestReport(results=list(problems))
    known = store.document_hashes()
    for number, path in enumerate(files, start=1):
        if progress:
            progress(number, len(files), str(path))
        key = path_key(path)
        stored = known.get(key)
        doc_id = stored[0] if stored else document_id(key)
        signature = file_signature(path)  # before reading: a later change then shows
        if stored and not reprocess and hash_file(path, settings.max_file_bytes) == stored[1]:
            report.results.append(FileResult(key, "unchanged", doc_id=doc_id, signature=signature))
            continue
        try:
            document = build_document(path, settings)
        except ReadError as error:
            report.results.append(FileResult(key, "failed", one_line(str(error))))
            continue
        except Exception as error:  # a bug must not lose the batch; say which file
            # The traceback only when debugging: the report is one line per file.
            logger.debug("unexpected error reading %s", key, exc_info=True)
            reason = one_line(f"内部错误 {type(error).__name__}: {error}")
            report.results.append(FileResult(key, "failed", reason))
            continue
        result = FileResult(
            key,
            "added",
            doc_id=doc_id,
            title=document.title,
            passages=len(document.passages),
            sections=len(document.sections),
            warnings=document.warnings,
            signature=signature,
        )
        if stored and stored[2] == document.text_hash and not reprocess:
            store.update_content_hash(doc_id, document.content_hash)
            result.status = "unchanged"
        else:
            if stored:
                result.status = "updated"
            codes = [passage_codes(p.text, document.warnings) for p in document.passages]
            added, gone = store.put_document(doc_id, document, codes)
            report.added_passage_ids.extend(added)
            report.removed_passage_ids.extend(gone)
        report.results.append(result)
    report.documents = store.count("documents")
    report.passages = store.count("passages")
    report.sections = store.count("sections")
    return report


def remove(targets: Iterable[str], store: DocumentStore) -> IngestReport:
    """Remove documents by id or by source path."""
    report = IngestReport()
    by_path = store.document_hashes()
    ids = {doc_id for doc_id, _, _ in by_path.values()}
    for target in targets:
        doc_id = target if target in ids else None
        if doc_id is None:
            resolved = _resolved(Path(target).expanduser())
            resolved = path_key(resolved) if isinstance(resolved, Path) else target
            doc_id = by_path.get(resolved, (None,))[0] or by_path.get(target, (None,))[0]
        if doc_id is None:
            report.results.append(
                FileResult(target, "failed", "集合中没有这个文档 (not in collection)")
            )
            continue
        report.removed_passage_ids.extend(store.remove_document(doc_id))
        report.results.append(FileResult(target, "removed", doc_id=doc_id))
    report.documents = store.count("documents")
    report.passages = store.count("passages")
    report.sections = store.count("sections")
    return report
