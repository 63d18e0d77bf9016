"""An answer the abstention model lets through with little confidence carries a
caution (qa/abstention.py ``caution``), in the answer, on the page and in the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from qa import QA
from qa.abstention import QUERY_FEATURES, AbstentionModel
from qa.answer import UNCERTAIN_NOTE
from ui import render
from ui.cli import main


def constant_model(probability: float, caution: float | None) -> AbstentionModel:
    """A model that gives every question ``probability`` (refusal threshold 0.25)."""
    bias = float(np.log(probability / (1.0 - probability)))
    return AbstentionModel(
        weights=tuple(0.0 for _ in QUERY_FEATURES),
        means=tuple(0.0 for _ in QUERY_FEATURES),
        scales=tuple(1.0 for _ in QUERY_FEATURES),
        bias=bias,
        threshold=0.25,
        caution=caution,
    )


def test_the_caution_band_lies_between_refusal_and_confidence() -> None:
    model = constant_model(0.4, caution=0.5)
    assert not model.uncertain(0.2)  # refused, not cautioned
    assert model.uncertain(0.25) and model.uncertain(0.49)
    assert not model.uncertain(0.5) and not model.uncertain(0.9)
    assert not constant_model(0.4, caution=None).uncertain(0.3)
    assert AbstentionModel.from_dict(model.as_dict()) == model
    older = model.as_dict()
    del older["caution"]  # a model file written before the caution existed
    assert AbstentionModel.from_dict(older).caution is None


@pytest.mark.parametrize(("probability", "uncertain"), [(0.4, True), (0.8, False)])
def test_an_uncertain_answer_says_so_everywhere_it_is_shown(
    sample_collection: Path,
    monkeypatch: pytest.MonkeyPatch,
    probability: float,
    uncertain: bool,
) -> None:
    monkeypatch.setattr("qa.facade.model_for", lambda _: constant_model(probability, 0.5))
    qa = QA.open(sample_collection)
    question = "工会如何维护职工的合法权益？"

    response = qa.search(question, top_k=5)
    assert response.answerable and response.uncertain is uncertain
    assert response.as_dict()["uncertain"] is uncertain

    answer = qa.ask(question)
    assert answer.answerable and answer.citations and answer.uncertain is uncertain
    assert answer.as_dict()["uncertain"] is uncertain
    assert (UNCERTAIN_NOTE in answer.to_markdown()) is uncertain

    items = {c.number: render.basket_item(c.result, sample_collection) for c in answer.citations}
    page = render.answer_html(answer, items, {})
    assert ('class="yw-caution"' in page) is uncertain
    pasted = render.answer_copy_text(answer, items)
    assert (UNCERTAIN_NOTE in pasted) is uncertain  # 复制回答 keeps the caution
    assert (f"〔⚠ {UNCERTAIN_NOTE}〕" in page) is uncertain  # in the button's data-copy
    quotes = render.results_html(
        response.results,
        [render.basket_item(r, sample_collection) for r in response.results],
        response.answerable,
        uncertain=response.uncertain,
    )
    assert ('class="yw-caution"' in quotes) is uncertain

    result = CliRunner().invoke(main, ["search", question, "--index", str(sample_collection)])
    assert result.exit_code == 0, result.output
    assert (UNCERTAIN_NOTE in result.output) is uncertain


def test_a_refused_question_is_never_cautioned(
    sample_collection: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("qa.facade.model_for", lambda _: constant_model(0.1, 0.5))
    qa = QA.open(sample_collection)
    response = qa.search("工会如何维护职工的合法权益？")
    assert not response.answerable and not response.uncertain
    answer = qa.ask("工会如何维护职工的合法权益？")
    assert not answer.answerable and not answer.uncertain
    assert UNCERTAIN_NOTE not in answer.to_markdown()
