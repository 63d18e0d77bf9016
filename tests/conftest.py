"""Shared fixtures. Most tests use the deterministic ``hash`` embedder, so they
need no model; tests marked ``model`` load the real bundled one."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

SAMPLES = Path(__file__).resolve().parent.parent / "corpus" / "samples"


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
