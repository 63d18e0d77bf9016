"""Quote verification, and LLM answers end to end against a scripted
OpenAI-compatible server on loopback that fabricates quotes and miscites."""

from __future__ import annotations

import json
import re
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from qa import QA, LLMSettings, verify_answer
from qa.verify import UNVERIFIED_MARK
from ui.cli import main

SOURCES = {
    1: "要坚持全心全意依靠工人阶级的根本方针，充分调动广大职工群众的积极性。",
    2: "要大力弘扬劳模精神、劳动精神、工匠精神，发挥好劳模工匠示范引领作用。",
}


@pytest.mark.parametrize(
    ("answer", "expected_text", "counts"),
    [
        # verified: the quote is in the source it cites
        ("报告强调“要大力弘扬劳模精神、劳动精神、工匠精神”[2]。",
         "报告强调“要大力弘扬劳模精神、劳动精神、工匠精神”[2]。", (1, 0, 0, [])),
        # width and punctuation variants still count as verbatim
        ("“要坚持全心全意依靠工人阶级的根本方针,充分调动广大职工群众的积极性”[1]",
         "“要坚持全心全意依靠工人阶级的根本方针,充分调动广大职工群众的积极性”[1]", (1, 0, 0, [])),
        # corrected: right words, wrong source number
        ("他指出“要大力弘扬劳模精神、劳动精神、工匠精神”[1]。",
         "他指出“要大力弘扬劳模精神、劳动精神、工匠精神”[2]。", (0, 1, 0, [])),
        # unverified: found nowhere -> no quotation marks, marked
        ("有人说“劳模是天上掉下来的”[1]。",
         f"有人说劳模是天上掉下来的{UNVERIFIED_MARK}[1]。", (0, 0, 1, [])),
        # a marker pointing at nothing is removed
        ("工会要团结职工[7]。", "工会要团结职工。", (0, 0, 0, [7])),
        # 「」 quotes and a quote without any marker
        ("文件说「发挥好劳模工匠示范引领作用」。", "文件说「发挥好劳模工匠示范引领作用」。", (1, 0, 0, [])),
        # a short quoted term that no source spells out is left alone
        ("这是“两会”的要求[1]。", "这是“两会”的要求[1]。", (0, 0, 0, [])),
    ],
)  # fmt: skip
def test_verify_answer(
    answer: str, expected_text: str, counts: tuple[int, int, int, list[int]]
) -> None:
    text, report = verify_answer(answer, SOURCES)
    assert text == expected_text
    assert (report.verified, report.corrected, report.unverified, report.removed_markers) == counts
    assert report.summary().startswith("核对")


# ----------------------------------------------------------------------------- scripted LLM server

TRUE_QUOTE = "要大力弘扬劳模精神、劳动精神、工匠精神"
FABRICATED = "劳动模范都是天生的"


class ScriptedOpenAI(BaseHTTPRequestHandler):
    """/v1/chat/completions that answers with one right quote under a wrong number,
    one fabricated quote, and a marker to a source that does not exist."""

    requests: ClassVar[list[dict]] = []

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ScriptedOpenAI.requests.append(body)
        prompt = body["messages"][-1]["content"]
        sources = re.findall(r"^\[(\d+)\][^\n]*\n([^\n]*)", prompt, re.MULTILINE)
        right = next((int(n) for n, text in sources if TRUE_QUOTE in text), 1)
        wrong = next(int(n) for n, text in sources if TRUE_QUOTE not in text)
        answer = f"文中强调“{TRUE_QUOTE}”[{wrong}]。也有人说“{FABRICATED}”[{right}]。详见[42]。"
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for piece in re.findall(r".{1,6}", answer, re.DOTALL):
                self._event(
                    {"delta": {"role": "assistant", "content": piece}, "finish_reason": None}
                )
            self._event({"delta": {}, "finish_reason": "stop"})
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        else:
            payload = {
                "id": "scripted", "object": "chat.completion", "created": 0, "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }  # fmt: skip
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def _event(self, choice: dict) -> None:
        chunk = {"id": "scripted", "object": "chat.completion.chunk", "created": 0,
                 "model": "scripted", "choices": [{"index": 0, **choice}]}  # fmt: skip
        self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
        self.wfile.flush()


def test_llm_answer_is_verified_end_to_end(sample_collection: Path, llm_server: str) -> None:
    pytest.importorskip("langchain_openai")
    settings = LLMSettings(provider="openai", model="scripted", base_url=llm_server, api_key="x")
    qa = QA.open(sample_collection, llm=settings)
    updates = list(qa.ask_stream("弘扬劳模精神、劳动精神、工匠精神", mode="llm"))
    assert len(updates) > 3 and updates[-1].final is not None  # it streamed
    answer = updates[-1].final
    assert answer.mode == "llm" and answer.model == "openai:scripted"
    report = answer.verification
    assert (report.corrected, report.unverified, report.removed_markers) == (1, 1, [42])
    # the true quote now cites the source that contains it
    correct = next(c for c in answer.citations if TRUE_QUOTE in c.passage.text)
    assert f"“{TRUE_QUOTE}”[{correct.number}]" in answer.text
    # the fabricated quote is never shown as a quote
    assert f"“{FABRICATED}”" not in answer.text and f"{FABRICATED}{UNVERIFIED_MARK}" in answer.text
    assert "[42]" not in answer.text
    # the prompt gave numbered sources and asked for verbatim quotes
    prompt = ScriptedOpenAI.requests[-1]["messages"]
    assert "逐字" in prompt[0]["content"] and "[1]" in prompt[-1]["content"]


def test_cli_ask_with_llm(
    sample_collection: Path, llm_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("langchain_openai")
    monkeypatch.setenv("YINWEN_LLM_BASE_URL", llm_server)
    result = CliRunner().invoke(
        main,
        ["ask", "弘扬劳模精神、劳动精神、工匠精神", "--index", str(sample_collection),
         "--llm", "openai:scripted", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["mode"] == "llm" and data["verification"]["unverified"] == 1
    assert data["verification"]["removed_markers"] == [42]


def test_unreachable_llm_is_a_one_line_error(
    sample_collection: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("langchain_openai")
    monkeypatch.setenv("YINWEN_LLM_BASE_URL", "http://127.0.0.1:9/v1")  # discard port: refused
    result = CliRunner().invoke(
        main, ["ask", "劳模精神", "--index", str(sample_collection), "--llm", "openai:none"]
    )
    assert result.exit_code == 1
    assert "LLM request failed" in result.output and "Traceback" not in result.output


def test_cli_search_batch_and_eval(sample_collection: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    batch = '{"id": "a", "question": "劳模精神"}\n工会经费用在基层\n\n'
    result = runner.invoke(
        main, ["search", "--batch", "-", "--index", str(sample_collection), "-k", "3"], input=batch
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["id"] for line in lines] == ["a", 2]
    first = lines[0]["results"][0]
    assert set(first) >= {"rank", "score", "text", "sentence", "title", "author", "date", "path",
                          "paragraph", "start", "end"}  # fmt: skip
    assert "answerable" in lines[0] and len(lines[0]["results"]) == 3

    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"id": "1", "question": "劳模精神、劳动精神、工匠精神", "gold": ["劳模精神、劳动精神、工匠精神"], "kind": "quote"}\n'
        '{"id": "2", "question": "红烧肉怎么做", "gold": [], "kind": "unanswerable"}\n',
        encoding="utf-8",
    )
    result = runner.invoke(
        main, ["eval", str(questions), "--index", str(sample_collection), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["overall"]["recall@1"] == 1.0
    assert report["by_kind"]["unanswerable"]["abstention_accuracy"] == 1.0

    result = runner.invoke(main, ["search", "职工之家", "--index", str(sample_collection)])
    assert result.exit_code == 0 and "《" in result.output


def test_followups_refer_back_and_new_questions_stand_alone() -> None:
    from qa.followup import contextual_query

    history = [("谭天星同志对基层工会提出了什么要求？", "……")]

    def people(text: str) -> list[str]:
        return ["谭天星"] if "谭天星" in text else []

    followup = contextual_query("他说的依法维权具体包括哪些措施？", history, people)
    assert "谭天星说的依法维权" in followup and followup.startswith(history[0][0])
    assert contextual_query("那基层工会建设呢？", history, people).startswith(history[0][0])
    assert contextual_query("红烧肉怎么做", history, people) == "红烧肉怎么做"
    assert contextual_query("劳动合同试用期多久", history, people) == "劳动合同试用期多久"
    assert contextual_query("他说了什么", None, people) == "他说了什么"


def test_a_followup_asking_for_more_is_told_what_was_not_yet_quoted(
    sample_collection: Path,
) -> None:
    from qa.followup import asks_for_more, not_yet_quoted

    history = [("谭天星同志对基层工会提出了什么要求？", "……")]
    assert asks_for_more("他还说了什么？", history)
    assert asks_for_more("另外还有哪些措施？", history)
    assert not asks_for_more("他还说了什么？", None)
    assert not asks_for_more("这是工会还是企业的责任？", history)  # 还是 asks which
    assert not asks_for_more("红烧肉怎么做", history)
    assert not_yet_quoted(["甲。", "乙。", "丙。"], "甲。[1]丙。[2]") == [1]

    qa = QA.open(sample_collection)
    first = qa.ask(history[0][0])
    assert first.answerable and first.citations
    more = qa.ask("他还提出了哪些要求？", history=[(history[0][0], first.text)])
    assert more.answerable and more.citations
    said = {c.passage.passage_id for c in first.citations}
    assert not said & {c.passage.passage_id for c in more.citations}, more.text


def test_extractive_answer_skips_headings_and_near_copies() -> None:
    from corpus.store import StoredPassage
    from qa.answer import compose_extractive
    from qa.retrieval import SearchResult

    def result(pid: int, text: str, score: float) -> SearchResult:
        passage = StoredPassage(
            passage_id=pid, doc_id=f"d{pid}", passage_index=0, paragraph_index=0,
            section_index=0, start=0, end=len(text), text=text, title="标题",
            section_title=None, author=None, date=None, source=None, path="x.txt",
            warnings=[], sentences=[(0, len(text))],
        )  # fmt: skip
        return SearchResult(passage, score, [(0, len(text))])

    results = [
        result(1, "一、坚持党对工会工作的全面领导", 1.0),  # a heading
        result(2, "要坚持党对工会工作的全面领导，把握正确政治方向。", 0.9),
        result(3, "要坚持党对工会工作的全面领导，把握正确的政治方向。", 0.85),  # near copy
        result(4, "要竭诚服务职工群众，维护职工合法权益。", 0.8),
    ]
    text, citations = compose_extractive(results)
    assert [c.passage.passage_id for c in citations] == [2, 4]
    assert text == (
        "要坚持党对工会工作的全面领导，把握正确政治方向。[1]要竭诚服务职工群众，维护职工合法权益。[2]"
    )


def test_an_answer_source_whose_title_carries_spam_says_so(sample_collection: Path) -> None:
    """`yinwen ask` and the API's citations carry the title's damage note, as
    `yinwen search` and exports do (before, only the quote's own damage)."""
    from qa.answer import Citation

    qa = QA.open(sample_collection)
    results = qa.search("工人阶级和工会工作论述摘编", top_k=10).results
    spammed = [r for r in results if "澳门金沙" in (r.locations[0].title or "")]
    clean = [r for r in results if "澳门金沙" not in (r.locations[0].title or "")]
    assert spammed and clean
    note = Citation(1, spammed[0]).damage_note()
    assert note is not None and "出处标题中“澳门金沙" in note
    for result in clean:
        citation_note = Citation(1, result).damage_note()
        assert citation_note is None or "出处标题中" not in citation_note
