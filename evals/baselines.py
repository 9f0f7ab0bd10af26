"""Baselines, run through the same runner, answerer and metrics as wenda, so only retrieval differs.

- `dense_only`: wenda's index and chunks, Chroma (e5) similarity alone.
- `bm25_only`: wenda's index and chunks, jieba + BM25 alone.
- `langchain_recipe`: the LangChain tutorial recipe — `RecursiveCharacterTextSplitter(1000, 200)` and
  `langchain_chroma.Chroma` with the same embedder, dense top-4 — over the documents in wenda's index
  (read again from their paths with wenda's loaders), in its own collection under the eval's out dir,
  named after the set of documents: a different collection gets a new one, the old ones are dropped.

Every baseline retriever is an `app.retrieval.Retriever`, so the chain can `read_on` with any of them.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from app.config import Settings
from app.errors import BadRequest
from app.models import Passage
from app.retrieval import HybridRetriever, RetrievalSettings, Retriever

RECIPE_PREFIX = "langchain_recipe_"


def _with_retriever(chain, retriever):
    """A chain like `chain` (same index, answerer, LLM) that retrieves with `retriever`."""
    from app.chain import WendaChain

    return WendaChain(chain.settings, chain.index, llm=chain.llm, retriever=retriever)


def dense_only(settings: Settings, chain, out: Path):
    weights = RetrievalSettings(
        top_k=settings.top_k, context_tokens=settings.context_tokens, lexical_weight=0.0
    )
    return _with_retriever(chain, HybridRetriever(chain.index, weights))


def bm25_only(settings: Settings, chain, out: Path):
    weights = RetrievalSettings(
        top_k=settings.top_k, context_tokens=settings.context_tokens, dense_weight=0.0, sentence_weight=0.0
    )  # no e5 at all: the closest-sentence re-rank is e5's too
    return _with_retriever(chain, HybridRetriever(chain.index, weights))


class RecipeRetriever(Retriever):
    """What a user of the LangChain tutorial would build: 1000/200 character chunks, dense top-4
    (no `read_on`: the recipe cannot tell what follows a chunk)."""

    def __init__(self, store, k: int = 4) -> None:
        self.store, self.k = store, k

    def search(self, query: str, top_k: int | None = None) -> list[Passage]:
        hits = self.store.similarity_search_with_score(query, k=self.k)
        return [
            Passage(
                source=doc.metadata["source"],
                chunk_id=doc.id or "",
                text=doc.page_content,
                start=doc.metadata["start_index"],
                end=doc.metadata["start_index"] + len(doc.page_content),
                score=round(1.0 - float(distance), 4),
            )
            for doc, distance in hits
        ]


def recipe_documents(index) -> tuple[str, list]:
    """(collection name, LangChain documents) for the documents in `index`; the name is a hash of the
    embedder and of the documents' sources and versions, so it changes exactly when they do."""
    from langchain_core.documents import Document

    from ingest.loaders import LoadError, load_document

    docs, key = [], [getattr(index.embedder, "key", type(index.embedder).__name__)]
    for record in sorted(index.documents().values(), key=lambda r: r.source):
        try:
            text = load_document(record.path).text
        except LoadError as exc:  # moved or deleted since it was ingested: the recipe goes without it
            print(f"langchain_recipe: skipping {record.source}: {exc}", file=sys.stderr)
            continue
        docs.append(Document(page_content=text, metadata={"source": record.source}))
        key.append(f"{record.source}\t{record.doc_hash}")
    if not docs:
        raise BadRequest("langchain_recipe: the index holds no readable documents (run `wenda ingest`)")
    return RECIPE_PREFIX + hashlib.sha1("\n".join(key).encode()).hexdigest()[:16], docs


def langchain_recipe(settings: Settings, chain, out: Path):
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from ingest.embeddings import LangChainEmbeddings

    name, docs = recipe_documents(chain.index)
    client = chromadb.PersistentClient(
        path=str(out / "recipe_chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    for old in client.list_collections():  # an earlier set of documents
        old_name = getattr(old, "name", old)
        if old_name != name:
            client.delete_collection(old_name)
    embeddings = LangChainEmbeddings(chain.index.embedder)
    store = Chroma(
        client=client,
        collection_name=name,
        embedding_function=embeddings,
        collection_metadata={"hnsw:space": "cosine"},
    )
    if store._collection.count() == 0:
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
        store.add_documents(splitter.split_documents(docs))
    return _with_retriever(chain, RecipeRetriever(store))


BASELINES = {"dense_only": dense_only, "bm25_only": bm25_only, "langchain_recipe": langchain_recipe}
