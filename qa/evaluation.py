"""Evaluating retrieval and abstention on a question set with gold spans.

A question file is JSON lines: ``{"id", "question", "gold": [verbatim spans],
"kind"}``. A result is a hit if its passage contains a gold span after
normalising width, punctuation variants and whitespace; ``gold: []`` means
the collection does not contain the answer, and the right response is to
abstain.

Every question set is split once, for good, into a *tune* part (weights,
thresholds and models are chosen on it) and a *report* part (only quoted):
:func:`part_of` decides by a hash of the question's id, so the split does not
change when questions are added, reordered or re-run.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .facade import QA, SearchResponse
from .text import normalise


@dataclass
class Question:
    id: str
    question: str
    gold: list[str]
    kind: str = "general"


PARTS = ("tune", "report")


def part_of(question_id: str) -> str:
    """ "tune" or "report", fixed by a hash of the id (about half each).

    Questions written over the same paragraph ("TRIAL_800_QUERY_0",
    "TRIAL_800_QUERY_1") share a part, so tuning never sees a sibling of a
    reported question.
    """
    group = re.sub(r"_QUERY_\d+$", "", question_id)
    digest = hashlib.sha256(group.encode("utf-8")).digest()
    return "tune" if digest[0] < 128 else "report"


def load_questions(path: Path, part: str | None = None) -> list[Question]:
    """Questions from a JSON-lines file (blank lines and # comments are skipped);
    ``part`` ("tune" or "report") keeps only that part of the split."""
    if part is not None and part not in PARTS:
        raise ValueError(f"part must be one of {', '.join(PARTS)}, not {part!r}")
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            data = json.loads(line)
        except ValueError as error:
            raise ValueError(f"{path}:{number}: not JSON ({error})") from error
        questions.append(
            Question(
                str(data.get("id", number)),
                data["question"],
                list(data.get("gold", [])),
                data.get("kind", "general"),
            )
        )
    if part is not None:
        questions = [q for q in questions if part_of(q.id) == part]
    return questions


def first_hit_rank(response: SearchResponse, gold: list[str], k: int = 10) -> int | None:
    """1-based rank of the first result containing a gold span, or None."""
    targets = [normalise(g) for g in gold if normalise(g)]
    for rank, result in enumerate(response.results[:k], start=1):
        haystack = normalise(result.passage.text)
        if any(t in haystack for t in targets):
            return rank
    return None


@dataclass
class Metrics:
    answerable: int = 0
    hits_at: dict[int, int] = field(default_factory=lambda: {1: 0, 5: 0, 10: 0})
    reciprocal_ranks: float = 0.0
    unanswerable: int = 0
    abstained_right: int = 0  # out-of-collection questions we abstained on
    false_abstentions: int = 0  # in-collection questions we abstained on

    def add(self, question: Question, response: SearchResponse) -> int | None:
        if not question.gold:
            self.unanswerable += 1
            self.abstained_right += int(not response.answerable)
            return None
        self.answerable += 1
        self.false_abstentions += int(not response.answerable)
        rank = first_hit_rank(response, question.gold)
        for k in self.hits_at:
            self.hits_at[k] += int(rank is not None and rank <= k)
        if rank is not None:
            self.reciprocal_ranks += 1.0 / rank
        return rank

    def as_dict(self) -> dict[str, Any]:
        n = self.answerable or 1
        return {
            "questions": self.answerable + self.unanswerable,
            "answerable": self.answerable,
            "recall@1": self.hits_at[1] / n,
            "recall@5": self.hits_at[5] / n,
            "recall@10": self.hits_at[10] / n,
            "mrr@10": self.reciprocal_ranks / n,
            "unanswerable": self.unanswerable,
            "abstention_accuracy": (self.abstained_right / self.unanswerable)
            if self.unanswerable
            else None,
            "false_abstention_rate": self.false_abstentions / n if self.answerable else None,
        }


def evaluate(qa: QA, questions: Iterable[Question], top_k: int = 10) -> dict[str, Any]:
    """Overall and per-kind metrics, plus each question's first hit rank."""
    overall = Metrics()
    by_kind: dict[str, Metrics] = defaultdict(Metrics)
    details = []
    for question in questions:
        response = qa.search(question.question, top_k=top_k)
        rank = overall.add(question, response)
        by_kind[question.kind].add(question, response)
        details.append(
            {"id": question.id, "kind": question.kind, "rank": rank, "answerable": response.answerable,
             "gold": bool(question.gold)}
        )  # fmt: skip
    return {
        "overall": overall.as_dict(),
        "by_kind": {kind: metrics.as_dict() for kind, metrics in sorted(by_kind.items())},
        "questions": details,
    }


def format_table(report: dict[str, Any]) -> str:
    """The metrics as a plain-text table."""
    header = f"{'kind':<14}{'n':>5}{'R@1':>8}{'R@5':>8}{'R@10':>8}{'MRR@10':>8}{'abstain':>9}{'false-abst':>11}"
    rows = [header, "-" * len(header)]

    def row(name: str, m: dict[str, Any]) -> str:
        abstain = "" if m["abstention_accuracy"] is None else f"{m['abstention_accuracy']:.2f}"
        false = "" if m["false_abstention_rate"] is None else f"{m['false_abstention_rate']:.2f}"
        if m["answerable"]:
            scores = f"{m['recall@1']:>8.2f}{m['recall@5']:>8.2f}{m['recall@10']:>8.2f}{m['mrr@10']:>8.2f}"
        else:
            scores = f"{'':>8}{'':>8}{'':>8}{'':>8}"
        return f"{name:<14}{m['questions']:>5}{scores}{abstain:>9}{false:>11}"

    for kind, metrics in report["by_kind"].items():
        rows.append(row(kind, metrics))
    rows.append("-" * len(header))
    rows.append(row("overall", report["overall"]))
    return "\n".join(rows)
