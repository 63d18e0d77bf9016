"""A question that asks for a quantity is refused when no top result states one."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import QA
from qa.quantities import asked_unit, quantity_unstated, states_quantity


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("职工带薪年休假有几天？", "天"),
        ("对方多少天内必须答复？", "天"),
        ("工会经费审查委员会每年审查几次？", "次"),
        ("职工生病住院，工会的慰问金一般给多少？", ""),
        ("每年最多能存多少钱？", "钱"),
        ("试用期最长几个月？", "个月"),
        ("男女法定结婚年龄分别是多少周岁？", "周岁"),
        ("注册商标的有效期是几年？", "年"),
        # a list, a time, or no question at all: no quantity asked
        ("高素质产业工人队伍由哪几方面构成？", None),
        ("我强调几点意见", None),
        ("要从几个方面入手？", None),
        ("面试时问我打算几时要孩子，合法吗？", None),
        ("几乎每个职工都参加了", None),
        ("工会如何维护职工权益？", None),
    ],
)
def test_asked_unit(question: str, unit: str | None) -> None:
    assert asked_unit(question) == unit


@pytest.mark.parametrize(
    ("text", "unit", "stated"),
    [
        ("每月不超过三个工作日，其工资照发", "天", True),  # 日 stands for 天
        ("用人单位应当自用工之日起三十日内为其职工申请社会保险登记", "天", True),
        ("全年培训400余人", "人", True),
        ("支付不低于工资的百分之三百的工资报酬", "", True),
        ("年休假5天", "天", True),
        ("劳动合同期限三个月以上不满一年的，试用期不得超过一个月", "个月", True),
        ("每年召开一次会议", "次", True),
        ("慰问金标准由各级工会确定", "", False),
        ("年休假的具体办法由国务院规定", "天", False),
        ("一是坚持党的领导，统一思想", "", False),  # numerals without a unit are no quantity
        ("工会要定期审查经费", "次", False),
        ("2023年召开了大会", "天", False),  # a year is no number of days
    ],
)
def test_states_quantity(text: str, unit: str, stated: bool) -> None:
    assert states_quantity(text, unit) is stated


def test_quantity_unstated_looks_at_every_text_given() -> None:
    question = "职工带薪年休假有几天？"
    assert quantity_unstated(question, ["带薪年休假由单位统一安排。", "职工应当按时休假。"])
    assert not quantity_unstated(question, ["带薪年休假由单位统一安排。", "年休假5天。"])
    assert quantity_unstated(question, [])  # nothing found states it
    assert not quantity_unstated("工会如何安排年休假？", [])  # asks for no quantity


def _collection(tmp_path: Path, name: str, text: str) -> QA:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "规定.txt").write_text(f"年休假规定\n\n{text}\n", encoding="utf-8")
    from collection import Collection

    report = Collection(tmp_path / f"{name}-index").ingest([folder], embedder="hash")
    assert not report.failed
    return QA.open(tmp_path / f"{name}-index")


def test_search_refuses_a_quantity_the_collection_never_states(tmp_path: Path) -> None:
    question = "职工每年的带薪年休假由单位统筹安排，有几天？"
    without = _collection(tmp_path, "without", "职工每年的带薪年休假由单位统筹安排。")
    response = without.search(question, top_k=5)
    assert response.results  # the nearest passage is still shown
    # its words are all there (the thresholds alone would answer): the quantity refuses it
    assert (response.results[0].signals.coverage or 0.0) >= 0.6
    assert not response.answerable
    assert without.search("职工每年的带薪年休假由单位统筹安排吗？", top_k=5).answerable

    stated = _collection(tmp_path, "stated", "职工每年的带薪年休假由单位统筹安排，为5天。")
    assert stated.search(question, top_k=5).answerable


def test_the_answer_says_the_number_is_what_is_missing(tmp_path: Path) -> None:
    from qa.answer import NOT_FOUND, QUANTITY_NOT_FOUND

    qa = _collection(tmp_path, "leave", "职工每年的带薪年休假由单位统筹安排。")
    answer = qa.ask("职工每年的带薪年休假由单位统筹安排，有几天？")
    assert not answer.answerable and answer.text == QUANTITY_NOT_FOUND
    assert answer.related and "带薪年休假" in answer.related[0].passage.text
    assert qa.ask("红烧肉怎么做才好吃？").text == NOT_FOUND  # refused for another reason
