"""Score fusion of the dense and BM25 rankings (`convex_fusion`): what each side's hits are worth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.retrieval import RetrievalSettings, convex_fusion


def fused(entries, alpha=0.5):
    convex_fusion(entries, alpha)
    return {e[0]: round(e[1], 3) for e in entries}


def test_a_single_hit_on_each_side_counts_fully():
    assert fused([["dense hit", 0, 0.81, None], ["bm25 hit", 0, None, 7.5]]) == {
        "dense hit": 0.5,
        "bm25 hit": 0.5,
    }


def test_equal_cosines_all_count_and_bm25_decides_between_them():
    scores = fused([["a", 0, 0.8, 2.0], ["b", 0, 0.8, 4.0], ["c", 0, 0.8, None]])
    assert scores == {"a": 0.75, "b": 1.0, "c": 0.5}


def test_the_weakest_bm25_hit_still_beats_a_chunk_bm25_did_not_return():
    scores = fused([["only dense", 0, 0.80, None], ["weak bm25", 0, 0.80, 1.0], ["strong", 0, 0.80, 10.0]])
    assert scores["weak bm25"] > scores["only dense"]


def test_a_side_that_returned_nothing_adds_nothing():
    assert fused([["a", 0, 0.9, None], ["b", 0, 0.7, None]]) == {"a": 0.5, "b": 0.0}
    assert fused([["a", 0, None, 3.0], ["b", 0, None, 0.0]]) == {"a": 0.5, "b": 0.0}


def test_a_cosine_of_zero_is_a_hit_not_a_missing_side():
    scores = fused([["zero", 0, 0.0, None], ["missing", 0, None, 0.0], ["top", 0, 0.5, None]], alpha=1.0)
    assert scores == {"zero": 0.0, "missing": 0.0, "top": 1.0}
    assert fused([["zero", 0, 0.0, None]], alpha=1.0) == {"zero": 1.0}  # the only dense hit


@pytest.mark.parametrize("alpha, first", [(1.0, "dense favourite"), (0.0, "bm25 favourite")])
def test_alpha_is_the_dense_share(alpha, first):
    scores = fused([["dense favourite", 0, 0.9, 1.0], ["bm25 favourite", 0, 0.7, 9.0]], alpha)
    assert max(scores, key=scores.get) == first


def test_unknown_fusion_settings_are_refused():
    with pytest.raises(ValueError, match="'convex' or 'rrf'"):
        RetrievalSettings(fusion="RRF")
    with pytest.raises(ValueError, match="between 0 and 1"):
        RetrievalSettings(alpha=1.5)


def test_a_side_weighted_zero_brings_no_candidates(tmp_path):
    """The baselines' BM25-only retrieval returns only what BM25 found (here: nothing shares a word with
    the question, so nothing), not the dense side's hits with a score of 0."""
    from app.retrieval import HybridRetriever
    from tests.tiny_corpus import hash_chain

    _, chain = hash_chain(tmp_path)
    bm25_only = HybridRetriever(chain.index, RetrievalSettings(dense_weight=0.0))
    dense_only = HybridRetriever(chain.index, RetrievalSettings(lexical_weight=0.0))
    assert bm25_only.search("zzz qqq") == []
    assert dense_only.search("zzz qqq")  # the dense side always finds its nearest chunks
    assert bm25_only.search("杭州数字经济")[0].source == "other.txt"


def test_the_dense_search_explores_ef_search_candidates_also_on_an_older_index(tmp_path):
    """An index whose collection was made with Chroma's default (100) is searched with wenda's wider
    HNSW exploration once opened again: the near neighbours that a narrow search misses now and then,
    differently from one process to the next, are found."""
    from ingest.chroma import EF_SEARCH
    from tests.tiny_corpus import hash_chain

    _, chain = hash_chain(tmp_path)
    index = chain.index
    index.count()
    raw = index._chunks._collection
    assert raw.configuration_json["hnsw"]["ef_search"] == EF_SEARCH > 100
    raw.modify(configuration={"hnsw": {"ef_search": 100}})  # as an index made before
    index._chroma.disconnect()
    index.count()
    assert index._chunks._collection.configuration_json["hnsw"]["ef_search"] == EF_SEARCH


@pytest.mark.slow  # the real e5: which chunk dense search puts first is the point
def test_a_colloquial_question_keeps_the_section_dense_search_found(tmp_path):
    """The question ("想查某个文件是哪个包带的，可那个包我压根还没装…") shares its filler words (想查, 某个,
    那个, 没装, 这种) with other FAQ answers, so BM25 and the word-coverage re-rank push back the section that
    answers it, which dense search finds. Two things each keep it among the first three passages: the
    dense best kept there (`dense_best_within`) and the e5 similarity of its closest sentence
    (`sentence_weight`); without both it falls out. Real Debian FAQ text, real e5."""
    from app.retrieval import HybridRetriever

    data, index = _faq_index(tmp_path, "debfaq_colloquial.json")

    def answering_section_shown(settings: RetrievalSettings) -> bool:
        passages = HybridRetriever(index, settings).search(data["question"])
        return any(data["answering_section"] in p.text for p in passages[:3])

    assert answering_section_shown(RetrievalSettings())
    assert answering_section_shown(RetrievalSettings(sentence_weight=0.0))
    assert answering_section_shown(RetrievalSettings(dense_best_within=None))
    assert not answering_section_shown(RetrievalSettings(dense_best_within=None, sentence_weight=0.0))
    with pytest.raises(ValueError, match="1 or more"):
        RetrievalSettings(dense_best_within=0)


@pytest.mark.slow  # the real e5: the similarity of the question and one sentence is the point
def test_the_chunk_whose_one_sentence_answers_is_ranked_first(tmp_path):
    """The section that answers "想给 Debian 做镜像站，应该联系谁？" spends three paragraphs on why mirrors
    are needed and how they run before its last sentence gives the address; its chunk's vector and its
    words are about mirrors in general, as are other sections'. The e5 similarity of the question and
    each leading chunk's closest sentence (`closest_sentences`) puts it first. Real Debian FAQ text,
    real e5, real Chroma."""
    from app.retrieval import HybridRetriever

    data, index = _faq_index(tmp_path, "debfaq_mirror.json")

    def first(settings: RetrievalSettings) -> str:
        return HybridRetriever(index, settings).search(data["question"])[0].text

    assert data["answer"] in first(RetrievalSettings())
    assert data["answer"] not in first(RetrievalSettings(sentence_weight=0.0))  # what the re-rank is for


def _faq_index(tmp_path, name: str):
    """The test data file `name` ({docs, question, …}) and a real index (e5, Chroma) of its docs."""
    from app.config import Settings
    from app.core import chunk_settings, open_index
    from ingest.pipeline import ingest_paths
    from tests.tiny_corpus import write_docs

    data = json.loads((Path(__file__).parent / "data" / name).read_text("utf-8"))
    settings = Settings.load(env={}, dotenv=None, data_dir=tmp_path / "data")
    index = open_index(settings)
    ingest_paths(
        index, [write_docs(tmp_path / "docs", data["docs"])], chunk_settings(settings), progress=False
    )
    return data, index
