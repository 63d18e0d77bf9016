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
    return normalise_folded(unicodedata.normalize("NFKC", text).lower())


def normalise_folded(folded: str) -> str:
    """:func:`normalise` of a text already NFKC-normalised and lower-cased (as
    ``embeddings.sparse.normalise_for_tokens`` gives it), without doing that twice."""
    return _SPACE.sub("", folded.translate(_PUNCTUATION))
