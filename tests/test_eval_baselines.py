"""Baselines on any collection: the LangChain recipe indexes what wenda's index holds, keyed by the set
of documents, and every baseline retriever implements `Retriever` (so list questions can read on)."""

from __future__ import annotations

import pytest

from app.retrieval import HybridRetriever, Retriever
from evals.baselines import RECIPE_PREFIX, RecipeRetriever, bm25_only, dense_only, langchain_recipe
from evals.runner import read_results, run_items
from tests.tiny_corpus import DOCS, GOLD, LIST_QUESTION, hash_chain, write_docs


@pytest.fixture
def tiny(tmp_path):
    return hash_chain(tmp_path)


def _collections(out):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(
        path=str(out / "recipe_chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    return {
        getattr(c, "name", c): client.get_collection(getattr(c, "name", c)).count()
        for c in client.list_collections()
    }


def test_every_retriever_implements_the_interface(tiny):
    settings, chain = tiny
    assert isinstance(chain.retriever, HybridRetriever) and isinstance(chain.retriever, Retriever)
    for make in (dense_only, bm25_only):
        assert isinstance(make(settings, chain, None).retriever, Retriever)
    assert issubclass(RecipeRetriever, Retriever)
    with pytest.raises(TypeError):
        Retriever()  # search is abstract


def test_the_recipe_indexes_the_documents_in_the_index_and_answers_a_list_question(tiny, tmp_path):
    settings, chain = tiny
    recipe = langchain_recipe(settings, chain, tmp_path / "out")
    assert isinstance(recipe.retriever, RecipeRetriever)
    read_on = []
    recipe.retriever.read_on = lambda passage: (
        read_on.append(passage) or None
    )  # the interface's default, counted
    answer = recipe.ask(LIST_QUESTION)
    assert {p.source for p in answer.retrieved} <= set(DOCS) and not answer.refused
    assert "基因测序" in answer.answer and "医疗器械" in answer.answer
    assert read_on, "the list ends at its passage's end: the chain asks the retriever to read on"
    rows = run_items(
        langchain_recipe(settings, chain, tmp_path / "out"),
        [{**g, "source": [g["source"]]} for g in GOLD[:1]],
        tmp_path / "out" / "results.jsonl",
        progress=False,
    )
    assert rows[0]["id"] == "l1" and not rows[0].get("error")  # before Retriever: AttributeError: read_on
    assert read_results(tmp_path / "out" / "results.jsonl")[0]["refused"] is False


def test_the_recipe_collection_follows_the_set_of_documents(tiny, tmp_path):
    from app.core import chunk_settings
    from ingest.pipeline import ingest_paths

    settings, chain = tiny
    out = tmp_path / "out"
    langchain_recipe(settings, chain, out)
    first = _collections(out)
    assert len(first) == 1 and next(iter(first)).startswith(RECIPE_PREFIX) and next(iter(first.values())) == 2
    langchain_recipe(settings, chain, out)
    assert _collections(out) == first  # same documents: reused as is
    docs = write_docs(
        tmp_path / "docs", {"third.txt": "苏州市生物医药产业园区建设方案。\n园区占地面积达到3平方公里。\n"}
    )
    ingest_paths(chain.index, [docs], settings=chunk_settings(settings), progress=False)
    langchain_recipe(settings, chain, out)
    second = _collections(out)
    assert len(second) == 1 and set(second) != set(first) and next(iter(second.values())) == 3
