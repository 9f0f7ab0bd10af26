"""The answerers' memory of sentence vectors (app/sentence_vectors.py), shared by concurrent requests:
bounded, and never a wrong or missing vector; and a question embedded once per ask."""

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


def test_requests_asking_for_the_same_sentences_at_once_embed_each_only_once():
    """A popular question asked by 8 people at the same moment: its sentences are embedded once, the
    other requests wait for them (each embedded them again before, serialised by the embedder)."""
    embedder = SlowHashEmbedder()
    cache = SentenceVectors(embedder)
    sentences = [f"第{i}句：生物制造产业发展规划" for i in range(12)]
    start = threading.Barrier(8)
    results: list[np.ndarray] = []

    def request() -> None:
        start.wait()
        results.append(cache.passages(sentences))

    threads = [threading.Thread(target=request) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert embedder.texts_embedded == len(sentences)
    expected = HashEmbedder().embed(sentences, "passage")
    assert len(results) == 8 and all(np.allclose(r, expected) for r in results)


def test_a_question_is_embedded_once_per_ask(tmp_path):
    """Retrieval's question vector serves the answerer's sentence matching too: one e5 query per ask
    (it was two: the warm answer cost an extra query embedding)."""
    from tests.tiny_corpus import hash_chain

    _, chain = hash_chain(tmp_path)
    queries: list[str] = []
    embed = chain.index.embedder.embed

    def counting(texts, kind="passage", progress=None):
        if kind == "query":
            queries.extend(texts)
        return embed(texts, kind, progress)

    chain.index.embedder.embed = counting
    answer = chain.ask("杭州数字经济核心产业增加值的目标是多少?")
    assert "7000亿元" in answer.answer
    assert len(queries) == 1, queries
    queries.clear()
    followup = chain.ask(
        "那宁波呢?", [{"role": "user", "content": "杭州数字经济核心产业增加值的目标是多少?"}]
    )
    assert not followup.error
    assert len(queries) <= 2, queries  # a follow-up's own words are matched on their own
