"""Incremental, idempotent ingest against a real embedded Chroma (hash embedder; e5 in test_embedder)."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.config import SEEDS_DIR
from ingest.lexical import query_tokens
from ingest.pipeline import ChunkSettings, ingest_paths
from ingest.store import Index
from tests.fakes import HashEmbedder


def make_index(data_dir: Path) -> Index:
    return Index(data_dir, HashEmbedder())


def copy_seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    shutil.copytree(SEEDS_DIR, folder)
    return folder


def chroma_sources(index: Index) -> dict[str, int]:
    counts: dict[str, int] = {}
    for chunk in index.iter_chunks():
        counts[chunk.source] = counts.get(chunk.source, 0) + 1
    return counts


def test_second_run_on_unchanged_files_embeds_nothing(tmp_path):
    folder = copy_seeds(tmp_path)
    index = make_index(tmp_path / "data")
    first = ingest_paths(index, [folder], progress=False)
    assert sorted(first.added) == sorted(p.name for p in folder.iterdir())
    calls = index.embedder.calls
    second = ingest_paths(index, [folder], progress=False)
    assert index.embedder.calls == calls
    assert (
        len(second.unchanged) == 5 and not second.added and not second.updated and second.chunks_written == 0
    )


def test_editing_one_file_re_embeds_only_that_file(tmp_path):
    folder = copy_seeds(tmp_path)
    index = make_index(tmp_path / "data")
    ingest_paths(index, [folder], progress=False)
    before = chroma_sources(index)
    edited = folder / "001_bae5a0fee72cab7a.txt"
    edited.write_text(
        edited.read_text(encoding="utf-8") + "\n新增段落：示范基地将于2026年建成。\n", encoding="utf-8"
    )
    embedded_before = index.embedder.texts_embedded
    report = ingest_paths(index, [folder], progress=False)
    assert report.updated == ["001_bae5a0fee72cab7a.txt"] and len(report.unchanged) == 4
    new_chunks = chroma_sources(index)["001_bae5a0fee72cab7a.txt"]
    assert index.embedder.texts_embedded - embedded_before == new_chunks == report.chunks_written
    # the old version's chunks are gone, the others untouched
    assert {s: n for s, n in chroma_sources(index).items() if s != edited.name} == {
        s: n for s, n in before.items() if s != edited.name
    }
    hits = index.lexical_search(query_tokens("示范基地2026年建成"), 3)
    assert hits and hits[0][0].source == edited.name and "2026年建成" in hits[0][0].text


def test_deleting_a_file_removes_it_from_chroma_and_the_lexical_index(tmp_path):
    folder = copy_seeds(tmp_path)
    index = make_index(tmp_path / "data")
    ingest_paths(index, [folder], progress=False)
    assert (
        index.lexical_search(query_tokens("重庆 生物制造 1000亿元"), 5)[0][0].source
        == "004_c3448ca0670dd323.txt"
    )
    (folder / "004_c3448ca0670dd323.txt").unlink()
    report = ingest_paths(index, [folder], progress=False)
    assert report.removed == ["004_c3448ca0670dd323.txt"]
    assert "004_c3448ca0670dd323.txt" not in chroma_sources(index)
    assert all(
        c.source != "004_c3448ca0670dd323.txt"
        for c, _ in index.lexical_search(query_tokens("重庆 生物制造"), 50)
    )
    assert "004_c3448ca0670dd323.txt" not in index.documents()


def test_the_index_survives_a_new_process(tmp_path):
    folder = copy_seeds(tmp_path)
    ingest_paths(make_index(tmp_path / "data"), [folder], progress=False)
    reopened = make_index(tmp_path / "data")  # nothing shared in memory
    assert len(reopened.documents()) == 5 and reopened.count() > 100
    assert reopened.lexical.load() and len(reopened.lexical) == reopened.count()
    hits = reopened.lexical_search(query_tokens("11340亿元"), 1)
    assert "11340亿元" in hits[0][0].text


def test_chunk_metadata_locates_the_original_text(tmp_path):
    folder = copy_seeds(tmp_path)
    index = make_index(tmp_path / "data")
    ingest_paths(index, [folder], progress=False)
    texts = {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()}
    for chunk in index.iter_chunks():
        assert texts[chunk.source][chunk.start : chunk.end] == chunk.text
        assert chunk.doc_hash == index.documents()[chunk.source].doc_hash


def test_bad_files_are_skipped_with_a_reason_and_the_rest_is_ingested(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_text("生物经济是重要的发展方向。" * 5, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 10)
    (folder / "notes.xyz").write_text("?", encoding="utf-8")
    report = ingest_paths(make_index(tmp_path / "data"), [folder, tmp_path / "missing"], progress=False)
    assert report.added == ["good.txt"]
    reasons = dict(report.skipped)
    assert set(reasons) == {"empty.txt", "binary.txt", "notes.xyz", str(tmp_path / "missing")}


def test_reset_rebuilds_and_chunk_settings_change_the_hash(tmp_path):
    folder = copy_seeds(tmp_path)
    index = make_index(tmp_path / "data")
    ingest_paths(index, [folder], progress=False)
    report = ingest_paths(index, [folder], settings=ChunkSettings(128, 16), progress=False)
    assert len(report.updated) == 5  # new chunk size: every document is re-split
    report = ingest_paths(index, [folder], reset=True, settings=ChunkSettings(128, 16), progress=False)
    assert len(report.added) == 5
