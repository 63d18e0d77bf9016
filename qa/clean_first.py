"""The clean copy of a damaged quote first: when one result's sentence has marked
words (spam in place of a name, a conversion error) and another result says the
same thing without them, the clean one is offered before the damaged one."""

from __future__ import annotations

from .retrieval import SearchResult
from .text import normalise

# Words outside the marks must be this long in all to call two sentences the same.
_MIN_KEPT_CHARS = 10


def _kept_pieces(result: SearchResult) -> list[str]:
    """The normalised words of the sentence outside its damaged spans, in order."""
    sentence = result.sentence
    pieces = []
    position = 0
    for start, end, _code, _suggestion in sorted(result.sentence_damage()):
        pieces.append(normalise(sentence[position:start]))
        position = max(position, end)
    pieces.append(normalise(sentence[position:]))
    return [piece for piece in pieces if piece]


def _says_the_same(pieces: list[str], clean: SearchResult) -> bool:
    """``clean`` holds every kept piece, in order."""
    text = normalise(clean.sentence)
    position = 0
    for piece in pieces:
        found = text.find(piece, position)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def prefer_clean(results: list[SearchResult]) -> list[SearchResult]:
    """``results`` with each damaged result's clean equivalent (if any is among them)
    moved just before it; ranks renumbered. Nothing else moves."""
    ordered = list(results)
    index = 0
    while index < len(ordered):
        result = ordered[index]
        if result.sentence_damage():
            pieces = _kept_pieces(result)
            if sum(map(len, pieces)) >= _MIN_KEPT_CHARS:
                for later in range(index + 1, len(ordered)):
                    candidate = ordered[later]
                    if not candidate.sentence_damage() and _says_the_same(pieces, candidate):
                        ordered.insert(index, ordered.pop(later))
                        index += 1  # the damaged one moved down by one
                        break
        index += 1
    for rank, result in enumerate(ordered, start=1):
        result.rank = rank
    return ordered
