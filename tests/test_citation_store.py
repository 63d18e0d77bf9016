"""The citation data in the store: what a re-ingest of an older collection
upgrades (without embedding anything again), and what passages carry."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from collection import Collection
from collection.directory import IndexDirectory
from corpus import CorpusStore
from embeddings import HashEmbedder

SAMPLES = Path(__file__).resolve().parent.parent / "corpus" / "samples"


class CountingEmbedder(HashEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[int] = []

    def embed_documents(self, texts):  # type: ignore[no-untyped-def]
        self.calls.append(len(texts))
        return super().embed_documents(texts)

    def embed_words(self, words):  # type: ignore[no-untyped-def]
        return super().embed_documents(words)  # passages and sentences are counted


def _as_built_by_cleaner_4(index: Path) -> None:
    """Make a collection look as the previous release left it: no citation columns,
    the previous cleaner version in the manifest, upload dates as ``date``."""
    live = IndexDirectory(index).live_generation()
    assert live is not None
    connection = sqlite3.connect(live / "corpus.sqlite")
    for table, column in (("passages", "citation"), ("passages", "speakers"),
                          ("documents", "kind"), ("documents", "dates")):  # fmt: skip
        connection.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    connection.execute("UPDATE documents SET date = '2024-08-13' WHERE title LIKE '%十八次%'")
    connection.commit()
    connection.close()
    manifest_path = index / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["ingest"]["cleaner_version"] = "4"
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def test_reingest_upgrades_a_collection_of_the_previous_cleaner_without_embedding(
    tmp_path: Path,
) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(SAMPLES, docs)
    index = tmp_path / "index"
    embedder = CountingEmbedder()
    Collection(index).ingest([docs], embedder=embedder)
    before = {p.passage_id: p.text for p in _store(index).passages()}
    _as_built_by_cleaner_4(index)

    # an old snapshot still reads: locators are the old paragraph numbers
    old = _store(index).passages()
    assert {p.passage_id for p in old} == set(before)
    assert all(p.locator.paragraph == p.paragraph_index + 1 for p in old)

    embedder.calls.clear()
    report = Collection(index).ingest([docs], embedder=embedder)
    assert report.summary()["updated"] == 5
    assert report.added_passage_ids == [] and report.removed_passage_ids == []
    assert sum(embedder.calls) == 0  # no passage was embedded again
    store = _store(index)
    after = store.passages()
    assert {p.passage_id: p.text for p in after} == before
    dump = [p for p in after if "十八次" in (p.title or "")]
    assert dump and all(p.locator.paragraph is None and p.locator.page for p in dump)
    assert {p.date for p in dump} == {"2023-10-09"} and {p.uploaded for p in dump} == {"2024-08-13"}


def test_passages_carry_locators_speakers_and_damage(sample_collection: Path) -> None:
    store = _store(sample_collection)
    passages = store.passages()
    spam = [p for p in passages if "澳门金沙" in p.text]
    assert spam
    for passage in spam:
        marked = "".join(passage.text[d.start - passage.start : d.end - passage.start]
                         for d in passage.damage if d.code == "spam")  # fmt: skip
        assert marked.count("澳门金沙") == passage.text.count("澳门金沙")
    quoting = [p for p in passages if any(q.speaker == "全国总工会主席王东明" for q in p.quoted)]
    assert len(quoting) == 1 and "王东明" in quoting[0].text
    # the author filter finds the quoted person, only when asked to
    by_quote = store.filtered_passage_ids(author="王东明", quoted=True)
    assert quoting[0].passage_id in by_quote
    assert store.filtered_passage_ids(author="王东明") == []
    assert "习近平总书记" in store.quoted_speakers()
    documents = {d.title: d for d in store.documents()}
    congress = next(d for title, d in documents.items() if title and "十八次" in title)
    assert [(d.kind, d.date) for d in congress.dates] == [
        ("event", "2023-10-09"), ("uploaded", "2024-08-13")
    ]  # fmt: skip


def _store(index: Path) -> CorpusStore:
    live = IndexDirectory(index).live_generation()
    assert live is not None
    return CorpusStore(live / "corpus.sqlite", read_only=True)
