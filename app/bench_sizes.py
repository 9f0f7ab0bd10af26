"""`wenda bench`'s queries by corpus size: the index of one size built, served and set beside the
LangChain tutorial recipe, each phase in its own process so that its peak RSS is its own.

Large corpora are synthetic: every synthetic chunk is a real seed chunk with its sentences reordered and
one sentence swapped in from another chunk; its vector is that seed chunk's real e5 vector plus Gaussian
noise (σ = 0.02 per dimension), renormalised — embedding 100k chunks with e5 would take hours on two
cores. Chroma and the lexical side (jieba + BM25) are real; questions are embedded by the real e5 model.
The recipe (1000/200 character splitter, Chroma dense top-4) is measured on the same text at each size.
What it leaves out: the seed ingest, the load run and the report (`app/bench.py`).

    python -m app.bench_sizes PHASE LABEL SEED_DIR WORK REPEATS   # one phase, printed as one JSON line
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from app.bench_measure import QUESTIONS, dir_mb, peak_rss_mb, percentile
from app.config import SEEDS_DIR, Settings
from ingest.embeddings import Embedder, LocalE5Embedder

SIZES = {"seeds": 0, "10k": 10_000, "100k": 100_000}


class PrecomputedEmbedder(Embedder):
    """Passages: vectors looked up by text (precomputed); queries and unknown texts: the real e5 model."""

    key = "e5small"
    dimensions = 384
    batch_size = 512

    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        super().__init__()
        self.vectors, self.e5 = vectors, LocalE5Embedder()

    def embed_batch(self, texts: Sequence[str], kind) -> np.ndarray:
        if kind == "query" or any(t not in self.vectors for t in texts):
            return self.e5.embed_batch(texts, kind)  # questions, and sentences the answerer compares
        return np.vstack([self.vectors[t] for t in texts])


def synthetic_corpus(
    seed_dir: Path, n: int, rng: random.Random
) -> tuple[dict[str, list[str]], dict[str, np.ndarray]]:
    """{doc name: [chunk texts]}, {chunk text: vector} built from the seed index in `seed_dir`."""
    from app.core import open_index
    from ingest.split import sentence_spans

    index = open_index(Settings.load(env={}, dotenv=None, data_dir=seed_dir))
    got = index._chunks.get(include=["embeddings", "metadatas"])
    seeds = [
        (meta["text"], np.asarray(vec, dtype=np.float32))
        for meta, vec in zip(got["metadatas"], got["embeddings"])
    ]
    sentences = [[t[s:e] for s, e in sentence_spans(t)] for t, _ in seeds]
    docs: dict[str, list[str]] = {}
    vectors: dict[str, np.ndarray] = {}
    for i in range(n):
        k = rng.randrange(len(seeds))
        parts = list(sentences[k]) or [seeds[k][0]]
        rng.shuffle(parts)
        parts[rng.randrange(len(parts))] = rng.choice(rng.choice(sentences) or [""])
        text = f"[{i}] " + "".join(parts)
        vec = seeds[k][1] + np.random.default_rng(i).normal(0, 0.02, seeds[k][1].shape).astype(np.float32)
        vectors[text] = vec / np.linalg.norm(vec)
        docs.setdefault(f"synthetic_{i // 50:05d}.txt", []).append(text)
    return docs, vectors


def build_corpus(label: str, seed_dir: Path, work: Path) -> dict:
    """Build the index of one size (the seeds plus synthetic chunks) under `work`, once: a second call
    with the same `work` returns the first build's figures."""
    from ingest.records import Chunk, DocumentRecord, chunk_id
    from ingest.store import Index

    data = work / f"data_{label}"
    done = data / "bench_build.json"
    if done.exists():
        return json.loads(done.read_text(encoding="utf-8"))
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(seed_dir, data)
    docs, vectors = synthetic_corpus(seed_dir, SIZES[label], random.Random(7))
    index = Index(data, PrecomputedEmbedder(vectors))
    started = time.perf_counter()
    batch: list = []
    for n, (name, texts) in enumerate(docs.items(), 1):
        text = "\n".join(texts)
        chunks, pos = [], 0
        for j, t in enumerate(texts):  # one chunk per synthetic text, so its precomputed vector applies
            start = text.index(t, pos)
            pos = start + len(t)
            chunks.append(Chunk(chunk_id(name, start, pos), name, name, j, start, pos, t, t, "", 0))
        batch.append(
            (DocumentRecord(name, name, "", name, "text", len(chunks), len(text), time.time()), chunks)
        )
        if len(batch) == 40 or n == len(docs):  # 2,000 chunks per write
            index.add_documents(batch)
            batch = []
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    index.sync_lexical()
    result = {
        "build_s": round(build_s, 1),
        "lexical_build_s": round(time.perf_counter() - started, 1),
        "build_peak_rss_mb": peak_rss_mb(),
    }
    done.write_text(json.dumps(result), encoding="utf-8")
    return result


def serve_queries(label: str, work: Path, repeats: int) -> dict:
    """What a serving process sees on a built index: lexical reload, retrieval and answer latency, RSS."""
    from app.chain import WendaChain
    from app.core import open_index

    data = work / f"data_{label}"
    settings = Settings.load(env={}, dotenv=None, data_dir=data)
    index = open_index(settings)
    started = time.perf_counter()
    index.sync_lexical()
    reload_s = time.perf_counter() - started
    chain = WendaChain(settings, index)
    e5 = index.embedder
    chain.ask(QUESTIONS[0])  # warm
    retrieve, answer, embed = [], [], []
    for _ in range(repeats):
        for q in QUESTIONS:
            t = time.perf_counter()
            e5.embed_query(q)
            embed.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            chain.retriever.search(q)
            retrieve.append((time.perf_counter() - t) * 1000)
            a = chain.ask(q)
            answer.append(a.timings_ms["total"])
    return {
        "chunks": index.count(),
        "lexical_reload_s": round(reload_s, 2),
        "embed_query_p50_ms": percentile(embed, 0.5),
        "retrieve_p50_ms": percentile(retrieve, 0.5),
        "retrieve_p95_ms": percentile(retrieve, 0.95),
        "answer_p50_ms": percentile(answer, 0.5),
        "answer_p95_ms": percentile(answer, 0.95),
        "disk_mb": dir_mb(data),
        "peak_rss_mb": peak_rss_mb(),
    }


def measure_size(label: str, seed_dir: Path, work: Path, repeats: int, run=None) -> dict:
    """One size: build (or reuse) its index, then serve queries, then the recipe — each phase in its own
    process (`run`), so every peak RSS is that phase's own."""
    run = run or run_phase_in_subprocess
    result: dict = {}
    for phase in ("build", "serve", "recipe"):
        got = run(phase, label, seed_dir, work, repeats)
        if "error" in got:
            return {"error": f"{phase}: {got['error']}"}
        result.update(got)
    return result


def run_phase_in_process(phase: str, label: str, seed_dir: Path, work: Path, repeats: int) -> dict:
    if phase == "build":
        return build_corpus(label, seed_dir, work)
    if phase == "serve":
        return serve_queries(label, work, repeats)
    docs, vectors = synthetic_corpus(seed_dir, SIZES[label], random.Random(7))
    result = measure_recipe(docs, vectors, work / f"recipe_{label}", repeats)
    result["recipe_peak_rss_mb"] = peak_rss_mb()
    return result


def measure_recipe(docs: dict[str, list[str]], vectors: dict, path: Path, repeats: int) -> dict:
    """The LangChain tutorial recipe on the same text: 1000/200 splitter, Chroma, dense top-4."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from ingest.embeddings import LangChainEmbeddings

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    pieces = splitter.split_documents(
        [
            Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": p.name})
            for p in sorted(SEEDS_DIR.iterdir())
        ]
    )
    pieces += [
        Document(page_content=t, metadata={"source": name}) for name, texts in docs.items() for t in texts
    ]
    lookup = dict(vectors)
    seed_e5 = LocalE5Embedder()
    missing = [d.page_content for d in pieces if d.page_content not in lookup]
    if missing:  # the seed pieces are embedded for real
        lookup.update(zip(missing, seed_e5.embed(missing, "passage")))
    pre = PrecomputedEmbedder(lookup)
    shutil.rmtree(path, ignore_errors=True)
    client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    store = Chroma(
        client=client,
        collection_name="recipe",
        embedding_function=LangChainEmbeddings(pre),
        collection_metadata={"hnsw:space": "cosine"},
    )
    for i in range(0, len(pieces), 4000):
        store.add_documents(pieces[i : i + 4000])
    store.similarity_search(QUESTIONS[0], k=4)
    times = []
    for _ in range(repeats):
        for q in QUESTIONS:
            t = time.perf_counter()
            store.similarity_search(q, k=4)
            times.append((time.perf_counter() - t) * 1000)
    return {
        "recipe_chunks": len(pieces),
        "recipe_retrieve_p50_ms": percentile(times, 0.5),
        "recipe_retrieve_p95_ms": percentile(times, 0.95),
        "recipe_disk_mb": dir_mb(path),
    }


def run_phase_in_subprocess(phase: str, label: str, seed_dir: Path, work: Path, repeats: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "app.bench_sizes", phase, label, str(seed_dir), str(work), str(repeats)],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if out.returncode != 0:
        return {
            "error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"
        }
    return json.loads(out.stdout.strip().splitlines()[-1])


# one phase of one size, in its own process: python -m app.bench_sizes PHASE LABEL SEED_DIR WORK REPEATS
if __name__ == "__main__":
    phase, label, seed_dir, work, repeats = (
        sys.argv[1],
        sys.argv[2],
        Path(sys.argv[3]),
        Path(sys.argv[4]),
        int(sys.argv[5]),
    )
    print(json.dumps(run_phase_in_process(phase, label, seed_dir, work, repeats)))
