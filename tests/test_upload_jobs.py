"""Uploads as background jobs: 202 + progress, cancel, the per-upload character limit, a bounded queue
(429 + Retry-After) that never starves reads, name clashes (409), mixed batches, stray uploads."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.chain import WendaChain
from app.config import Settings
from app.documents import recover_uploads
from app.kbs import KBStore
from ingest.pipeline import ingest_paths
from ingest.store import Index
from tests.fakes import HashEmbedder

PLAN = "重庆市推动生物制造产业发展。到2027年,产业规模目标是突破1000亿元。"


class SlowEmbedder(HashEmbedder):
    """The hash embedder at a few batches a second, so an ingest lasts long enough to watch."""

    batch_size = 4
    delay = 0.05

    def embed_batch(self, texts, kind):
        if kind == "passage":
            time.sleep(self.delay)
        return super().embed_batch(texts, kind)


def long_text(n: int = 400) -> str:
    return "".join(f"第{i}条：宁波市新建合成生物创新药物中试基地{i}座，投资{i * 7}亿元。\n" for i in range(n))


@pytest.fixture
def setup(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "plan.txt").write_text(PLAN, encoding="utf-8")
    settings = Settings.load(env={}, dotenv=None, data_dir=tmp_path / "data", max_queued_uploads=3)
    index = Index(settings.data_path, SlowEmbedder())
    index.refresh_seconds = 0
    ingest_paths(index, [docs], progress=False)
    with TestClient(create_app(settings, WendaChain(settings, index))) as client:
        yield client, settings, index


def wait_for(
    client, job_id: str, until=lambda job: job["status"] in ("done", "failed", "cancelled"), timeout=60
):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if until(job):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not get there: {job}")


def upload(client, name: str, text: str, wait: bool = False):
    return client.post(
        "/api/documents" + ("?wait=true" if wait else ""),
        files=[("files", (name, text.encode(), "text/plain"))],
    )


def test_an_upload_is_a_job_with_progress_then_a_result(setup):
    client, _, _ = setup
    r = upload(client, "ningbo.txt", long_text(60))
    assert r.status_code == 202, r.text
    job = r.json()["job"]
    assert job["status"] in ("queued", "running") and r.json()["status_url"] == f"/api/jobs/{job['id']}"
    running = wait_for(client, job["id"], lambda j: j["progress"]["chunks_done"] > 0 or j["status"] == "done")
    assert running["progress"]["files_total"] == 1
    done = wait_for(client, job["id"])
    assert done["status"] == "done" and done["result"]["added"] == ["ningbo.txt"]
    assert done["progress"]["chunks_done"] == done["progress"]["chunks_total"] > 0
    assert "ningbo.txt" in [d["source"] for d in client.get("/api/documents").json()["documents"]]


def test_cancel_stops_the_ingest_and_keeps_nothing_of_it(setup):
    client, settings, index = setup
    job = upload(client, "ningbo.txt", long_text(400)).json()["job"]
    wait_for(client, job["id"], lambda j: j["progress"]["chunks_done"] > 0)
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 200
    done = wait_for(client, job["id"])
    assert (
        done["status"] == "cancelled" and done["progress"]["chunks_done"] < done["progress"]["chunks_total"]
    )
    assert [d["source"] for d in client.get("/api/documents").json()["documents"]] == ["plan.txt"]
    assert index.count() == index.active_chunks()  # no chunk of the cancelled document is left
    assert not (settings.data_path / "uploads" / "ningbo.txt").exists()
    assert client.get("/healthz").json()["chunks"] == index.count()


def test_an_upload_over_the_character_limit_is_skipped_with_the_reason(tmp_path):
    settings = Settings.load(env={}, dotenv=None, data_dir=tmp_path / "data", max_upload_chars=1000)
    with TestClient(
        create_app(settings, WendaChain(settings, Index(settings.data_path, HashEmbedder())))
    ) as client:
        r = client.post(
            "/api/documents?wait=true",
            files=[
                ("files", ("small.txt", PLAN.encode(), "text/plain")),
                ("files", ("big.txt", long_text(100).encode(), "text/plain")),
            ],
        )
        assert r.status_code == 200 and r.json()["added"] == ["small.txt"]
        assert (
            r.json()["skipped"][0]["file"] == "big.txt"
            and "WENDA_MAX_UPLOAD_CHARS" in r.json()["skipped"][0]["reason"]
        )


def test_a_full_queue_is_429_and_reads_never_wait_on_writes(setup):
    client, _, _ = setup
    first = upload(client, "ningbo.txt", long_text(400)).json()["job"]
    wait_for(client, first["id"], lambda j: j["status"] == "running")
    statuses, threads = [], []

    def waiting_upload(i: int) -> None:
        statuses.append(upload(client, f"small{i}.txt", PLAN + str(i), wait=True))

    for i in range(45):  # more than the request threads (40) a synchronous upload route would hold
        threads.append(threading.Thread(target=waiting_upload, args=(i,), daemon=True))
        threads[-1].start()
    time.sleep(1)
    for method, route, kwargs in [
        ("get", "/healthz", {}),
        ("get", "/api/documents", {}),
        ("get", "/", {}),
        ("post", "/api/ask", {"json": {"question": "重庆到2027年产业规模目标是多少?"}}),
    ]:
        got: list = []
        reader = threading.Thread(
            target=lambda got=got, m=method, r=route, k=kwargs: got.append(getattr(client, m)(r, **k)),
            daemon=True,
        )
        started = time.monotonic()
        reader.start()
        reader.join(10)
        assert got and got[0].status_code in (200, 404), (route, time.monotonic() - started)
    refused = [r for r in statuses if r.status_code == 429]
    assert len(refused) >= 45 - 3 - 1 and int(refused[0].headers["Retry-After"]) > 0
    assert "WENDA_MAX_QUEUED_UPLOADS" in refused[0].json()["error"]
    client.delete(f"/api/jobs/{first['id']}")
    for t in threads:
        t.join(60)
    assert sorted(r.status_code for r in statuses if r.status_code != 429) == [200] * (45 - len(refused))


def test_an_upload_cannot_replace_a_folder_document(setup):
    client, _, _ = setup
    r = upload(client, "../docs/plan.txt", "替换的内容。")
    assert r.status_code == 409 and "plan.txt" in r.json()["error"] and "rename" in r.json()["error"]
    assert upload(client, "mine.txt", PLAN + "一", wait=True).json()["added"] == ["mine.txt"]
    assert upload(client, "mine.txt", PLAN + "二", wait=True).json()["updated"] == [
        "mine.txt"
    ]  # an upload may


def test_unsupported_files_do_not_reject_the_batch(setup):
    client, _, _ = setup
    r = client.post(
        "/api/documents?wait=true",
        files=[
            ("files", ("ok.txt", PLAN.encode(), "text/plain")),
            ("files", ("tool.exe", b"MZ..", "application/octet-stream")),
        ],
    )
    assert r.status_code == 200 and r.json()["added"] == ["ok.txt"]
    assert r.json()["skipped"] == [{"file": "tool.exe", "reason": r.json()["skipped"][0]["reason"]}]
    assert "unsupported" in r.json()["skipped"][0]["reason"]


def test_windows_paths_and_long_names_keep_a_plain_name_and_the_suffix(setup):
    client, _, _ = setup
    for original, stored in [
        ("C:\\Users\\a\\报告.txt", "报告.txt"),
        ("..\\x.txt", "x.txt"),
        ("长" * 200 + ".txt", "长" * 65 + ".txt"),
    ]:
        r = upload(client, original, PLAN + original[-6:], wait=True)
        assert r.status_code == 200 and r.json()["added"] == [stored], r.text


def test_a_stray_upload_can_be_deleted_and_is_cleaned_on_start(setup):
    client, settings, index = setup
    folder = settings.data_path / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "stray.txt").write_text("half", encoding="utf-8")  # left by a killed ingest
    assert (
        client.delete("/api/documents/stray.txt").status_code == 200 and not (folder / "stray.txt").exists()
    )
    (folder / "stray2.txt").write_text("half", encoding="utf-8")
    (folder / ".pending" / "abc").mkdir(parents=True)
    index._chunks.upsert(
        ids=["orphan"],
        embeddings=[[1.0] + [0.0] * 63],
        documents=["x"],
        metadatas=[
            {
                "source": "stray2.txt",
                "doc_hash": "nope",
                "position": 0,
                "start": 0,
                "end": 1,
                "text": "x",
                "search_text": "x",
                "heading": "",
                "tokens": 1,
            }
        ],
    )
    assert client.get("/healthz").json()["chunks"] == index.active_chunks()  # registered chunks only
    assert recover_uploads(KBStore("default", index, folder)) == ["stray2.txt"]
    assert index.count() == index.active_chunks() and not (folder / ".pending").exists()
