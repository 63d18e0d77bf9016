"""What the retriever knows about a snapshot's titles and authors, computed once.

Naming a document ("在…讲话中") or an author in a query adds a candidate
list. Tokenising every title and summing its IDF on every query made the
cost of a search grow with the number of documents; a :class:`Lexicon` is
built once per snapshot (the facade keeps it with the snapshot) and answers
from an inverted index, so a query only touches titles that share a word with it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from collection.collection import CollectionReader
from embeddings.sparse import tokenize

MAX_TITLES_PER_WORD = 100


@dataclass(frozen=True)
class TitleMatch:
    doc_id: str
    share: float  # of the title's IDF mass that the query holds


class Lexicon:
    """Titles and authors of one snapshot, indexed for per-query lookups."""

    def __init__(self, reader: CollectionReader) -> None:
        sparse = reader.sparse
        titles_of: dict[str, list[str]] = defaultdict(list)  # token -> documents
        for doc_id, title in reader.store.titles().items():
            for token in {t for t in tokenize(title) if not t.isdigit()}:
                titles_of[token].append(doc_id)
        # A word in many titles ("中华人民共和国", "工会") names none of them; leaving it
        # out keeps a query's cost bounded however many documents there are.
        self._title_mass: dict[str, float] = defaultdict(float)
        self._title_terms: dict[str, dict[str, float]] = {}  # token -> doc -> idf
        for token, documents in titles_of.items():
            weight = sparse.idf(token)
            if len(documents) > MAX_TITLES_PER_WORD or weight <= 0:
                continue
            self._title_terms[token] = dict.fromkeys(documents, weight)
            for doc_id in documents:
                self._title_mass[doc_id] += weight
        # Law articles by label ("第四十四条" -> the passages it heads), labelled at
        # ingest and read once, instead of a prefix scan of every passage per query.
        self.articles: dict[str, list[int]] = defaultdict(list)
        for label, passage_id in reader.store.article_heads():
            self.articles[label].append(passage_id)
        # Longest first, so "王小明" is tried before "王小"; short names are ambiguous.
        self.authors = sorted(
            (name for name in reader.store.authors() if len(name) >= 2), key=len, reverse=True
        )

    def title_shares(self, query_tokens: set[str]) -> list[TitleMatch]:
        """Titles sharing a word with the query, by the share of their IDF mass it holds."""
        shares: dict[str, float] = defaultdict(float)
        for token in query_tokens:
            for doc_id, weight in self._title_terms.get(token, {}).items():
                shares[doc_id] += weight
        matches = [TitleMatch(d, s / self._title_mass[d]) for d, s in shares.items()]
        return sorted(matches, key=lambda m: (-m.share, m.doc_id))

    def authors_named(self, query: str) -> list[str]:
        """Authors whose full name appears in the query."""
        return [name for name in self.authors if name in query]
