"""A LangChain retriever over the hybrid pipeline: ``qa.langchain.YinwenRetriever``."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from collection.langchain import passage_metadata

from .facade import QA
from .retrieval import Filters


class YinwenRetriever(BaseRetriever):
    """Hybrid BM25 + dense retrieval with de-duplication, as a LangChain retriever.

    ``k`` results per query; each Document is a passage with its provenance,
    its best-matching sentence and every place the same words appear.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")

    index_dir: str
    k: int = 4
    author: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    _qa: QA | None = PrivateAttr(default=None)

    @classmethod
    def from_qa(cls, qa: QA, **kwargs: Any) -> YinwenRetriever:
        retriever = cls(index_dir=str(qa.collection.address), **kwargs)
        retriever._qa = qa
        return retriever

    def _facade(self) -> QA:
        if self._qa is None:
            self._qa = QA.open(self.index_dir)
        return self._qa

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        k = int(kwargs.get("k", self.k))
        filters = Filters(author=self.author, date_from=self.date_from, date_to=self.date_to)
        response = self._facade().search(query, top_k=k, filters=filters)
        documents = []
        for result in response.results:
            metadata = passage_metadata(result.passage)
            metadata.update(
                score=result.score,
                sentence=result.sentence,
                rank=result.rank,
                locations=[location.as_dict() for location in result.locations],
            )
            documents.append(
                Document(
                    page_content=result.passage.text,
                    metadata=metadata,
                    id=result.passage.langchain_id,
                )
            )
        return documents
