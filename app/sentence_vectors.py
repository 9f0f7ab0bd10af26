"""e5 vectors of document sentences, remembered: the answerers score candidate sentences by their
similarity to the question, and the same sentences come up for question after question.

A bounded LRU shared by concurrent requests (a lock around every read and write, never around the
embedding itself); a hit is taken under the lock, so an eviction by another request between two
steps cannot lose it. Texts another request is embedding right now are waited for, not embedded
again: when many people ask about the same passages at once (a popular question, a load test), each
sentence is embedded once, not once per request. What it leaves out: persistence — a restart embeds
again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

DEFAULT_CAPACITY = 16384  # sentences (384 floats each: ~25 MB)
SIMILARITY_FLOOR, SIMILARITY_SPAN = 0.75, 0.2  # e5 similarity mapped to 0–1 over [floor, floor + span]


def scaled_similarity(similarity: float) -> float:
    """An e5 similarity of a question and a sentence on a 0–1 scale: e5 puts nearly every pair above
    0.75, so the range that tells sentences apart is stretched (`SIMILARITY_FLOOR`, `SIMILARITY_SPAN`).
    Retrieval's re-rank and the quote finder score sentences on this one scale.

    >>> [round(scaled_similarity(s), 2) for s in (0.7, 0.85, 0.99)]
    [0.0, 0.5, 1.0]
    """
    return float(np.clip((similarity - SIMILARITY_FLOOR) / SIMILARITY_SPAN, 0.0, 1.0))


class SentenceVectors:
    def __init__(self, embedder, capacity: int = DEFAULT_CAPACITY) -> None:
        self.embedder = embedder
        self.capacity = capacity
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # text → vector, most recent last
        self._embedding: dict[str, threading.Event] = {}  # text → set when the request embedding it is done
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def passages(self, texts: list[str]) -> np.ndarray:
        """Passage-side vectors of `texts`, one row each, in order."""
        found, mine, theirs = self._take(texts)
        if mine:
            try:
                fresh = {t: v.copy() for t, v in zip(mine, self.embedder.embed(mine, "passage"))}  # own rows
                found.update(fresh)
                with self._lock:
                    self._vectors.update(fresh)
                    while len(self._vectors) > self.capacity:
                        self._vectors.popitem(last=False)
            finally:
                with self._lock:
                    for text in mine:
                        self._embedding.pop(text).set()
        for done in theirs.values():
            done.wait()
        if theirs:  # embedded by another request meanwhile (if it failed, or was evicted since: ours now)
            found.update(zip(theirs, self.passages(list(theirs))))
        return np.stack([found[t] for t in texts]) if texts else np.zeros((0, 0))

    def _take(self, texts: list[str]) -> tuple[dict[str, np.ndarray], list[str], dict[str, threading.Event]]:
        """Under the lock: the vectors already here, the texts this request embeds (now marked as being
        embedded), and those another request is embedding (with the event that says it is done)."""
        found: dict[str, np.ndarray] = {}
        mine: list[str] = []
        theirs: dict[str, threading.Event] = {}
        with self._lock:  # take the hits now: another request may evict them while we embed
            for text in dict.fromkeys(texts):
                if text in self._vectors:
                    found[text] = self._vectors[text]
                    self._vectors.move_to_end(text)
                elif text in self._embedding:
                    theirs[text] = self._embedding[text]
                else:
                    self._embedding[text] = threading.Event()
                    mine.append(text)
        return found, mine, theirs

    def similarities(self, query: str, texts: list[str], query_vector=None) -> np.ndarray:
        """Cosine similarity (e5 vectors are unit length) of the query to each text. `query_vector`:
        the query's embedding, when the caller has it (retrieval made it): not embedded again."""
        if not texts:
            return np.zeros(0)
        if query_vector is None:
            query_vector = self.embedder.embed_query(query)
        return self.passages(texts) @ np.asarray(query_vector, dtype=np.float32)
