"""The index: chunks and their vectors in Chroma, a registry of document versions, and the lexical index.

Two Chroma collections per embedder: `<name>_<embedder>` holds the chunks (vector, embedded text, and
metadata: source, offsets, heading, original and search text, document hash), `<name>_<embedder>_docs`
holds one record per document version that is fully written. The registry record is the commit point:
a document's chunks are written first, then its record, then the previous version's chunks are
deleted. Readers only see chunks of registered versions, so a crash or a concurrent query never shows
half a document, and `repair()` removes what a crash left behind.

Embedded Chroma (`PersistentClient` under the data dir) by default; a Chroma server when a URL is given
(the connection: `ingest/chroma.py`). The records themselves, `Chunk` and `DocumentRecord`:
`ingest/records.py`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ingest.chroma import ChromaCollections
from ingest.embeddings import Embedder
from ingest.lexical import TOKENIZER_VERSION, LexicalIndex
from ingest.records import Chunk, DocumentRecord

_WRITE_BATCH = 1024  # chunks per Chroma upsert (the embedder batches further down)
_READ_PAGE = 2000


class Index:
    """Chunks in Chroma plus the lexical index beside them. Opening it does no work; first use connects."""

    def __init__(
        self,
        data_dir: Path,
        embedder: Embedder,
        chroma_url: str | None = None,
        name: str = "wenda",
        timeout: float = 30.0,
        label: str | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.embedder = embedder
        self.chroma_url = chroma_url
        self.timeout = timeout  # seconds per request to a Chroma server
        self.name = f"{name}_{embedder.key}"
        self.label = label  # kept in the registry collection's metadata (a knowledge base's name)
        lexical_dir = self.data_dir / "lexical" / (self._server_slug() or "local") / self.name
        self.lexical = LexicalIndex(lexical_dir)
        self._chroma = ChromaCollections(self.data_dir, chroma_url, timeout, self.name, label)
        self._active: dict[str, str] | None = None  # source -> doc_hash of the registered version
        self._active_chunks = 0  # chunks of the registered versions
        self._active_checked = 0.0
        self.refresh_seconds = 2.0  # how often readers look for other processes' writes

    def _server_slug(self) -> str:
        if not self.chroma_url:
            return ""
        return "server_" + hashlib.sha1(self.chroma_url.encode()).hexdigest()[:10]

    @property
    def _chunks(self):
        return self._chroma.chunks

    @property
    def _docs(self):
        return self._chroma.docs

    # -- the registry ------------------------------------------------------------------------
    def documents(self) -> dict[str, DocumentRecord]:
        got = self._docs.get(include=["metadatas"])
        fields = DocumentRecord.__dataclass_fields__
        return {
            meta["source"]: DocumentRecord(**{k: v for k, v in meta.items() if k in fields})
            for meta in got["metadatas"] or []
        }

    def active_versions(self, max_age: float | None = None) -> dict[str, str]:
        """source → doc_hash of every registered document; re-read at most every `refresh_seconds`."""
        max_age = self.refresh_seconds if max_age is None else max_age
        now = time.monotonic()
        if self._active is None or now - self._active_checked > max_age:
            records = self.documents()
            self._active = {s: r.doc_hash for s, r in records.items()}
            self._active_chunks = sum(r.chunks for r in records.values())
            self._active_checked = now
        return self._active

    def active_chunks(self) -> int:
        """How many chunks the registered versions have; from the registry (cheap), unlike `count()`,
        which asks Chroma to count every stored chunk (~14 ms at 100k)."""
        self.active_versions()
        return self._active_chunks

    def fingerprint(self) -> str:
        versions = sorted(f"{s}\0{h}" for s, h in self.active_versions().items())
        return hashlib.sha1("\n".join([TOKENIZER_VERSION, *versions]).encode()).hexdigest()

    # -- writing -----------------------------------------------------------------------------
    def add_document(
        self, record: DocumentRecord, chunks: list[Chunk], progress: Callable[[int], None] | None = None
    ) -> None:
        """Embed and write a document version, then make it the current one, then drop the old one."""
        self.add_documents([(record, chunks)], progress)

    def add_documents(
        self,
        documents: list[tuple[DocumentRecord, list[Chunk]]],
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """`add_document` for many documents at once: chunks go to Chroma in large batches (one
        call per `_WRITE_BATCH` chunks rather than per document), then all records are registered."""
        chunks = [c for _, doc_chunks in documents for c in doc_chunks]
        for i in range(0, len(chunks), _WRITE_BATCH):
            batch = chunks[i : i + _WRITE_BATCH]
            vectors = self.embedder.embed([c.embed_text for c in batch], "passage", progress)
            self._chunks.upsert(
                ids=[c.id for c in batch],
                embeddings=vectors,
                documents=[c.embed_text for c in batch],
                metadatas=[c.metadata() for c in batch],
            )
        if not documents:
            return
        records = [record for record, _ in documents]
        self._docs.upsert(
            ids=[_doc_id(r.source) for r in records],
            embeddings=[[1.0]] * len(records),
            metadatas=[asdict(r) for r in records],
        )
        for record in records:
            self._chunks.delete(
                where={"$and": [{"source": record.source}, {"doc_hash": {"$ne": record.doc_hash}}]}
            )
        self._active = None

    def remove_document(self, source: str) -> None:
        self._docs.delete(ids=[_doc_id(source)])
        self._chunks.delete(where={"source": source})
        self._active = None

    def repair(self) -> int:
        """Delete chunks of unregistered document versions (left by an interrupted ingest); returns count."""
        active = self.active_versions(max_age=0)
        orphans = [c.id for c in self.iter_chunks() if active.get(c.source) != c.doc_hash]
        for i in range(0, len(orphans), _READ_PAGE):
            self._chunks.delete(ids=orphans[i : i + _READ_PAGE])
        return len(orphans)

    def reset(self) -> None:
        """Drop every chunk, record and the lexical index."""
        self._chroma.delete()
        self._active = None
        import shutil

        shutil.rmtree(self.lexical.directory, ignore_errors=True)
        self.lexical = LexicalIndex(self.lexical.directory)

    def drop(self) -> None:
        """Delete the collections and the lexical index for good (the index is unusable after)."""
        self.reset()
        import shutil

        shutil.rmtree(self.lexical.directory, ignore_errors=True)

    def list_collections(self) -> list:
        """Every collection in this Chroma store (the client's own objects, with name and metadata)."""
        return self._chroma.list_all()

    # -- reading -----------------------------------------------------------------------------
    def count(self) -> int:
        return self._chunks.count()

    def iter_chunks(self, where: dict | None = None) -> Iterator[Chunk]:
        offset = 0
        while True:
            got = self._chunks.get(where=where, include=["metadatas"], limit=_READ_PAGE, offset=offset)
            for cid, meta in zip(got["ids"], got["metadatas"]):
                yield Chunk.from_record(cid, meta)
            if len(got["ids"]) < _READ_PAGE:
                return
            offset += _READ_PAGE

    def get_chunks(self, ids: list[str]) -> dict[str, Chunk]:
        found: dict[str, Chunk] = {}
        for i in range(0, len(ids), _READ_PAGE):
            got = self._chunks.get(ids=ids[i : i + _READ_PAGE], include=["metadatas"])
            found.update(
                {cid: Chunk.from_record(cid, meta) for cid, meta in zip(got["ids"], got["metadatas"])}
            )
        return found

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """The stored embeddings of chunks `ids` (unknown ids are left out)."""
        got = self._chunks.get(ids=list(ids), include=["embeddings"]) if ids else {"ids": []}
        return {
            cid: np.asarray(vec, dtype=np.float32) for cid, vec in zip(got["ids"], got.get("embeddings", []))
        }

    def following_chunk(self, source: str, end: int, gap: int = 8) -> Chunk | None:
        """The chunk of `source` (current version) that carries its text on past offset `end`: it starts
        at most `gap` characters after `end` (chunks do not hold the whitespace between sentences) and ends
        after it; the furthest-reaching one, or None at the document's end."""
        doc_hash = self.active_versions().get(source)
        if doc_hash is None:
            return None
        where = {
            "$and": [
                {"source": source},
                {"doc_hash": doc_hash},
                {"start": {"$lte": end + gap}},
                {"end": {"$gt": end}},
            ]
        }
        got = self._chunks.get(where=where, include=["metadatas"])
        chunks = [Chunk.from_record(cid, meta) for cid, meta in zip(got["ids"], got["metadatas"])]
        return max(chunks, key=lambda c: c.end, default=None)

    def is_active(self, chunk: Chunk) -> bool:
        return self.active_versions().get(chunk.source) == chunk.doc_hash

    def dense_search(self, vector: np.ndarray, k: int) -> list[tuple[Chunk, float]]:
        """Nearest chunks by cosine similarity, best first, current document versions only."""
        n = self.active_chunks()
        if n == 0:
            return []
        got = self._chunks.query(
            query_embeddings=[np.asarray(vector).tolist()],
            n_results=min(k, n),
            include=["metadatas", "distances"],
        )
        hits = [
            (Chunk.from_record(cid, meta), 1.0 - float(dist))
            for cid, meta, dist in zip(got["ids"][0], got["metadatas"][0], got["distances"][0])
        ]
        return [(chunk, score) for chunk, score in hits if self.is_active(chunk)]

    def sync_lexical(self) -> bool:
        """Bring the lexical index in step with the registered chunks (incrementally)."""
        active = self.active_versions()

        def current_ids() -> list[str]:
            return [c.id for c in self.iter_chunks() if active.get(c.source) == c.doc_hash]

        def texts(ids: list[str]) -> dict[str, str]:
            return {cid: c.embed_text for cid, c in self.get_chunks(ids).items()}  # heading + text

        return self.lexical.sync(self.fingerprint(), current_ids, texts)

    def lexical_search(self, tokens: list[str], k: int) -> list[tuple[Chunk, float]]:
        """Best BM25 chunks, current versions only."""
        self.sync_lexical()
        hits = self.lexical.search(tokens, k)
        chunks = self.get_chunks([cid for cid, _ in hits])
        return [(chunks[cid], score) for cid, score in hits if cid in chunks and self.is_active(chunks[cid])]


def _doc_id(source: str) -> str:
    return hashlib.sha1(source.encode()).hexdigest()
