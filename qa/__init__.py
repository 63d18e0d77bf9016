"""yinwen's question answering: hybrid retrieval, verified quotes, extractive
(or optional LLM) answers with abstention, evaluation - behind one facade,
:class:`qa.facade.QA`."""

from .abstention import AbstentionSettings
from .answer import NOT_FOUND, Answer, Citation, quote_card
from .facade import QA, AnswerUpdate, SearchResponse
from .llm import LLMError, LLMSettings
from .retrieval import Filters, HybridRetriever, Location, RetrievalSettings, SearchResult
from .verify import Verification, verify_answer

__all__ = [
    "NOT_FOUND",
    "QA",
    "AbstentionSettings",
    "Answer",
    "AnswerUpdate",
    "Citation",
    "Filters",
    "HybridRetriever",
    "LLMError",
    "LLMSettings",
    "Location",
    "RetrievalSettings",
    "SearchResponse",
    "SearchResult",
    "Verification",
    "quote_card",
    "verify_answer",
]
