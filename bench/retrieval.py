"""Retrieval quality and speed, side by side in one run.

Builds the sample collection once per embedder (cached under bench/.cache),
then evaluates on a development question set:

* yinwen's hybrid pipeline with its default settings, and named variants
  (fusion, weights, heading factor) - one row each;
* BM25 alone and dense alone over the same passages;
* a plain LangChain pipeline: RecursiveCharacterTextSplitter(300, 30) over
  the raw files, the same embedder, FAISS similarity search.

Usage:
    .venv/bin/python bench/retrieval.py [--embedders use,e5,m3e] [--questions FILE]
        [--variants default,convex,...] [--corpus DIR] [--latency]

Prints a table: Recall@1/5/10, MRR@10, abstention accuracy, false abstentions,
average passage length and p50/p95 latency per query (model loaded).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embeddings import Collection, get_embedder  # noqa: E402
from qa import QA, RetrievalSettings  # noqa: E402
from qa.evaluation import Metrics, Question, first_hit_rank, load_questions  # noqa: E402
from qa.facade import SearchResponse  # noqa: E402
from qa.retrieval import Location, SearchResult  # noqa: E402

VARIANTS: dict[str, RetrievalSettings] = {
    "default": RetrievalSettings(),
    "convex": RetrievalSettings(fusion="convex"),
    "convex-0.3": RetrievalSettings(fusion="convex", convex_alpha=0.3),
    "convex-0.7": RetrievalSettings(fusion="convex", convex_alpha=0.7),
    "rrf-dense2": RetrievalSettings(dense_weight=2.0),
    "rrf-sparse2": RetrievalSettings(sparse_weight=2.0),
    "rrf-sparse1.5": RetrievalSettings(sparse_weight=1.5),
    "rrf-sparse1.5-k30": RetrievalSettings(sparse_weight=1.5, rrf_k=30),
    "rrf-k20": RetrievalSettings(rrf_k=20),
    "headings-1.0": RetrievalSettings(heading_weight=1.0),
    "headings-0.7": RetrievalSettings(heading_weight=0.7),
    "no-exact": RetrievalSettings(exact_weight=0.0),
    "no-author-title": RetrievalSettings(author_weight=0.0, title_weight=0.0),
    "title-0.35": RetrievalSettings(title_min_coverage=0.35),
    "title-0.35-w2": RetrievalSettings(title_min_coverage=0.35, title_weight=2.0),
    "bm25-only": RetrievalSettings(
        dense_weight=0.0, exact_weight=0.0, author_weight=0.0, title_weight=0.0, heading_weight=1.0
    ),
    "dense-only": RetrievalSettings(
        sparse_weight=0.0, exact_weight=0.0, author_weight=0.0, title_weight=0.0, heading_weight=1.0
    ),
}


def use_context(context: str) -> None:
    """Experiment: let the embedder see the document or section title before the passage."""
    import embeddings.collection as collection

    def text(passage):  # type: ignore[no-untyped-def]
        head = passage.title if context == "title" else (passage.section_title or passage.title)
        return f"{head or ''}：{passage.text}"

    if context != "none":
        collection.embedding_text = text


def build(embedder: str, corpus: Path, context: str = "none") -> Path:
    suffix = "" if context == "none" else f"-context-{context}"
    path = ROOT / "bench" / ".cache" / f"{corpus.name}-{embedder}{suffix}"
    started = time.perf_counter()
    report = Collection(path).ingest([corpus], embedder=embedder)
    elapsed = time.perf_counter() - started
    if report.added_passage_ids:
        print(f"# built {path.name}: {report.passages} passages in {elapsed:.1f}s", file=sys.stderr)
    return path


def run(qa: QA, questions: list[Question], latencies: list[float] | None) -> Metrics:
    metrics = Metrics()
    for question in questions:
        started = time.perf_counter()
        response = qa.search(question.question, top_k=10)
        if latencies is not None:
            latencies.append(time.perf_counter() - started)
        metrics.add(question, response)
    return metrics


def langchain_baseline(embedder_name: str, corpus: Path, questions: list[Question]) -> Metrics:
    """RecursiveCharacterTextSplitter(300, 30) over the raw files + FAISS similarity search."""
    from langchain_community.vectorstores import FAISS
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from corpus.store import StoredPassage
    from embeddings.langchain import YinwenEmbeddings

    splitter = RecursiveCharacterTextSplitter(chunk_size=300, chunk_overlap=30)
    texts, metadatas = [], []
    for path in sorted(corpus.rglob("*.txt")):
        for chunk in splitter.split_text(path.read_text(encoding="utf-8")):
            texts.append(chunk)
            metadatas.append({"path": str(path)})
    store = FAISS.from_texts(texts, YinwenEmbeddings(get_embedder(embedder_name)), metadatas)
    metrics = Metrics()
    for question in questions:
        documents = store.similarity_search(question.question, k=10)
        results = []
        for rank, document in enumerate(documents, start=1):
            passage = StoredPassage(
                rank, "", 0, 0, 0, 0, len(document.page_content), document.page_content,
                None, None, None, None, None, document.metadata["path"], [], [],
            )  # fmt: skip
            results.append(SearchResult(passage, 1.0 / rank, [], [Location.of(passage)], rank))
        # the plain pipeline has no abstention: it always answers
        metrics.add(question, SearchResponse(question.question, results, True))
    return metrics


def row(name: str, metrics: Metrics, extra: str = "") -> str:
    m = metrics.as_dict()
    abstain = "" if m["abstention_accuracy"] is None else f"{m['abstention_accuracy']:.2f}"
    false = "" if m["false_abstention_rate"] is None else f"{m['false_abstention_rate']:.2f}"
    return (
        f"| {name} | {m['recall@1']:.3f} | {m['recall@5']:.3f} | {m['recall@10']:.3f} | "
        f"{m['mrr@10']:.3f} | {abstain} | {false} | {extra} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedders", default="use")
    parser.add_argument("--questions", type=Path, default=ROOT / "bench/devset/samples.jsonl")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus/samples")
    parser.add_argument("--variants", default="default,bm25-only,dense-only")
    parser.add_argument("--langchain", action="store_true", help="Add the plain LangChain row.")
    parser.add_argument("--misses", action="store_true", help="List questions missed at rank 1.")
    parser.add_argument(
        "--context",
        choices=["none", "title", "section"],
        default="none",
        help="Experiment: prefix passages with their title for the embedder.",
    )
    args = parser.parse_args()
    questions = load_questions(args.questions)
    use_context(args.context)
    print(f"{len(questions)} questions from {args.questions}; corpus {args.corpus}")
    print()
    print(
        "| pipeline | R@1 | R@5 | R@10 | MRR@10 | abstain ok | false abstain | passages / p50 / p95 |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for embedder in args.embedders.split(","):
        index = build(embedder, args.corpus, args.context)
        qa = QA.open(index)
        passages = qa.reader().store.passages()
        average = sum(len(p.text) for p in passages) / len(passages)
        qa.search("预热")  # load the model before timing
        for variant in args.variants.split(","):
            qa.retrieval_settings = VARIANTS[variant]
            latencies: list[float] = []
            metrics = run(qa, questions, latencies)
            p50 = statistics.median(latencies) * 1000
            p95 = sorted(latencies)[int(0.95 * (len(latencies) - 1))] * 1000
            extra = f"{len(passages)} × {average:.0f} chars / {p50:.0f} ms / {p95:.0f} ms"
            print(row(f"yinwen {variant} ({embedder})", metrics, extra), flush=True)
            if args.misses and variant == "default":
                for question in questions:
                    response = qa.search(question.question, top_k=10)
                    rank = first_hit_rank(response, question.gold) if question.gold else None
                    wrong = (question.gold and rank != 1) or (
                        bool(question.gold) != response.answerable
                    )
                    if wrong:
                        print(
                            f"#   miss {question.id} rank={rank} answerable={response.answerable}",
                            file=sys.stderr,
                        )
        if args.langchain:
            print(
                row(
                    f"plain LangChain 300/30 + FAISS ({embedder})",
                    langchain_baseline(embedder, args.corpus, questions),
                ),
                flush=True,
            )
        qa.retrieval_settings = replace(VARIANTS["default"])


if __name__ == "__main__":
    main()
