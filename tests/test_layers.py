"""Dependencies point one way (docs/ARCHITECTURE.md): ui → qa → collection →
embeddings → corpus, and embeddings knows nothing of corpus. Checked on the
import statements of every module, so a shortcut fails here, not in review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["corpus", "embeddings", "collection", "qa", "ui"]
# What each package may not import (everything above it, and for embeddings, corpus).
FORBIDDEN = {
    "corpus": {"embeddings", "collection", "qa", "ui"},
    "embeddings": {"corpus", "collection", "qa", "ui"},
    "collection": {"qa", "ui"},
    "qa": {"ui"},
    "ui": set(),
}


def imported_packages(path: Path) -> set[str]:
    """Top-level names of the project packages a module imports (absolute imports)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_no_package_imports_one_above_it(package: str) -> None:
    modules = sorted((ROOT / package).rglob("*.py"))
    assert modules
    wrong = {
        str(module.relative_to(ROOT)): sorted(imported_packages(module) & FORBIDDEN[package])
        for module in modules
    }
    assert {name: found for name, found in wrong.items() if found} == {}


def test_the_checker_sees_imports() -> None:
    """The check above would pass vacuously if imports were not found."""
    assert imported_packages(ROOT / "qa" / "facade.py") >= {"collection", "corpus"}
