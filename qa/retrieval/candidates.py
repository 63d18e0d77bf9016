"""The candidate lists besides BM25 and dense: passages holding a phrase of the
query verbatim (or the law article it names), passages by an author the query
names, and passages of the document whose title the query names."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from collection.collection import CollectionReader
from embeddings.sparse import tokenize

from ..text import normalise
from .lexicon import Lexicon
from .query import article_labels, query_phrases


def exact_matches(
    reader: CollectionReader,
    lexicon: Lexicon,
    query: str,
    candidates: set[int],
    allowed: set[int] | None,
    outlines: Callable[[list[int]], dict[int, tuple[str, int]]] | None = None,
) -> list[int]:
    """Passages containing a query phrase verbatim (compared in normalised form),
    and law articles whose label the query names ("第四十四条", "第44条").
    ``outlines`` reads passage texts (default: the store's ``passage_outlines``;
    a search passes its ``QueryReads.outlines``)."""
    store = reader.store
    labelled: list[int] = []
    for label in article_labels(query):
        labelled.extend(lexicon.articles.get(label, []))
    if allowed is not None:
        labelled = [i for i in labelled if i in allowed]
    phrases = query_phrases(query)
    if not phrases:
        return labelled
    ids = set(candidates)
    for phrase in phrases:
        # Passages holding all of the phrase's rarest words, from the BM25 postings
        # (a cost that does not grow with the collection); checked verbatim below.
        ids.update(reader.sparse.passages_with_all(tokenize(phrase), limit=200))
    if allowed is not None:
        ids &= allowed
    targets = [normalise(p) for p in phrases]
    read = outlines or store.passage_outlines
    texts = read(sorted(ids))  # the text alone: no provenance needed
    matches = [
        passage_id
        for passage_id, (text, _) in sorted(texts.items())
        if any(t and t in normalise(text) for t in targets)
    ]
    seen = set(labelled)
    return labelled + [i for i in matches if i not in seen]


def author_matches(
    reader: CollectionReader,
    lexicon: Lexicon,
    query: str,
    vector: np.ndarray,
    pool: int,
    allowed: set[int] | None,
) -> list[int]:
    """Passages by an author the query names, nearest to the query first."""
    names = lexicon.authors_named(query)
    if not names:
        return []
    ids: set[int] = set()
    for name in names:
        ids.update(reader.store.filtered_passage_ids(author=name))
    if allowed is not None:
        ids &= allowed
    if not ids:
        return []
    return [i for i, _ in reader.dense.search(vector, pool, sorted(ids))]


def title_matches(
    reader: CollectionReader,
    lexicon: Lexicon,
    tokens: list[str],
    vector: np.ndarray,
    pool: int,
    allowed: set[int] | None,
    min_coverage: float,
) -> list[int]:
    """Passages of the one document whose title the query names ("在…讲话中…"),
    nearest to the query first. A title counts as named when the query holds
    most of its informative words, and clearly more of them than of any other title."""
    scored = lexicon.title_shares(set(tokens))
    if not scored or scored[0].share < min_coverage:
        return []
    if len(scored) > 1 and scored[1].share >= scored[0].share * 0.9:
        return []  # several titles match as well: the query names none of them
    ids = reader.store.filtered_passage_ids(doc_ids=[scored[0].doc_id])
    if allowed is not None:
        ids = sorted(set(ids) & allowed)
    return [i for i, _ in reader.dense.search(vector, pool, ids)] if ids else []
