"""Builds the core objects from settings — the embedder, the index, the chain — and nothing at import.

Every adapter (CLI, HTTP API, UI, eval, bench) gets its objects here, so there is one way to build them.
"""

from __future__ import annotations

from app.config import Settings
from ingest.embeddings import Embedder, LocalE5Embedder, OpenAIEmbedder
from ingest.pipeline import ChunkSettings
from ingest.store import Index


def make_embedder(settings: Settings) -> Embedder:
    if settings.embeddings == "openai":
        return OpenAIEmbedder(settings.embedding_model, settings.openai_api_key, settings.openai_base_url)
    return LocalE5Embedder()


def open_index(settings: Settings, embedder: Embedder | None = None) -> Index:
    return Index(
        settings.data_path,
        embedder or make_embedder(settings),
        settings.chroma_url,
        timeout=settings.chroma_timeout,
    )


def chunk_settings(settings: Settings) -> ChunkSettings:
    return ChunkSettings(settings.chunk_tokens, settings.chunk_overlap)
