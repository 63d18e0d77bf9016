"""The hybrid retriever: candidate lists from BM25, dense and the lexical lists,
fused, filtered, de-duplicated, optionally diversified (MMR) and reranked,
each result pointing at its best-matching sentence(s) and carrying its signals."""

from __future__ import annotations

import numpy as np

from embeddings.collection import CollectionReader
from embeddings.sparse import tokenize

from .candidates import author_matches, exact_matches, title_matches
from .dedup import deduplicate, mmr
from .fusion import convex_fusion, reciprocal_rank_fusion
from .lexical import passage_coverage, query_idf
from .lexicon import Lexicon
from .rerank import Reranker
from .results import Location, SearchResult, Signals
from .sentences import best_sentences, is_heading_passage
from .settings import Filters, RetrievalSettings

# Results whose coverage signal is computed (the abstention decision reads the top few).
COVERAGE_TOP = 5


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
    ) -> None:
        self.reader = reader
        self.settings = settings or RetrievalSettings()
        self.reranker = reranker
        self.lexicon = lexicon or Lexicon(reader)

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
        if not query:
            return []
        settings = self.settings
        reader = self.reader
        store = reader.store
        allowed_list = (
            store.filtered_passage_ids(
                list(filters.doc_ids) or None, filters.author, filters.date_from, filters.date_to
            )
            if filters
            else None
        )
        if allowed_list is not None and not allowed_list:
            return []
        allowed = set(allowed_list) if allowed_list is not None else None
        tokens = tokenize(query)
        vector = reader.embedder.embed_query(query)
        pool = max(settings.candidates, top_k * 3)
        dense = reader.dense.search(vector, pool, allowed_list)
        sparse = reader.sparse.search(tokens, pool, allowed_list)
        candidate_ids = {i for i, _ in dense} | {i for i, _ in sparse}
        exact = exact_matches(reader, query, candidate_ids, allowed)
        by_author = author_matches(reader, self.lexicon, query, vector, pool, allowed)
        by_title = title_matches(
            reader, self.lexicon, tokens, vector, pool, allowed, settings.title_min_coverage
        )

        if settings.fusion == "convex":
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
        ordered = sorted(fused, key=lambda item: -fused[item])[: max(pool, top_k * 4)]
        passages = {p.passage_id: p for p in store.passages(ordered)}
        exact_set = set(exact)
        if settings.heading_weight != 1.0:
            # A heading alone is rarely the quote wanted; it stays findable, lower down.
            for item, candidate in passages.items():
                if is_heading_passage(candidate) and item not in exact_set:
                    fused[item] *= settings.heading_weight
            ordered.sort(key=lambda item: -fused[item])
        dense_of = dict(dense)
        sparse_of = dict(sparse)
        # How far a passage stands above the query's typical similarity to the
        # collection: comparable across embedders whose raw cosines differ in scale.
        background = float(np.median([score for _, score in dense])) if dense else 0.0
        idf = query_idf(tokens, reader.sparse)
        results = []
        for item in ordered:
            passage = passages.get(item)
            if passage is None:
                continue
            results.append(
                SearchResult(
                    passage=passage,
                    score=fused[item],
                    sentence_spans=best_sentences(passage, query, tokens, idf),
                    signals=Signals(
                        dense=dense_of.get(item, 0.0),
                        dense_margin=dense_of.get(item, background) - background,
                        bm25=sparse_of.get(item, 0.0),
                        exact=item in exact_set,
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
            results.sort(key=lambda r: r.passage.date or "", reverse=True)
        for rank, result in enumerate(results, start=1):
            result.rank = rank
            if not result.locations:
                result.locations = [Location.of(result.passage)]
            if rank <= COVERAGE_TOP:
                result.signals.coverage = passage_coverage(tokens, idf, result.passage)
        return results
