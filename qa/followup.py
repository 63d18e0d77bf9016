"""Follow-up questions in a conversation: what to search for.

A follow-up refers back ("他说的依法维权具体包括哪些措施？", "那基层工会建设呢？"):
it is searched together with the previous question, and "他"/"她" become the
person the previous question named. A new question that does not refer back
("红烧肉怎么做") is searched alone, so it never inherits the previous topic's
passages just because it is short. A follow-up that asks for more
("他还说了什么？", "另外还有哪些措施？") is answered from what the previous answer
did not already quote, so it does not repeat it word for word.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Words that point back to something said before.
_REFERENCE = re.compile(
    r"他们|她们|他|她|它|其中|该|上述|前述|这些|那些|这个|那个|这样|这种|这方面|此外|另外|还有|具体|那么|^那|^这"
)
_PERSON = re.compile(r"他们|她们|他|她")
# Words that ask for more than was said ("还是" asks which, not for more).
_MORE = re.compile(r"还(?!是)|另外|此外|其他|其它|别的|其余|更多")


def contextual_query(
    question: str,
    history: list[tuple[str, str]] | None,
    people_named: Callable[[str], list[str]] | None = None,
) -> str:
    """The text to search for ``question`` asked after ``history`` ((question, answer) pairs).

    ``people_named`` lists the people a text names (e.g. the collection's
    authors found in it), used to resolve "他"/"她"."""
    if not history:
        return question
    if not _REFERENCE.search(question):
        return question
    previous = history[-1][0]
    resolved = question
    people = people_named(previous) if people_named else []
    if people:
        resolved = _PERSON.sub(people[0], question, count=1)
    return f"{previous} {resolved}"


def asks_for_more(question: str, history: list[tuple[str, str]] | None) -> bool:
    """Whether ``question`` refers back and asks for more than the previous answer said."""
    return bool(history) and bool(_REFERENCE.search(question)) and bool(_MORE.search(question))


def not_yet_quoted(sentences: list[str], previous_answer: str) -> list[int]:
    """The indexes of ``sentences`` the previous answer did not already quote."""
    return [i for i, s in enumerate(sentences) if not s.strip() or s.strip() not in previous_answer]
