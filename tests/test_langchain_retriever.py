"""The LangChain standard retriever suite against qa.langchain.YinwenRetriever."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_tests.integration_tests import RetrieversIntegrationTests

from qa.langchain import YinwenRetriever

_COLLECTION: dict[str, Path | str] = {}


@pytest.fixture(autouse=True)
def _collection(sample_location: Path | str) -> None:
    """The standard suite runs once per backend (``sample_location`` is parametrised)."""
    _COLLECTION["path"] = sample_location


class TestYinwenRetriever(RetrieversIntegrationTests):
    @property
    def retriever_constructor(self) -> type[YinwenRetriever]:
        return YinwenRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"index_dir": str(_COLLECTION["path"])}

    @property
    def retriever_query_example(self) -> str:
        return "劳模精神、劳动精神、工匠精神"


def test_documents_carry_sentence_and_locations(sample_collection: Path) -> None:
    documents = YinwenRetriever(index_dir=str(sample_collection), k=2).invoke("职工之家")
    assert len(documents) == 2
    for document in documents:
        assert document.metadata["sentence"] in document.page_content
        assert document.metadata["locations"] and document.metadata["title"]
