"""The HTTP API through FastAPI's test client, on the real seeded index."""

from __future__ import annotations

import json
import shutil

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.config import Settings


@pytest.fixture(scope="module")
def client(seeded_settings, seeded_chain):
    return TestClient(create_app(seeded_settings, seeded_chain))


@pytest.fixture
def private_client(seeded_dir, tmp_path):
    """A client over a copy of the seeded index, for tests that change it."""
    data = tmp_path / "data"
    shutil.copytree(seeded_dir, data)
    settings = Settings.load(env={}, dotenv=None, data_dir=data, max_upload_bytes=50_000)
    return TestClient(create_app(settings)), settings


def test_ask_returns_the_answer_object(client):
    r = client.post("/api/ask", json={"question": "2008年全国生物产业总产值是多少?"})
    assert r.status_code == 200
    body = r.json()
    assert "11340亿元" in body["answer"] and "[1]" in body["answer"] and body["refused"] is False
    assert body["citations"][0]["source"] == "000_841085c0cc8188e6.txt"
    assert {"retrieve", "generate", "total"} <= body["timings_ms"].keys()


def test_follow_up_uses_history(client):
    history = [
        {"role": "user", "content": "国家生物制造产业创新中心是哪个单位牵头组建的?"},
        {"role": "assistant", "content": "中国科学院深圳先进技术研究院牵头。"},
    ]
    body = client.post("/api/ask", json={"question": "那它在哪里启动的?", "history": history}).json()
    assert "深圳" in body["answer"] and body["citations"][0]["source"] == "001_bae5a0fee72cab7a.txt"


def test_chat_streams_server_sent_events_then_the_final_answer(client):
    with client.stream(
        "POST", "/api/chat", json={"question": "重庆到2027年生物制造产业规模目标是多少?", "stream": True}
    ) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: ")]
    deltas = [e for e in events if e["type"] == "delta"]
    final = events[-1]
    assert deltas and final["type"] == "final"
    assert "".join(d["text"] for d in deltas) == final["answer"]["answer"]
    assert "1000亿元" in final["answer"]["answer"]


def test_chat_without_stream_is_plain_json(client):
    body = client.post("/api/chat", json={"question": "国家生物制造产业创新中心在哪里启动建设?"}).json()
    assert "深圳" in body["answer"]


def test_openai_compatible_endpoint(client):
    r = client.post(
        "/v1/chat/completions",
        json={"model": "wenda", "messages": [{"role": "user", "content": "2008年全国生物产业总产值是多少?"}]},
    )
    body = r.json()
    content = body["choices"][0]["message"]["content"]
    assert "11340亿元" in content and "来源 Sources:" in content and "000_841085c0cc8188e6.txt" in content
    assert body["citations"][0]["n"] == 1 and body["object"] == "chat.completion"


@pytest.mark.parametrize(
    "payload, status, words",
    [
        ({"question": ""}, 400, "empty"),
        ({"question": "   "}, 400, "empty"),
        ({"question": "生" * 5000}, 413, "limit"),
        ({"question": 42}, 422, "question"),
        ({}, 422, "question"),
        ({"question": "生物", "top_k": 0}, 422, "top_k"),
        ({"question": "生物", "history": "nope"}, 422, "history"),
    ],
)
def test_bad_requests_get_a_clear_json_error(client, payload, status, words):
    r = client.post("/api/ask", json=payload)
    assert r.status_code == status
    assert words in r.json()["error"]


def test_malformed_json_is_422(client):
    r = client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "JSON" in r.json()["error"]


def test_documents_round_trip(private_client):
    client, settings = private_client
    listed = client.get("/api/documents").json()["documents"]
    assert len(listed) == 5
    doc = "杭州市合成生物产业园计划于2026年引进企业88家，形成百亿级产业集群。".encode("gb18030")
    r = client.post(
        "/api/documents?wait=true", files=[("files", ("../../杭州 合成生物.txt", doc, "text/plain"))]
    )
    assert r.status_code == 200, r.text
    assert r.json()["added"] == ["杭州_合成生物.txt"]
    assert (settings.data_path / "uploads" / "杭州_合成生物.txt").exists()
    answer = client.post("/api/ask", json={"question": "杭州合成生物产业园计划引进多少家企业?"}).json()
    assert "88家" in answer["answer"] and answer["citations"][0]["source"] == "杭州_合成生物.txt"
    assert client.delete("/api/documents/杭州_合成生物.txt").status_code == 200
    assert "杭州_合成生物.txt" not in [d["source"] for d in client.get("/api/documents").json()["documents"]]
    assert not (settings.data_path / "uploads" / "杭州_合成生物.txt").exists()
    after = client.post("/api/ask", json={"question": "杭州合成生物产业园计划引进多少家企业?"}).json()
    assert "88家" not in after["answer"]
    assert client.delete("/api/documents/nope.txt").status_code == 404


def test_upload_limits_and_types(private_client):
    client, _ = private_client
    r = client.post(
        "/api/documents?wait=true", files=[("files", ("big.txt", "生".encode() * 30_000, "text/plain"))]
    )
    assert r.status_code == 413 and "limit" in r.json()["error"]
    r = client.post(
        "/api/documents?wait=true", files=[("files", ("tool.exe", b"MZ...", "application/octet-stream"))]
    )
    assert r.status_code == 400 and "unsupported" in r.json()["error"]
    r = client.post("/api/documents?wait=true", files=[("files", ("empty.txt", b"", "text/plain"))])
    assert r.status_code == 200 and r.json()["skipped"][0]["file"] == "empty.txt"


def test_api_key_guards_every_route_but_healthz(seeded_settings, seeded_chain):
    settings = Settings.load(env={}, dotenv=None, data_dir=seeded_settings.data_path, api_key="s3cret")
    client = TestClient(create_app(settings, seeded_chain))
    assert client.get("/healthz").status_code == 200
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"}):
        r = client.post("/api/ask", json={"question": "生物"}, headers=headers)
        assert r.status_code == 401 and "Authorization" in r.json()["error"]
        assert client.get("/api/documents", headers=headers).status_code == 401
    ok = client.post(
        "/api/ask",
        json={"question": "2008年全国生物产业总产值是多少?"},
        headers={"Authorization": "Bearer s3cret"},
    )
    assert ok.status_code == 200


def test_openapi_lists_the_routes(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/chat", "/v1/chat/completions", "/api/documents", "/healthz"} <= paths.keys()


def test_healthz_does_not_reveal_the_chroma_address(tmp_path, caplog):
    from tests.servers import free_port

    port = free_port()  # nothing listens there
    settings = Settings.load(
        env={},
        dotenv=None,
        data_dir=tmp_path / "data",
        chroma_url=f"http://127.0.0.1:{port}",
        chroma_timeout=2,
    )
    body = TestClient(create_app(settings)).get("/healthz").json()
    assert body["index"] == "unavailable" and "unavailable" in body["error"]
    assert str(port) not in json.dumps(body) and "127.0.0.1" not in json.dumps(body)
    assert str(port) in caplog.text  # the detail is logged
