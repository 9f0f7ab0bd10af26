"""BM25's length normalisation: the value wenda ships is the one an index is searched with, including an
index saved by an earlier version with bm25s' default."""

from __future__ import annotations

import json

from app.config import SEEDS_DIR
from ingest import lexical
from ingest.lexical import BM25_B, query_tokens
from ingest.pipeline import ingest_paths
from ingest.store import Index
from tests.fakes import HashEmbedder

QUERY = query_tokens("苏州 合成生物 产业 发展")


def _scores(index: Index) -> list[tuple[str, float]]:
    return [(c.id, round(s, 4)) for c, s in index.lexical_search(QUERY, 8)]


def _saved_b(index: Index) -> tuple[float | None, float]:
    """(b in the index's state, b in its saved BM25 parameters)."""
    folder = index.lexical.directory
    state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    params = json.loads((folder / "bm25" / "params.index.json").read_text(encoding="utf-8"))
    return state.get("b"), params["b"]


def test_an_index_saved_with_another_length_normalisation_is_reweighted_from_its_tokens(
    tmp_path, monkeypatch
):
    current = Index(tmp_path / "current", HashEmbedder())
    ingest_paths(current, [SEEDS_DIR], progress=False)
    assert _saved_b(current) == (BM25_B, BM25_B)

    # what an earlier version left: matrices made with bm25s' default 0.75, a state that names no b
    monkeypatch.setattr(lexical, "BM25_B", 0.75)
    earlier = Index(tmp_path / "earlier", HashEmbedder())
    ingest_paths(earlier, [SEEDS_DIR], progress=False)
    assert _scores(earlier) != _scores(current)  # the weighting matters for this query
    state_path = earlier.lexical.directory / "state.json"
    state = json.loads(state_path.read_text(encoding="utf-8"))
    del state["b"]
    state_path.write_text(json.dumps(state), encoding="utf-8")
    monkeypatch.undo()

    reopened = Index(tmp_path / "earlier", HashEmbedder())
    assert reopened.lexical.load()  # its tokens are kept: nothing to tokenise again
    assert _scores(reopened) == _scores(current)
    assert _saved_b(reopened) == (BM25_B, BM25_B)
