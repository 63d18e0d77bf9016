"""Hybrid retrieval: BM25 and dense candidates, fused, filtered, de-duplicated,
optionally diversified (MMR) and reranked, each result pointing at its
best-matching sentence(s).

Fusion, sentence scoring and de-duplication are pure functions with
table-driven tests; :class:`HybridRetriever` wires them to a collection.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from corpus.cleaning import ends_sentence
from corpus.store import StoredPassage
from embeddings.collection import CollectionReader
from embeddings.sparse import tokenize

from .text import normalise

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- settings and types


@dataclass(frozen=True)
class RetrievalSettings:
    """Knobs of the pipeline; defaults are the measured choices in docs/DECISIONS.md."""

    fusion: str = "rrf"  # "rrf" or "convex"
    rrf_k: int = 60
    dense_weight: float = 1.0
    sparse_weight: float = 1.5  # BM25 over jieba words is the stronger signal on Chinese text
    convex_alpha: float = 0.5  # weight of dense in the convex mix
    candidates: int = 60  # from each retriever
    exact_weight: float = 2.0  # RRF weight of passages containing the query phrase verbatim
    author_weight: float = 1.0  # RRF weight of passages by an author the query names
    title_weight: float = 1.0  # RRF weight of passages of the document whose title the query names
    title_min_coverage: float = 0.35  # share of a title's IDF mass the query must contain
    heading_weight: float = 0.5  # fused score factor for heading-only passages
    mmr_lambda: float = 0.7


@dataclass(frozen=True)
class Filters:
    doc_ids: tuple[str, ...] = ()
    author: str | None = None
    date_from: str | None = None  # ISO YYYY-MM-DD, inclusive
    date_to: str | None = None

    def __bool__(self) -> bool:
        return bool(self.doc_ids or self.author or self.date_from or self.date_to)


@dataclass(frozen=True)
class Location:
    """One place where a quote appears."""

    passage_id: int
    doc_id: str
    title: str | None
    section: str | None
    author: str | None
    date: str | None
    source: str | None
    path: str
    paragraph: int  # 1-based, as people count
    start: int
    end: int

    @classmethod
    def of(cls, passage: StoredPassage) -> Location:
        return cls(
            passage.passage_id, passage.doc_id, passage.title, passage.section_title,
            passage.author, passage.date, passage.source, passage.path,
            passage.paragraph_index + 1, passage.start, passage.end,
        )  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class SearchResult:
    """A passage, its best sentence(s) and every place the same words appear."""

    passage: StoredPassage
    score: float
    sentence_spans: list[tuple[int, int]]  # document offsets, inside the passage
    locations: list[Location] = field(default_factory=list)
    rank: int = 0
    signals: dict[str, float] = field(default_factory=dict)  # dense, bm25, coverage...

    @property
    def sentence(self) -> str:
        """The best-matching sentence(s), verbatim."""
        offset = self.passage.start
        text = self.passage.text
        return "".join(text[s - offset : e - offset] for s, e in self.sentence_spans)

    def as_dict(self) -> dict[str, Any]:
        passage = self.passage
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "text": passage.text,
            "sentence": self.sentence,
            **passage.provenance(),
            "sentence_spans": [list(span) for span in self.sentence_spans],
            "locations": [location.as_dict() for location in self.locations],
        }


class Reranker(Protocol):
    """A pluggable reranking step: reorders (and may rescore) results."""

    def rerank(self, query: str, results: list[SearchResult]) -> list[SearchResult]: ...


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder, for users who have one (none ships offline)."""

    def __init__(self, name_or_path: str) -> None:
        try:
            from sentence_transformers import CrossEncoder
        except ImportError as error:
            raise ImportError(
                "reranking needs: pip install torch==2.13.0 sentence-transformers"
            ) from error
        self.model = CrossEncoder(name_or_path, device="cpu")

    def rerank(self, query: str, results: list[SearchResult]) -> list[SearchResult]:
        if not results:
            return results
        scores = self.model.predict([(query, r.passage.text) for r in results])
        ranked = sorted(zip(results, scores, strict=True), key=lambda pair: -float(pair[1]))
        return [replace(r, score=float(s)) for r, s in ranked]


# --------------------------------------------------------------------------- pure functions


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], weights: Sequence[float] | None = None, k: int = 60
) -> dict[int, float]:
    """RRF: each list adds ``weight / (k + rank)`` (rank from 1) to each id it holds."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def convex_fusion(
    dense: Sequence[tuple[int, float]], sparse: Sequence[tuple[int, float]], alpha: float
) -> dict[int, float]:
    """``alpha * dense + (1 - alpha) * bm25`` after min-max scaling each list to [0, 1];
    an id missing from a list scores 0 there."""

    def scaled(pairs: Sequence[tuple[int, float]]) -> dict[int, float]:
        if not pairs:
            return {}
        values = [score for _, score in pairs]
        low, high = min(values), max(values)
        span = high - low or 1.0
        return {item: (score - low) / span for item, score in pairs}

    dense_scaled, sparse_scaled = scaled(dense), scaled(sparse)
    return {
        item: alpha * dense_scaled.get(item, 0.0) + (1 - alpha) * sparse_scaled.get(item, 0.0)
        for item in set(dense_scaled) | set(sparse_scaled)
    }


_DIGITS = "零一二三四五六七八九"


def chinese_number(number: int) -> str:
    """1-9999 in Chinese numerals as laws write them: 10 十, 14 十四, 105 一百零五."""
    if number < 10:
        return _DIGITS[number]
    if number < 20:
        return "十" + (_DIGITS[number % 10] if number % 10 else "")
    result = ""
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // value % 10
        if digit:
            if zero and result:
                result += "零"
            result += _DIGITS[digit] + unit
            zero = False
        elif result:
            zero = True
    return result


def article_labels(query: str) -> list[str]:
    """Article labels a query names, in the form laws use: "第44条" -> "第四十四条"."""
    labels = []
    for match in re.finditer(r"第\s*([一二三四五六七八九十百千零〇两]+|\d{1,4})\s*条", query):
        number = match.group(1)
        labels.append("第" + (chinese_number(int(number)) if number.isdigit() else number) + "条")
    return labels


def query_phrases(query: str) -> list[str]:
    """Phrases a user wants verbatim: text in quotes, else a query that reads as a quote
    (8+ characters, not a question)."""
    quoted = re.findall(r"[“\"「『‘']([^”\"」』’']{2,})[”\"」』’']", query)
    if quoted:
        return quoted
    stripped = query.strip()
    question = re.search(
        r"[?？吗呢]$|什么|哪些|哪个|如何|怎么|怎样|为什么|是否|谁|多少|几", stripped
    )
    if len(normalise(stripped)) >= 8 and not question:
        return [stripped]
    return []


def coverage(query_tokens: Sequence[str], text_tokens: set[str], idf: dict[str, float]) -> float:
    """Share of the query's IDF mass whose tokens occur in a text (0..1).

    ``idf`` must hold every query token; a token the collection never saw
    should carry the largest IDF (it is the most specific word of the query
    and nothing covers it).
    """
    unique = set(query_tokens)
    total = sum(idf.get(t, 0.0) for t in unique)
    if total <= 0:
        return 0.0
    return sum(idf.get(t, 0.0) for t in unique if t in text_tokens) / total


def query_idf(tokens: Sequence[str], reader: CollectionReader) -> dict[str, float]:
    """IDF of each query token; unseen tokens get the IDF of a word in no passage."""
    unseen = math.log(1 + (len(reader.sparse) + 0.5) / 0.5)
    return {t: reader.sparse.idf(t) or unseen for t in set(tokens)}


def _bigrams(text: str) -> set[str]:
    compact = normalise(text)
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


def best_sentences(
    passage: StoredPassage,
    query: str,
    query_tokens: Sequence[str],
    idf: dict[str, float],
    min_chars: int = 12,
) -> list[tuple[int, int]]:
    """The sentence of a passage that best matches the query (IDF-weighted token
    coverage plus character-bigram overlap); a very short best sentence is
    extended by its neighbour so a quote can stand alone."""
    spans = passage.sentences or [(passage.start, passage.end)]
    if len(spans) == 1:
        return list(spans)
    offset = passage.start
    query_bigrams = _bigrams(query)
    scores = []
    for start, end in spans:
        text = passage.text[start - offset : end - offset]
        lexical = coverage(query_tokens, set(tokenize(text)), idf)
        overlap = len(query_bigrams & _bigrams(text)) / (len(query_bigrams) or 1)
        scores.append(0.7 * lexical + 0.3 * overlap)
    best = int(np.argmax(scores))
    chosen = [spans[best]]
    if spans[best][1] - spans[best][0] < min_chars:
        neighbour = best + 1 if best + 1 < len(spans) else best - 1
        chosen = sorted([spans[best], spans[neighbour]])
    return chosen


def is_heading_passage(passage: StoredPassage) -> bool:
    """A passage made only of heading lines (a title, not a sentence)."""
    return len(passage.text) <= 80 and not ends_sentence(passage.text)


def _date_key(location: Location) -> tuple[int, str]:
    return (0, location.date) if location.date else (1, "")


def deduplicate(results: list[SearchResult], min_chars: int = 10) -> list[SearchResult]:
    """Merge results that quote the same words: one result per (normalised) best
    sentence - or passage - listing every place it appears, earliest date first.
    The merged result keeps the best score and shows the earliest source."""
    groups: dict[str, list[SearchResult]] = {}
    order: list[str] = []
    for result in results:
        sentence_key = normalise(result.sentence)
        key = sentence_key if len(sentence_key) >= min_chars else normalise(result.passage.text)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(result)
    merged = []
    for key in order:
        group = groups[key]
        locations = sorted(
            {
                loc.passage_id: loc
                for r in group
                for loc in (r.locations or [Location.of(r.passage)])
            }.values(),
            key=_date_key,
        )
        primary = min(group, key=lambda r: _date_key(Location.of(r.passage)))
        best = max(group, key=lambda r: r.score)
        merged.append(replace(primary, score=best.score, locations=locations, signals=best.signals))
    return merged


def mmr(
    results: list[SearchResult], vectors: dict[int, np.ndarray], top_k: int, lambda_: float
) -> list[SearchResult]:
    """Maximal marginal relevance over result scores and passage vectors."""
    if len(results) <= 1:
        return results[:top_k]
    scores = np.array([r.score for r in results], dtype=np.float64)
    span = scores.max() - scores.min() or 1.0
    relevance = (scores - scores.min()) / span
    ids = [r.passage.passage_id for r in results]
    chosen: list[int] = []
    remaining = list(range(len(results)))
    while remaining and len(chosen) < top_k:

        def value(i: int) -> float:
            vector = vectors.get(ids[i])
            similarities = (
                [float(vector @ vectors[ids[j]]) for j in chosen if ids[j] in vectors]
                if vector is not None
                else []
            )
            return lambda_ * float(relevance[i]) - (1 - lambda_) * max(similarities, default=0.0)

        best = max(remaining, key=value)
        chosen.append(best)
        remaining.remove(best)
    return [results[i] for i in chosen]


# --------------------------------------------------------------------------- the retriever


class HybridRetriever:
    """BM25 + dense retrieval over one collection snapshot."""

    def __init__(
        self,
        reader: CollectionReader,
        settings: RetrievalSettings | None = None,
        reranker: Reranker | None = None,
    ) -> None:
        self.reader = reader
        self.settings = settings or RetrievalSettings()
        self.reranker = reranker

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
        store = self.reader.store
        allowed = (
            store.filtered_passage_ids(
                list(filters.doc_ids) or None, filters.author, filters.date_from, filters.date_to
            )
            if filters
            else None
        )
        if allowed is not None and not allowed:
            return []
        tokens = tokenize(query)
        vector = self.reader.embedder.embed_query(query)
        pool = max(settings.candidates, top_k * 3)
        dense = self.reader.dense.search(vector, pool, allowed)
        sparse = self.reader.sparse.search(tokens, pool, allowed)
        candidate_ids = {i for i, _ in dense} | {i for i, _ in sparse}
        exact = self._exact_matches(query, candidate_ids, allowed)
        by_author = self._author_matches(query, vector, pool, allowed)
        by_title = self._title_matches(tokens, vector, pool, allowed)

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
        if settings.heading_weight != 1.0:
            # A heading alone is rarely the quote wanted; it stays findable, lower down.
            for item, passage in passages.items():
                if is_heading_passage(passage) and item not in exact:
                    fused[item] *= settings.heading_weight
            ordered.sort(key=lambda item: -fused[item])
        dense_of = dict(dense)
        sparse_of = dict(sparse)
        # How far a passage stands above the query's typical similarity to the
        # collection: comparable across embedders whose raw cosines differ in scale.
        background = float(np.median([score for _, score in dense])) if dense else 0.0
        idf = query_idf(tokens, self.reader)
        results = []
        for item in ordered:
            found = passages.get(item)
            if found is None:
                continue
            passage = found
            results.append(
                SearchResult(
                    passage=passage,
                    score=fused[item],
                    sentence_spans=best_sentences(passage, query, tokens, idf),
                    signals={
                        "dense": dense_of.get(item, 0.0),
                        "dense_margin": dense_of.get(item, background) - background,
                        "bm25": sparse_of.get(item, 0.0),
                        "exact": 1.0 if item in exact else 0.0,
                    },
                )
            )
        if self.reranker is not None:
            results = self.reranker.rerank(query, results)
        if deduplicate_results:
            results = deduplicate(results)
        if diversify:
            ids = [r.passage.passage_id for r in results[: top_k * 3]]
            vectors = dict(zip(ids, self.reader.dense.vectors(ids), strict=True))
            results = mmr(results[: top_k * 3], vectors, top_k, settings.mmr_lambda)
        results = results[:top_k]
        if sort == "newest":
            results.sort(key=lambda r: r.passage.date or "", reverse=True)
        for rank, result in enumerate(results, start=1):
            result.rank = rank
            if not result.locations:
                result.locations = [Location.of(result.passage)]
        return results

    def _author_matches(
        self, query: str, vector: np.ndarray, pool: int, allowed: list[int] | None
    ) -> list[int]:
        """Passages by an author the query names, nearest to the query first."""
        names = [name for name in self.reader.store.authors() if len(name) >= 2 and name in query]
        if not names:
            return []
        ids: set[int] = set()
        for name in names:
            ids.update(self.reader.store.filtered_passage_ids(author=name))
        if allowed is not None:
            ids &= set(allowed)
        if not ids:
            return []
        return [i for i, _ in self.reader.dense.search(vector, pool, sorted(ids))]

    def _title_matches(
        self, tokens: list[str], vector: np.ndarray, pool: int, allowed: list[int] | None
    ) -> list[int]:
        """Passages of the one document whose title the query names ("在…讲话中…"),
        nearest to the query first. A title counts as named when the query holds
        most of its informative words, and clearly more of them than of any other title."""
        query_tokens = set(tokens)
        scored = []
        for doc_id, title in self.reader.store.titles().items():
            title_tokens = {t for t in tokenize(title) if not t.isdigit()}
            mass = sum(self.reader.sparse.idf(t) for t in title_tokens)
            if mass <= 0:
                continue
            share = sum(self.reader.sparse.idf(t) for t in title_tokens & query_tokens) / mass
            scored.append((share, doc_id))
        scored.sort(reverse=True)
        if not scored or scored[0][0] < self.settings.title_min_coverage:
            return []
        if len(scored) > 1 and scored[1][0] >= scored[0][0] * 0.9:
            return []  # several titles match as well: the query names none of them
        ids = self.reader.store.filtered_passage_ids(doc_ids=[scored[0][1]])
        if allowed is not None:
            ids = sorted(set(ids) & set(allowed))
        return [i for i, _ in self.reader.dense.search(vector, pool, ids)] if ids else []

    def _exact_matches(
        self, query: str, candidates: set[int], allowed: list[int] | None
    ) -> list[int]:
        """Passages containing a query phrase verbatim (compared in normalised form),
        and law articles whose label the query names ("第四十四条", "第44条")."""
        store = self.reader.store
        labelled = []
        for label in article_labels(query):
            labelled.extend(store.passages_starting_with(label + " ", limit=500))
        if allowed is not None:
            labelled = [i for i in labelled if i in set(allowed)]
        phrases = query_phrases(query)
        if not phrases:
            return labelled
        ids = set(candidates)
        for phrase in phrases:
            # The longest run without punctuation finds candidates in SQL even when
            # the source writes "," where the user typed "，".
            runs = sorted(re.findall(r"[^\W_]+", phrase), key=len, reverse=True)
            if runs and len(runs[0]) >= 2:
                ids.update(store.passages_containing(runs[0], limit=200))
        if allowed is not None:
            ids &= set(allowed)
        targets = [normalise(p) for p in phrases]
        matches = [
            p.passage_id
            for p in store.passages(sorted(ids))
            if any(t and t in normalise(p.text) for t in targets)
        ]
        return labelled + [i for i in matches if i not in set(labelled)]


def lexical_coverage(reader: CollectionReader, query: str, passage: StoredPassage) -> float:
    """IDF-weighted share of the query's tokens found in a passage and its titles."""
    tokens = tokenize(query)
    idf = query_idf(tokens, reader)
    text_tokens = set(tokenize(passage.text)) | set(
        tokenize(" ".join(filter(None, [passage.title, passage.section_title, passage.author])))
    )
    return coverage(tokens, text_tokens, idf)
