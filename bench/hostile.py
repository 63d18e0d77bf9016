"""Hostile files and hostile moments: does `yinwen ingest` hold? (issue #9)

Builds a folder of bad input in a temporary directory - an empty file, random
bytes named .txt/.docx/.pdf, truncated, encrypted and zip-bomb .docx and .pdf,
a PDF without text, a 50 MB one-line text, mixed encodings, control
characters, 5,000 tiny files, a 2 kB path, a symlink loop, a dangling link, a
FIFO and odd file names - and runs `yinwen ingest` on it in a subprocess,
measuring wall time and peak RSS, checking one line per bad file and no
traceback. Then kills an ingest with SIGKILL at random moments (the previous
generation must open and be consistent each time, and a clean re-ingest must
converge), and races two first ingests with different embedders.

    .venv/bin/python bench/hostile.py [--big-mb 50] [--tiny 5000] [--kills 20] [--races 5]
                                      [--embedder hash] [--keep DIR]

Prints a Markdown table for docs/RELIABILITY.md. The hash embedder is the
default so that embedding does not dominate the timings (`--embedder use` for
the bundled real one).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus.ingest import path_key  # noqa: E402

SENTENCE = "要把广大职工群众紧密团结在党的周围，为实现党的中心任务而团结奋斗。"
WORDS = "工会 职工 群众 团结 劳模 精神 工匠 维权 服务 改革 基层 组织 建设 发展 创新 党 领导".split()
TRACEBACK = re.compile(r"Traceback \(most recent call last\)")


@dataclass
class HostileFolder:
    """What was built and what ingesting it should report, by path as yinwen shows it."""

    root: Path
    bad: dict[str, str] = field(default_factory=dict)  # path -> what is wrong with it
    good: set[str] = field(default_factory=set)  # paths that must be added
    skipped: set[str] = field(default_factory=set)  # unsupported types, folder links


# --------------------------------------------------------------------------- building


def prose(size: int, seed: int = 0) -> str:
    """About ``size`` bytes of Chinese sentences on one line."""
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < size:
        sentence = "".join(rng.choice(WORDS) for _ in range(rng.randint(5, 30)))
        sentence += rng.choice("。，；！？")
        parts.append(sentence)
        total += len(sentence.encode("utf-8"))
    return "".join(parts)


def docx_bytes(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_bomb(unpacked_mb: int) -> bytes:
    """A valid .docx whose document.xml unpacks to ``unpacked_mb`` MB of whitespace."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes(["正文。"])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            if member.filename != "word/document.xml":
                archive.writestr(member, source.read(member))
        head, _, tail = source.read("word/document.xml").rpartition(b"</w:body>")
        with archive.open("word/document.xml", "w", force_zip64=True) as handle:
            handle.write(head)
            block = b" " * (1024 * 1024)
            for _ in range(unpacked_mb):
                handle.write(block)
            handle.write(b"</w:body>" + tail)
    return out.getvalue()


def pdf_bytes(content: bytes) -> bytes:
    """A one-page PDF with ``content`` as its Flate-compressed content stream."""
    return pdf_with_stream(zlib.compress(content, 9))


def pdf_bomb(unpacked_mb: int) -> bytes:
    """A PDF whose page content unpacks to ``unpacked_mb`` MB (compressed as a stream,
    never held whole)."""
    compressor = zlib.compressobj(9)
    block = b" " * (1024 * 1024)
    stream = b"".join(compressor.compress(block) for _ in range(unpacked_mb))
    return pdf_with_stream(stream + compressor.flush())


def pdf_with_stream(stream: bytes) -> bytes:
    """A one-page PDF whose content stream is ``stream`` (already Flate-compressed)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources "
        b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def encrypted_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def build_hostile_folder(
    root: Path, big_mb: int = 50, tiny: int = 5000, bomb_mb: int = 1160, seed: int = 9
) -> HostileFolder:
    """Write the hostile folder under ``root`` and say what ingesting it must report."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()  # yinwen reports files by their resolved paths
    folder = HostileFolder(root)

    def bad(name: str, data: bytes, why: str) -> None:
        path = root / name
        path.write_bytes(data)
        folder.bad[path_key(path)] = why

    def good(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
        folder.good.add(path_key(path))

    bad("empty.txt", b"", "empty file")
    bad("random.txt", rng.randbytes(4096), "random bytes")
    bad("random.docx", rng.randbytes(4096), "random bytes")
    bad("random.pdf", b"%PDF-1.7\n" + rng.randbytes(4096), "random bytes after a PDF header")
    whole = docx_bytes([SENTENCE] * 20)
    bad("truncated.docx", whole[: len(whole) // 2], "truncated")
    bad("encrypted.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + rng.randbytes(4096), "encrypted")
    bad("bomb.docx", docx_bomb(bomb_mb), f"zip bomb ({bomb_mb} MB unpacked)")
    text_pdf = pdf_bytes(b"BT /F1 12 Tf 72 720 Td (hello) Tj ET")
    bad("truncated.pdf", text_pdf[: len(text_pdf) // 3], "truncated")
    bad("encrypted.pdf", encrypted_pdf(), "encrypted")
    bad("bomb.pdf", pdf_bomb(min(bomb_mb, 400)), "Flate bomb in a content stream")
    bad("textless.pdf", pdf_bytes(b"0 0 m 100 100 l S"), "no text (a drawing)")
    (root / "loop_a.txt").symlink_to("loop_b.txt")
    (root / "loop_b.txt").symlink_to("loop_a.txt")
    folder.bad[path_key(root / "loop_a.txt")] = "symlink loop"
    folder.bad[path_key(root / "loop_b.txt")] = "symlink loop"
    (root / "dangling.txt").symlink_to("missing_target.txt")
    folder.bad[path_key(root / "dangling.txt")] = "dangling symlink"
    os.mkfifo(root / "fifo.txt")
    folder.bad[path_key(root / "fifo.txt")] = "FIFO (a read would block)"
    (root / "table.xlsx").write_bytes(b"PK")
    folder.skipped.add(path_key(root / "table.xlsx"))
    (root / "up").symlink_to("..")
    folder.skipped.add(path_key(root / "up"))

    good(
        root / "good.docx",
        docx_bytes([SENTENCE, "劳模精神、劳动精神、工匠精神是伟大民族精神的重要内容。"]),
    )
    if big_mb:
        good(root / "one-line.txt", prose(big_mb * 1000 * 1000, seed).encode("utf-8"))
    good(
        root / "mixed-encodings.txt",
        "混合编码\n\n".encode() + (SENTENCE + "\n").encode() * 3 + "劳模精神。\n".encode("gbk"),
    )
    good(
        root / "controls.txt",
        (
            "控制字符\x07\n\n第一句\x00话\x1b[31m在这里。\x7f第二句\x1b]0;title\x07也在这里。"
        ).encode(),
    )
    for name in ["odd\nname.txt", "-rf.txt", " space .txt", "esc\x1b[31m.txt", "名" * 60 + ".txt"]:
        good(root / "names" / name, (SENTENCE + name.strip()).encode())
    gbk_name = os.fsencode(root / "names") + b"/" + "工会文件".encode("gbk") + b".txt"
    good(Path(os.fsdecode(gbk_name)), SENTENCE.encode())
    deep = root / "deep"
    while len(os.fsencode(deep)) < 2048:
        deep = deep / ("深" * 30)
    good(deep / "deep.txt", SENTENCE.encode())
    for number in range(tiny):
        text = f"第{number}号通知：{WORDS[number % len(WORDS)]}{SENTENCE}"
        good(root / "tiny" / f"{number // 500:02d}" / f"{number:05d}.txt", text.encode())
    return folder


# --------------------------------------------------------------------------- running


@dataclass
class Run:
    seconds: float
    peak_mb: float
    returncode: int | None  # None: killed
    stdout: str
    stderr: str


def yinwen(args: list[str], kill_after: float | None = None, timeout: float = 3600) -> Run:
    """Run `yinwen ARGS` from this checkout; wall time and the child's own peak RSS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        environment = dict(os.environ, PYTHONPATH=str(ROOT), GRADIO_ANALYTICS_ENABLED="False")
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "ui.cli", *args],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=err,
        )
        deadline = started + (kill_after if kill_after is not None else timeout)
        killed = False
        peak_kb = 0
        while True:
            # The child's own high-water mark: ru_maxrss of a child also counts the
            # memory of this (large) process it was forked from before exec.
            peak_kb = max(peak_kb, _high_water_kb(process.pid))
            pid, status, _ = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() >= deadline:
                os.kill(process.pid, signal.SIGKILL)
                killed = True
                _, status, _ = os.wait4(process.pid, 0)
                break
            time.sleep(0.01)
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return Run(
            seconds=seconds,
            peak_mb=peak_kb / 1024,
            returncode=None if killed and kill_after is not None else process.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def _high_water_kb(pid: int) -> int:
    """VmHWM of a running process (Linux), 0 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def check_report(folder: HostileFolder, run: Run) -> list[str]:
    """Problems with an ingest's output: a bad file without exactly one line, a good
    file not added (first run) or not reported, any traceback."""
    problems = []
    failed_lines = [line for line in run.stdout.splitlines() if line.startswith("失败  ")]
    for path in folder.bad:
        count = sum(1 for line in failed_lines if line.startswith(f"失败  {path}: "))
        if count != 1:
            problems.append(f"{count} lines for {path}")
    if len(failed_lines) != len(folder.bad):
        problems.append(f"{len(failed_lines)} failure lines for {len(folder.bad)} bad files")
    if TRACEBACK.search(run.stdout + run.stderr):
        problems.append("traceback")
    elif run.stderr.strip():
        problems.append(f"stderr: {run.stderr.strip().splitlines()[0][:200]}")
    if run.returncode != 1:
        problems.append(f"exit code {run.returncode}, expected 1")
    return problems


def consistency(index: Path | str, committed: Collection[str] = ()) -> str | None:
    """None if the live state of a collection (a directory or a PostgreSQL URL)
    opens and agrees with itself, else what is wrong: the store, the vectors and
    BM25 hold the same passages, every document has every passage its record
    names (none half there), the ``committed`` documents are all there, passage
    texts are their documents' text."""
    from collection import Collection as Opened

    try:
        reader = Opened(index).reader()
    except Exception as error:
        return f"does not open: {type(error).__name__}: {error}"
    try:
        stored = set(reader.store.passage_ids())
        if reader.dense.passage_ids() != stored:
            return "vectors and passages differ"
        if reader.sparse.passage_ids() != stored:
            return "BM25 and passages differ"
        documents = {d.doc_id: d for d in reader.store.documents()}
        if set(reader.manifest.documents) != set(documents):
            return "manifest and corpus store differ"
        missing = set(committed) - set(documents)
        if missing:
            return f"{len(missing)} committed documents lost"
        passages = reader.store.passages()
        held = Counter(passage.doc_id for passage in passages)
        for doc_id, document in documents.items():
            if held[doc_id] != document.passages:
                return f"document {doc_id} holds {held[doc_id]} of its {document.passages} passages"
        for passage in passages[:: max(1, len(passages) // 200)]:
            text = reader.store.document_text(passage.doc_id) or ""
            if text[passage.start : passage.end] != passage.text:
                return f"passage {passage.passage_id} is not its document's text"
    finally:
        reader.close()
    return None


# --------------------------------------------------------------------------- scenarios


def hostile_ingest(work: Path, args: argparse.Namespace) -> list[list[str]]:
    print("building the hostile folder ...", file=sys.stderr, flush=True)
    folder = build_hostile_folder(work / "hostile", big_mb=args.big_mb, tiny=args.tiny)
    index = work / "hostile-index"
    rows = []
    for label in ("hostile folder, first ingest", "hostile folder, again (unchanged)"):
        print(f"{label} ...", file=sys.stderr, flush=True)
        command = ["ingest", "--index", str(index), "--embedder", args.embedder]
        run = yinwen([*command, "--no-progress", str(folder.root)])
        problems = check_report(folder, run)
        added = sum(1 for line in run.stdout.splitlines() if line.startswith("新增  "))
        unchanged = re.search(r"未变 (\d+)", run.stdout)
        if label.endswith("first ingest") and added != len(folder.good):
            problems.append(f"{added} added, expected {len(folder.good)}")
        if label.endswith("(unchanged)") and (
            added or not unchanged or int(unchanged.group(1)) != len(folder.good)
        ):
            problems.append(f"not all unchanged ({added} added)")
        inconsistent = consistency(index)
        if inconsistent:
            problems.append(inconsistent)
        outcome = (
            f"{len(folder.bad)} bad files, one line each; {len(folder.good)} good files "
            f"{'added' if 'first' in label else 'unchanged'}; 0 tracebacks; exit 1"
            if not problems
            else "FAILED: " + "; ".join(problems[:5])
        )
        rows.append([label, "1", outcome, f"{run.seconds:.0f} s", f"{run.peak_mb:.0f} MB"])
        if problems:
            (work / "hostile-output.txt").write_text(run.stdout + run.stderr, encoding="utf-8")
    return rows


def big_file_alone(work: Path, args: argparse.Namespace) -> list[list[str]]:
    big = work / "hostile" / "one-line.txt"
    index = work / "big-index"
    print("the one-line file alone ...", file=sys.stderr, flush=True)
    run = yinwen(["ingest", "--index", str(index), "--embedder", args.embedder, str(big)])
    passages = re.search(r"(\d+) 段引文", run.stdout)
    ok = run.returncode == 0 and passages and not TRACEBACK.search(run.stdout + run.stderr)
    return [
        [
            f"{args.big_mb} MB one-line text alone",
            "1",
            f"added, {passages.group(1)} passages" if ok and passages else "FAILED",
            f"{run.seconds:.0f} s",
            f"{run.peak_mb:.0f} MB",
        ]
    ]


def kill_loop(work: Path, args: argparse.Namespace) -> list[list[str]]:
    from collection.collection import Collection

    rng = random.Random(args.seed)
    base_docs, more_docs = work / "kill-base", work / "kill-more"
    for folder, count, seed in ((base_docs, 20, 1), (more_docs, 300, 2)):
        folder.mkdir(parents=True, exist_ok=True)
        for number in range(count):
            text = prose(1500, seed * 10000 + number)
            (folder / f"doc{number:04d}.txt").write_text(f"文档{number}\n\n{text}", "utf-8")
    (more_docs / "long.txt").write_text(prose(3_000_000, 3), encoding="utf-8")
    size_mb = sum(p.stat().st_size for p in more_docs.iterdir()) / 1e6
    base = work / "kill-base-index"
    Collection(base).ingest([base_docs], embedder=args.embedder)
    command = ["ingest", "--embedder", args.embedder, "--no-progress", str(more_docs)]

    print("kill -9 loop: one full run to time it ...", file=sys.stderr, flush=True)
    probe = work / "kill-probe"
    shutil.copytree(base, probe)
    full = yinwen(["ingest", "--index", str(probe), *command[1:]])
    consistent_after = 0
    killed = 0
    moments = []
    index = work / "kill-index"
    for attempt in range(args.kills + 1):
        shutil.rmtree(index, ignore_errors=True)
        shutil.copytree(base, index)
        # The last one, at mid-run, leaves the state the re-ingest below starts from.
        moment = (0.5 if attempt == args.kills else rng.uniform(0.02, 0.9)) * full.seconds
        run = yinwen(["ingest", "--index", str(index), *command[1:]], kill_after=moment)
        if attempt == args.kills:
            break
        moments.append(moment)
        killed += run.returncode is None
        problem = consistency(index)
        if problem is None:
            consistent_after += 1
        else:
            print(f"  kill {attempt} at {moment:.1f} s: {problem}", file=sys.stderr)
        if run.returncode is not None:
            print(f"  kill {attempt} at {moment:.1f} s came after the end", file=sys.stderr)
    converge = yinwen(["ingest", "--index", str(index), *command[1:]])
    again = yinwen(["ingest", "--index", str(index), *command[1:]])
    converged = (
        converge.returncode == 0
        and consistency(index) is None
        and not list(index.glob(".staging-*"))
        and len([p for p in index.iterdir() if re.fullmatch(r"g\d+", p.name)]) == 1
        and not any(line.startswith("新增  ") for line in again.stdout.splitlines())
        and not TRACEBACK.search(converge.stdout + converge.stderr)
    )
    return [
        [
            f"kill -9 at random moments of an ingest (301 files, {size_mb:.1f} MB)",
            str(args.kills),
            f"{killed} killed mid-run; after {consistent_after}/{args.kills} the collection "
            f"opens and is consistent (moments {min(moments):.1f}-{max(moments):.1f} s "
            f"of a {full.seconds:.1f} s run)",
            f"{full.seconds:.0f} s per full run",
            f"{full.peak_mb:.0f} MB",
        ],
        [
            "re-ingest after the last kill",
            "1",
            "converged: consistent, one generation, no staging left, next run unchanged"
            if converged
            else f"FAILED (exit {converge.returncode})",
            f"{converge.seconds:.0f} s",
            f"{converge.peak_mb:.0f} MB",
        ],
    ]


def races(work: Path, args: argparse.Namespace) -> list[list[str]]:
    docs = work / "race-docs"
    docs.mkdir(exist_ok=True)
    for number in range(30):
        (docs / f"{number}.txt").write_text(prose(3000, 500 + number), encoding="utf-8")
    clean = 0
    seconds = []
    for attempt in range(args.races):
        index = work / f"race-{attempt}"
        environment = dict(os.environ, PYTHONPATH=str(ROOT), GRADIO_ANALYTICS_ENABLED="False")
        started = time.perf_counter()
        processes = []
        for embedder in ("hash", "hash-384"):
            command = ["ingest", "--index", str(index), "--embedder", embedder, "--no-progress"]
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "ui.cli", *command, str(docs)],
                    cwd=ROOT,
                    env=environment,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        outputs = [process.communicate() for process in processes]
        results = [
            (p.returncode, out, err) for p, (out, err) in zip(processes, outputs, strict=True)
        ]
        seconds.append(time.perf_counter() - started)
        codes = sorted(code for code, _, _ in results)
        loser = next((err for code, _, err in results if code == 2), "")
        one_line = loser.count("\n") == 1 and "yinwen ingest --rebuild" in loser
        tracebacks = any(TRACEBACK.search(out + err) for _, out, err in results)
        if codes == [0, 2] and one_line and not tracebacks and consistency(index) is None:
            clean += 1
        else:
            print(f"  race {attempt}: codes {codes}: {loser[:300]!r}", file=sys.stderr)
    return [
        [
            "two first ingests at once, embedders hash and hash-384",
            str(args.races),
            f"{clean}/{args.races}: one added, the other one line naming `yinwen ingest "
            "--rebuild`, collection consistent",
            f"{max(seconds):.0f} s",
            "-",
        ]
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-mb", type=int, default=50, help="size of the one-line text file")
    parser.add_argument("--tiny", type=int, default=5000, help="number of tiny files")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--races", type=int, default=5)
    parser.add_argument("--embedder", default="hash")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--keep", type=Path, help="work here and keep it (default: a temp dir)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="yinwen-hostile-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        rows = hostile_ingest(work, args)
        if args.big_mb:
            rows += big_file_alone(work, args)
        if args.kills:
            rows += kill_loop(work, args)
        if args.races:
            rows += races(work, args)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print("| what | runs | result | wall time | peak RSS |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
