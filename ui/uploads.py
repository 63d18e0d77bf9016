"""Uploaded files: safe names, kept inside the collection's uploads folder,
refused over the size limit."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from . import strings


def safe_upload_name(name: str) -> str:
    """A file name that cannot leave the uploads folder: no directories, no dot files,
    only letters (any script), digits and ``._-``; the extension is kept."""
    base = Path(name.replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^\w\-]+", "_", stem, flags=re.UNICODE).strip("._") or "upload"
    suffix = re.sub(r"[^A-Za-z0-9]", "", suffix)[:10].lower()
    return f"{stem[:120]}.{suffix}" if suffix else stem[:120]


def store_upload(source: Path, uploads: Path) -> Path:
    """Copy an uploaded file into ``uploads`` under a safe, unused name."""
    uploads.mkdir(parents=True, exist_ok=True)
    name = safe_upload_name(source.name)
    target = uploads / name
    if target.exists() and target.read_bytes() != source.read_bytes():
        stem, dot, suffix = name.rpartition(".")
        target = uploads / f"{stem or name}-{int(time.time() * 1000)}{dot}{suffix}"
    shutil.copyfile(source, target)
    if target.resolve().parent != uploads.resolve():  # a symlink planted in uploads/
        target.unlink()
        raise OSError(f"upload escaped {uploads}")
    return target


def accept_uploads(
    paths: list[Path], uploads: Path, max_upload_mb: int
) -> tuple[list[Path], list[list[object]]]:
    """Store uploaded files within the size limit; rows with a reason for the others."""
    limit = max_upload_mb * 1024 * 1024
    stored: list[Path] = []
    rejected: list[list[object]] = []
    for path in paths:
        size = path.stat().st_size
        if size > limit:
            reason = strings.UPLOAD_TOO_BIG.format(size=size / 1024 / 1024, limit=max_upload_mb)
            rejected.append([path.name, strings.STATUS_LABELS["failed"], "", 0, reason])
            continue
        stored.append(store_upload(path, uploads))
    return stored, rejected
