"""Faults around a real `wenda serve`: SIGKILL in the middle of an HTTP upload, then a restart; and
clients asking questions while a large upload is being ingested."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time

import httpx
import pytest

from app.config import SEEDS_DIR
from ingest.embeddings import LocalE5Embedder
from ingest.store import Index
from tests.index_checks import check_whole
from tests.servers import start_serving, stop_serving

pytestmark = [pytest.mark.server, pytest.mark.slow]

SEED_QUESTION = ("2008年全国生物产业总产值是多少?", "11340亿元")


def big_document() -> bytes:
    """About seventy chunks: long enough that embedding it takes e5 several seconds."""
    text = (SEEDS_DIR / "002_95c493e45345613e.txt").read_text(encoding="utf-8")
    return ("附录：宁波市新建合成生物创新药物中试基地两座。\n" + text).encode("utf-8")


def test_sigkill_mid_upload_then_restart_loses_nothing_and_serves_during_the_retry(seeded_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(seeded_dir, data)
    proc, base = start_serving(data)
    upload_error: list[Exception] = []

    def upload() -> None:
        try:
            httpx.post(
                f"{base}/api/documents?wait=true",
                files={"files": ("ningbo.txt", big_document())},
                timeout=300,
            )
        except httpx.HTTPError as exc:
            upload_error.append(exc)

    uploader = threading.Thread(target=upload)
    uploader.start()
    time.sleep(4)  # the upload is stored and its chunks are being embedded and written
    assert proc.poll() is None, "the server finished or died before the kill"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    uploader.join(30)
    assert upload_error, "the upload completed before the kill; nothing was interrupted"

    proc, base = start_serving(data)
    try:
        listed = {d["source"] for d in httpx.get(f"{base}/api/documents", timeout=30).json()["documents"]}
        assert {
            p.name for p in SEEDS_DIR.iterdir()
        } <= listed and "ningbo.txt" not in listed  # never half a document
        answer = httpx.post(f"{base}/api/ask", json={"question": SEED_QUESTION[0]}, timeout=60).json()
        assert SEED_QUESTION[1] in answer["answer"]

        # the retry, with four clients asking all along: no error, and never a citation of a half-written file
        stop, errors, sources = threading.Event(), [], set()

        def ask_loop() -> None:
            with httpx.Client(timeout=120) as http:
                while not stop.is_set():
                    try:
                        got = http.post(
                            f"{base}/api/ask", json={"question": "宁波市新建合成生物创新药物中试基地几座?"}
                        )
                        if got.status_code != 200:
                            errors.append(f"{got.status_code}: {got.text[:200]}")
                            continue
                        sources.update(c["source"] for c in got.json()["citations"])
                    except httpx.HTTPError as exc:
                        errors.append(repr(exc))

        askers = [threading.Thread(target=ask_loop) for _ in range(4)]
        for t in askers:
            t.start()
        report = httpx.post(
            f"{base}/api/documents?wait=true", files={"files": ("ningbo.txt", big_document())}, timeout=300
        ).json()
        time.sleep(3)  # answers after the ingest cite the new file
        stop.set()
        for t in askers:
            t.join(120)
        assert report["added"] == ["ningbo.txt"] and not report["skipped"]
        assert not errors, errors[:3]
        assert "ningbo.txt" in sources
        final = httpx.post(
            f"{base}/api/ask", json={"question": "宁波市新建合成生物创新药物中试基地几座?"}, timeout=60
        ).json()
        assert "两座" in final["answer"] and final["citations"][0]["source"] == "ningbo.txt"
    finally:
        stop_serving(proc)
    texts = {p.name: p.read_text(encoding="utf-8") for p in SEEDS_DIR.iterdir()} | {
        "ningbo.txt": big_document().decode("utf-8")
    }
    check_whole(Index(data, LocalE5Embedder()), texts)


def test_sigterm_during_an_upload_job_stops_within_seconds_and_keeps_nothing_half_done(seeded_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(seeded_dir, data)
    proc, base = start_serving(data)
    try:
        r = httpx.post(
            f"{base}/api/documents", files={"files": ("ningbo.txt", big_document() * 3)}, timeout=60
        )
        assert r.status_code == 202, r.text
        job_url = f"{base}/api/jobs/{r.json()['job']['id']}"
        deadline = time.monotonic() + 120
        while httpx.get(job_url, timeout=10).json()["progress"]["chunks_done"] == 0:
            assert time.monotonic() < deadline, "the job never started embedding"
            time.sleep(0.2)
        waiter = threading.Thread(
            target=lambda: httpx.post(
                f"{base}/api/documents?wait=true",
                timeout=60,
                files={"files": ("other.txt", "其他。".encode())},
            )
        )
        waiter.start()  # a client waiting on the queue does not hold the shutdown up either
        time.sleep(0.5)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
        assert time.monotonic() - started < 12
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    index = Index(data, LocalE5Embedder())
    assert "ningbo.txt" not in index.documents()
    texts = {p.name: p.read_text(encoding="utf-8") for p in SEEDS_DIR.iterdir()}
    check_whole(index, texts)
    assert not (data / "uploads" / "ningbo.txt").exists()
