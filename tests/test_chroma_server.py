"""Server mode: wenda against a real `chroma run` server on a free port. Nothing Chroma-related is
written locally, and two wenda processes sharing the server see each other's documents after the
registry refresh (`Index.refresh_seconds`)."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from ingest.lexical import query_tokens
from ingest.pipeline import ingest_paths
from ingest.store import Index
from tests.fakes import HashEmbedder
from tests.servers import free_port

pytestmark = pytest.mark.server

CHROMA = Path(shutil.which("chroma") or Path(__file__).resolve().parents[1] / ".venv" / "bin" / "chroma")


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    if not CHROMA.exists():
        pytest.skip("the `chroma` command (from chromadb) is not installed")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path), "--port", str(port), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma run did not start")
    yield url
    proc.terminate()
    proc.wait(10)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_two_processes_share_one_chroma_server(chroma_url, tmp_path):
    first = Index(tmp_path / "a", HashEmbedder(), chroma_url=chroma_url, name="shared")
    second = Index(tmp_path / "b", HashEmbedder(), chroma_url=chroma_url, name="shared")
    second.refresh_seconds = 0.5
    docs = tmp_path / "docs"
    write(docs, "hz.txt", "杭州市合成生物产业园计划于2026年引进企业88家，形成百亿级产业集群。")
    report = ingest_paths(first, [docs], progress=False)
    assert report.added == ["hz.txt"]
    assert not (tmp_path / "a" / "chroma").exists()  # nothing Chroma-related on local disk

    time.sleep(0.6)
    assert "hz.txt" in second.documents()
    hits = second.lexical_search(query_tokens("杭州 合成生物 引进企业"), 3)
    assert hits and hits[0][0].source == "hz.txt"
    dense = second.dense_search(second.embedder.embed_query("杭州合成生物产业园"), 3)
    assert dense and dense[0][0].source == "hz.txt"

    write(docs, "cq.txt", "重庆市生物制造产业规模到2027年突破1000亿元。")
    ingest_paths(second, [docs], progress=False)
    (docs / "hz.txt").unlink()
    report = ingest_paths(second, [docs], progress=False)
    assert report.removed == ["hz.txt"]
    first.refresh_seconds = 0.5
    time.sleep(0.6)
    assert set(first.documents()) == {"cq.txt"}
    assert all(c.source == "cq.txt" for c, _ in first.lexical_search(query_tokens("杭州 重庆 生物"), 10))
    assert not (tmp_path / "b" / "chroma").exists()


def test_the_chain_answers_from_the_server(chroma_url, tmp_path):
    from app.chain import WendaChain
    from app.config import Settings

    settings = Settings.load(env={}, dotenv=None, data_dir=tmp_path / "data", chroma_url=chroma_url)
    index = Index(settings.data_path, HashEmbedder(), chroma_url=chroma_url, name="chain")
    docs = tmp_path / "docs"
    write(docs, "plan.txt", "重庆市推动生物制造产业发展。到2027年,产业规模目标是突破1000亿元。")
    ingest_paths(index, [docs], progress=False)
    answer = WendaChain(settings, index).ask("重庆到2027年产业规模目标是多少?")
    assert "1000亿元" in answer.answer and answer.citations[0].source == "plan.txt"


def start_chroma(path: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path), "--port", str(port), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail("chroma run did not start")


def test_the_chroma_server_going_away_gives_503_and_wenda_recovers_when_it_returns(tmp_path):
    """Kill the server mid-session (and freeze it): every route answers a clear 503 instead of a 500 or a
    hang, nothing is lost, and the same wenda process answers again once `chroma run` is back."""
    import signal

    from fastapi.testclient import TestClient

    from app.api import create_app
    from app.chain import WendaChain
    from app.config import Settings

    if not CHROMA.exists():
        pytest.skip("the `chroma` command (from chromadb) is not installed")
    port, path = free_port(), tmp_path / "chroma"
    url = f"http://127.0.0.1:{port}"
    server = start_chroma(path, port)
    try:
        settings = Settings.load(env={}, dotenv=None, data_dir=tmp_path / "data", chroma_url=url)
        index = Index(settings.data_path, HashEmbedder(), chroma_url=url, name="outage", timeout=2.0)
        index.refresh_seconds = 0
        write(
            tmp_path / "docs", "plan.txt", "重庆市推动生物制造产业发展。到2027年,产业规模目标是突破1000亿元。"
        )
        ingest_paths(index, [tmp_path / "docs"], progress=False)
        client = TestClient(create_app(settings, WendaChain(settings, index)))
        question = {"question": "重庆到2027年产业规模目标是多少?"}
        before = client.post("/api/ask", json=question)
        assert before.status_code == 200 and "1000亿元" in before.json()["answer"]

        server.kill()
        server.wait(10)
        for method, route, kwargs in [
            ("post", "/api/ask", {"json": question}),
            ("post", "/api/chat", {"json": {**question, "stream": True}}),
            (
                "post",
                "/v1/chat/completions",
                {"json": {"messages": [{"role": "user", "content": question["question"]}]}},
            ),
            ("get", "/api/documents", {}),
            (
                "post",
                "/api/documents",
                {"files": {"files": ("more.txt", "杭州市合成生物产业园引进企业88家。".encode())}},
            ),
            ("delete", "/api/documents/plan.txt", {}),
        ]:
            got = getattr(client, method)(route, **kwargs)
            assert got.status_code == 503, (route, got.status_code, got.text)
            assert "unreachable" in got.json()["error"] or "cannot open" in got.json()["error"], got.json()
        health = client.get("/healthz").json()
        assert health["status"] == "ok" and health["index"] == "unavailable"

        server = start_chroma(path, port)  # the same server comes back
        after = client.post("/api/ask", json=question)
        assert after.status_code == 200 and after.json()["answer"] == before.json()["answer"]
        assert [d["source"] for d in client.get("/api/documents").json()["documents"]] == [
            "plan.txt"
        ]  # nothing lost
        assert client.get("/healthz").json()["index"] == "ok"

        server.send_signal(
            signal.SIGSTOP
        )  # a hung server: wenda gives up after its timeout, it does not hang
        try:
            started = time.monotonic()
            frozen = client.post("/api/ask", json=question)
            assert frozen.status_code == 503 and time.monotonic() - started < 15
        finally:
            server.send_signal(signal.SIGCONT)
        assert client.post("/api/ask", json=question).status_code == 200
    finally:
        server.kill()
        server.wait(10)


def test_two_kbs_on_one_chroma_server(chroma_url, tmp_path):
    """Two knowledge bases in one real Chroma server: each answers from its own documents, and deleting
    one removes its collections from the server while the other goes on."""
    from fastapi.testclient import TestClient

    from app.api import create_app
    from app.config import Settings
    from app.kbs import kb_slug
    from app.service import Wenda

    settings = Settings.load(env={}, dotenv=None, data_dir=tmp_path / "data", chroma_url=chroma_url)
    service = Wenda(settings, embedder=HashEmbedder())
    client = TestClient(create_app(settings, service=service))
    question = "合成生物产业园计划于2026年引进多少家企业?"
    for kb, text in (
        ("杭州", "杭州市合成生物产业园计划于2026年引进企业88家。"),
        ("宁波", "宁波市合成生物产业园计划于2026年引进企业35家。"),
    ):
        assert client.post("/api/kbs", json={"name": kb}).status_code == 201
        r = client.post(f"/api/kbs/{kb}/documents?wait=true", files={"files": ("plan.txt", text.encode())})
        assert r.json()["added"] == ["plan.txt"], r.text
    for kb, right, wrong in (("杭州", "88家", "35家"), ("宁波", "35家", "88家")):
        answer = client.post("/api/ask", json={"question": question, "kb": kb}).json()
        assert right in answer["answer"] and wrong not in str(answer["retrieved"]), answer
    on_server = {c.name for c in service.store().index.list_collections()}
    assert {f"{kb_slug(kb)}_hash64_docs" for kb in ("杭州", "宁波")} <= on_server
    assert not (tmp_path / "data" / "chroma").exists()  # nothing Chroma-related on local disk

    assert client.delete("/api/kbs/宁波").status_code == 200
    on_server = {c.name for c in service.store().index.list_collections()}
    assert not {name for name in on_server if name.startswith(kb_slug("宁波"))}
    assert [kb["name"] for kb in client.get("/api/kbs").json()["kbs"]] == ["default", "杭州"]
    assert "88家" in client.post("/api/ask", json={"question": question, "kb": "杭州"}).json()["answer"]
