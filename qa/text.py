"""Text normalisation for comparing quotes: width, punctuation variants, whitespace.

Used wherever yinwen decides whether two strings say the same words: quote
verification, de-duplication, evaluation against gold spans.
"""

from __future__ import annotations

import re
import unicodedata

# Punctuation that differs only in form (full/half width, curly/straight quotes).
_PUNCTUATION = str.maketrans(
    {
        "，": ",", "。": ".", "．": ".", "；": ";", "：": ":", "！": "!", "？": "?",
        "（": "(", "）": ")", "【": "[", "】": "]", "“": '"', "”": '"', "‘": "'", "’": "'",
        "「": '"', "」": '"', "『": '"', "』": '"', "《": "<", "》": ">", "〈": "<", "〉": ">",
        "—": "-", "–": "-", "－": "-", "…": "...", "·": ".", "・": ".",
    }
)  # fmt: skip
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Canonical form for comparison: NFKC, one form per punctuation mark, no whitespace."""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCTUATION)
    return _SPACE.sub("", text).lower()


def normalise_with_map(text: str) -> tuple[str, list[int]]:
    """:func:`normalise` plus, for every output character, its index in ``text``.

    Lets a match found in normalised text be mapped back to exact offsets of
    the original, so what is shown is always the source's own characters.
    """
    out: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(text):
        piece = normalise(char)
        out.append(piece)
        positions.extend([index] * len(piece))
    return "".join(out), positions


def find_normalised(haystack: str, needle: str) -> tuple[int, int] | None:
    """Offsets in ``haystack`` of ``needle`` compared in normalised form, or None."""
    target = normalise(needle)
    if not target:
        return None
    normal, positions = normalise_with_map(haystack)
    at = normal.find(target)
    if at < 0:
        return None
    return positions[at], positions[at + len(target) - 1] + 1
