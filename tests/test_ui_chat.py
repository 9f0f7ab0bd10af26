"""The chat turn without a browser (`ask_in_chat`, `chain_history`): a question the chain refuses
as too long is kept as an error, not as history, so the conversation goes on; the history sent stays
within the limits."""

from __future__ import annotations

from app.chain import WendaChain
from app.chats import chain_history, chat_of
from app.config import Settings
from app.service import Wenda
from app.ui_chats import ask_in_chat
from ingest.pipeline import ingest_paths
from ingest.store import Index
from tests.fakes import HashEmbedder


def test_a_refused_question_is_not_history_and_the_next_one_is_answered(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "plan.txt").write_text(
        "重庆市推动生物制造产业发展。到2027年,产业规模目标是突破1000亿元。", encoding="utf-8"
    )
    settings = Settings.load(env={}, dotenv=None, data_dir=tmp_path / "data")
    index = Index(settings.data_path, HashEmbedder())
    ingest_paths(index, [docs], progress=False)
    service = Wenda(settings, WendaChain(settings, index))

    messages, store = list(ask_in_chat(service, "生" * 200_000, None))[-1]
    assert len(messages) == 1 and "WENDA_MAX_QUESTION_CHARS" in messages[0]["content"]
    chat = chat_of(store, store["current"])
    assert chain_history(chat) == []  # the error and its question are not history
    assert len(chat["turns"][0]["question"]) < 300  # nor is the whole question kept
    messages, store = list(ask_in_chat(service, "重庆到2027年产业规模目标是多少?", store))[-1]
    assert "1000亿元" in messages[-1]["content"] and "wenda-error" not in messages[-1]["content"]
    assert [t["role"] for t in chain_history(chat_of(store, store["current"]))] == ["user", "assistant"]


def test_the_history_sent_is_plain_text_within_the_limits():
    settings = Settings(max_history_turns=4, max_history_chars=5000, max_question_chars=3000)
    turns = [{"question": "<b> 问", "answer": {"answer": "答" * 4000, "citations": []}}] * 5
    history = chain_history({"turns": turns}, settings)  # the last turn only: two would pass 5000
    assert history == [{"role": "user", "content": "<b> 问"}, {"role": "assistant", "content": "答" * 3000}]
    assert len(chain_history({"turns": turns})) == 10


def test_gradio_uploads_are_bounded_before_they_are_stored(tmp_path):
    from fastapi.testclient import TestClient

    from app.server import build_app

    settings = Settings.load(env={}, dotenv=None, data_dir=tmp_path / "data", max_upload_bytes=10_000)
    client = TestClient(build_app(settings, chain=object()))
    for size in (20_000, 500_000):  # over Gradio's max_file_size; over the body limit as well
        r = client.post("/gradio_api/upload", files={"files": ("a.txt", b"a" * size, "text/plain")})
        assert r.status_code == 413, (size, r.status_code, r.text[:200])
