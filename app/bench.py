"""`wenda bench`: how fast wenda ingests and answers, and what it costs, at the seeds, 10k and 100k chunks.

Writes `report.json` and `report.md` to `--out`. Each corpus size is measured in fresh subprocesses
(`app/bench_sizes.py`, which also says how the large corpora are made), so peak RSS is that size's own.
The ingest of the seeds is measured with the real e5 model, against the bare embedder on the same texts;
the load run puts concurrent clients on a real `wenda serve`.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

from app.bench_measure import QUESTIONS, percentile
from app.bench_sizes import measure_size
from app.config import SEEDS_DIR, Settings
from ingest.embeddings import LocalE5Embedder


# -- ingest of the seeds, and the load run ----------------------------------------------------------
def measure_ingest(work: Path) -> dict:
    from app.core import chunk_settings, open_index
    from ingest.pipeline import ingest_paths

    shutil.rmtree(work / "seed_index", ignore_errors=True)
    settings = Settings.load(env={}, dotenv=None, data_dir=work / "seed_index")
    index = open_index(settings)
    started = time.perf_counter()
    report = ingest_paths(index, [SEEDS_DIR], settings=chunk_settings(settings), progress=False)
    ingest_s = time.perf_counter() - started
    texts = [c.embed_text for c in index.iter_chunks()]
    bare = LocalE5Embedder()
    bare.embed(["warm up"])
    started = time.perf_counter()
    bare.embed(texts, "passage")
    bare_s = time.perf_counter() - started
    started = time.perf_counter()
    again = ingest_paths(index, [SEEDS_DIR], settings=chunk_settings(settings), progress=False)
    reingest_s = time.perf_counter() - started
    chars = sum(len(t) for t in texts)
    return {
        "documents": len(report.added),
        "chunks": report.chunks_written,
        "chars_embedded": report.chars_embedded,
        "ingest_s": round(ingest_s, 1),
        "ingest_chars_per_s": round(report.chars_embedded / ingest_s),
        "bare_embedder_s": round(bare_s, 1),
        "bare_chars_per_s": round(chars / bare_s),
        "throughput_ratio": round((report.chars_embedded / ingest_s) / (chars / bare_s), 2),
        "unchanged_reingest_s": round(reingest_s, 2),
        "unchanged_embed_calls": int(len(again.unchanged) != 5),
    }


def load_run(seed_dir: Path, work: Path, clients: int, seconds: float) -> dict:
    """`wenda serve` on a copy of the seed index; `clients` threads ask for `seconds`, on 127.0.0.1."""
    import threading

    import httpx

    from app.serve_process import spawned

    data = work / "serve_data"
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(seed_dir, data)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    with spawned(data) as base:
        httpx.post(f"{base}/api/ask", json={"question": QUESTIONS[0]}, timeout=60)
        deadline = time.time() + seconds

        def client(k: int) -> None:
            nonlocal errors
            with httpx.Client(timeout=60) as http:
                i = k
                while time.time() < deadline:
                    t = time.perf_counter()
                    try:
                        ok = (
                            http.post(
                                f"{base}/api/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]}
                            ).status_code
                            == 200
                        )
                    except httpx.HTTPError:
                        ok = False
                    with lock:
                        latencies.append((time.perf_counter() - t) * 1000)
                        errors += 0 if ok else 1
                    i += 1

        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "errors": errors,
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": percentile(latencies, 0.5),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
    }


# -- the command -----------------------------------------------------------------------------------
def markdown(report: dict) -> str:
    ing = report["ingest"]
    lines = [
        "# wenda benchmark",
        "",
        f"machine: {report['machine']}",
        "",
        "## Ingest (seeds, real e5)",
        "",
        f"- {ing['chunks']} chunks, {ing['chars_embedded']:,} characters embedded in {ing['ingest_s']} s: "
        f"**{ing['ingest_chars_per_s']} chars/s** vs the bare embedder's {ing['bare_chars_per_s']} chars/s "
        f"on the same texts (ratio **{ing['throughput_ratio']}**)",
        f"- unchanged re-ingest: {ing['unchanged_reingest_s']} s, no embedding",
        "",
        "## Queries by corpus size",
        "",
        (
            "| size | chunks | retrieve p50 / p95 ms | answer p50 / p95 ms | e5 query ms "
            "| serving peak RSS MB | build peak RSS MB | disk MB | build / lexical build / lexical reload s "
            "| recipe retrieve p50 ms | recipe peak RSS MB | recipe disk MB |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, r in report["sizes"].items():
        if "error" in r:
            lines.append(f"| {label} | error: {r['error']} |")
            continue
        lines.append(
            f"| {label} | {r['chunks']:,} | {r['retrieve_p50_ms']} / {r['retrieve_p95_ms']} "
            f"| {r['answer_p50_ms']} / {r['answer_p95_ms']} | "
            f"{r['embed_query_p50_ms']} | {r['peak_rss_mb']} | {r['build_peak_rss_mb']} | {r['disk_mb']} | "
            f"{r['build_s']} / {r['lexical_build_s']} / {r['lexical_reload_s']} | "
            f"{r['recipe_retrieve_p50_ms']} | {r['recipe_peak_rss_mb']} | {r['recipe_disk_mb']} |"
        )
    if report.get("load"):
        ld = report["load"]
        lines += [
            "",
            f"## Load: {ld['clients']} concurrent clients on `/api/ask` for {ld['seconds']} s (seeds)",
            "",
            f"{ld['requests']} requests, **{ld['errors']} errors**, {ld['throughput_rps']} req/s, "
            f"p50 {ld['p50_ms']} ms, p95 {ld['p95_ms']} ms, p99 {ld['p99_ms']} ms",
        ]
    return "\n".join(lines) + "\n"


def main(args) -> int:
    import platform
    import tempfile

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    keep = args.work is not None
    work = Path(args.work) if keep else Path(tempfile.mkdtemp(prefix="wenda-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        print("ingest: seeds with the real embedder …", file=sys.stderr)
        report = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "ingest": measure_ingest(work),
            "sizes": {},
        }
        for label in args.sizes.split(","):
            print(f"size {label} …", file=sys.stderr)
            report["sizes"][label] = measure_size(label, work / "seed_index", work, args.repeats)
        if args.clients > 0:
            print(f"load: {args.clients} clients for {args.seconds} s …", file=sys.stderr)
            report["load"] = load_run(work / "seed_index", work, args.clients, args.seconds)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "report.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    return 0
