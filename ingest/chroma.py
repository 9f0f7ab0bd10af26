"""The connection to Chroma behind an index: embedded (`PersistentClient` under the data dir) by default,
a Chroma server when a URL is given.

`ChromaCollections` opens an index's two collections on first use and opens them again after a server
failure; every collection call that fails to reach the server raises `IndexUnavailable` (a restarted
server may have new collection ids, so the next call reconnects). What it leaves out: what the
collections hold and how they are written and read (`ingest/store.py`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

LABEL_KEY = "wenda_kb"  # the registry collection's metadata field holding the index's label
EF_SEARCH = 400  # HNSW candidates explored per query (Chroma default: 100; docs/evaluation.md)


class IndexUnavailable(Exception):
    """The Chroma store cannot be reached or opened (or a Chroma server went away mid-request)."""


def is_transport_failure(exc: BaseException) -> bool:
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
                if not is_transport_failure(exc):
                    raise
                self._on_failure()
                raise IndexUnavailable(
                    f"the Chroma server at {self._where} is unreachable ({type(exc).__name__}: {exc})"
                ) from exc

        return call


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


class ChromaCollections:
    """The collections `name` (chunks, cosine space) and `name_docs` (the registry, labelled `label`) in
    one Chroma store. Creating it does no work; the first use connects."""

    def __init__(
        self, data_dir: Path, chroma_url: str | None, timeout: float, name: str, label: str | None
    ) -> None:
        self.data_dir, self.chroma_url, self.timeout = data_dir, chroma_url, timeout
        self.name, self.label = name, label
        self._opened = None
        self._lock = threading.RLock()

    def open(self):
        """(client, chunk collection, registry collection), connecting when not connected."""
        with self._lock:
            if self._opened is None:
                client = _client(self.data_dir, self.chroma_url, self.timeout)
                try:
                    chunks = client.get_or_create_collection(
                        self.name,
                        embedding_function=None,
                        configuration={"hnsw": {"space": "cosine", "ef_search": EF_SEARCH}},
                    )
                    hnsw = (chunks.configuration_json or {}).get("hnsw") or {}
                    if hnsw.get("ef_search", EF_SEARCH) != EF_SEARCH:  # an index made with another value
                        chunks.modify(configuration={"hnsw": {"ef_search": EF_SEARCH}})
                    docs = client.get_or_create_collection(
                        self.name + "_docs",
                        embedding_function=None,
                        metadata={LABEL_KEY: self.label} if self.label else None,
                    )
                except Exception as exc:
                    raise IndexUnavailable(f"cannot open the Chroma collections: {exc}") from exc
                where = self.chroma_url or str(self.data_dir / "chroma")
                self._opened = (
                    client,
                    _GuardedCollection(chunks, where, self.disconnect),
                    _GuardedCollection(docs, where, self.disconnect),
                )
            return self._opened

    def disconnect(self) -> None:
        with self._lock:
            self._opened = None

    @property
    def chunks(self):
        return self.open()[1]

    @property
    def docs(self):
        return self.open()[2]

    def delete(self) -> None:
        """Delete both collections (absent ones are fine); the next use creates them empty."""
        client = self.open()[0]
        for name in (self.name, self.name + "_docs"):
            try:
                client.delete_collection(name)
            except Exception:  # absent already
                pass
        self._opened = None

    def list_all(self) -> list:
        """Every collection in this Chroma store (the client's own objects, with name and metadata)."""
        client = self.open()[0]
        try:
            return list(client.list_collections())
        except Exception as exc:
            if is_transport_failure(exc):
                self.disconnect()
            raise IndexUnavailable(f"cannot list the Chroma collections: {exc}") from exc
