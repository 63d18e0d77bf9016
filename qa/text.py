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
