"""The learned ranker and what it reads: candidate features, sentence vectors,
BM25 term matches and weighted queries, the per-snapshot lexicon, the fixed
tune/report split."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from collection import Collection
from collection.collection import CollectionReader
from embeddings import BM25Index, HashEmbedder
from qa import QA
from qa.abstention import QUERY_FEATURES, query_features, question_terms
from qa.evaluation import load_questions, part_of
from qa.retrieval import HybridRetriever, Lexicon, RetrievalSettings
from qa.retrieval.features import (
    FEATURES,
    CandidateLists,
    candidate_features,
    with_soft_coverage,
)
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
        soft=np.array([0.7, 0.9, 0.8]),
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
    assert column["soft_gap"].tolist() == pytest.approx([-0.2, 0.0, -0.1])
    assert column["soft_z"].tolist() == pytest.approx([-1.2247, 1.2247, 0.0], abs=1e-4)
    # soft coverage filled in afterwards (as the retriever does) gives the same rows
    shape = (np.array([0.9, 0.8, 0.5]), np.array([0.9, 0.95, 0.5]), np.array([0.2, 1.0, 0.6]))
    rest = (np.array([False, False, True]), np.array([100, 200, 20]))
    without = candidate_features(ids, lists, *shape, *rest, np.zeros(3))
    assert not np.allclose(without, features)
    assert np.allclose(with_soft_coverage(without, np.array([0.7, 0.9, 0.8])), features)


def test_no_candidates_give_an_empty_matrix() -> None:
    empty = _lists(dense=[], sparse=[], exact=[], by_title=[], sentence=[])
    features = candidate_features([], empty, *(np.zeros(0),) * 6)
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


def test_bm25_breaks_ties_by_passage_id_as_postgresql_does() -> None:
    """Equal scores (the same words in passages of the same length) are common; in
    id order, a rank feature is the same on both backends and from run to run."""
    index = BM25Index()
    index.add([30, 5, 20, 10], [["工会", "职工"], ["工会", "职工"], ["工会"], ["工会", "职工"]])
    found = index.search(["职工"], 3)
    assert [i for i, _ in found] == [5, 10, 30]
    assert len({score for _, score in found}) == 1
    # more passages tied than asked for: the lowest ids, whatever order they came in
    many = BM25Index()
    many.add(list(range(100, 0, -1)), [["工会", "职工"]] * 100)
    assert [i for i, _ in many.search(["职工"], 5)] == [1, 2, 3, 4, 5]


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


class _SynonymEmbedder(HashEmbedder):
    """The hash embedder, except that "薪水" has the vector of "工资" (a thesaurus
    the hash cannot know), and every word embedded is counted."""

    def __init__(self) -> None:
        super().__init__()
        self.words_embedded: list[str] = []

    def embed_words(self, words: Sequence[str]) -> np.ndarray:
        self.words_embedded.extend(words)
        return self.embed_documents(["工资" if w == "薪水" else w for w in words])


def _write_docs(folder: Path, texts: dict[str, str]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _synonym_reader(
    tmp_path: Path, texts: dict[str, str], embedder: _SynonymEmbedder | None = None
) -> tuple[_SynonymEmbedder, CollectionReader]:
    """A collection of ``texts`` ingested with the synonym embedder, opened."""
    embedder = embedder or _SynonymEmbedder()
    collection = Collection(tmp_path / "index")
    collection.ingest([_write_docs(tmp_path / "docs", texts)], embedder=embedder)
    return embedder, collection.reader(embedder)


def test_every_word_of_the_passages_gets_a_vector_once(tmp_path: Path) -> None:
    from embeddings import tokenize
    from embeddings.dense import word_key

    docs = _write_docs(tmp_path / "docs", {"a.txt": "工资标准\n\n工资应当以货币形式按月支付。"})
    embedder = _SynonymEmbedder()
    collection = Collection(tmp_path / "index")
    collection.ingest([docs], embedder=embedder)
    first = list(embedder.words_embedded)
    assert len(first) == len(set(first))  # each word once
    reader = collection.reader(embedder)
    assert reader.words is not None and reader.manifest.word_vectors >= 1
    wanted = set(tokenize("工资应当以货币形式按月支付。")) | set(tokenize("工资标准"))
    assert wanted <= set(first)
    keys = [word_key(w) for w in sorted(wanted)]
    assert reader.words.present(keys).tolist() == keys
    reader.close()
    collection.ingest([docs], embedder=embedder)  # unchanged: nothing embedded again
    assert embedder.words_embedded == first
    _write_docs(docs, {"b.txt": "会议记录\n\n工资按月支付给劳动者本人。"})
    collection.ingest([docs], embedder=embedder)  # only the new words
    added = embedder.words_embedded[len(first) :]
    assert added and not set(added) & set(first)
    assert "劳动者" in added


def test_word_vectors_are_added_to_an_older_collection(tmp_path: Path) -> None:
    docs = _write_docs(tmp_path / "docs", {"a.txt": "标题\n\n工资应当以货币形式按月支付。"})
    embedder = _SynonymEmbedder()
    collection = Collection(tmp_path / "index")
    collection.ingest([docs], embedder=embedder)
    manifest_path = collection.directory.manifest_path
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["word_vectors"]  # as a collection built before word vectors
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    assert collection.reader(embedder).words is None
    embedder.words_embedded.clear()
    collection.ingest([docs], embedder=embedder)  # unchanged files, but the index is upgraded
    reader = collection.reader(embedder)
    assert reader.words is not None and "工资" in embedder.words_embedded
    reader.close()


def test_soft_coverage_meets_a_question_word_with_its_equivalent(tmp_path: Path) -> None:
    from qa.retrieval import WordMatcher

    embedder, reader = _synonym_reader(
        tmp_path, {"a.txt": "规定\n\n工资应当按月支付。", "b.txt": "通知\n\n会议在北京召开。"}
    )
    passages = [p for p in reader.store.passages() if not p.text.startswith(("规定", "通知"))]
    ids = [p.passage_id for p in passages]
    texts = [p.text for p in passages]
    matcher = WordMatcher(reader)
    embedder.words_embedded.clear()
    soft = matcher.soft_coverage(["薪水"], ids)
    assert soft is not None
    wage = texts.index("工资应当按月支付。")
    assert soft[wage] == pytest.approx(1.0, abs=1e-3)  # "薪水" meets "工资" fully
    assert soft[1 - wage] < 0.5
    # a question word the collection never saw is embedded with the question, once
    assert embedder.words_embedded == ["薪水"]
    again = matcher.soft_coverage(["薪水", "北京"], ids)
    assert again is not None and embedder.words_embedded == ["薪水"]
    assert again[1 - wage] > soft[1 - wage]  # "北京" is held by the other passage
    # no question word, or no word vectors in the collection: no soft coverage
    assert matcher.soft_coverage([], ids) is None
    reader.words = None
    assert WordMatcher(reader).soft_coverage(["薪水"], ids) is None
    reader.close()


def test_unseen_question_words_are_embedded_beside_the_query(tmp_path: Path) -> None:
    from qa.retrieval import WordMatcher
    from qa.retrieval.words import MAX_EMBEDDED_QUESTION_WORDS

    embedder, reader = _synonym_reader(tmp_path, {"a.txt": "规定\n\n工资应当按月支付。"})
    passage = next(p for p in reader.store.passages() if p.text.startswith("工资"))
    matcher = WordMatcher(reader)
    embedder.words_embedded.clear()
    matcher.prepare(["薪水", "工资"])  # "工资" has a stored vector: not embedded
    soft = matcher.soft_coverage(["薪水", "工资"], [passage.passage_id])
    assert soft is not None and soft[0] == pytest.approx(1.0, abs=1e-3)
    assert embedder.words_embedded == ["薪水"]  # once, by prepare's thread
    # at most MAX_EMBEDDED_QUESTION_WORDS unseen words, the same ones whatever came before
    many = [f"生词{n}" for n in range(MAX_EMBEDDED_QUESTION_WORDS + 3)]
    matcher.soft_coverage(many[3:], [passage.passage_id])
    embedder.words_embedded.clear()
    matcher.soft_coverage(many, [passage.passage_id])
    used = sorted(many)[:MAX_EMBEDDED_QUESTION_WORDS]
    assert set(embedder.words_embedded) == set(used) - set(
        sorted(many[3:])[:MAX_EMBEDDED_QUESTION_WORDS]
    )
    reader.close()


def test_soft_coverage_is_the_same_when_its_cache_starts_again(
    sample_collection: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa.retrieval import WordMatcher
    from qa.retrieval import words as words_module

    reader = Collection(sample_collection).reader(HashEmbedder())
    passages = reader.store.passages()[:60]
    ids = [p.passage_id for p in passages]
    question = ["职工", "权益", "工会"]
    expected = WordMatcher(reader).soft_coverage(question, ids)
    monkeypatch.setattr(words_module, "MAX_CACHED_WORDS", 50)  # cleared by every query
    small = WordMatcher(reader)
    for _ in range(3):
        again = small.soft_coverage(question, ids)
        assert again is not None and expected is not None
        assert np.allclose(again, expected)
    assert small._generation >= 3  # the cache did start again, query after query
    reader.close()


def test_a_failed_word_embedding_is_not_kept_and_the_search_goes_on(tmp_path: Path) -> None:
    from qa.retrieval import WordMatcher

    class Failing(_SynonymEmbedder):
        fail = False

        def embed_words(self, words: Sequence[str]) -> np.ndarray:
            if self.fail:
                raise RuntimeError("model gone")
            return super().embed_words(words)

    embedder, reader = _synonym_reader(tmp_path, {"a.txt": "规定\n\n工资应当按月支付。"}, Failing())
    assert isinstance(embedder, Failing)
    embedder.fail = True  # at query time
    passage = next(p for p in reader.store.passages() if p.text.startswith("工资"))
    matcher = WordMatcher(reader)
    matcher.prepare(["薪水"])
    soft = matcher.soft_coverage(["薪水", "工资"], [passage.passage_id])
    assert soft is not None  # "工资" alone: the unseen word is left out
    embedder.fail = False
    embedder.words_embedded.clear()
    matcher.prepare(["薪水"])  # tried again, not the failed future
    again = matcher.soft_coverage(["薪水"], [passage.passage_id])
    assert again is not None and again[0] == pytest.approx(1.0, abs=1e-3)
    assert embedder.words_embedded == ["薪水"]
    reader.close()


def test_a_collection_without_word_vectors_ranks_with_the_ranker_trained_so(
    tmp_path: Path,
) -> None:
    from qa.retrieval.ranker import shipped_ranker

    embedder, reader = _synonym_reader(tmp_path, {"a.txt": "规定\n\n工资应当按月支付。"})
    with_words = HybridRetriever(reader)
    assert with_words.ranker is shipped_ranker(words=True) and with_words.ranker is not None
    reader.words = None  # as a collection built before word vectors
    without = HybridRetriever(reader)
    assert without.ranker is shipped_ranker(words=False) and without.ranker is not None
    soft = [FEATURES.index("soft_z"), FEATURES.index("soft_gap")]
    assert all(without.ranker.weights[i] == 0.0 for i in soft)
    embedder.words_embedded.clear()
    assert without.search("老板发薪水吗", top_k=3)
    assert embedder.words_embedded == []  # nothing to meet the words with
    reader.close()


def test_rank_fusion_without_the_ranker_embeds_no_question_words(tmp_path: Path) -> None:
    embedder, reader = _synonym_reader(tmp_path, {"a.txt": "规定\n\n工资应当按月支付。"})
    embedder.words_embedded.clear()
    assert HybridRetriever(reader, RetrievalSettings(fusion="rrf")).search("薪水怎么发", top_k=3)
    assert embedder.words_embedded == []
    HybridRetriever(reader).search("薪水怎么发", top_k=3)
    assert "薪水" in embedder.words_embedded
    reader.close()


def test_soft_coverage_is_computed_for_the_first_candidates_only(
    sample_collection: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa.retrieval import retriever as retriever_module

    monkeypatch.setattr(retriever_module, "SOFT_CANDIDATES", 5)
    reader = Collection(sample_collection).reader(HashEmbedder())
    retriever = HybridRetriever(reader)
    asked: list[list[int]] = []
    compute = retriever.words.soft_coverage

    def spy(words: Sequence[str], ids: Sequence[int]) -> np.ndarray | None:
        asked.append(list(ids))
        return compute(words, ids)

    monkeypatch.setattr(retriever.words, "soft_coverage", spy)
    found = retriever.candidates("职工的合法权益怎么维护")
    assert found is not None
    ids, features = retriever.features(found.lists, found.vector, found.tokens, found.idf)
    assert len(ids) > 5 and len(asked) == 1 and len(asked[0]) == 5
    gap = features[:, FEATURES.index("soft_gap")]
    others = [n for n, i in enumerate(ids) if i not in asked[0]]
    assert np.all(gap[others] == gap.min())  # the rest: the lowest of the five
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
    from qa.abstention import question_terms

    index = BM25Index()
    index.add([1, 2], [["工会", "职工"], ["劳模", "精神"]])
    assert question_terms("工会职工", index).unseen_share == 0.0
    assert question_terms("红烧肉", index).unseen_share == 1.0
    assert 0.0 < question_terms("工会红烧肉", index).unseen_share < 1.0
    assert question_terms("工会", BM25Index()).unseen_share == 0.0  # empty collection


def test_missing_weighs_the_most_informative_word_no_result_holds() -> None:
    from qa.abstention import question_terms

    index = BM25Index()
    index.add([1, 2, 3], [["工会", "职工"], ["工会", "劳模"], ["工会", "会费"]])
    terms = question_terms("工会会费", index)
    # "会费" (in one passage of three) weighs more than "工会" (in all three)
    assert terms.weights["会费"] > terms.weights["工会"]
    assert terms.missing_from(["工会会费标准"]) == 0.0
    assert terms.missing_from(["工会组织职工"]) == 1.0  # the rare word is missing
    assert 0.0 < terms.missing_from(["会费按月缴纳"]) < 1.0  # only the common one is
    assert terms.missing_from([]) == 1.0


def test_content_characters_leave_out_the_question_form() -> None:
    from qa.abstention import content_characters

    assert content_characters("防暑降温费是多少？") == frozenset("防暑降温费多少")
    assert content_characters("什么是哪些") == frozenset()
    assert content_characters("Python 怎么读取 Excel？") == frozenset("读取")


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


def test_filtered_dense_search_by_lookup_agrees_with_a_scan(monkeypatch) -> None:
    """A small filter reads vectors by id; a large one scans with a selector: same answer."""
    from embeddings import DenseIndex, dense

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(500, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = DenseIndex(8)
    index.add(list(range(1000, 1500)), vectors)
    query = vectors[7]
    allowed = [1003, 1007, 1100, 1499, 5, 1250, 1007]  # 5 is unknown, 1007 twice
    by_lookup = index.search(query, 4, allowed)
    monkeypatch.setattr(dense, "LOOKUP_LIMIT", 0)
    by_scan = index.search(query, 4, allowed)
    assert [i for i, _ in by_lookup] == [i for i, _ in by_scan]
    assert by_lookup[0][0] == 1007
    assert np.allclose([s for _, s in by_lookup], [s for _, s in by_scan], atol=1e-5)
    assert 5 not in {i for i, _ in by_lookup}


def test_bm25_postings_lookups_agree_with_brute_force_after_updates(tmp_path: Path) -> None:
    """Ids added out of order, replaced and removed: term lookups by binary search
    in the sorted postings give what a scan of every passage's tokens gives."""
    rng = np.random.default_rng(1)
    vocabulary = [f"词{i}" for i in range(30)]
    passages: dict[int, list[str]] = {}
    index = BM25Index()
    for step in range(6):
        ids = [int(i) for i in rng.choice(200, size=25, replace=False)]
        tokens = [list(rng.choice(vocabulary, size=8)) for _ in ids]
        index.add(ids, tokens)
        passages.update(zip(ids, tokens, strict=True))
        gone = [int(i) for i in rng.choice(list(passages), size=5, replace=False)]
        index.remove(gone)
        for i in gone:
            del passages[i]
        if step == 3:
            index.save(tmp_path / "bm25")
            index = BM25Index.load(tmp_path / "bm25")
    ids = [*sorted(passages), 999]
    words = [*vocabulary[:6], "未知"]
    matrix = index.term_matches(words, ids)
    expected = [[w in passages.get(i, []) for w in words] for i in ids]
    assert matrix.tolist() == expected
    pair = vocabulary[:2]
    assert index.passages_with_all(pair, limit=1000) == sorted(
        i for i, tokens in passages.items() if set(pair) <= set(tokens)
    )


def test_above_the_scan_limit_sentences_are_compared_only_for_candidates(
    sample_collection: Path, monkeypatch
) -> None:
    """Past SENTENCE_SCAN_LIMIT sentence vectors a query never scans them all: the
    sentence list holds only passages BM25 or the passage vectors found, scored
    by their best sentence read by id."""
    from qa.retrieval import retriever as module

    reader = QA.open(sample_collection).reader()
    assert reader.sentences is not None and len(reader.sentences) > 0
    query = "工会如何维护职工的合法权益"
    scanned = HybridRetriever(reader).candidates(query)
    assert scanned is not None

    def no_scan(*args: object, **kwargs: object) -> None:
        raise AssertionError("the sentence vectors were scanned")

    monkeypatch.setattr(module, "SENTENCE_SCAN_LIMIT", 0)
    monkeypatch.setattr(reader.sentences, "search", no_scan)
    found = HybridRetriever(reader).candidates(query)
    assert found is not None
    pool = {i for i, _ in found.lists.dense} | {i for i, _ in found.lists.sparse}
    assert {i for i, _ in found.lists.sentence} <= pool
    # Same best-sentence cosine for a passage as the full scan gave it.
    full = dict(scanned.lists.sentence)
    for passage_id, score in found.lists.sentence[:10]:
        if passage_id in full:
            assert score == pytest.approx(full[passage_id], abs=1e-5)
    assert HybridRetriever(reader).search(query)


def test_bm25_index_saved_by_an_earlier_version_loads_the_same(tmp_path: Path) -> None:
    """Postings saved as int64 without their row numbers (before they were kept)
    load into the same index: same scores, same lookups."""
    index = BM25Index()
    index.add([7, 3, 11], [["工会", "职工", "工会"], ["劳模", "精神"], ["职工", "精神", "服务"]])
    index.save(tmp_path / "new")
    with np.load(tmp_path / "new" / "postings.npz", allow_pickle=False) as data:
        old = {name: data[name] for name in data.files if name != "posting_rows"}
    old["posting_ids"] = old["posting_ids"].astype(np.int64)
    (tmp_path / "old").mkdir()
    np.savez(tmp_path / "old" / "postings.npz", **old)
    (tmp_path / "old" / "vocabulary.json").write_text(
        (tmp_path / "new" / "vocabulary.json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    loaded_new, loaded_old = BM25Index.load(tmp_path / "new"), BM25Index.load(tmp_path / "old")
    for query in (["职工"], ["精神", "工会"], ["服务", "劳模", "未知"]):
        assert loaded_old.search(query) == loaded_new.search(query) == index.search(query)
    assert loaded_old.passages_with_all(["职工", "精神"]) == [11]


def test_dense_vectors_are_kept_in_16_bits_and_older_float_indexes_are_upgraded(
    tmp_path: Path,
) -> None:
    import faiss

    from embeddings import DenseIndex

    rng = np.random.default_rng(2)
    vectors = rng.normal(size=(50, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(100, 150, dtype=np.int64)
    older = faiss.IndexIDMap2(faiss.IndexFlatIP(16))  # what collections held before
    older.add_with_ids(vectors, ids)
    faiss.write_index(older, str(tmp_path / "dense.faiss"))
    mapped = DenseIndex.load(tmp_path, 16, mapped=True)  # readers use it as it is
    writable = DenseIndex.load(tmp_path, 16)  # a writer converts it
    assert isinstance(faiss.downcast_index(writable.index.index), faiss.IndexScalarQuantizer)
    assert isinstance(faiss.downcast_index(DenseIndex(16).index.index), faiss.IndexScalarQuantizer)
    for index in (mapped, writable):
        assert index.passage_ids() == set(ids.tolist())
        assert index.search(vectors[3], 1)[0][0] == 103
        assert np.allclose(index.vectors([120]), vectors[20], atol=1e-3)


def test_background_moments_give_the_mean_and_spread_of_every_cosine() -> None:
    """q·μ and sqrt(qᵀΣq) equal the mean and standard deviation of the query's
    cosines with every vector (exactly, when the sample is the whole index)."""
    from embeddings.dense import DenseIndex
    from qa.retrieval.background import Moments, Standardise

    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = DenseIndex(16)
    index.add(list(range(300)), vectors)
    moments = Moments.of(index)
    assert moments is not None
    query = vectors[7]
    cosines = index.vectors(list(range(300))).astype(np.float64) @ query.astype(np.float64)
    mean, spread = moments.cosine_stats(query)
    assert mean == pytest.approx(cosines.mean(), abs=1e-6)
    assert spread == pytest.approx(cosines.std(), abs=1e-6)
    assert Standardise(mean, spread)(float(cosines.max())) > 2.0
    assert Standardise()(0.9) == 0.0  # nothing known: no signal, not a division by zero
    assert Moments.of(None) is None


def test_moments_are_saved_with_the_index_and_dropped_when_it_changes(tmp_path: Path) -> None:
    """A written index carries its mean and covariance, so a reader of a mapped
    snapshot does not read vectors all over the file to estimate them."""
    from embeddings.dense import MOMENTS_SUFFIX, DenseIndex, estimate_moments

    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(50, 8)).astype(np.float32)
    index = DenseIndex(8)
    index.add(list(range(50)), vectors)
    index.save(tmp_path)
    assert (tmp_path / f"dense{MOMENTS_SUFFIX}").exists()
    mapped = DenseIndex.load(tmp_path, 8, mapped=True)
    mapped.vectors = None  # type: ignore[method-assign]  # must not be needed
    mean, covariance = mapped.moments() or (None, None)
    expected = estimate_moments(np.arange(50), index.vectors)
    assert expected is not None
    assert np.allclose(mean, expected[0]) and np.allclose(covariance, expected[1])
    saved = (tmp_path / f"dense{MOMENTS_SUFFIX}").read_bytes()
    for damaged in (b"", saved[: len(saved) // 2]):  # a torn write: estimated, not an error
        (tmp_path / f"dense{MOMENTS_SUFFIX}").write_bytes(damaged)
        again = DenseIndex.load(tmp_path, 8, mapped=True).moments()
        assert again is not None and np.allclose(again[0], expected[0])
    (tmp_path / f"dense{MOMENTS_SUFFIX}").write_bytes(saved)
    writable = DenseIndex.load(tmp_path, 8)
    writable.add([99], np.ones((1, 8), dtype=np.float32))
    changed = writable.moments()
    assert changed is not None and not np.allclose(changed[0], expected[0])
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    writable.save(mixed)
    (mixed / f"dense{MOMENTS_SUFFIX}").write_bytes(saved)  # 50 vectors' moments beside 51
    reread = DenseIndex.load(mixed, 8, mapped=True).moments()  # not used: estimated
    assert reread is not None and np.allclose(reread[0], changed[0])
    writable.remove([*range(50), 99])
    writable.save(tmp_path)
    assert not (tmp_path / f"dense{MOMENTS_SUFFIX}").exists()
    assert DenseIndex.load(tmp_path, 8, mapped=True).moments() is None


def test_background_is_estimated_once_in_the_background_and_shared(
    sample_collection: Path,
) -> None:
    """Opening a snapshot starts the estimate in a thread; callers that arrive
    before it is done wait for that one estimate instead of making their own."""
    import threading

    from qa.retrieval.background import Background, Moments

    reader = QA.open(sample_collection).reader()
    cold = Background(reader, warm=False)
    warm = Background(reader)
    got: list[object] = []
    callers = [threading.Thread(target=lambda: got.append(warm.passages)) for _ in range(8)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert len(got) == 8 and all(moments is got[0] for moments in got)
    expected = Moments.of(reader.dense)
    assert expected is not None and cold.passages is not None
    assert np.array_equal(warm.passages.mean, expected.mean)
    assert np.array_equal(cold.passages.covariance, expected.covariance)
    assert warm.sentences is not None and warm.sentences is not warm.passages


def test_search_signals_say_how_far_a_result_stands_above_the_collection(
    sample_collection: Path,
) -> None:
    qa = QA.open(sample_collection)
    results = qa.search("劳模精神、劳动精神、工匠精神", top_k=5).results
    assert results
    top = results[0].signals
    assert top.background_z > 1.0  # the best passage stands out from the collection
    assert top.sentence_background_z != 0.0
    terms = question_terms("劳模精神", qa.reader().sparse)
    features = query_features("劳模精神", results, terms)
    assert features[QUERY_FEATURES.index("background_z_max")] == pytest.approx(
        max(r.signals.background_z for r in results[:3])
    )
    # every word and character of the question is in a top result
    assert features[QUERY_FEATURES.index("missing_max")] == 0.0
    assert features[QUERY_FEATURES.index("characters_max")] == 1.0
