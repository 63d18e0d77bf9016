"""Ingesting into a collection: incremental updates, bad input in a batch, the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from collection import Collection, IndexDirectory
from corpus import CorpusStore
from ui.cli import main

BODY = "要把广大职工群众紧密团结在党的周围，为实现党的中心任务而团结奋斗。" * 4


def _write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def _live_store(index: Path) -> CorpusStore:
    generation = IndexDirectory(index).live_generation()
    assert generation is not None
    return CorpusStore(generation / "corpus.sqlite", read_only=True)


def test_add_unchanged_update_remove(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    first = _write(docs, "a.txt", "第一篇\n\n" + BODY)
    _write(
        docs,
        "sub/b.txt",
        "第二篇\n\n劳模精神、劳动精神、工匠精神是伟大民族精神的重要内容。" * 3,
        "gbk",
    )
    collection = Collection(tmp_path / "index")

    report = collection.ingest([docs], embedder="hash")
    assert report.summary()["added"] == 2 and not report.failed
    generation = IndexDirectory(tmp_path / "index").live_generation()

    again = collection.ingest([docs], embedder="hash")
    assert again.summary()["unchanged"] == 2
    assert IndexDirectory(tmp_path / "index").live_generation() == generation  # nothing rewritten

    first.write_text("第一篇\n\n" + BODY + "新增的一句话在这里。", encoding="utf-8")
    updated = collection.ingest([docs], embedder="hash")
    assert updated.summary()["updated"] == 1 and updated.summary()["unchanged"] == 1
    assert updated.removed_passage_ids and updated.added_passage_ids
    store = _live_store(tmp_path / "index")
    texts = "".join(p.text for p in store.passages())
    assert "新增的一句话在这里。" in texts
    store.close()

    removed = collection.remove([str(first)])
    assert removed.summary()["removed"] == 1
    store = _live_store(tmp_path / "index")
    assert [d.title for d in store.documents()] == ["第二篇"]
    store.close()


def test_bad_files_fail_alone_and_store_keeps_its_data(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    _write(docs, "good.txt", "好文档\n\n" + BODY)
    collection = Collection(tmp_path / "index")
    collection.ingest([docs], embedder="hash")

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(300))
    (bad / "truncated.docx").write_bytes(b"PK\x03\x04" + bytes(100))
    (bad / "locked.pdf").write_bytes(b"%PDF-1.7\n" + bytes(50))
    (bad / "only-chrome.txt").write_text(
        "下载 相关 举报\n第1页 / 共3页\n展开阅读全文\n", encoding="utf-8"
    )
    with open(bad / "huge.txt", "wb") as handle:
        handle.truncate(200 * 1024 * 1024)
    _write(bad, "fine.txt", "另一篇好文档\n\n" + BODY.replace("团结", "凝聚"))
    (bad / "notes.xyz").write_text("unsupported", encoding="utf-8")

    report = collection.ingest([bad, tmp_path / "missing"], embedder="hash")
    reasons = {Path(r.path).name: (r.status, r.reason) for r in report.results}
    assert reasons["fine.txt"][0] == "added"
    for name in ["empty.txt", "binary.txt", "truncated.docx", "locked.pdf", "only-chrome.txt",
                 "huge.txt", "missing"]:  # fmt: skip
        status, reason = reasons[name]
        assert status == "failed" and reason and "\n" not in reason, name
    assert reasons["notes.xyz"][0] == "skipped"
    store = _live_store(tmp_path / "index")
    assert {d.title for d in store.documents()} == {"好文档", "另一篇好文档"}
    store.close()


def test_folder_without_readable_files(tmp_path: Path) -> None:
    folder = tmp_path / "nothing"
    folder.mkdir()
    (folder / "picture.png").write_bytes(b"\x89PNG")
    report = Collection(tmp_path / "index").ingest([folder], embedder="hash")
    assert [r.status for r in report.results if r.path == str(folder)] == ["failed"]


def test_failed_write_leaves_previous_generation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "docs"
    _write(docs, "a.txt", "第一篇\n\n" + BODY)
    collection = Collection(tmp_path / "index")
    collection.ingest([docs], embedder="hash")
    before = IndexDirectory(tmp_path / "index").live_generation()
    _write(docs, "b.txt", "第二篇\n\n" + BODY.replace("周围", "身边"))

    from embeddings.dense import DenseIndex

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(DenseIndex, "save", explode)
    with pytest.raises(RuntimeError):
        collection.ingest([docs], embedder="hash")
    assert IndexDirectory(tmp_path / "index").live_generation() == before
    assert not list((tmp_path / "index").glob(".staging-*"))
    store = _live_store(tmp_path / "index")
    assert [d.title for d in store.documents()] == ["第一篇"]
    store.close()


def test_cli_ingest_docs_and_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    docs = tmp_path / "docs"
    _write(docs, "a.txt", "第一篇\n\n" + BODY)
    index = tmp_path / "index"

    result = runner.invoke(main, ["ingest", str(docs), "--index", str(index), "--embedder", "hash"])
    assert result.exit_code == 0, result.output
    assert "新增 1" in result.output

    (docs / "bad.txt").write_bytes(bytes(100))
    result = runner.invoke(main, ["ingest", str(docs), "--index", str(index), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["summary"]["failed"] == 1 and data["summary"]["unchanged"] == 1
    failed = [f for f in data["files"] if f["status"] == "failed"]
    assert failed[0]["path"].endswith("bad.txt") and failed[0]["reason"]

    result = runner.invoke(main, ["docs", "--index", str(index), "--json"])
    assert result.exit_code == 0
    assert [d["title"] for d in json.loads(result.output)] == ["第一篇"]

    result = runner.invoke(main, ["ingest", "--index", str(index)])
    assert result.exit_code == 2 and "nothing to ingest" in result.output


def test_cli_switching_embedder_names_the_rebuild_command(tmp_path: Path) -> None:
    runner = CliRunner()
    index = tmp_path / "index"
    docs = tmp_path / "docs"
    _write(docs, "a.txt", "第一篇\n\n" + BODY)
    assert (
        runner.invoke(
            main, ["ingest", str(docs), "--index", str(index), "--embedder", "hash"]
        ).exit_code
        == 0
    )
    result = runner.invoke(
        main, ["ingest", str(docs), "--index", str(index), "--embedder", "hash-64"]
    )
    assert result.exit_code == 2
    assert "yinwen ingest --rebuild --embedder hash-64" in result.output
    assert "Traceback" not in result.output
    rebuilt = runner.invoke(
        main, ["ingest", str(docs), "--index", str(index), "--embedder", "hash-64", "--rebuild"]
    )
    assert rebuilt.exit_code == 0, rebuilt.output


def test_mismatched_format_version_message(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    _write(docs, "a.txt", "第一篇\n\n" + BODY)
    index = tmp_path / "index"
    Collection(index).ingest([docs], embedder="hash")
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = 999
    (index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = CliRunner().invoke(main, ["docs", "--index", str(index)])
    assert result.exit_code == 2
    assert "yinwen ingest --rebuild" in result.output and "Traceback" not in result.output


def test_same_file_moved_is_a_new_document(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    original = _write(docs, "a.txt", "第一篇\n\n" + BODY)
    collection = Collection(tmp_path / "index")
    collection.ingest([original], embedder="hash")
    moved = tmp_path / "elsewhere.txt"
    shutil.copy(original, moved)
    report = collection.ingest([moved], embedder="hash")
    assert report.summary()["added"] == 1 and report.documents == 2
