"""Baselines, run through the same runner, answerer and metrics as wenda, so only retrieval differs.

- `dense_only`: wenda's index and chunks, Chroma (e5) similarity alone.
- `bm25_only`: wenda's index and chunks, jieba + BM25 alone.
- `langchain_recipe`: the LangChain tutorial recipe — `RecursiveCharacterTextSplitter(1000, 200)` and
  `langchain_chroma.Chroma` with the same e5 embedder, dense top-4 — in its own collection under the
  eval's out dir.
"""

from __future__ import annotations

from pathlib import Path

from app.config import SEEDS_DIR, Settings
from app.models import Passage
from app.retrieval import HybridRetriever, RetrievalSettings


def _with_retriever(chain, retriever):
    """A chain like `chain` (same index, answerer, LLM) that retrieves with `retriever`."""
    from app.chain import WendaChain

    clone = WendaChain(chain.settings, chain.index, llm=chain.llm)
    clone.retriever = retriever
    return clone


def dense_only(settings: Settings, chain, out: Path):
    weights = RetrievalSettings(top_k=settings.top_k, context_tokens=settings.context_tokens, lexical_weight=0.0)
    return _with_retriever(chain, HybridRetriever(chain.index, weights))


def bm25_only(settings: Settings, chain, out: Path):
    weights = RetrievalSettings(top_k=settings.top_k, context_tokens=settings.context_tokens, dense_weight=0.0)
    return _with_retriever(chain, HybridRetriever(chain.index, weights))


class RecipeRetriever:
    """What a user of the LangChain tutorial would build: 1000/200 character chunks, dense top-4."""

    def __init__(self, store, k: int = 4) -> None:
        self.store, self.k = store, k

    def search(self, query: str, top_k: int | None = None) -> list[Passage]:
        hits = self.store.similarity_search_with_score(query, k=self.k)
        return [
            Passage(source=doc.metadata["source"], chunk_id=doc.id or "", text=doc.page_content,
                    start=doc.metadata["start_index"], end=doc.metadata["start_index"] + len(doc.page_content),
                    score=round(1.0 - float(distance), 4))
            for doc, distance in hits
        ]


def langchain_recipe(settings: Settings, chain, out: Path, seeds: Path = SEEDS_DIR):
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from ingest.embeddings import LangChainEmbeddings

    client = chromadb.PersistentClient(path=str(out / "recipe_chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    store = Chroma(client=client, collection_name="langchain_recipe", embedding_function=LangChainEmbeddings(chain.index.embedder),
                   collection_metadata={"hnsw:space": "cosine"})
    if store._collection.count() == 0:
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
        docs = [Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": p.name}) for p in sorted(seeds.iterdir()) if p.is_file()]
        store.add_documents(splitter.split_documents(docs))
    return _with_retriever(chain, RecipeRetriever(store))


BASELINES = {"dense_only": dense_only, "bm25_only": bm25_only, "langchain_recipe": langchain_recipe}
