"""The LangChain standard VectorStore suite (sync and async) against YinwenVectorStore."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import pytest
from langchain_core.vectorstores import VectorStore
from langchain_tests.integration_tests import VectorStoreIntegrationTests

from collection.langchain import YinwenVectorStore
from embeddings import HashEmbedder
from embeddings.langchain import YinwenEmbeddings


class TestYinwenVectorStore(VectorStoreIntegrationTests):
    @pytest.fixture()
    def vectorstore(self, location: Path | str) -> Generator[VectorStore, None, None]:  # type: ignore[override]
        """An empty collection on each backend (``location`` is parametrised)."""
        store = YinwenVectorStore(location, embedding=self.get_embeddings())
        try:
            yield store
        finally:
            store.delete()


def test_ingested_passages_are_langchain_documents(sample_location: Path | str) -> None:
    from collection import Collection

    store = YinwenVectorStore(sample_location, embedder=HashEmbedder())
    documents = store.similarity_search("劳模精神、劳动精神、工匠精神", k=3)
    assert len(documents) == 3
    reader = Collection(sample_location).reader(HashEmbedder())
    try:
        for document in documents:
            assert document.id and "#" in document.id
            metadata = document.metadata
            assert metadata["title"] and Path(metadata["path"]).exists()
            text = reader.store.document_text(metadata["doc_id"])
            assert text is not None
            assert text[metadata["start"] : metadata["end"]] == document.page_content
    finally:
        reader.close()
    assert store.get_by_ids([documents[0].id or ""]) == [documents[0]]


def test_retriever_interface(sample_location: Path | str) -> None:
    store = YinwenVectorStore(sample_location, embedder=HashEmbedder())
    retriever = store.as_retriever(search_kwargs={"k": 2})
    assert len(retriever.invoke("工会维权服务")) == 2


def test_yinwen_embeddings_adapter() -> None:
    adapter = YinwenEmbeddings(HashEmbedder(64))
    vectors = adapter.embed_documents(["工会", "职工"])
    assert len(vectors) == 2 and len(vectors[0]) == 64
    assert adapter.embed_query("工会") == pytest.approx(vectors[0], abs=1e-6)
