"""The "whole index" check the fault tests share: after any crash and re-run, Chroma, the registry of
document versions and the lexical index must agree with each other and with the documents."""

from __future__ import annotations

from ingest.store import Index


def check_whole(index: Index, texts: dict[str, str]) -> None:
    """`texts`: source name → document text, for every document that should be indexed."""
    records = index.documents()
    assert set(records) == set(texts)
    chunks = list(index.iter_chunks())
    ids = [c.id for c in chunks]
    assert len(ids) == len(set(ids)), "duplicate chunks"
    per_source: dict[str, int] = {}
    for c in chunks:
        assert records[c.source].doc_hash == c.doc_hash, f"orphan chunk of an old version of {c.source}"
        assert texts[c.source][c.start : c.end] == c.text
        per_source[c.source] = per_source.get(c.source, 0) + 1
    assert per_source == {s: r.chunks for s, r in records.items()}
    index.sync_lexical()
    assert sorted(index.lexical._ids) == sorted(ids), "the lexical index disagrees with Chroma"
