"""The page holds no retrieval logic: it runs over a fake facade."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from corpus.ingest import FileResult, IngestReport
from corpus.store import StoredDocument, StoredPassage
from qa import Answer, AnswerUpdate, Citation, Filters, SearchResponse, SearchResult
from qa.retrieval import Location
from qa.verify import Verification
from ui.render import answer_html, results_html
from ui.web import create_app

PASSAGE = StoredPassage(
    passage_id=1, doc_id="fake", passage_index=0, paragraph_index=2, section_index=0, start=0,
    end=14, text="要团结奋斗。<b>不是标签</b>", title="假文档", section_title=None, author="张三",
    date="2023-05-01", source=None, path="/fake.txt", warnings=["spam"], sentences=[(0, 6)],
)  # fmt: skip
RESULT = SearchResult(PASSAGE, 1.0, [(0, 6)], [Location.of(PASSAGE)], rank=1)


class FakeQA:
    """Canned answers: enough to drive every control of the page."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    llm_available = False

    def info(self) -> dict[str, Any]:
        return {"documents": 1, "passages": 1, "embedder": "fake", "updated_at": "now", "llm": None}

    def documents(self) -> list[StoredDocument]:
        return [StoredDocument("fake", "/fake.txt", "h", "t", "txt", "假文档", "2023-05-01", None,
                               ["张三"], 1, 1, [], "now")]  # fmt: skip

    def search(self, query: str, top_k: int = 10, filters: Filters | None = None,
               sort: str = "relevance", diversify: bool = False) -> SearchResponse:  # fmt: skip
        self.calls.append(f"search:{query}")
        return SearchResponse(query, [RESULT], True)

    def ask(self, question: str, **kwargs: Any) -> Answer:
        self.calls.append(f"ask:{question}")
        return Answer(
            question, "要团结奋斗。[1]", [Citation(1, RESULT)], True, "extractive", Verification()
        )

    def ask_stream(self, question: str, **kwargs: Any) -> Iterator[AnswerUpdate]:
        answer = self.ask(question)
        yield AnswerUpdate(answer.text, answer)

    def paragraph(self, doc_id: str, paragraph: int) -> tuple[int, int, str] | None:
        return (0, 14, PASSAGE.text)

    def ingest(self, paths: list[Path], progress: Any = None) -> IngestReport:
        return IngestReport(
            results=[FileResult(str(p), "added", title="新", passages=1) for p in paths]
        )

    def remove(self, targets: list[str]) -> IngestReport:
        return IngestReport(results=[FileResult(t, "removed") for t in targets])


def test_app_over_a_fake_facade_serves_the_api() -> None:
    from gradio_client import Client

    fake = FakeQA()
    app = create_app(fake)
    app.queue().launch(
        prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, quiet=True
    )
    try:
        client = Client(app.local_url, verbose=False)
        found = client.predict("团结", 3, api_name="/search")
        assert found["results"][0]["sentence"] == "要团结奋斗。"
        assert found["results"][0]["file"] == "/fake.txt"
        answer = client.predict("团结吗", "extractive", api_name="/ask")
        assert answer["answer"] == "要团结奋斗。[1]"
    finally:
        app.close()
    assert fake.calls == ["search:团结", "ask:团结吗"]


def test_rendering_escapes_source_text_and_shows_warnings() -> None:
    cards = results_html([RESULT])
    assert "<b>不是标签</b>" not in cards and "&lt;b&gt;" in cards
    assert "垃圾词" in cards and "复制引文" in cards
    assert "“要团结奋斗。”（《假文档》，张三，2023年5月1日）" in cards  # the copy payload
    answer = Answer(
        "q", "要团结奋斗。[1]", [Citation(1, RESULT)], True, "extractive", Verification()
    )
    rendered = answer_html(answer)
    assert 'class="yw-cite"' in rendered and "<mark>要团结奋斗。</mark>" in rendered
