"""The ``yinwen`` command: a thin layer over the library.

Errors the user can fix (a missing path, an index built by another embedder)
are one line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from corpus import CollectionError, IngestReport
from corpus.store import default_index_path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

STATUS_LABELS = {
    "added": "新增",
    "updated": "更新",
    "unchanged": "未变",
    "removed": "删除",
    "failed": "失败",
    "skipped": "跳过",
}

index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Collection directory (default: $YINWEN_INDEX, $YINWEN_HOME/default or the user data dir).",
)


def _index_path(index_dir: Path | None) -> Path:
    return index_dir if index_dir is not None else default_index_path()


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"yinwen: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="yinwen")
def main() -> None:
    """引文 yinwen — citable quotes from a folder of Chinese documents."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@index_option
@click.option("--sample", is_flag=True, help="Ingest the bundled sample collection.")
@click.option("--embedder", default=None, help="Embedder for a new collection (see docs).")
@click.option("--rebuild", is_flag=True, help="Start the collection afresh from PATHS.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a TTY).")
def ingest(
    paths: tuple[Path, ...],
    index_dir: Path | None,
    sample: bool,
    embedder: str | None,
    rebuild: bool,
    as_json: bool,
    progress: bool | None,
) -> None:
    """Add files or folders (txt, md, html, docx, pdf) to a collection.

    Unchanged files are skipped, changed files replaced. Exit code 1 if any
    file failed (the others are still ingested), 2 on a usage error.
    """
    from corpus import samples_path

    targets = list(paths)
    if sample:
        targets.append(samples_path())
    if not targets:
        _fail("nothing to ingest: give PATH... or --sample")
    show_progress = sys.stderr.isatty() if progress is None else progress
    try:
        report = _run_ingest(_index_path(index_dir), targets, embedder, rebuild, show_progress)
    except CollectionError as error:
        _fail(str(error))
        return
    _print_report(report, as_json)
    sys.exit(1 if report.failed else 0)


def _run_ingest(
    index: Path, targets: list[Path], embedder: str | None, rebuild: bool, show_progress: bool
) -> IngestReport:
    from embeddings.collection import Collection

    bar: Any = None

    def progress(done: int, total: int, stage: str) -> None:
        nonlocal bar
        if not show_progress:
            return
        if bar is None or bar.total != total or bar.desc != stage:
            if bar is not None:
                bar.close()
            from tqdm import tqdm

            bar = tqdm(total=total, desc=stage, unit="", file=sys.stderr, leave=False)
        bar.n = done
        bar.refresh()

    try:
        return Collection(index).ingest(
            targets, embedder=embedder, rebuild=rebuild, progress=progress
        )
    finally:
        if bar is not None:
            bar.close()


def _print_report(report: IngestReport, as_json: bool) -> None:
    if as_json:
        click.echo(
            json.dumps(
                {"summary": report.summary(), "files": [r.as_dict() for r in report.results]},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for result in report.results:
        if result.status in {"failed", "skipped"}:
            click.echo(f"{STATUS_LABELS[result.status]}  {result.path}: {result.reason}")
        elif result.status in {"added", "updated", "removed"}:
            click.echo(
                f"{STATUS_LABELS[result.status]}  {result.path}  《{result.title or ''}》 "
                f"{result.passages} 段引文, {result.sections} 篇"
            )
        for warning in result.warnings:
            click.echo(f"    ⚠ {warning.message}")
    summary = report.summary()
    click.echo(
        "文档: 新增 {added}, 更新 {updated}, 未变 {unchanged}, 删除 {removed}, 失败 {failed}"
        "{skipped_text} | 集合: {documents} 篇文档, {sections} 个章节, {passages} 段引文, "
        "本次警告 {warnings}".format(
            skipped_text=f", 跳过 {summary['skipped']}" if summary["skipped"] else "", **summary
        )
    )


@main.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def docs(index_dir: Path | None, as_json: bool) -> None:
    """List the documents of a collection with title, date, authors, passages and warnings."""
    from embeddings.collection import Collection

    try:
        documents = Collection(_index_path(index_dir)).documents()
    except CollectionError as error:
        _fail(str(error))
        return
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "doc_id": d.doc_id,
                        "title": d.title,
                        "date": d.date,
                        "source": d.source,
                        "authors": d.authors,
                        "passages": d.passages,
                        "sections": d.sections,
                        "path": d.path,
                        "warnings": [{"code": w.code, "message": w.message} for w in d.warnings],
                    }
                    for d in documents
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not documents:
        click.echo("集合为空。用 `yinwen ingest PATH` 添加文档。")
        return
    for d in documents:
        authors = "、".join(d.authors) if d.authors else "—"
        click.echo(
            f"{d.doc_id}  {d.date or '日期不详'}  《{d.title}》  作者: {authors}  "
            f"{d.passages} 段引文  {d.sections} 篇" + (f"  来源: {d.source}" if d.source else "")
        )
        for warning in d.warnings:
            click.echo(f"    ⚠ {warning.message}")


@main.command(name="remove")
@click.argument("targets", nargs=-1, required=True)
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def remove_command(targets: tuple[str, ...], index_dir: Path | None, as_json: bool) -> None:
    """Remove documents by id (see `yinwen docs`) or by source path."""
    from embeddings.collection import Collection

    try:
        report = Collection(_index_path(index_dir)).remove(list(targets))
    except CollectionError as error:
        _fail(str(error))
        return
    _print_report(report, as_json)
    sys.exit(1 if report.failed else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
