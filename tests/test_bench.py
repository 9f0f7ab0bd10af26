"""The benchmark's measurements on the seeds (one size, in-process): sane, complete figures."""

from __future__ import annotations

import random

import pytest

from app.bench import markdown
from app.bench_sizes import SIZES, measure_size, run_phase_in_process, synthetic_corpus

pytestmark = pytest.mark.slow


def test_synthetic_corpus_reuses_seed_vectors_with_noise(seeded_dir):
    docs, vectors = synthetic_corpus(seeded_dir, 120, random.Random(1))
    texts = [t for chunk_texts in docs.values() for t in chunk_texts]
    assert len(texts) == 120 and len(docs) == 3  # 50 chunks per synthetic document
    assert all(abs(float(v @ v) - 1.0) < 1e-4 for v in vectors.values())


def test_measure_size_reports_latency_memory_and_the_recipe(seeded_dir, tmp_path):
    phases = []

    def run(phase, *args):
        phases.append(phase)
        return run_phase_in_process(phase, *args)

    result = measure_size("seeds", seeded_dir, tmp_path, repeats=1, run=run)
    assert phases == ["build", "serve", "recipe"]
    assert SIZES["seeds"] == 0 and result["chunks"] > 100
    for key in ("retrieve", "answer", "recipe_retrieve"):
        assert 0 < result[f"{key}_p50_ms"] <= result[f"{key}_p95_ms"]
    assert result["peak_rss_mb"] > 0 and result["build_peak_rss_mb"] > 0 and result["recipe_peak_rss_mb"] > 0
    assert result["disk_mb"] > 0 and result["recipe_chunks"] > 0
    again = run_phase_in_process("build", "seeds", seeded_dir, tmp_path, 1)
    assert again == {k: result[k] for k in again}  # a built corpus is reused, not rebuilt
    ingest = {
        "chunks": 1,
        "chars_embedded": 10,
        "ingest_s": 1,
        "ingest_chars_per_s": 10,
        "bare_chars_per_s": 11,
        "throughput_ratio": 0.9,
        "unchanged_reingest_s": 0.1,
    }
    text = markdown({"machine": "test", "ingest": ingest, "sizes": {"seeds": result}})
    assert "| seeds |" in text and "ratio **0.9**" in text
