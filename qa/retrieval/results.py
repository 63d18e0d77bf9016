"""What a search returns: results, the places a quote appears, and the signals
that ranked it (which the abstention decision reads)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from corpus.model import Locator
from corpus.store import StoredPassage


@dataclass(frozen=True)
class Location:
    """One place where a quote appears, with what its citation needs."""

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
    locator: Locator = field(default_factory=Locator)
    kind: str | None = None  # "speech": the author is the speaker
    date_kind: str | None = None  # what ``date`` is (event or published)
    uploaded: str | None = None  # a download site's upload date, never ``date``
    format: str = "txt"

    @classmethod
    def of(cls, passage: StoredPassage) -> Location:
        return cls(
            passage.passage_id, passage.doc_id, passage.title, passage.section_title,
            passage.author, passage.date, passage.source, passage.path,
            passage.paragraph_index + 1, passage.start, passage.end, passage.locator,
            passage.kind, passage.date_kind, passage.uploaded, passage.format,
        )  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["locator"] = self.locator.as_dict()
        return data


@dataclass
class Signals:
    """Why a passage ranked where it did, computed in one place by the retriever.

    ``dense`` is the raw cosine (its scale depends on the embedder);
    ``dense_margin`` how far it stands above the query's median similarity to
    the candidates; ``background_z`` and ``sentence_background_z`` how many
    standard deviations the passage's and its best sentence's cosines stand
    above the query's cosines with every passage / sentence of the collection
    (qa/retrieval/background.py); ``bm25`` the raw BM25 score; ``coverage`` the IDF-weighted
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
    background_z: float = 0.0
    sentence_background_z: float = 0.0

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

    def sentence_damage(self) -> list[tuple[int, int, str, str | None]]:
        """Damage spans inside :attr:`sentence`, as offsets into it:
        (start, end, code, likely intended word)."""
        found = []
        shift = 0  # where the current sentence span begins in ``sentence``
        for start, end in self.sentence_spans:
            for span in self.passage.damage:
                if span.start < end and start < span.end:
                    found.append((shift + max(span.start, start) - start,
                                  shift + min(span.end, end) - start, span.code, span.suggestion))  # fmt: skip
            shift += end - start
        return found

    def quoted_speakers(self) -> list[str]:
        """Whom :attr:`sentence` quotes ("习近平总书记强调，……"), in order; a name that
        spam stood in for says so rather than passing a title off as the name."""
        names: list[str] = []
        for quoted in self.passage.quoted:
            overlaps = any(quoted.start < end and start < quoted.end
                           for start, end in self.sentence_spans)  # fmt: skip
            name = quoted.speaker + ("（姓名处疑被垃圾词替换）" if quoted.damaged else "")
            if overlaps and name not in names:
                names.append(name)
        return names

    def as_dict(self) -> dict[str, Any]:
        passage = self.passage
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "text": passage.text,
            "sentence": self.sentence,
            "sentence_damage": [list(span) for span in self.sentence_damage()],
            "quoted_speakers": self.quoted_speakers(),
            **passage.provenance(),
            "sentence_spans": [list(span) for span in self.sentence_spans],
            "locations": [location.as_dict() for location in self.locations],
        }
