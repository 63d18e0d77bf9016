"""The hybrid retriever: candidate lists from BM25, passage and sentence vectors
and the lexical lists, ranked by the learned ranker (reciprocal rank fusion
without one), filtered, de-duplicated, optionally diversified (MMR) and
reranked, each result pointing at its best-matching sentence(s) and carrying
its signals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from collection.backend import VectorIndex
from collection.collection import CollectionReader
from corpus.store import StoredPassage
from embeddings.dense import SENTENCE_SLOTS
from embeddings.sparse import tokenize

from .background import Background
from .candidates import author_matches, exact_matches, title_matches
from .dedup import deduplicate, mmr
from .features import CandidateLists, candidate_features, with_soft_coverage
from .fusion import convex_fusion, reciprocal_rank_fusion
from .lexical import passage_coverage, query_idf
from .lexicon import Lexicon
from .ranker import shipped_ranker
from .reads import QueryReads
from .rerank import Reranker
from .results import Location, SearchResult, Signals
from .sentences import best_sentences, is_heading_passage, is_heading_text
from .settings import Filters, RetrievalSettings
from .words import WordMatcher


@dataclass
class QueryCandidates:
    """What a query produced before fusion: its lists, vector, tokens and their IDF,
    and what it read of the snapshot so far."""

    lists: CandidateLists
    vector: np.ndarray
    tokens: list[str]
    idf: dict[str, float]
    reads: QueryReads | None = None


# Candidates whose soft coverage is computed (qa/retrieval/words.py), chosen by
# the ranker without it: docs/DECISIONS.md "Soft coverage".
SOFT_CANDIDATES = 40
# Results whose coverage signal is computed (the abstention decision reads the top few).
COVERAGE_TOP = 5
# Up to this many sentence vectors, "auto" compares a query with all of them
# (an exact scan, ~6 ms at 100k vectors of 384 dimensions); above it, only with
# the sentences of the passages BM25 and the passage vectors found, so the cost
# of a query stops growing with the collection (docs/DECISIONS.md).
SENTENCE_SCAN_LIMIT = 100_000


class HybridRetriever:
    """BM25 + dense retrieval over one collection snapshot.

    ``lexicon`` (titles and authors, indexed) belongs to the snapshot; pass the
    one kept with it so it is not rebuilt per query.
    """

    def __init__(
        self,
        reader: CollectionReader,
        settings: RetrievalSettings | None = None,
        reranker: Reranker | None = None,
        lexicon: Lexicon | None = None,
        background: Background | None = None,
        words: WordMatcher | None = None,
    ) -> None:
        self.reader = reader
        self.settings = settings or RetrievalSettings()
        self.reranker = reranker
        self.lexicon = lexicon or Lexicon(reader)
        self.background = background or Background(reader)
        self.words = words or WordMatcher(reader)
        self.ranker = shipped_ranker(words=self.words.available)

    def features(
        self,
        lists: CandidateLists,
        vector: np.ndarray,
        tokens: list[str],
        idf: dict[str, float],
        reads: QueryReads | None = None,
    ) -> tuple[list[int], np.ndarray]:
        """Every candidate of the lists and its feature row (see ``features.FEATURES``)."""
        reads = reads or QueryReads(self.reader, vector)
        ids = lists.candidate_ids()
        if not ids:
            return ids, candidate_features(ids, lists, *(np.zeros(0),) * 6)
        reader = self.reader
        cosines = reader.dense.vectors(ids) @ vector.astype(np.float32)
        unique = sorted(set(tokens))
        weights = np.array([idf[t] for t in unique])
        matched = reader.sparse.term_matches(unique, ids)
        coverage = (matched @ weights) / (weights.sum() or 1.0)
        outlines = reads.outlines(ids)
        texts = [outlines.get(i, ("", 0))[0] for i in ids]
        sizes = [outlines.get(i, ("", 0))[1] for i in ids]
        heading = np.array([is_heading_text(text) for text in texts])
        lengths = np.array([len(text) for text in texts])
        best = self._best_sentence_cosines(reads, ids, dict(zip(ids, sizes, strict=True)))
        sentence_cosines = np.array(
            [max(best.get(i, -1.0), float(c)) for i, c in zip(ids, cosines, strict=True)]
        )
        features = candidate_features(
            ids, lists, cosines, sentence_cosines, coverage, heading, lengths, np.zeros(len(ids))
        )
        soft = self._soft_coverage(features, ids, tokens)
        if soft is None:
            return ids, features
        return ids, with_soft_coverage(features, soft)

    def _soft_coverage(
        self, features: np.ndarray, ids: list[int], tokens: list[str]
    ) -> np.ndarray | None:
        """Soft coverage of the SOFT_CANDIDATES candidates the ranker without it
        puts first; the others get the lowest of those (they rank below anyway).
        Computed for every candidate (~120 a query) it cost ~40 ms a query at 81k
        passages, when passages were still tokenised per query (docs/DECISIONS.md,
        "Soft coverage")."""
        first = shipped_ranker(words=False)
        if not self.words.available or first is None:
            return None
        chosen = sorted(np.argsort(-first.score(features), kind="stable")[:SOFT_CANDIDATES])
        values = self.words.soft_coverage(tokens, [ids[i] for i in chosen])
        if values is None:
            return None
        soft = np.full(len(ids), float(values.min()))
        soft[chosen] = values
        return soft

    def _best_sentence_cosines(
        self, reads: QueryReads, ids: list[int], sizes: dict[int, int]
    ) -> dict[int, float]:
        """Passage id -> the cosine of its best sentence, for those of ``ids`` with
        several sentences (``sizes``: sentences per passage); read by id, no scan."""
        if self.reader.sentences is None:
            return {}
        keys = [
            i * SENTENCE_SLOTS + number
            for i in ids
            if sizes.get(i, 0) >= 2
            for number in range(min(sizes[i], SENTENCE_SLOTS))
        ]
        best: dict[int, float] = {}
        for key, score in reads.sentence_cosines(keys).items():
            passage_id = key // SENTENCE_SLOTS
            best[passage_id] = max(score, best.get(passage_id, -1.0))
        return best

    def _sentence_similarities(
        self, reads: QueryReads, passages: list[StoredPassage]
    ) -> dict[int, list[float]]:
        """Passage id -> the cosine of each of its sentences to the query (passages of
        several sentences, when the collection has sentence vectors): one search."""
        if self.reader.sentences is None:
            return {}
        keys = [
            p.passage_id * SENTENCE_SLOTS + number
            for p in passages
            if len(p.sentences) >= 2
            for number in range(min(len(p.sentences), SENTENCE_SLOTS))
        ]
        if not keys:
            return {}
        found = reads.sentence_cosines(keys)
        return {
            p.passage_id: [
                found.get(p.passage_id * SENTENCE_SLOTS + n, 0.0) for n in range(len(p.sentences))
            ]
            for p in passages
            if len(p.sentences) >= 2 and len(p.sentences) <= SENTENCE_SLOTS
        }

    def candidates(
        self, query: str, top_k: int = 10, filters: Filters | None = None
    ) -> QueryCandidates | None:
        """The candidate lists of a query (None for an empty query or an empty filter)."""
        query = query.strip()
        if not query:
            return None
        settings = self.settings
        reader = self.reader
        store = reader.store
        allowed_list = (
            store.filtered_passage_ids(
                list(filters.doc_ids) or None,
                filters.author,
                filters.date_from,
                filters.date_to,
                quoted=True,  # an author filter also finds the sentences quoting that person
            )
            if filters
            else None
        )
        if allowed_list is not None and not allowed_list:
            return None
        allowed = set(allowed_list) if allowed_list is not None else None
        tokens = tokenize(query)
        if self.ranker is not None and settings.fusion == "learned":
            self.words.prepare(tokens)  # beside the query's embedding
        vector = reader.embedder.embed_query(query)
        reads = QueryReads(reader, vector)
        pool = max(settings.candidates, top_k * 3)
        dense = reader.dense.search(vector, pool, allowed_list)
        sparse = reader.sparse.search(tokens, pool, allowed_list)
        candidate_ids = {i for i, _ in dense} | {i for i, _ in sparse}
        exact = exact_matches(reader, self.lexicon, query, candidate_ids, allowed, reads.outlines)
        by_author = author_matches(reader, self.lexicon, query, vector, pool, allowed)
        by_title = title_matches(
            reader, self.lexicon, tokens, vector, pool, allowed, settings.title_min_coverage
        )
        lists = CandidateLists(
            dense,
            sparse,
            exact,
            by_author,
            by_title,
            self._by_sentence(reads, dense, sparse, pool, allowed),
        )
        idf = query_idf(tokens, reader.sparse)
        return QueryCandidates(lists, vector, tokens, idf, reads)

    def _by_sentence(
        self,
        reads: QueryReads,
        dense: list[tuple[int, float]],
        sparse: list[tuple[int, float]],
        pool: int,
        allowed: set[int] | None,
    ) -> list[tuple[int, float]]:
        """Passages by their best match at either grain, best first: the cosine of
        their best sentence or of the whole passage (a passage of one sentence
        has only the latter)."""
        sentences = self.reader.sentences
        if sentences is None:
            return []
        best = dict(dense)
        if self._scan_sentences(sentences):
            # A passage has several sentences: ask for more than ``pool`` to fill it.
            for key, score in sentences.search(reads.vector, pool * 4):
                passage_id = key // SENTENCE_SLOTS
                if allowed is None or passage_id in allowed:
                    best[passage_id] = max(score, best.get(passage_id, -1.0))
        else:
            ids = list(dict.fromkeys([i for i, _ in dense] + [i for i, _ in sparse]))
            sizes = {i: size for i, (_, size) in reads.outlines(ids).items()}
            for passage_id, score in self._best_sentence_cosines(reads, ids, sizes).items():
                best[passage_id] = max(score, best.get(passage_id, -1.0))
        return sorted(best.items(), key=lambda pair: -pair[1])[:pool]

    def _scan_sentences(self, sentences: VectorIndex) -> bool:
        """Whether to compare the query with every sentence vector (see
        ``RetrievalSettings.sentence_search``)."""
        mode = self.settings.sentence_search
        return mode == "all" or (mode == "auto" and len(sentences) <= SENTENCE_SCAN_LIMIT)

    def search(
        self,
        query: str,
        top_k: int = 10,
        filters: Filters | None = None,
        sort: str = "relevance",
        diversify: bool = False,
        deduplicate_results: bool = True,
    ) -> list[SearchResult]:
        """Results for ``query``; ``sort="newest"`` puts the latest wording first."""
        query = query.strip()
        found = self.candidates(query, top_k, filters)
        if found is None:
            return []
        lists, vector, tokens, idf = found.lists, found.vector, found.tokens, found.idf
        dense, sparse, exact = lists.dense, lists.sparse, lists.exact
        by_author, by_title = lists.by_author, lists.by_title
        settings = self.settings
        reader = self.reader
        reads = found.reads or QueryReads(reader, vector)
        store = reader.store
        ranker = self.ranker if settings.fusion == "learned" else None
        if ranker is not None:
            ids, features = self.features(lists, vector, tokens, idf, reads)
            fused = dict(zip(ids, ranker.score(features).tolist(), strict=True))
            if exact and fused:
                # Text the user quoted verbatim, or the article they named, is what
                # they asked for: it goes first whatever the other signals say
                # (too rare in the training questions for the ranker to learn it).
                lift = max(fused.values()) - min(fused.values()) + 1.0
                for item in exact:
                    if item in fused:
                        fused[item] += lift
        elif settings.fusion == "convex":
            fused = convex_fusion(dense, sparse, settings.convex_alpha)
            extras = (
                (exact, settings.exact_weight),
                (by_author, settings.author_weight),
                (by_title, settings.title_weight),
            )
            for extra, weight in extras:
                for rank, item in enumerate(extra):
                    fused[item] = fused.get(item, 0.0) + weight / (1 + rank)
        else:
            rankings = [[i for i, _ in dense], [i for i, _ in sparse], exact, by_author, by_title]
            weights = [
                settings.dense_weight,
                settings.sparse_weight,
                settings.exact_weight,
                settings.author_weight,
                settings.title_weight,
            ]
            fused = reciprocal_rank_fusion(rankings, weights, settings.rrf_k)
        # Enough beyond top_k that merging duplicates (deduplicate) still fills it;
        # only these are loaded and get their best sentence chosen.
        ordered = sorted(fused, key=lambda item: -fused[item])[: top_k * 2 + 10]
        passages = {p.passage_id: p for p in store.passages(ordered)}
        exact_set = set(exact)
        if settings.heading_weight != 1.0 and ranker is None:
            # A heading alone is rarely the quote wanted; it stays findable, lower down.
            for item, candidate in passages.items():
                if is_heading_passage(candidate) and item not in exact_set:
                    fused[item] *= settings.heading_weight
            ordered.sort(key=lambda item: -fused[item])
        dense_of = dict(dense)
        sentence_of = dict(lists.sentence)
        sparse_of = dict(sparse)
        # How far a passage stands above the query's typical similarity to the
        # collection: comparable across embedders whose raw cosines differ in scale.
        background = float(np.median([score for _, score in dense])) if dense else 0.0
        # ... and above its similarity to the whole collection (for abstention).
        passage_z, sentence_z = self.background.standardisers(vector)
        similarities = self._sentence_similarities(reads, list(passages.values()))
        results = []
        for item in ordered:
            passage = passages.get(item)
            if passage is None:
                continue
            cosine = dense_of.get(item, 0.0)
            sentence_cosine = sentence_of.get(item, cosine)
            results.append(
                SearchResult(
                    passage=passage,
                    score=fused[item],
                    sentence_spans=best_sentences(
                        passage, query, tokens, idf, similarities=similarities.get(item)
                    ),
                    signals=Signals(
                        dense=cosine,
                        dense_margin=dense_of.get(item, background) - background,
                        sentence_dense=sentence_cosine,
                        bm25=sparse_of.get(item, 0.0),
                        exact=item in exact_set,
                        background_z=passage_z(cosine) if item in dense_of else 0.0,
                        sentence_background_z=sentence_z(sentence_cosine)
                        if item in sentence_of or item in dense_of
                        else 0.0,
                    ),
                )
            )
        if self.reranker is not None:
            results = self.reranker.rerank(query, results)
        if deduplicate_results:
            results = deduplicate(results)
        if diversify:
            ids = [r.passage.passage_id for r in results[: top_k * 3]]
            vectors = dict(zip(ids, reader.dense.vectors(ids), strict=True))
            results = mmr(results[: top_k * 3], vectors, top_k, settings.mmr_lambda)
        results = results[:top_k]
        if sort == "newest":
            # By the date a card shows: its document's own, else the upload date it
            # shows as "上传于…", after the dated ones; undated last; ties keep rank.
            results.sort(key=_newest_key, reverse=True)
        for rank, result in enumerate(results, start=1):
            result.rank = rank
            if not result.locations:
                result.locations = [Location.of(result.passage)]
            if rank <= COVERAGE_TOP:
                result.signals.coverage = passage_coverage(tokens, idf, result.passage)
        return results


def _newest_key(result: SearchResult) -> tuple[int, str]:
    passage = result.passage
    if passage.date:
        return (2, passage.date)
    return (1, passage.uploaded) if passage.uploaded else (0, "")
