"""Who may do what on the served page, and which server paths it may touch.

* :class:`ImportRoots` - the directories the operator opened for folder import
  (``yinwen serve --import-root DIR``); a folder, and every file found in it
  after resolving symlinks, must stay inside one of them.
* :class:`Operators` - with ``--auth``, only these users may change the
  collection (upload, import, remove); without auth the page is single-user.
* :class:`LoginThrottle` - Gradio's ``auth`` callable with a delay after every
  failed login and a lockout per user name.
* :func:`shown_path` - a source path as the page and API show it: relative to
  the collection directory, or just the file name.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.ingest import FileResult, discover


class AccessError(Exception):
    """A request the page refuses; the message is shown to the user as it is."""


def inside(path: Path, root: Path) -> bool:
    """Whether ``path`` resolves (symlinks included) to ``root`` or below it."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return False


@dataclass(frozen=True)
class ImportRoots:
    """Server directories from which folders may be imported; none = no folder import."""

    roots: tuple[Path, ...] = ()

    @classmethod
    def of(cls, directories: Iterable[Path | str]) -> ImportRoots:
        return cls(tuple(Path(d).expanduser().resolve() for d in directories))

    def __bool__(self) -> bool:
        return bool(self.roots)

    def describe(self) -> str:
        return "、".join(str(root) for root in self.roots)

    def files(self, folder: str) -> tuple[list[Path], list[FileResult]]:
        """The files to ingest from ``folder``, and rows for what is skipped.

        Raises :class:`AccessError` when folder import is off, or the folder is
        outside every root. A file in the folder whose resolved path leaves the
        roots (a symlink to /etc/passwd) is skipped with a reason, not read.
        """
        from . import strings

        if not self.roots:
            raise AccessError(strings.FOLDER_IMPORT_OFF)
        path = Path(folder.strip()).expanduser()
        if not path.is_absolute() or not any(inside(path, root) for root in self.roots):
            raise AccessError(strings.FOLDER_OUTSIDE.format(roots=self.describe()))
        if not path.is_dir():
            raise AccessError(strings.FOLDER_MISSING.format(folder=folder.strip()))
        found, problems = discover([path.resolve()])
        files: list[Path] = []
        for file in found:
            if any(inside(file, root) for root in self.roots):
                files.append(file.resolve())
            else:
                problems.append(FileResult(str(file), "failed", strings.LINK_OUTSIDE))
        return files, problems


@dataclass(frozen=True)
class Operators:
    """Users allowed to change the collection. ``auth_on=False`` means no login at
    all (a loopback, single-user page): everyone who can open it is the operator."""

    auth_on: bool = False
    names: frozenset[str] = frozenset()

    def allows(self, username: str | None) -> bool:
        return not self.auth_on or (username is not None and username in self.names)

    def check(self, username: str | None) -> None:
        from . import strings

        if not self.allows(username):
            raise AccessError(strings.NOT_ALLOWED)


@dataclass
class LoginThrottle:
    """Gradio's ``auth=`` callable (:meth:`check`): checks a password and slows down guessing.

    Every failed login waits ``delay`` seconds, one failure at a time for the
    whole server (so parallel guesses queue up instead of multiplying), and a
    user name with ``max_failures`` failures inside ``window`` seconds is
    locked for ``lockout`` seconds - even the right password is refused then.
    Gradio awaits an async callable inside its login route, so the waiting
    does not block the rest of the server. Gradio does not pass the client's
    address to the callable, so the limits are per user name and global.
    """

    credentials: dict[str, str]
    delay: float = 1.0
    max_failures: int = 5
    window: float = 300.0
    lockout: float = 300.0
    failures: dict[str, list[float]] = field(default_factory=dict)
    locked_until: dict[str, float] = field(default_factory=dict)
    _slow: asyncio.Lock | None = None

    def locked(self, username: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        return self.locked_until.get(username, 0.0) > now

    def _check(self, username: str, password: str) -> bool:
        expected = self.credentials.get(username)
        # compare even for unknown users, so timing does not tell which names exist
        matches = hmac.compare_digest((expected or "\0").encode("utf-8"), password.encode("utf-8"))
        return expected is not None and matches

    def _record_failure(self, username: str) -> None:
        now = time.monotonic()
        # bounded: only the user names seen in the last window are kept
        for name in [n for n, times in self.failures.items() if times[-1] < now - self.window]:
            del self.failures[name]
        recent = [t for t in self.failures.get(username, []) if t >= now - self.window]
        recent.append(now)
        self.failures[username] = recent[-self.max_failures :]
        if len(recent) >= self.max_failures:
            self.locked_until[username] = now + self.lockout
            self.failures.pop(username, None)

    async def check(self, username: str, password: str) -> bool:
        """The ``auth=`` callable. A bound coroutine function, not ``__call__``: Gradio
        awaits only what ``inspect.iscoroutinefunction`` recognises, and would take
        the un-awaited coroutine of an async ``__call__`` for a successful login."""
        if not self.locked(username) and self._check(username, password):
            self.failures.pop(username, None)
            return True
        self._record_failure(username)
        if self._slow is None:
            self._slow = asyncio.Lock()
        async with self._slow:
            await asyncio.sleep(self.delay)
        return False


def shown_path(path: str | None, collection: Path) -> str:
    """A source path without the server's directory layout: relative to the
    collection directory (uploads/讲话.txt), else only the file name."""
    if not path:
        return ""
    return _shown_path(path, collection)


# Every result and related passage of every reply names a source path: resolving
# it and the collection folder each time was ~1 ms of a served request.
@functools.lru_cache(maxsize=4096)
def _shown_path(path: str, collection: Path) -> str:
    source = Path(path)
    try:
        return source.resolve().relative_to(collection.resolve()).as_posix()
    except (ValueError, OSError):
        return source.name


def api_json(data: Any, collection: Path) -> Any:
    """The CLI's JSON for the API: ``path`` becomes ``file`` (Gradio treats any
    ``{"path": ...}`` in a response as a file to serve) and holds :func:`shown_path`."""
    if isinstance(data, dict):
        return {
            ("file" if key == "path" else key): (
                shown_path(value, collection) if key == "path" else api_json(value, collection)
            )
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [api_json(item, collection) for item in data]
    return data


def uploaded_files(paths: Sequence[str | Path], upload_dir: Path) -> list[Path]:
    """Only the files Gradio itself received from the browser (its upload cache):
    an event payload naming any other server path is refused."""
    from . import strings

    accepted = []
    for path in paths:
        candidate = Path(path)
        if not inside(candidate, upload_dir) or not candidate.is_file():
            raise AccessError(f"{strings.NOT_AN_UPLOAD}：{candidate.name}")
        accepted.append(candidate)
    return accepted
