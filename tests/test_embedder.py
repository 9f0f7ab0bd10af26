"""The bundled multilingual-e5-small, used for real on seed text."""

from __future__ import annotations

import numpy as np

from ingest.embeddings import LangChainEmbeddings, LocalE5Embedder


def test_e5_ranks_the_right_seed_passage_first_and_respects_query_passage_roles():
    embedder = LocalE5Embedder()
    passages = [
        "2008年,全国生物产业实现总产值达到11340亿元。",
        "国家生物制造产业创新中心于2023年7月14日在深圳正式启动建设。",
        "到2027年,实现产业规模突破1000亿元,加快建设生物制造产业发展高地。",
    ]
    vectors = embedder.embed(passages, "passage")
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    for question, expected in [
        ("2008年生物产业总产值是多少?", 0),
        ("创新中心在哪个城市启动?", 1),
        ("Chongqing's 2027 biomanufacturing scale target", 2),
    ]:
        assert int(np.argmax(vectors @ embedder.embed_query(question))) == expected
    # the query role differs from the passage role for the same text
    assert not np.allclose(embedder.embed_query(passages[0]), vectors[0])
    adapter = LangChainEmbeddings(embedder)
    assert len(adapter.embed_query("生物")) == 384 and len(adapter.embed_documents(["生物"])[0]) == 384
