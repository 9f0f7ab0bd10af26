"""The index: chunks and their vectors in Chroma, a registry of document versions, and the lexical index.

Two Chroma collections per embedder: `<name>_<embedder>` holds the chunks (vector, embedded text, and
metadata: source, offsets, heading, original and search text, document hash), `<name>_<embedder>_docs`
holds one record per document version that is fully written. The registry record is the commit point:
a document's chunks are written first, then its record, then the previous version's chunks are
deleted. Readers only see chunks of registered versions, so a crash or a concurrent query never shows
half a document, and `repair()` removes what a crash left behind.

Embedded Chroma (`PersistentClient` under the data dir) by default; a Chroma server when a URL is given.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from ingest.embeddings import Embedder
from ingest.lexical import TOKENIZER_VERSION, LexicalIndex

_WRITE_BATCH = 1024  # chunks per Chroma upsert (the embedder batches further down)
_READ_PAGE = 2000
LABEL_KEY = "wenda_kb"  # the registry collection's metadata field holding the index's label


class IndexUnavailable(Exception):
    """The Chroma store cannot be reached or opened (or a Chroma server went away mid-request)."""


def _is_transport_failure(exc: BaseException) -> bool:
    """A failure to talk to the Chroma server (refused, reset, timed out), not a bad request."""
    import httpx

    return isinstance(exc, (httpx.TransportError, ConnectionError, TimeoutError))


class _GuardedCollection:
    """A Chroma collection whose calls turn transport failures into `IndexUnavailable` and tell the
    index to reconnect next time (a restarted server may have new collection ids)."""

    def __init__(self, collection, where: str, on_failure: Callable[[], None]) -> None:
        self._collection, self._where, self._on_failure = collection, where, on_failure

    def __getattr__(self, name: str):
        attr = getattr(self._collection, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            try:
                return attr(*args, **kwargs)
            except Exception as exc:
                if not _is_transport_failure(exc):
                    raise
                self._on_failure()
                raise IndexUnavailable(
                    f"the Chroma server at {self._where} is unreachable ({type(exc).__name__}: {exc})"
                ) from exc

        return call


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


def _client(data_dir: Path, chroma_url: str | None, timeout: float):
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    try:
        if chroma_url:
            url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
            client = chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=settings,
            )
            session = getattr(getattr(client, "_server", None), "_session", None)
            if (
                session is not None
            ):  # chromadb's HTTP client never times out by itself; a hung server must not hang wenda
                import httpx

                session.timeout = httpx.Timeout(timeout)
            return client
        (data_dir / "chroma").mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(data_dir / "chroma"), settings=settings)
    except Exception as exc:  # chromadb raises plain ValueError/ConnectionError/... here
        where = chroma_url or str(data_dir / "chroma")
        raise IndexUnavailable(f"cannot open the Chroma index at {where}: {exc}") from exc


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
        self._collections = None
        self._lock = threading.RLock()
        self._active: dict[str, str] | None = None  # source -> doc_hash of the registered version
        self._active_chunks = 0  # chunks of the registered versions
        self._active_checked = 0.0
        self.refresh_seconds = 2.0  # how often readers look for other processes' writes

    def _server_slug(self) -> str:
        if not self.chroma_url:
            return ""
        return "server_" + hashlib.sha1(self.chroma_url.encode()).hexdigest()[:10]

    def _open(self):
        with self._lock:
            if self._collections is None:
                client = _client(self.data_dir, self.chroma_url, self.timeout)
                try:
                    chunks = client.get_or_create_collection(
                        self.name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
                    )
                    docs = client.get_or_create_collection(
                        self.name + "_docs",
                        embedding_function=None,
                        metadata={LABEL_KEY: self.label} if self.label else None,
                    )
                except Exception as exc:
                    raise IndexUnavailable(f"cannot open the Chroma collections: {exc}") from exc
                where = self.chroma_url or str(self.data_dir / "chroma")
                self._collections = (
                    client,
                    _GuardedCollection(chunks, where, self._disconnect),
                    _GuardedCollection(docs, where, self._disconnect),
                )
            return self._collections

    def _disconnect(self) -> None:
        with self._lock:
            self._collections = None

    @property
    def _chunks(self):
        return self._open()[1]

    @property
    def _docs(self):
        return self._open()[2]

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
        client = self._open()[0]
        for name in (self.name, self.name + "_docs"):
            try:
                client.delete_collection(name)
            except Exception:  # absent already
                pass
        self._collections, self._active = None, None
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
        client = self._open()[0]
        try:
            return list(client.list_collections())
        except Exception as exc:
            if _is_transport_failure(exc):
                self._disconnect()
            raise IndexUnavailable(f"cannot list the Chroma collections: {exc}") from exc

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

    def dense_search(
        self, vector: np.ndarray, k: int, source: str | None = None
    ) -> list[tuple[Chunk, float]]:
        """Nearest chunks by cosine similarity, best first, current document versions only (of one
        `source` when given)."""
        n = self.active_chunks()
        if n == 0:
            return []
        got = self._chunks.query(
            query_embeddings=[np.asarray(vector).tolist()],
            n_results=min(k, n),
            include=["metadatas", "distances"],
            where={"source": source} if source else None,
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

    def lexical_search(
        self, tokens: list[str], k: int, source: str | None = None
    ) -> list[tuple[Chunk, float]]:
        """Best BM25 chunks, current versions only (of one `source` when given: searched deeper, then
        filtered)."""
        self.sync_lexical()
        hits = self.lexical.search(tokens, k * 10 if source else k)
        chunks = self.get_chunks([cid for cid, _ in hits])
        found = [
            (chunks[cid], score)
            for cid, score in hits
            if cid in chunks
            and self.is_active(chunks[cid])
            and (source is None or chunks[cid].source == source)
        ]
        return found[:k]


def _doc_id(source: str) -> str:
    return hashlib.sha1(source.encode()).hexdigest()
