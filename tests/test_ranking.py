"""The learned ranker and what it reads: candidate features, sentence vectors,
BM25 term matches and weighted queries, the per-snapshot lexicon, the fixed
tune/report split."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from collection import Collection
from embeddings import BM25Index, HashEmbedder
from qa import QA
from qa.evaluation import load_questions, part_of
from qa.retrieval import HybridRetriever, Lexicon, RetrievalSettings
from qa.retrieval.features import FEATURES, CandidateLists, candidate_features
from qa.retrieval.ranker import LinearRanker


def _lists(**overrides: object) -> CandidateLists:
    values: dict[str, object] = {
        "dense": [(1, 0.9), (2, 0.8)],
        "sparse": [(2, 10.0), (3, 5.0)],
        "exact": [3],
        "by_author": [],
        "by_title": [1],
        "sentence": [(2, 0.95), (1, 0.9)],
    }
    values.update(overrides)
    return CandidateLists(**values)  # type: ignore[arg-type]


def test_candidate_ids_keep_first_seen_order_without_duplicates() -> None:
    assert _lists().candidate_ids() == [1, 2, 3]


def test_candidate_features_columns() -> None:
    lists = _lists()
    ids = lists.candidate_ids()
    features = candidate_features(
        ids,
        lists,
        cosines=np.array([0.9, 0.8, 0.5]),
        sentence_cosines=np.array([0.9, 0.95, 0.5]),
        coverage=np.array([0.2, 1.0, 0.6]),
        heading=np.array([False, False, True]),
        lengths=np.array([100, 200, 20]),
    )
    assert features.shape == (3, len(FEATURES))
    column = {name: features[:, i] for i, name in enumerate(FEATURES)}
    assert column["dense_rank"].tolist() == [1 / 6, 1 / 7, 0.0]
    assert column["sparse_rank"].tolist() == [0.0, 1 / 6, 1 / 7]
    assert column["bm25_relative"].tolist() == [0.0, 1.0, 0.5]
    assert column["exact"].tolist() == [0.0, 0.0, 1.0]
    assert column["title_list"].tolist() == [1.0, 0.0, 0.0]
    assert column["heading"].tolist() == [0.0, 0.0, 1.0]
    assert column["coverage_gap"].tolist() == pytest.approx([-0.8, 0.0, -0.4])
    assert column["dense_top_gap"].tolist() == pytest.approx([0.0, -0.1, -0.4])
    assert column["sentence_top_gap"].tolist() == pytest.approx([-0.05, 0.0, -0.45])
    assert column["sentence_rank"].tolist() == [1 / 7, 1 / 6, 0.0]


def test_no_candidates_give_an_empty_matrix() -> None:
    empty = _lists(dense=[], sparse=[], exact=[], by_title=[], sentence=[])
    features = candidate_features([], empty, *(np.zeros(0),) * 5)
    assert features.shape == (0, len(FEATURES))


def test_linear_ranker_scores_and_round_trips() -> None:
    ranker = LinearRanker(
        weights=tuple(1.0 if name == "coverage" else 0.0 for name in FEATURES),
        means=tuple(0.0 for _ in FEATURES),
        scales=tuple(2.0 for _ in FEATURES),
    )
    features = np.zeros((2, len(FEATURES)))
    features[:, FEATURES.index("coverage")] = [1.0, 0.5]
    assert ranker.score(features).tolist() == [0.5, 0.25]
    again = LinearRanker.from_json(ranker.to_json(command="test"))
    assert again == ranker


def test_a_ranker_trained_on_other_features_is_refused() -> None:
    data = json.loads(LinearRanker((0.0,), (0.0,), (1.0,)).to_json())
    data["features"] = ["something_else"]
    with pytest.raises(ValueError, match="train_ranker"):
        LinearRanker.from_json(json.dumps(data))


def test_bm25_term_matches_and_weighted_search() -> None:
    index = BM25Index()
    index.add([10, 11, 12], [["工会", "职工"], ["职工", "工资"], ["工资", "薪资"]])
    matches = index.term_matches(["职工", "工资", "未知"], [12, 10, 11])
    assert matches.tolist() == [[False, True, False], [True, False, False], [True, True, False]]
    # a synonym with a small weight adds a little, never more than the typed word
    plain = dict(index.search_weighted({"工资": 1.0}, 5))
    expanded = dict(index.search_weighted({"工资": 1.0, "薪资": 0.3}, 5))
    assert expanded[12] > plain[12] and expanded[11] == pytest.approx(plain[11])
    assert index.search(["工资", "工资"], 5) == index.search_weighted({"工资": 2.0}, 5)


def test_lexicon_indexes_titles_and_authors_once(sample_collection: Path) -> None:
    reader = Collection(sample_collection).reader(HashEmbedder())
    try:
        lexicon = Lexicon(reader)
        titles = reader.store.titles()
        doc_id, title = next(iter(titles.items()))
        from embeddings import tokenize

        shares = lexicon.title_shares(set(tokenize(title)))
        assert shares[0].doc_id == doc_id and shares[0].share == pytest.approx(1.0)
        assert lexicon.title_shares({"完全无关的词"}) == []
        author = lexicon.authors[0]
        assert author in lexicon.authors_named(f"{author}说过什么")
    finally:
        reader.close()


def test_sentence_vectors_are_added_to_an_older_collection(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(
        "标题\n\n第一句讲工会的职责。第二句讲职工的权益。第三句讲劳模精神。", encoding="utf-8"
    )
    collection = Collection(tmp_path / "index")
    collection.ingest([docs], embedder="hash")
    # make it look like a collection built before sentence vectors existed
    manifest_path = collection.directory.manifest_path
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["sentence_vectors"]
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    assert collection.reader(HashEmbedder()).sentences is None
    collection.ingest([docs], embedder="hash")  # unchanged files, but the index is upgraded
    reader = collection.reader(HashEmbedder())
    assert reader.sentences is not None and len(reader.sentences) == 3
    reader.close()


def test_learned_fusion_ranks_with_the_ranker(sample_collection: Path) -> None:
    qa = QA.open(sample_collection)
    retriever = HybridRetriever(qa.reader(), RetrievalSettings(fusion="learned"))
    # a ranker that only trusts coverage puts a passage holding every query word first
    retriever.ranker = LinearRanker(
        weights=tuple(1.0 if name == "coverage" else 0.0 for name in FEATURES),
        means=tuple(0.0 for _ in FEATURES),
        scales=tuple(1.0 for _ in FEATURES),
    )
    results = retriever.search("劳模精神 工匠精神", top_k=3)
    assert results and results[0].signals.coverage == pytest.approx(1.0)


def test_the_split_is_fixed_and_keeps_siblings_together(tmp_path: Path) -> None:
    assert {part_of(f"q{i}") for i in range(40)} == {"tune", "report"}
    assert part_of("TRIAL_800_QUERY_0") == part_of("TRIAL_800_QUERY_7")
    assert part_of("q1") == part_of("q1")
    path = tmp_path / "q.jsonl"
    lines = [{"id": f"q{i}", "question": "问", "gold": ["答"]} for i in range(20)]
    path.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    tune, report = load_questions(path, "tune"), load_questions(path, "report")
    assert len(tune) + len(report) == 20
    assert not {q.id for q in tune} & {q.id for q in report}
    with pytest.raises(ValueError):
        load_questions(path, "train")


def test_phrase_candidates_come_from_the_postings() -> None:
    index = BM25Index()
    index.add([1, 2, 3], [["劳模", "精神", "工匠"], ["劳模", "精神"], ["工匠", "精神"]])
    assert index.passages_with_all(["劳模", "精神"]) == [1, 2]
    assert index.passages_with_all(["工匠", "劳模"]) == [1]
    assert index.passages_with_all(["劳模", "未知词"]) == []


def test_quotes_and_law_articles_are_found_by_their_words(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "law.txt").write_text(
        "某某法\n\n第四十三条 用人单位不得违反本法规定延长劳动者的工作时间。\n\n"
        "第四十四条 有下列情形之一的，用人单位应当按照下列标准支付高于劳动者正常工作时间工资的工资报酬。\n",
        encoding="utf-8",
    )
    (docs / "speech.txt").write_text(
        "讲话\n\n我们要大力弘扬劳模精神、劳动精神、工匠精神，营造尊重劳动的良好风尚。\n",
        encoding="utf-8",
    )
    Collection(tmp_path / "index").ingest([docs], embedder="hash")
    qa = QA.open(tmp_path / "index")
    top = qa.search("劳动法第44条", top_k=3).results[0]
    assert top.passage.text.startswith("第四十四条") and top.signals.exact
    quoted = qa.search("“劳模精神、劳动精神、工匠精神”", top_k=3).results[0]
    assert "工匠精神" in quoted.passage.text and quoted.signals.exact


def test_learned_abstention_model_round_trip_and_decision() -> None:
    from qa.abstention import QUERY_FEATURES, AbstentionModel

    model = AbstentionModel(
        weights=tuple(1.0 if n == "coverage_top" else 0.0 for n in QUERY_FEATURES),
        means=tuple(0.0 for _ in QUERY_FEATURES),
        scales=tuple(1.0 for _ in QUERY_FEATURES),
        bias=-0.5,
        threshold=0.5,
    )
    covered = np.zeros(len(QUERY_FEATURES))
    covered[QUERY_FEATURES.index("coverage_top")] = 1.0
    assert model.answerable(covered) and not model.answerable(np.zeros(len(QUERY_FEATURES)))
    assert AbstentionModel.from_dict(model.as_dict()) == model
    data = model.as_dict()
    data["features"] = ["other"]
    with pytest.raises(ValueError, match=r"abstention\.py"):
        AbstentionModel.from_dict(data)


def test_unseen_share_counts_words_no_passage_holds() -> None:
    from qa.abstention import unseen_share

    index = BM25Index()
    index.add([1, 2], [["工会", "职工"], ["劳模", "精神"]])
    assert unseen_share("工会职工", index) == 0.0
    assert unseen_share("红烧肉", index) == 1.0
    assert 0.0 < unseen_share("工会红烧肉", index) < 1.0


def test_out_of_collection_question_is_refused_with_nearest_passages(
    sample_collection: Path,
) -> None:
    qa = QA.open(sample_collection)
    answer = qa.ask("红烧肉怎么做才好吃？")
    assert not answer.answerable and answer.related


def test_dense_similarities_by_id_skip_unknown_ids() -> None:
    from embeddings import DenseIndex

    index = DenseIndex(4)
    index.add([10, 20], np.eye(4, dtype=np.float32)[:2])
    found = index.similarities(np.array([1.0, 0.5, 0, 0], dtype=np.float32), [20, 10, 99])
    assert found == {20: 0.5, 10: 1.0}
    index.remove([10])
    assert index.similarities(np.ones(4, dtype=np.float32), [10, 20]) == {20: 1.0}
