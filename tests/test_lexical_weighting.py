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


def _index_an_earlier_version_saved(data, monkeypatch) -> tuple:
    """The seeds indexed in `data` as an earlier version left them: BM25 matrices made with bm25s'
    default 0.75, a state that names no b. Returns (the index as it was built, state.json's path, the
    state)."""
    monkeypatch.setattr(lexical, "BM25_B", 0.75)
    earlier = Index(data, HashEmbedder())
    ingest_paths(earlier, [SEEDS_DIR], progress=False)
    monkeypatch.undo()
    state_path = earlier.lexical.directory / "state.json"
    state = json.loads(state_path.read_text(encoding="utf-8"))
    del state["b"]
    state_path.write_text(json.dumps(state), encoding="utf-8")
    return earlier, state_path, state


def test_an_index_saved_with_another_length_normalisation_is_reweighted_from_its_tokens(
    tmp_path, monkeypatch
):
    current = Index(tmp_path / "current", HashEmbedder())
    ingest_paths(current, [SEEDS_DIR], progress=False)
    assert _saved_b(current) == (BM25_B, BM25_B)

    earlier, _, _ = _index_an_earlier_version_saved(tmp_path / "earlier", monkeypatch)
    assert _scores(earlier) != _scores(current)  # the weighting matters for this query (0.75 in memory)

    reopened = Index(tmp_path / "earlier", HashEmbedder())

    def no_tokenising(text):
        raise AssertionError("the stored tokens should have been reused")

    monkeypatch.setattr(lexical, "_tokens", no_tokenising)
    monkeypatch.setattr(lexical, "_memo_tokens", no_tokenising)
    assert reopened.lexical.load()
    assert reopened.lexical._bm25.b == BM25_B  # re-weighted on loading, before any search
    monkeypatch.undo()
    assert _scores(reopened) == _scores(current)
    assert _saved_b(reopened) == (BM25_B, BM25_B)


def test_reweighting_on_load_never_overwrites_an_index_another_process_saved_meanwhile(tmp_path, monkeypatch):
    _, state_path, state = _index_an_earlier_version_saved(tmp_path / "data", monkeypatch)

    reader = Index(tmp_path / "data", HashEmbedder())
    build = reader.lexical._build

    def build_while_a_writer_saves():  # an ingest in another process saves between read and write
        newer = dict(state, fingerprint="newer", b=BM25_B)
        state_path.write_text(json.dumps(newer), encoding="utf-8")
        return build()

    monkeypatch.setattr(reader.lexical, "_build", build_while_a_writer_saves)
    assert reader.lexical.load()
    assert reader.lexical._bm25.b == BM25_B  # weighted again in memory…
    assert json.loads(state_path.read_text(encoding="utf-8"))["fingerprint"] == "newer"  # …not saved over


def test_an_old_index_in_a_data_dir_that_cannot_be_written_is_reweighted_in_memory(tmp_path, monkeypatch):
    _, state_path, state = _index_an_earlier_version_saved(tmp_path / "data", monkeypatch)

    reader = Index(tmp_path / "data", HashEmbedder())

    def read_only(*args, **kwargs):
        raise PermissionError("read-only data dir")

    monkeypatch.setattr(reader.lexical, "_save", read_only)
    assert reader.lexical.load()  # no error: the index serves, weighted as wenda weights it
    assert reader.lexical._bm25.b == BM25_B
    assert "b" not in json.loads(state_path.read_text(encoding="utf-8"))
