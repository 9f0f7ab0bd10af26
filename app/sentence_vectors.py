"""e5 vectors of document sentences, remembered: the answerers score candidate sentences by their
similarity to the question, and the same sentences come up for question after question.

A bounded LRU shared by concurrent requests (a lock around every read and write, never around the
embedding itself); a hit is taken under the lock, so an eviction by another request between two
steps cannot lose it. What it leaves out: persistence — a restart embeds again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

DEFAULT_CAPACITY = 16384  # sentences (384 floats each: ~25 MB)


class SentenceVectors:
    def __init__(self, embedder, capacity: int = DEFAULT_CAPACITY) -> None:
        self.embedder = embedder
        self.capacity = capacity
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # text → vector, most recent last
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def passages(self, texts: list[str]) -> np.ndarray:
        """Passage-side vectors of `texts`, one row each, in order."""
        with self._lock:  # take the hits now: another request may evict them while we embed
            found = {t: self._vectors[t] for t in texts if t in self._vectors}
            for text in found:
                self._vectors.move_to_end(text)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            fresh = {t: v.copy() for t, v in zip(missing, self.embedder.embed(missing, "passage"))}  # own rows
            found.update(fresh)
            with self._lock:
                self._vectors.update(fresh)
                while len(self._vectors) > self.capacity:
                    self._vectors.popitem(last=False)
        return np.stack([found[t] for t in texts]) if texts else np.zeros((0, 0))

    def similarities(self, query: str, texts: list[str]) -> np.ndarray:
        """Cosine similarity (e5 vectors are unit length) of the query to each text."""
        if not texts:
            return np.zeros(0)
        return self.passages(texts) @ self.embedder.embed_query(query)
