"""Questions that ask for a quantity, and texts that state one.

"职工带薪年休假有几天？" is answered only by a text that says how many days;
a collection whose best passages talk about paid leave but never give a
number of days does not hold the answer, however closely its words meet the
question's. The learned abstention model cannot see that (its signals are
about words and meaning, and the same words are there), so the facade refuses
such a question outright: see :func:`quantity_unstated`, measured in
docs/DECISIONS.md ("Abstention: a quantity asked for and stated nowhere").

Pure functions over text; numbers are Arabic or Chinese numerals (laws write
"三十日", "百分之三百").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# How many of the best results a stated quantity is looked for in (chosen
# on the tune parts: the top 3 and the top 5 tied, the top 1 refused answerable
# law questions whose number stood in the second result).
QUANTITY_RESULTS = 3

# Units a quantity is asked in ("几天", "多少元"), longest first where one
# begins another (周岁 before 周, 个月 before 月).
_UNITS = (
    "周岁|岁|天|日|次|元|块|个月|月|小时|分钟|秒|周|年|倍|人|名|届|%|％|公里|米|公斤|"
    "万元|亿元|万|亿|级|期|张|家|份|所|座|部|本"
)
# Units that count as the same when a text states the quantity.
_SAME_UNIT = {"天": "天|日", "日": "天|日", "块": "元|块", "钱": "元|块", "岁": "周岁|岁"}
_ASKS = re.compile(rf"(多少|几)({_UNITS}|钱)?")
# "几" that asks for no quantity: a list ("哪几方面", "几点意见"), a time
# ("几时"), or no question at all ("几乎", "好几").
_NOT_A_QUANTITY = re.compile(
    r"哪几|几个?方面|几点|几类|几种|几项|几条|几句|几个(?!月|小时|工作日)|几时|几乎|几何|几经|几度|无几|好几"
)
_NUMERAL = r"(?:[0-9０-９]+(?:\.[0-9]+)?|[零〇一二三四五六七八九十百千万两半]+)"
# What may stand between a numeral and its unit: "400余人", "三个工作日".
_BETWEEN = r"(?:余|多|来)?个?(?:工作|自然|周|小)?"
_ANY_QUANTITY = re.compile(rf"[0-9０-９]|百分之|{_NUMERAL}{_BETWEEN}(?:{_UNITS})")


def asked_unit(question: str) -> str | None:
    """The unit a question asks a quantity in ("天" for "多少天内"), "" for a
    quantity without one ("慰问金给多少？"), None when it asks for none."""
    match = _ASKS.search(_NOT_A_QUANTITY.sub("", question))
    if match is None:
        return None
    return match.group(2) or ""


def states_quantity(text: str, unit: str) -> bool:
    """Whether ``text`` states a quantity in ``unit`` (or any quantity for "")."""
    if not unit:
        return _ANY_QUANTITY.search(text) is not None
    units = _SAME_UNIT.get(unit, re.escape(unit))
    return re.search(f"{_NUMERAL}{_BETWEEN}(?:{units})", text) is not None


def quantity_unstated(question: str, texts: Sequence[str]) -> bool:
    """True when the question asks for a quantity and none of ``texts`` (the
    top results' passages) states one in the unit asked for."""
    unit = asked_unit(question)
    return unit is not None and not any(states_quantity(text, unit) for text in texts)
