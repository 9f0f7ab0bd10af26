"""Deterministic stand-ins for tests: a tiny hash embedder (the real interface, no model)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from ingest.embeddings import Embedder


class HashEmbedder(Embedder):
    """Bag of character bigrams hashed into 64 dimensions: similar texts get similar vectors, instantly."""

    key = "hash64"
    dimensions = 64
    batch_size = 32

    def embed_batch(self, texts: Sequence[str], kind) -> np.ndarray:
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for a, b in zip(text, text[1:]):
                out[row, int(hashlib.md5((a + b).encode()).hexdigest()[:6], 16) % self.dimensions] += 1.0
            out[row] /= max(1e-9, float(np.linalg.norm(out[row])))
            if not out[row].any():
                out[row, 0] = 1.0
        return out
