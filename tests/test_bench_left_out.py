"""bench/abstention.py --left-out: which questions become out-of-collection
questions when their documents are left out of the collection."""

from __future__ import annotations

from bench.abstention import left_out_questions
from qa.evaluation import Question
from qa.text import normalise


def test_only_questions_answered_by_left_out_documents_alone_are_kept() -> None:
    left = [normalise("工资应当以货币形式按月支付给劳动者本人。")]
    kept = [normalise("试用期最长不得超过六个月。"), normalise("每日工作时间不超过八小时")]
    questions = [
        Question("a", "工资怎么发？", ["工资应当以货币形式按月支付"], "fact"),
        Question("b", "试用期多久？", ["试用期最长不得超过六个月"]),
        # the span is in both: the collection still answers it
        Question("c", "工作几小时？", ["不超过八小时", "按月支付"]),
        Question("d", "会费多少？", []),  # already out of the collection
        Question("e", "工资 形式？", ["货币 形式 按月"]),  # spaces do not count
    ]
    chosen = left_out_questions(questions, left, kept)
    assert [q.id for q in chosen] == ["a", "e"]
    assert all(q.gold == [] for q in chosen)
    assert chosen[0].kind == "fact" and chosen[0].question == "工资怎么发？"
