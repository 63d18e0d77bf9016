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

from collection import CollectionError, default_location, is_database_url
from corpus import IngestReport

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
    default=None,
    help="Collection directory or postgresql:// URL (default: $YINWEN_INDEX, "
    "$YINWEN_HOME/default or the user data dir).",
)


def _index_path(index_dir: str | Path | None) -> Path | str:
    """A directory, or a database URL kept as given (a Path would fold its //)."""
    if index_dir is None:
        return default_location()
    return index_dir if is_database_url(index_dir) else Path(index_dir).expanduser()


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
    index_dir: str | None,
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
    index: Path | str,
    targets: list[Path],
    embedder: str | None,
    rebuild: bool,
    show_progress: bool,
) -> IngestReport:
    from collection.collection import Collection

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
def docs(index_dir: str | None, as_json: bool) -> None:
    """List the documents of a collection with title, date, authors, passages and warnings."""
    from collection.collection import Collection

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
                        "dates": [date.as_dict() for date in d.dates],
                        "kind": d.kind,
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
    from .render import short_document_date

    for d in documents:
        authors = "、".join(d.authors) if d.authors else "—"
        date = short_document_date(d)
        click.echo(
            f"{d.doc_id}  {date}  《{d.title}》  作者: {authors}  "
            f"{d.passages} 段引文  {d.sections} 篇" + (f"  来源: {d.source}" if d.source else "")
        )
        for warning in d.warnings:
            click.echo(f"    ⚠ {warning.message}")


@main.command(name="remove")
@click.argument("targets", nargs=-1, required=True)
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def remove_command(targets: tuple[str, ...], index_dir: str | None, as_json: bool) -> None:
    """Remove documents by id (see `yinwen docs`) or by source path."""
    from collection.collection import Collection

    try:
        report = Collection(_index_path(index_dir)).remove(list(targets))
    except CollectionError as error:
        _fail(str(error))
        return
    _print_report(report, as_json)
    sys.exit(1 if report.failed else 0)


def _open_qa(index_dir: str | Path | None, llm: str | None = None) -> Any:
    from qa import QA, LLMError, LLMSettings

    options: dict[str, Any] = {}
    if llm:
        provider, _, model = llm.partition(":")
        if provider not in {"openai", "ollama"} or not model:
            _fail("--llm takes openai:MODEL or ollama:MODEL (base URL and key from YINWEN_LLM_*)")
        try:
            env = LLMSettings.from_env()
        except LLMError:
            env = None
        options["llm"] = LLMSettings(
            provider=provider,
            model=model,
            base_url=(env.base_url if env else None) or os.environ.get("YINWEN_LLM_BASE_URL"),
            api_key=(env.api_key if env else None) or os.environ.get("YINWEN_LLM_API_KEY"),
        )
    try:
        return QA.open(_index_path(index_dir), **options)
    except CollectionError as error:
        _fail(str(error))


def _filters(
    author: str | None, date_from: str | None, date_to: str | None, doc: tuple[str, ...]
) -> Any:
    from qa import Filters

    return Filters(doc_ids=tuple(doc), author=author, date_from=date_from, date_to=date_to)


filter_options = [
    click.option("--author", default=None, help="Only passages by this author/speaker."),
    click.option("--from", "date_from", default=None, help="Earliest document date, YYYY-MM-DD."),
    click.option("--to", "date_to", default=None, help="Latest document date, YYYY-MM-DD."),
    click.option("--doc", multiple=True, help="Only this document id (repeatable)."),
]


def with_filters(function: Any) -> Any:
    for option in reversed(filter_options):
        function = option(function)
    return function


@main.command()
@click.argument("query", required=False)
@index_option
@click.option("--top-k", "-k", default=10, show_default=True, help="Results per query.")
@click.option("--batch", type=click.File("r", encoding="utf-8"), default=None,
              help="JSON lines {id, question} (or plain lines) from FILE or - ; one JSON line out per query.")  # fmt: skip
@click.option("--sort", type=click.Choice(["relevance", "newest"]), default="relevance")
@click.option("--diverse", is_flag=True, help="Diversify results (MMR).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_filters
def search(
    query: str | None,
    index_dir: str | None,
    top_k: int,
    batch: Any,
    sort: str,
    diverse: bool,
    as_json: bool,
    author: str | None,
    date_from: str | None,
    date_to: str | None,
    doc: tuple[str, ...],
) -> None:
    """Find citable quotes for QUERY (or for every line of --batch)."""
    if not query and batch is None:
        _fail("give a QUERY or --batch FILE")
    qa = _open_qa(index_dir)
    filters = _filters(author, date_from, date_to, doc)
    if batch is not None:
        for number, line in enumerate(batch, start=1):
            line = line.strip()
            if not line:
                continue
            try:
                item = (
                    json.loads(line) if line.startswith("{") else {"id": number, "question": line}
                )
                question = str(item.get("question") or item.get("query") or "")
            except ValueError:
                item, question = {"id": number}, line
            response = qa.search(
                question, top_k=top_k, filters=filters, sort=sort, diversify=diverse
            )
            data = response.as_dict()
            data.pop("query")
            click.echo(json.dumps({"id": item.get("id", number), **data}, ensure_ascii=False))
        return
    assert query is not None
    response = qa.search(query, top_k=top_k, filters=filters, sort=sort, diversify=diverse)
    if as_json:
        click.echo(json.dumps(response.as_dict(), ensure_ascii=False, indent=2))
        return
    from qa import quote_card

    if not response.answerable:
        click.echo("（资料中可能没有直接相关的内容；以下为最接近的段落）")
    elif response.uncertain:
        from qa.answer import UNCERTAIN_NOTE

        click.echo(f"（⚠ {UNCERTAIN_NOTE}）")
    from corpus.locators import locator_label
    from corpus.model import WarningCode

    from .citation import damage_note, title_damage
    from .render import quote_damage
    from .strings import WARNING_LABELS

    for result in response.results:
        passage = result.passage
        card = quote_card(result.sentence, result.locations[0], result.quoted_speakers())
        click.echo(f"{result.rank}. {card}")
        if len(result.locations) > 1:
            others = "；".join(
                f"《{loc.title}》{locator_label(loc.locator)}" for loc in result.locations[1:]
            )
            click.echo(f"   另见：{others}")
        quote, damage = quote_damage(result)
        title = result.locations[0].title or ""
        note = damage_note(quote, damage, title_damage(title), title)
        if note:
            click.echo(f"   ⚠ {note}")
        # the same labels as the web page, from the one table of codes
        for code in dict.fromkeys(passage.warnings):
            if code in WARNING_LABELS:
                click.echo(f"   ⚠ {WARNING_LABELS[WarningCode(code)]}")


@main.command()
@click.argument("question")
@index_option
@click.option(
    "--llm", default=None, help="openai:MODEL or ollama:MODEL (else YINWEN_LLM*; else extractive)."
)
@click.option(
    "--extractive", is_flag=True, help="Force the extractive answer even if an LLM is configured."
)
@click.option("--top-k", "-k", default=5, show_default=True, help="Sources given to the answer.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_filters
def ask(
    question: str,
    index_dir: str | None,
    llm: str | None,
    extractive: bool,
    top_k: int,
    as_json: bool,
    author: str | None,
    date_from: str | None,
    date_to: str | None,
    doc: tuple[str, ...],
) -> None:
    """Answer QUESTION with cited, verified quotes (or say it is not in the collection)."""
    from qa import LLMError

    qa = _open_qa(index_dir, llm)
    mode = "llm" if qa.llm_available and not extractive else "extractive"
    filters = _filters(author, date_from, date_to, doc)
    try:
        if as_json:
            answer = qa.ask(question, mode=mode, top_k=top_k, filters=filters)
            click.echo(json.dumps(answer.as_dict(), ensure_ascii=False, indent=2))
            return
        shown = 0
        answer = None
        for update in qa.ask_stream(question, mode=mode, top_k=top_k, filters=filters):
            if update.final is None:
                click.echo(update.text[shown:], nl=False)
                shown = len(update.text)
            answer = update.final or answer
        if shown:
            click.echo("\n--- 核对后的答案 ---")
    except LLMError as error:
        _fail(str(error), code=1)
        return
    assert answer is not None
    click.echo(answer.to_markdown())


@main.command(name="eval")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@index_option
@click.option("--top-k", "-k", default=10, show_default=True)
@click.option(
    "--part",
    type=click.Choice(["tune", "report", "all"]),
    default="all",
    show_default=True,
    help="Only the tune or the report part of the set (fixed split by a hash of the id).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with per-question ranks).")
def eval_command(
    questions: Path, index_dir: str | None, top_k: int, part: str, as_json: bool
) -> None:
    """Recall@1/5/10, MRR@10 and abstention accuracy over a JSON-lines question set."""
    from qa.evaluation import evaluate, format_table, load_questions

    qa = _open_qa(index_dir)
    try:
        items = load_questions(questions, None if part == "all" else part)
    except (ValueError, KeyError) as error:
        _fail(f"{questions}: {error}")
        return
    report = evaluate(qa, items, top_k=top_k)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(format_table(report))


@main.command()
@index_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (0.0.0.0 for the LAN).",
)
@click.option("--port", default=7860, show_default=True, type=int)
@click.option("--auth-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="File with one user:password per line (logins required to open the page).")  # fmt: skip
@click.option("--auth", default=None,
              help="user:password (visible to other users in `ps`; prefer --auth-file).")  # fmt: skip
@click.option("--admin", "admins", multiple=True,
              help="With auth: a user who may upload, import and remove documents (repeatable; "
                   "default: the first user of --auth-file/--auth).")  # fmt: skip
@click.option("--import-root", "import_roots", multiple=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Server directory whose folders the page may import (repeatable; "
                   "none: no folder import).")  # fmt: skip
@click.option(
    "--sample", is_flag=True, help="Build the collection from the bundled samples if it is empty."
)
@click.option(
    "--max-upload-mb", default=50, show_default=True, type=int, help="Upload size limit per file."
)
def serve(
    index_dir: str | None,
    host: str,
    port: int,
    auth_file: Path | None,
    auth: str | None,
    admins: tuple[str, ...],
    import_roots: tuple[Path, ...],
    sample: bool,
    max_upload_mb: int,
) -> None:
    """Serve the web page (chat, quote search, basket, library) for a collection."""
    from .process import limit_malloc_arenas

    limit_malloc_arenas()  # first: before any import or load starts a thread
    from collection.collection import Collection
    from corpus import samples_path

    from .access import ImportRoots, LoginThrottle, Operators

    index = _index_path(index_dir)
    credentials = _credentials(auth, auth_file)
    if host not in {"127.0.0.1", "localhost", "::1"} and not credentials:
        click.echo(
            f"yinwen: warning: serving on {host} without --auth; anyone on the network can read "
            "and change this collection",
            err=True,
        )
    users = [user for user, _ in credentials]
    unknown = [name for name in admins if name not in users]
    if admins and not credentials:
        _fail("--admin needs --auth-file or --auth")
    if unknown:
        _fail(f"--admin {unknown[0]}: no such user in --auth-file/--auth")
    operators = Operators(auth_on=bool(credentials), names=frozenset(admins or users[:1]))
    collection = Collection(index)
    try:
        empty = not collection.exists()
    except CollectionError as error:
        _fail(str(error))
        return
    if empty and sample:
        click.echo(
            f"首次运行：正在用示例资料建立索引 {collection.location} …（约十几秒）", err=True
        )
        report = _run_ingest(index, [samples_path()], None, False, True)
        _print_report(report, False)
    qa = _open_qa(index)
    from ui.web import create_app, launch_options

    app = create_app(
        qa,
        uploads=collection.path / "uploads",
        max_upload_mb=max_upload_mb,
        import_roots=ImportRoots.of(import_roots),
        operators=operators,
        browser_secret=_browser_secret(collection.path),
    )
    qa.reader().embedder.tune_for_serving()  # measured now, while nothing else runs
    click.echo(f"yinwen: serving {collection.location} on http://{host}:{port}", err=True)
    app.queue(default_concurrency_limit=4).launch(
        server_name=host,
        server_port=port,
        auth=LoginThrottle(dict(credentials)).check if credentials else None,
        inbrowser=False,
        share=False,
        quiet=True,
        **launch_options(max_upload_mb),
    )


def _browser_secret(index: Path) -> str:
    """The key the page encrypts each browser's basket with, kept beside the
    collection so that baskets stay readable after the server restarts."""
    import secrets

    path = index / "web-secret"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        secret = secrets.token_hex(16)
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secret)
        return secret


def _credentials(auth: str | None, auth_file: Path | None) -> list[tuple[str, str]]:
    pairs = []
    lines = []
    if auth_file:
        lines += auth_file.read_text(encoding="utf-8").splitlines()
    if auth:
        lines.append(auth)
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, colon, password = line.partition(":")
        if not colon or not user or not password:
            _fail("--auth takes user:password (one per line in --auth-file)")
        pairs.append((user, password))
    return pairs


if __name__ == "__main__":  # pragma: no cover
    main()
