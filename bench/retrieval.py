"""Retrieval quality and speed on every development set, side by side in one run.

For each question set (the sample collection, the labour laws, the CMRC 2018
trial set written by the CMRC annotators) and each part of its fixed split
(``tune``: choices are made on it; ``report``: only quoted), prints one row per
pipeline:

* yinwen's hybrid pipeline with its default settings, and named variants;
* BM25 alone and dense alone over the same passages (``bm25-only``, ``dense-only``);
* a plain LangChain pipeline: RecursiveCharacterTextSplitter(300, 30) over
  the raw files, the same embedder, FAISS similarity search (``langchain``).

Setup (docs/BENCHMARKS.md): ``make bench-setup`` installs the ``bench`` extra
and the law corpus. Then:

    .venv/bin/python bench/retrieval.py                       # every set, e5, the four pipelines
    .venv/bin/python bench/retrieval.py --sets samples,laws --variants default,rrf-k20
    .venv/bin/python bench/retrieval.py --misses report       # list missed report questions

Indexes are cached under ``bench/.cache`` keyed by the corpus's full path,
its files' contents, the embedder and the passage-text variant, so two folders
of the same name never share a cache and an edited corpus is rebuilt.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from collection import Collection  # noqa: E402
from embeddings import get_embedder  # noqa: E402
from qa import QA, RetrievalSettings  # noqa: E402
from qa.evaluation import Metrics, Question, first_hit_rank, load_questions  # noqa: E402
from qa.facade import SearchResponse  # noqa: E402
from qa.retrieval import Location, SearchResult  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"


@dataclass(frozen=True)
class QuestionSet:
    name: str
    corpus: Path
    questions: Path
    prepare: str  # how to make the corpus if it is missing


SETS: dict[str, QuestionSet] = {
    "samples": QuestionSet(
        "samples", ROOT / "corpus/samples", ROOT / "bench/devset/samples.jsonl", "shipped"
    ),
    "laws": QuestionSet(
        "laws",
        ROOT / "bench/.cache/laws-labour",
        ROOT / "bench/devset/laws.jsonl",
        ".venv/bin/python bench/laws.py --subset labour",
    ),
    "cmrc": QuestionSet(
        "cmrc",
        SHARED / "cmrc2018-trial/corpus",
        SHARED / "cmrc2018-trial/questions.jsonl",
        "../shared/data/cmrc2018-trial (CMRC 2018, CC BY-SA 4.0)",
    ),
}

RRF = RetrievalSettings(fusion="rrf")
VARIANTS: dict[str, RetrievalSettings] = {
    "default": RetrievalSettings(),
    "learned": RetrievalSettings(fusion="learned"),
    "sentence-all": RetrievalSettings(sentence_search="all"),
    "sentence-candidates": RetrievalSettings(sentence_search="candidates"),
    "rrf": RRF,
    "convex": replace(RRF, fusion="convex"),
    "rrf-dense2": replace(RRF, dense_weight=2.0),
    "rrf-sparse1": replace(RRF, sparse_weight=1.0),
    "rrf-k20": replace(RRF, rrf_k=20),
    "no-exact": replace(RRF, exact_weight=0.0),
    "no-author-title": replace(RRF, author_weight=0.0, title_weight=0.0),
    "bm25-only": replace(
        RRF,
        dense_weight=0.0,
        exact_weight=0.0,
        author_weight=0.0,
        title_weight=0.0,
        heading_weight=1.0,
    ),
    "dense-only": replace(
        RRF,
        sparse_weight=0.0,
        exact_weight=0.0,
        author_weight=0.0,
        title_weight=0.0,
        heading_weight=1.0,
    ),
}


def corpus_key(corpus: Path) -> str:
    """A digest of the corpus's full path and every file's name and content."""
    digest = hashlib.sha256(str(corpus.resolve()).encode("utf-8"))
    for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(corpus)).encode("utf-8"))
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:12]


def build(embedder: str, corpus: Path, label: str | None = None) -> Path:
    """The cached collection of ``corpus`` for ``embedder`` (built on first use)."""
    path = ROOT / "bench" / ".cache" / f"{label or corpus.name}-{embedder}-{corpus_key(corpus)}"
    started = time.perf_counter()
    report = Collection(path).ingest([corpus], embedder=embedder)
    elapsed = time.perf_counter() - started
    if report.added_passage_ids:
        print(f"# built {path.name}: {report.passages} passages in {elapsed:.1f}s", file=sys.stderr)
    return path


def open_sets(embedder: str, names: list[str]) -> Iterator[tuple[QuestionSet, QA]]:
    """Each named set whose corpus is here, with its collection open (built on first use)."""
    for name in names:
        spec = SETS[name]
        if not spec.corpus.exists():
            print(f"# skipping {name}: {spec.corpus} missing ({spec.prepare})", file=sys.stderr)
            continue
        yield spec, QA.open(build(embedder, spec.corpus, name))


def run(qa: QA, questions: list[Question], latencies: list[float] | None = None) -> Evaluated:
    evaluated = Evaluated()
    for question in questions:
        started = time.perf_counter()
        response = qa.search(question.question, top_k=10)
        if latencies is not None:
            latencies.append(time.perf_counter() - started)
        evaluated.add(question, response)
    return evaluated


class Evaluated:
    """Metrics overall and for paraphrase questions, plus per-question ranks."""

    def __init__(self) -> None:
        self.overall = Metrics()
        self.paraphrase = Metrics()
        self.ranks: dict[str, tuple[int | None, bool]] = {}

    def add(self, question: Question, response: SearchResponse) -> None:
        rank = self.overall.add(question, response)
        if question.kind == "paraphrase":
            self.paraphrase.add(question, response)
        self.ranks[question.id] = (rank, response.answerable)


def langchain_pipeline(embedder_name: str, corpus: Path) -> Callable[[str], SearchResponse]:
    """RecursiveCharacterTextSplitter(300, 30) over the raw files + FAISS similarity search."""
    from langchain_community.vectorstores import FAISS
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from corpus.store import StoredPassage
    from embeddings.langchain import YinwenEmbeddings

    embeddings = YinwenEmbeddings(get_embedder(embedder_name))
    cache = (
        ROOT / "bench" / ".cache" / f"langchain-{corpus.name}-{embedder_name}-{corpus_key(corpus)}"
    )
    if cache.exists():
        store = FAISS.load_local(str(cache), embeddings, allow_dangerous_deserialization=True)
    else:
        splitter = RecursiveCharacterTextSplitter(chunk_size=300, chunk_overlap=30)
        texts, metadatas = [], []
        for path in sorted(corpus.rglob("*.txt")):
            for chunk in splitter.split_text(path.read_text(encoding="utf-8")):
                texts.append(chunk)
                metadatas.append({"path": str(path)})
        store = FAISS.from_texts(texts, embeddings, metadatas)
        store.save_local(str(cache))

    def search(query: str) -> SearchResponse:
        results = []
        for rank, document in enumerate(store.similarity_search(query, k=10), start=1):
            passage = StoredPassage(
                rank, "", 0, 0, 0, 0, len(document.page_content), document.page_content,
                None, None, None, None, None, document.metadata["path"], [], [],
            )  # fmt: skip
            results.append(SearchResult(passage, 1.0 / rank, [], [Location.of(passage)], rank))
        # the plain pipeline has no abstention: it always answers
        return SearchResponse(query, results, True)

    return search


def row(cells: list[str], evaluated: Evaluated, extra: str = "") -> str:
    m = evaluated.overall.as_dict()
    p = evaluated.paraphrase.as_dict()

    def fmt(value: Any) -> str:
        return "" if value is None else f"{value:.3f}"

    paraphrase = fmt(p["mrr@10"]) if p["answerable"] else ""
    return (
        "| " + " | ".join(cells) + f" | {m['questions']} | {m['recall@1']:.3f} | "
        f"{m['recall@5']:.3f} | {m['recall@10']:.3f} | {m['mrr@10']:.3f} | {paraphrase} | "
        f"{fmt(m['abstention_accuracy'])} | {fmt(m['false_abstention_rate'])} | {extra} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="samples,laws,cmrc")
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--variants", default="default,bm25-only,dense-only")
    parser.add_argument("--parts", default="tune,report")
    parser.add_argument("--no-langchain", action="store_true", help="Leave out the LangChain row.")
    parser.add_argument("--misses", choices=["tune", "report"], help="List questions missed.")
    args = parser.parse_args()
    parts = args.parts.split(",")
    print(f"embedder {args.embedder}; p50 = search latency, model loaded")
    print()
    print(
        "| set | part | pipeline | n | R@1 | R@5 | R@10 | MRR@10 | paraphrase MRR@10 "
        "| abstain ok | false abstain | p50 ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for spec, qa in open_sets(args.embedder, args.sets.split(",")):
        name = spec.name
        qa.search("预热")  # load the model before timing
        baseline = None if args.no_langchain else langchain_pipeline(args.embedder, spec.corpus)
        for part in parts:
            questions = load_questions(spec.questions, part)
            for variant in args.variants.split(","):
                qa.retrieval_settings = VARIANTS[variant]
                latencies: list[float] = []
                evaluated = run(qa, questions, latencies)
                p50 = statistics.median(latencies) * 1000
                label = "yinwen" if variant == "default" else variant
                print(row([name, part, label], evaluated, f"{p50:.0f}"), flush=True)
                if args.misses == part and variant == "default":
                    print_misses(questions, evaluated)
            if baseline is not None:
                evaluated = Evaluated()
                for question in questions:
                    evaluated.add(question, baseline(question.question))
                print(row([name, part, "plain LangChain"], evaluated), flush=True)
        qa.retrieval_settings = VARIANTS["default"]


def print_misses(questions: list[Question], evaluated: Evaluated) -> None:
    for question in questions:
        rank, answerable = evaluated.ranks[question.id]
        if (question.gold and rank != 1) or bool(question.gold) != answerable:
            print(
                f"#   miss {question.id} [{question.kind}] rank={rank} answerable={answerable} "
                f"{question.question}",
                file=sys.stderr,
            )


# Re-exported for bench/abstention.py and older notes.
__all__ = ["SETS", "build", "first_hit_rank", "open_sets", "run"]

if __name__ == "__main__":
    main()
