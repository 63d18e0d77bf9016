"""What a search returns: results, the places a quote appears, and the signals
that ranked it (which the abstention decision reads)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from corpus.store import StoredPassage


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
class Signals:
    """Why a passage ranked where it did, computed in one place by the retriever.

    ``dense`` is the raw cosine (its scale depends on the embedder);
    ``dense_margin`` how far it stands above the query's median similarity to
    the candidates; ``bm25`` the raw BM25 score; ``coverage`` the IDF-weighted
    share of the query's words found in the passage and its titles (computed
    for the top results only, None elsewhere); ``exact`` whether the passage
    holds a phrase of the query verbatim (or the law article it names).
    """

    dense: float = 0.0
    dense_margin: float = 0.0
    bm25: float = 0.0
    exact: bool = False
    coverage: float | None = None
    sentence_dense: float = 0.0  # best cosine of one sentence of the passage, if known

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
    signals: Signals = field(default_factory=Signals)

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
