"""Size limits: history turns and their total, request bodies, and undecodable bodies, over HTTP."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.chain import WendaChain
from app.config import Settings
from app.questions import history_aware_query
from ingest.pipeline import ingest_paths
from ingest.store import Index
from tests.fakes import HashEmbedder


@pytest.fixture
def client(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "plan.txt").write_text(
        "重庆市推动生物制造产业发展。到2027年,产业规模目标是突破1000亿元。", encoding="utf-8"
    )
    settings = Settings.load(env={}, dotenv=None, data_dir=tmp_path / "data", max_body_bytes=300_000)
    index = Index(settings.data_path, HashEmbedder())
    ingest_paths(index, [docs], progress=False)
    return TestClient(create_app(settings, WendaChain(settings, index)))


def user(text: str) -> dict:
    return {"role": "user", "content": text}


@pytest.mark.parametrize("route", ["/api/ask", "/api/chat"])
def test_a_long_history_turn_is_413_and_answers_fast(client, route):
    started = time.monotonic()
    r = client.post(route, json={"question": "那呢?", "history": [user("生" * 50_000)], "stream": True})
    assert r.status_code == 413 and "WENDA_MAX_QUESTION_CHARS" in r.json()["error"]
    assert time.monotonic() - started < 5


def test_the_whole_history_is_bounded(client):
    history = [user("生物" * 1500), {"role": "assistant", "content": "好" * 3000}] * 3  # 6 turns of 3,000
    r = client.post("/api/ask", json={"question": "那呢?", "history": history})
    assert r.status_code == 413 and "WENDA_MAX_HISTORY_CHARS" in r.json()["error"]


def test_only_the_last_turns_are_used(client):
    old = [user("生" * 3000)] * 20  # 60,000 characters, but older than the last WENDA_MAX_HISTORY_TURNS
    recent = [user("重庆到2027年产业规模目标是多少?"), {"role": "assistant", "content": "1000亿元"}] * 6
    r = client.post("/api/ask", json={"question": "那呢?", "history": old + recent})
    assert r.status_code == 200 and "1000亿元" in r.json()["answer"]


def test_openai_messages_get_the_same_limits(client):
    messages = [user("生" * 50_000), {"role": "assistant", "content": "…"}, user("那呢?")]
    r = client.post("/v1/chat/completions", json={"messages": messages})
    assert r.status_code == 413 and "WENDA_MAX_QUESTION_CHARS" in r.json()["error"]


def test_a_follow_up_carries_a_bounded_part_of_the_previous_turn():
    assert len(history_aware_query("那呢?", [user("生" * 200_000)])) < 1000


def test_an_oversized_body_is_413_json_before_it_is_parsed(client):
    r = client.post(
        "/api/ask",
        content=b'{"question": "' + b"a" * 400_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413 and "WENDA_MAX_BODY_BYTES" in r.json()["error"]

    def chunks():  # no Content-Length: counted as it streams
        yield b'{"question": "'
        for _ in range(50):
            yield b"a" * 10_000
        yield b'"}'

    r = client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and "limit" in r.json()["error"]


@pytest.mark.parametrize("body", [b'{"question": "\xff\xfe"}', b"[" * 50_000 + b"]" * 50_000])
def test_undecodable_json_is_an_error_object(client, body):
    r = client.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert r.status_code in (400, 422) and "error" in r.json() and "detail" not in r.json()


def test_unknown_routes_answer_with_an_error_object(client):
    assert client.get("/api/nope").json() == {"error": "Not Found"}
