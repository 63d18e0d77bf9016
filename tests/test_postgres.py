"""What only a database collection must do, against a real PostgreSQL with
pgvector (tests/conftest.py): rank like the local backend, let several app
servers share one collection, serialise writers, keep the last committed state
when a write fails, and say in one line what is wrong with a bad URL, a
database without pgvector, a newer schema or a dropped connection.

Behaviour both backends share (ingest, remove, the LangChain suites, search)
is tested once, parametrised over both, in the other test files."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from collection import Collection, CollectionError, TextRecord
from embeddings import HashEmbedder
from qa.evaluation import evaluate, load_questions
from qa.facade import QA
from qa.retrieval import Filters

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpus" / "samples"

QUERIES = [
    "劳模精神、劳动精神、工匠精神",
    "工会如何维护职工合法权益",
    "产业工人队伍建设改革",
    "“紧密团结在党的周围”",
    "马璐在文章中说了什么",
    "第四十四条",
    "月球上的工会",
]


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, new_database) -> tuple[QA, QA]:  # type: ignore[no-untyped-def]
    """The sample collection ingested the same way into a directory and a database."""
    local = tmp_path_factory.mktemp("local-samples")
    database = new_database()
    for where in (local, database):
        assert not Collection(where).ingest([SAMPLES], embedder="hash").failed
    return QA.open(local), QA.open(database)


def _keys(qa: QA, pairs: list[tuple[int, float]]) -> list[tuple[str, int]]:
    """Passage ids differ between stores; (document, passage index) does not."""
    by_id = {p.passage_id: p for p in qa.reader().store.passages([i for i, _ in pairs])}
    return [(by_id[i].doc_id, by_id[i].passage_index) for i, _ in pairs]


@pytest.mark.parametrize("query", QUERIES)
def test_both_backends_give_the_same_results(both: tuple[QA, QA], query: str) -> None:
    local, database = both
    for filters in (None, Filters(date_from="2023-09-01"), Filters(author="马璐")):
        expected = local.search(query, top_k=10, filters=filters)
        found = database.search(query, top_k=10, filters=filters)
        assert [(r.passage.doc_id, r.passage.passage_index) for r in found.results] == [
            (r.passage.doc_id, r.passage.passage_index) for r in expected.results
        ]
        assert [r.sentence_spans for r in found.results] == [
            r.sentence_spans for r in expected.results
        ]
        assert found.answerable == expected.answerable
    # The signals underneath rank the same passages, with scores that differ only by
    # the stores' number formats: BM25 float32 arrays against float8 SQL, cosines of
    # the local index's 16-bit vectors against pgvector's 32-bit ones.
    _assert_same_ranking(
        _scored(database, database.reader().sparse_search(query, 20)),
        _scored(local, local.reader().sparse_search(query, 20)),
        tolerance=1e-4,
    )
    _assert_same_ranking(
        _scored(database, database.reader().dense_search(query, 20)),
        _scored(local, local.reader().dense_search(query, 20)),
        tolerance=1e-3,
    )


def test_packed_postings_follow_every_write(tmp_path: Path, new_database) -> None:  # type: ignore[no-untyped-def]
    """A BM25 search reads each term's postings packed in one row; after adds,
    updates that drop words, removals, a text replaced under its id and a
    rebuild, those rows are exactly what packing the postings anew gives, and
    searches match the local index's."""
    import shutil

    import psycopg

    from collection.postgres.schema import TERM_POSTINGS_SELECT

    docs = tmp_path / "docs"
    shutil.copytree(SAMPLES, docs)
    url, local = new_database(), tmp_path / "local"
    files = sorted(p for p in docs.iterdir() if p.suffix in {".txt", ".md", ".html"})

    def write(step: int, where: Path | str) -> None:
        collection = Collection(where)
        if step == 0:
            collection.ingest([docs], embedder="hash")
        elif step == 1:  # one file rewritten (most of its words gone), one removed
            collection.ingest([docs], embedder="hash")
            collection.remove([str(files[1])])
        elif step == 2:  # a text added, then replaced under the same id
            collection.upsert_texts(
                [TextRecord("x1", "独一无二的词语甲乙丙。", {})], embedder="hash"
            )
            collection.upsert_texts(
                [TextRecord("x1", "工匠精神是职业精神的重要组成。", {})], embedder="hash"
            )
        else:  # rebuilt from two files
            collection.ingest(files[2:4], embedder="hash", rebuild=True)

    for step in range(4):
        if step == 1:
            files[0].write_text(
                "改写后的文件\n\n工匠精神代代相传，新增的一段话。", encoding="utf-8"
            )
        for where in (url, local):
            write(step, where)
        with psycopg.connect(url) as connection:
            stored = connection.execute(
                "SELECT term, postings FROM bm25_term_postings ORDER BY term"
            ).fetchall()
            packed = connection.execute(
                f"{TERM_POSTINGS_SELECT} GROUP BY p.term ORDER BY p.term"
            ).fetchall()
            gone = connection.execute(
                "SELECT count(*) FROM bm25_term_postings WHERE term = '甲乙丙'"
            ).fetchone()
        assert stored == packed and len(stored) > 20, step
        assert gone == (0,)
        for query in ("工匠精神", "新增的一段", "劳模精神 职工", "独一无二的词语"):
            database_qa, local_qa = QA.open(url), QA.open(local)
            _assert_same_ranking(
                _scored(database_qa, database_qa.reader().sparse_search(query, 20)),
                _scored(local_qa, local_qa.reader().sparse_search(query, 20)),
                tolerance=1e-4,
            )


def _assert_same_ranking(
    found: list[tuple[tuple[str, int], float]],
    expected: list[tuple[tuple[str, int], float]],
    tolerance: float,
) -> None:
    """Same hits with the same scores (within ``tolerance``, relative above 1), in an
    order that only swaps hits whose scores are that close; a hit missing from one
    list may only be one tied with the last at the cut."""
    assert len(found) == len(expected)

    def close(a: float, b: float) -> bool:
        return abs(a - b) <= tolerance * max(1.0, abs(a), abs(b))

    expected_score = dict(expected)
    last = expected[-1][1] if expected else 0.0
    for key, score in found:
        if key in expected_score:
            assert close(score, expected_score[key]), (key, score, expected_score[key])
        else:
            assert close(score, last) or score < last, (key, score, last)
    in_local_terms = [expected_score[key] for key, _ in found if key in expected_score]
    for higher, lower in itertools.pairwise(in_local_terms):
        assert higher >= lower or close(higher, lower), (higher, lower)


def _scored(qa: QA, pairs: list[tuple[int, float]]) -> list[tuple[tuple[str, int], float]]:
    return list(zip(_keys(qa, pairs), [s for _, s in pairs], strict=True))


def test_both_stores_return_the_same_documents_and_passages(both: tuple[QA, QA]) -> None:
    """Field by field: a field added to the SQLite store (corpus/store.py) but not
    to the PostgreSQL one (collection/postgres/) fails here."""
    from dataclasses import asdict

    local, database = both

    def passages(qa: QA) -> list[dict[str, object]]:
        rows = [asdict(p) for p in qa.reader().store.passages()]
        for row in rows:
            del row["passage_id"]  # each store numbers its own
        return sorted(rows, key=lambda row: (str(row["doc_id"]), int(str(row["passage_index"]))))

    def documents(qa: QA) -> list[dict[str, object]]:
        return [{**asdict(d), "updated_at": None} for d in qa.documents()]

    assert passages(database) == passages(local)
    assert documents(database) == documents(local)
    doc_id = local.documents()[0].doc_id
    assert database.reader().store.document_text(doc_id) == local.reader().store.document_text(
        doc_id
    )
    assert database.paragraph(doc_id, 2) == local.paragraph(doc_id, 2)
    assert database.reader().store.titles() == local.reader().store.titles()
    assert sorted(database.reader().store.authors()) == sorted(local.reader().store.authors())


def test_both_backends_hold_the_same_word_vectors(both: tuple[QA, QA]) -> None:
    """Every word of the passages has its vector in both, and soft coverage (which
    reads them through a 16-bit cache) comes out the same."""
    from embeddings import tokenize
    from embeddings.dense import word_key
    from qa.retrieval import WordMatcher

    local, database = both
    readers = [qa.reader() for qa in (local, database)]
    passages = readers[0].store.passages()[:20]
    words = sorted({w for p in passages for w in tokenize(p.text)})
    keys = [word_key(w) for w in words]
    for reader in readers:
        assert reader.words is not None
        assert sorted(reader.words.present(keys).tolist()) == sorted(keys)
    local_vectors = readers[0].words.stored_vectors(keys)  # type: ignore[union-attr]
    found, vectors = readers[1].words.stored_vectors(keys)  # type: ignore[union-attr]
    order = {int(k): n for n, k in enumerate(local_vectors[0])}
    matched = local_vectors[1][[order[int(k)] for k in found]]
    assert np.allclose(matched, vectors, atol=1e-3)  # 16-bit floats in FAISS, 32 in pgvector
    soft, terms = [], []
    for reader in readers:
        ids = {(p.doc_id, p.passage_index): p.passage_id for p in reader.store.passages()}
        chosen = [ids[(p.doc_id, p.passage_index)] for p in passages]
        coverage = WordMatcher(reader).soft_coverage(["职工", "薪资"], chosen)
        assert coverage is not None
        soft.append(coverage)
        # the words soft coverage reads for each passage: those BM25 indexed
        held = reader.sparse.passage_terms([*chosen, 10**9])
        terms.append([sorted(held[i]) for i in chosen])
        assert 10**9 not in held
    assert np.allclose(soft[0], soft[1], atol=1e-6)
    assert terms[0] == terms[1] and all(terms[0])
    assert set(terms[0][0]) >= set(tokenize(passages[0].text))
    for reader in readers:  # nothing asked, nothing found, on both
        assert reader.words is not None
        assert reader.words.present([]).tolist() == []
        found, vectors = reader.words.stored_vectors([])
        assert found.tolist() == [] and vectors.shape == (0, reader.embedder.dimension)
        assert reader.word_vectors([]) == {}


def test_both_backends_score_the_development_set_alike(both: tuple[QA, QA]) -> None:
    questions = load_questions(ROOT / "bench" / "devset" / "samples.jsonl")
    local, database = both
    expected = evaluate(local, questions)
    found = evaluate(database, questions)
    for metric in ("recall@5", "mrr@10", "abstention_accuracy"):
        assert found["overall"][metric] == pytest.approx(expected["overall"][metric], abs=0.01)
    same = sum(
        a["rank"] == b["rank"]
        for a, b in zip(expected["questions"], found["questions"], strict=True)
    )
    assert same >= 0.98 * len(questions)


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_two_app_servers_see_each_others_writes_without_restart(
    tmp_path: Path, new_database
) -> None:  # type: ignore[no-untyped-def]
    url = new_database()
    Collection(url).ingest([SAMPLES], embedder="hash")
    first, second = QA.open(url), QA.open(url)
    question = "高原牧区的流动职工书屋"
    assert not any("流动职工书屋" in r.passage.text for r in second.search(question).results)

    path = _write(
        tmp_path / "new",
        "a.txt",
        "牧区来信\n\n高原牧区建起了流动职工书屋，牧民职工骑马也能借到书。",
    )
    report = first.ingest([path])
    assert report.summary()["added"] == 1
    top = second.search(question).results[0]
    assert "流动职工书屋" in top.passage.text
    assert first.search(question).results[0].passage.passage_id == top.passage.passage_id

    second.remove([top.passage.doc_id])
    assert not any("流动职工书屋" in r.passage.text for r in first.search(question).results)


def _passage_sets(url: str) -> tuple[set[int], set[int], set[int]]:
    reader = Collection(url).reader(HashEmbedder())
    return (
        set(reader.store.passage_ids()),
        reader.dense.passage_ids(),
        reader.sparse.passage_ids(),
    )


def test_concurrent_ingests_are_serialised_by_the_database(tmp_path: Path, new_database) -> None:  # type: ignore[no-untyped-def]
    url = new_database()
    seed = _write(
        tmp_path / "seed", "seed.txt", "种子\n\n这是最先写入的一篇文档，讲工会工作的开头。"
    )
    assert Collection(url).ingest([seed], embedder="hash").summary()["added"] == 1
    folders = []
    for n in range(3):
        folder = tmp_path / f"batch{n}"
        for i in range(4):
            _write(
                folder,
                f"{i}.txt",
                f"第{n}批第{i}篇\n\n这是第{n}批的第{i}篇文档，讲工会工作的第{i}个方面。",
            )
        folders.append(folder)
    errors: list[BaseException] = []

    def ingest(folder: Path) -> None:
        try:
            Collection(url).ingest([folder], embedder="hash")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=ingest, args=(folder,)) for folder in folders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    collection = Collection(url)
    documents = collection.documents()
    assert len(documents) == 13
    stored, dense, sparse = _passage_sets(url)
    assert stored == dense == sparse
    assert len(stored) == sum(d.passages for d in documents)
    assert collection.backend.read_manifest().generation == "g000004"


def test_a_failed_write_leaves_the_last_committed_state(
    tmp_path: Path, new_database, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    url = new_database()
    Collection(url).ingest([SAMPLES], embedder="hash")
    before = _passage_sets(url)
    version = Collection(url).version()

    from collection.postgres.indexes import PostgresTermIndex

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("worker killed")

    monkeypatch.setattr(PostgresTermIndex, "add", explode)
    new = _write(tmp_path / "new", "b.txt", "新文档\n\n这一篇写到一半就断了。")
    with pytest.raises(RuntimeError, match="worker killed"):
        Collection(url).ingest([new], embedder="hash")
    assert _passage_sets(url) == before
    assert Collection(url).version() == version
    assert all(d.path != str(new) for d in Collection(url).documents())


def test_a_dropped_connection_is_retried(new_database) -> None:  # type: ignore[no-untyped-def]
    import psycopg

    url = new_database()
    Collection(url).ingest([SAMPLES], embedder="hash")
    qa = QA.open(url)
    expected = [r.passage.passage_id for r in qa.search("劳模精神").results]
    # What a server restart or a failover does to every open connection.
    with psycopg.connect(url, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert killed and killed[0] >= 1
    assert [r.passage.passage_id for r in qa.search("劳模精神").results] == expected


def test_bad_urls_are_one_line_with_the_fix(postgres_server: str) -> None:
    from conftest import database_url

    with pytest.raises(CollectionError, match=r"cannot connect to PostgreSQL .*check the URL"):
        Collection(database_url(postgres_server, "no_such_database"))
    with pytest.raises(CollectionError) as raised:
        Collection("postgresql://yinwen:secret@127.0.0.1:1/yinwen")
    assert "secret" not in str(raised.value) and "\n" not in str(raised.value)


def test_a_database_without_pgvector_names_the_fix(postgres_server: str) -> None:
    """A user who owns a database but may not create pgvector in it (not a trusted
    extension) is told whom to ask, in one line."""
    import psycopg
    from conftest import database_url

    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute("CREATE ROLE plain_owner LOGIN")
        admin.execute("CREATE DATABASE no_vector OWNER plain_owner")
    url = database_url(postgres_server, "no_vector").replace("://postgres:", "://plain_owner:")
    with pytest.raises(
        CollectionError, match=r"ask the database owner to run: CREATE EXTENSION vector"
    ):
        Collection(url)


def test_a_schema_from_a_newer_yinwen_is_refused(new_database) -> None:  # type: ignore[no-untyped-def]
    import psycopg

    url = new_database()
    Collection(url)  # creates the schema
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("INSERT INTO yinwen_schema (version) VALUES (99)")
    with pytest.raises(CollectionError, match=r"schema version 99.*upgrade yinwen"):
        Collection(url)


def test_an_older_database_gets_packed_postings_and_article_labels_when_opened(
    tmp_path: Path, new_database
) -> None:  # type: ignore[no-untyped-def]
    """Migrations 3 and 4 fill what an older yinwen (schema 2) never wrote: each term's
    packed postings, and the law article each passage opens (labelled in SQL with
    the pattern ingest uses in Python: the same rows)."""
    import shutil

    import psycopg

    from collection.postgres.schema import SCHEMA_VERSION, TERM_POSTINGS_SELECT

    docs = tmp_path / "docs"
    shutil.copytree(SAMPLES, docs)
    (docs / "law.txt").write_text(
        "某某劳动保护条例\n\n第一条 为了保护劳动者的合法权益，制定本条例。\n\n"
        "第四十四条\u3000有下列情形之一的，用人单位应当支付工资报酬。\n\n"
        "第四十五条规定的年休假，由用人单位统一安排。\n\n第46条 用人单位应当按时支付劳动报酬。\n",
        encoding="utf-8",
    )
    url = new_database()
    Collection(url).ingest([docs], embedder="hash")
    with psycopg.connect(url, autocommit=True) as connection:
        labels = connection.execute("SELECT * FROM article_heads ORDER BY passage_id").fetchall()
        connection.execute(
            "DROP TABLE article_heads; DROP TABLE bm25_term_postings; DROP TABLE vector_moments; "
            "DELETE FROM yinwen_schema WHERE version > 2"
        )
    assert [label for _, label in labels] == ["第一条", "第四十四条"]
    qa = QA.open(url)
    assert qa.search("第四十四条", top_k=3).results[0].passage.text.startswith("第四十四条")
    with psycopg.connect(url, autocommit=True) as connection:
        version = connection.execute("SELECT max(version) FROM yinwen_schema").fetchone()[0]
        assert version == SCHEMA_VERSION
        stored = connection.execute("SELECT * FROM bm25_term_postings ORDER BY term").fetchall()
        packed = connection.execute(f"{TERM_POSTINGS_SELECT} GROUP BY p.term ORDER BY p.term")
        assert stored == packed.fetchall() and len(stored) > 100
        migrated = connection.execute("SELECT * FROM article_heads ORDER BY passage_id")
        assert migrated.fetchall() == labels


def test_vectors_stay_in_their_rows_and_older_tables_store_new_ones_there(
    tmp_path: Path, new_database
) -> None:  # type: ignore[no-untyped-def]
    """512-dimension vectors would go to the TOAST table (a scan five times slower):
    they are stored in the row. A table of an older yinwen is switched when a
    process opens the collection, so the vectors it writes from then on are too."""
    import psycopg

    url = new_database()
    wide = HashEmbedder(512)
    Collection(url).ingest([SAMPLES], embedder=wide)
    storage = (
        "SELECT c.relname, a.attstorage, pg_relation_size(c.reltoastrelid) FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid WHERE a.attname = 'embedding' "
        "AND c.relname LIKE '%%_vectors' ORDER BY c.relname"
    )
    with psycopg.connect(url, autocommit=True) as connection:
        assert connection.execute(storage).fetchall() == [
            ("passage_vectors", "p", 0),
            ("sentence_vectors", "p", 0),
            ("word_vectors", "p", 0),
        ]
        for table in ("passage_vectors", "sentence_vectors"):  # as an older yinwen made them
            connection.execute(f"ALTER TABLE {table} ALTER COLUMN embedding SET STORAGE EXTERNAL")
            connection.execute(f"TRUNCATE {table}")
    extra = tmp_path / "extra.txt"
    extra.write_text("新增文件\n\n这是为了触发一次写入而加的一句完整的话。", encoding="utf-8")
    Collection(url).ingest([extra], embedder=wide)  # opening switches them first
    with psycopg.connect(url, autocommit=True) as connection:
        rows = connection.execute(storage).fetchall()
        written = connection.execute("SELECT count(*) FROM passage_vectors").fetchone()
    assert [(name, mode) for name, mode, _ in rows] == [
        ("passage_vectors", "p"),
        ("sentence_vectors", "p"),
        ("word_vectors", "p"),
    ]
    assert written is not None and written[0] > 0 and rows[0][2] == 0


def test_the_cli_takes_a_database_url(new_database, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from ui.cli import main

    url = new_database()
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", "--sample", "--embedder", "hash", "--index", url])
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("YINWEN_INDEX", url)
    result = runner.invoke(main, ["search", "劳模精神", "--json"])
    assert result.exit_code == 0, result.output
    assert "劳模" in result.output
    result = runner.invoke(main, ["docs", "--json"])
    assert result.exit_code == 0 and result.output.count('"doc_id"') == 5
    result = runner.invoke(
        main, ["search", "劳模精神", "--index", "postgresql://nobody@127.0.0.1:1/x"]
    )
    assert result.exit_code != 0
    assert "cannot connect to PostgreSQL" in result.output and "Traceback" not in result.output


def test_an_hnsw_build_asks_its_transaction_for_the_memory_its_graph_needs(
    new_database, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Past the server's default 64 MB pgvector builds the graph on disk, many times
    slower: the build sets maintenance_work_mem for its own transaction, capped."""
    from collection.postgres import indexes

    assert indexes.graph_mb(200_000, 512) > indexes.graph_mb(80_000, 512) > 64
    import psycopg

    url = new_database()
    Collection(url).ingest([SAMPLES], embedder="hash")
    backend = Collection(url).backend
    with psycopg.connect(url, autocommit=True) as connection:
        default = connection.execute("SHOW maintenance_work_mem").fetchone()[0]
    assert default not in {"300MB", "1GB"}
    for graph, cap, expected in ((300, 1024, "300MB"), (5000, 1024, "1GB")):
        monkeypatch.setattr(indexes, "graph_mb", lambda count, dimension, mb=graph: mb)
        monkeypatch.setattr(indexes, "HNSW_BUILD_MB", cap)
        with backend.writer() as staged:  # type: ignore[attr-defined]
            dense = staged.dense(HashEmbedder().dimension)
            dense.update_search_index(threshold=0)
            shown = staged.writes.rows("SHOW maintenance_work_mem")[0][0]
            assert shown == expected
            assert staged.writes.rows(
                "SELECT 1 FROM pg_indexes WHERE indexname = 'passage_vectors_hnsw'"
            )
    with psycopg.connect(url, autocommit=True) as connection:  # it ended with the transaction
        assert connection.execute("SHOW maintenance_work_mem").fetchone()[0] == default


def test_an_hnsw_index_above_the_threshold_finds_what_the_scan_finds(new_database) -> None:  # type: ignore[no-untyped-def]
    """The HNSW index is built above the threshold and dropped below it; with it,
    an unfiltered search (forced onto the index: the planner prefers a scan of
    so few rows) finds what the exact scan found, and a filtered one stays exact."""
    import psycopg

    from collection.postgres.indexes import PostgresVectorIndex, vector_literal

    url = new_database()
    Collection(url).ingest([SAMPLES], embedder="hash")
    reader = Collection(url).reader(HashEmbedder())
    vectors = [reader.embedder.embed_query(q) for q in ["劳模精神", "产业工人队伍建设改革"]]
    exact = [[i for i, _ in reader.dense.search(v, 10)] for v in vectors]
    backend = Collection(url).backend
    index = PostgresVectorIndex(backend.reads, "passage_vectors", reader.embedder.dimension)  # type: ignore[attr-defined]
    index.update_search_index(threshold=0)
    unfiltered = "SELECT passage_id FROM passage_vectors ORDER BY embedding <#> %s::vector LIMIT 10"
    filtered = (
        "SELECT passage_id FROM passage_vectors WHERE passage_id = ANY(%s) "
        "ORDER BY (embedding <#> %s::vector) + 0 LIMIT 10"
    )
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("SET enable_seqscan = off")
        connection.execute("SET hnsw.ef_search = 256")
        for vector, expected in zip(vectors, exact, strict=True):
            literal = vector_literal(vector)
            plan = " ".join(r[0] for r in connection.execute("EXPLAIN " + unfiltered, (literal,)))
            assert "passage_vectors_hnsw" in plan
            found = [r[0] for r in connection.execute(unfiltered, (literal,))]
            assert found == expected
            plan = " ".join(
                r[0] for r in connection.execute("EXPLAIN " + filtered, (expected, literal))
            )
            assert "passage_vectors_hnsw" not in plan
    index.update_search_index(threshold=10**9)  # back below it: the index goes
    with psycopg.connect(url, autocommit=True) as connection:
        names = {r[0] for r in connection.execute("SELECT indexname FROM pg_indexes")}
    assert "passage_vectors_hnsw" not in names


def test_every_write_stores_the_vectors_moments_and_a_server_reads_them(
    tmp_path: Path, new_database, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A server opening the collection reads the mean and covariance the last write
    stored (estimating them from 2 x 10,000 scattered vectors took 1.7 s at 81k);
    they follow removals; a row that does not fit the snapshot (another count, a
    wrong size) or no row at all (a database written before migration 5) is
    estimated instead."""
    import shutil

    import numpy as np
    import psycopg

    from collection.postgres.indexes import PostgresVectorIndex

    docs = tmp_path / "docs"
    shutil.copytree(SAMPLES, docs)
    url = new_database()
    collection = Collection(url)
    collection.ingest([docs], embedder="hash")
    collection.remove([str(sorted(docs.iterdir())[0])])

    estimates: list[str] = []
    estimate = PostgresVectorIndex._estimated_moments

    def counting(self: PostgresVectorIndex) -> tuple[np.ndarray, np.ndarray] | None:
        estimates.append(self.table)
        return estimate(self)

    monkeypatch.setattr(PostgresVectorIndex, "_estimated_moments", counting)

    def read_moments() -> tuple[np.ndarray, np.ndarray]:
        reader = Collection(url).reader(HashEmbedder())
        try:
            found = reader.dense.moments()
            assert found is not None
            return found
        finally:
            reader.close()

    # Stored by the removal, and equal to the moments of the vectors left,
    # computed here without yinwen's estimator (fewer than 10,000: exact).
    mean, covariance = read_moments()
    assert estimates == []
    reader = Collection(url).reader(HashEmbedder())
    try:
        vectors = reader.dense.vectors(sorted(reader.dense.passage_ids())).astype(np.float64)
    finally:
        reader.close()
    assert np.allclose(mean, vectors.mean(axis=0), atol=1e-6)
    centred = vectors - vectors.mean(axis=0)
    assert np.allclose(covariance, centred.T @ centred / len(vectors), atol=1e-6)

    for change in (
        "UPDATE vector_moments SET count = count + 1",  # written for another state
        "UPDATE vector_moments SET mean = '\\x00'",  # not this dimension
        "DELETE FROM vector_moments",  # written before migration 5
    ):
        with psycopg.connect(url) as connection:
            connection.execute(change)
        estimates.clear()
        again = read_moments()
        assert estimates == ["passage_vectors"], change
        assert np.allclose(again[0], mean, atol=1e-6) and np.allclose(
            again[1], covariance, atol=1e-6
        )


def test_a_removal_that_finds_no_vectors_leaves_their_moments_alone(
    tmp_path: Path, new_database
) -> None:  # type: ignore[no-untyped-def]
    """Removing ids the table does not hold changes nothing, so the write does not
    estimate and store the moments again; removing one it holds does."""
    import psycopg

    from collection.postgres.connection import TransactionWrites
    from collection.postgres.indexes import PostgresVectorIndex

    url = new_database()
    Collection(url).ingest([SAMPLES], embedder="hash")

    with psycopg.connect(url) as connection:
        writes = TransactionWrites(connection)
        dimension = HashEmbedder().dimension
        dense = PostgresVectorIndex(writes, "passage_vectors", dimension)
        dense.remove([10**9])
        sentences = PostgresVectorIndex(writes, "sentence_vectors", dimension)
        sentences.remove([10**9 * 1024])
        sentences.remove_sentences_of([10**9])
        assert not dense.changed and not sentences.changed
        present = connection.execute("SELECT min(passage_id) FROM passage_vectors").fetchone()
        with_sentences = connection.execute(
            "SELECT min(passage_id) FROM sentence_vectors"
        ).fetchone()
        assert present and present[0] is not None and with_sentences and with_sentences[0]
        dense.remove([int(present[0])])
        sentences.remove_sentences_of([int(with_sentences[0])])
        assert dense.changed and sentences.changed
        connection.rollback()


def test_a_write_that_changes_vectors_vacuums_their_tables(new_database) -> None:  # type: ignore[no-untyped-def]
    """After the commit, the vector tables the write changed are vacuumed (a snapshot
    open's count(*) then reads the primary key's index, not the whole table); a write
    that changes no vector does not vacuum them again."""
    import psycopg

    url = new_database()
    collection = Collection(url)
    collection.ingest([SAMPLES], embedder="hash")

    def vacuums() -> dict[str, int]:
        with psycopg.connect(url) as connection:
            rows = connection.execute(
                "SELECT relname, vacuum_count FROM pg_stat_user_tables "
                "WHERE relname IN ('passage_vectors', 'sentence_vectors')"
            ).fetchall()
        return {name: int(count) for name, count in rows}

    assert vacuums() == {"passage_vectors": 1, "sentence_vectors": 1}
    collection.ingest([SAMPLES], embedder="hash")  # unchanged: nothing written
    assert vacuums() == {"passage_vectors": 1, "sentence_vectors": 1}
