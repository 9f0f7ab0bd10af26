"""The answerers' memory of sentence vectors (app/sentence_vectors.py), shared by concurrent requests: bounded, and never a wrong or missing vector."""

from __future__ import annotations

import random
import threading
import time

import numpy as np

from app.sentence_vectors import SentenceVectors
from tests.fakes import HashEmbedder


class SlowHashEmbedder(HashEmbedder):
    """Takes a moment per batch, so requests overlap the way e5 makes them overlap."""

    def embed_batch(self, texts, kind):
        time.sleep(0.002)
        return super().embed_batch(texts, kind)


def test_concurrent_requests_with_a_small_cache_get_the_right_vectors():
    cache = SentenceVectors(SlowHashEmbedder(), capacity=6)  # evictions all the time
    sentences = [f"第{i}句：生物制造产业发展规划" for i in range(20)]
    expected = dict(zip(sentences, HashEmbedder().embed(sentences, "passage")))
    errors: list[BaseException] = []

    def requests(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(60):
                texts = rng.sample(sentences, 4)
                got = cache.passages(texts)
                assert all(np.allclose(v, expected[t]) for t, v in zip(texts, got))
        except BaseException as exc:  # collected, so a failure in a thread fails the test
            errors.append(exc)

    threads = [threading.Thread(target=requests, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert len(cache) <= 6
