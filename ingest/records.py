"""What the index stores: a `Chunk` (a span of a source document, with its offsets, heading and
search text) and a `DocumentRecord` (one fully written document version), and the content-derived id
of a chunk. What it leaves out: writing and reading them (`ingest/store.py`).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Chunk:
    """A span of a source document, as stored and retrieved."""

    id: str
    source: str
    doc_hash: str
    position: int
    start: int
    end: int
    text: str  # the original text, exactly `document[start:end]`
    search_text: str  # normalised: simplified, repaired; what search matches
    heading: str = ""
    tokens: int = 0
    title: str = ""  # the document's title ("" in indexes written before titles: show the source)
    location: str = ""  # where in the file: "Sheet1 第12行", "第3页", "幻灯片 4" ("" for plain text)

    @property
    def embed_text(self) -> str:
        """What is embedded: the heading path travels with the chunk."""
        return f"{self.heading}\n{self.search_text}" if self.heading else self.search_text

    def metadata(self) -> dict:
        meta = asdict(self)
        meta.pop("id")
        return meta

    @classmethod
    def from_record(cls, chunk_id: str, meta: dict) -> Chunk:
        return cls(id=chunk_id, **{k: meta[k] for k in cls.__dataclass_fields__ if k != "id" and k in meta})


@dataclass(frozen=True)
class DocumentRecord:
    """One fully written document version."""

    source: str
    doc_hash: str
    root: str  # the folder it was ingested from ("" for single files), so vanished files can be removed
    path: str
    kind: str
    chunks: int
    chars: int
    ingested_at: float
    title: str = ""  # "" in indexes written before titles: show the source


def chunk_id(doc_hash: str, start: int, end: int) -> str:
    """Content-derived: the same document text gives the same ids, a new version gives new ones."""
    return hashlib.sha1(f"{doc_hash}:{start}:{end}".encode()).hexdigest()[:24]
