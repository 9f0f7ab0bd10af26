"""The chat turn without a browser (`chat_events`, `history_for_chain`): a question the chain refuses
as too long is not kept, so the conversation goes on; the history sent stays within the limits."""

from __future__ import annotations

from app.chain import WendaChain
from app.config import Settings
from app.service import Wenda
from app.ui import chat_events
from app.ui_render import history_for_chain
from ingest.pipeline import ingest_paths
from ingest.store import Index
from tests.fakes import HashEmbedder


def test_a_refused_question_is_not_kept_and_the_next_one_is_answered(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "plan.txt").write_text(
        "重庆市推动生物制造产业发展。到2027年,产业规模目标是突破1000亿元。", encoding="utf-8"
    )
    settings = Settings.load(env={}, dotenv=None, data_dir=tmp_path / "data")
    index = Index(settings.data_path, HashEmbedder())
    ingest_paths(index, [docs], progress=False)
    service = Wenda(settings, WendaChain(settings, index))

    messages = list(chat_events(service, "生" * 200_000, []))[-1]
    assert len(messages) == 1 and "WENDA_MAX_QUESTION_CHARS" in messages[0]["content"]
    assert history_for_chain(messages) == []  # the error and its question are not history
    after = list(chat_events(service, "重庆到2027年产业规模目标是多少?", messages))[-1]
    assert "1000亿元" in after[-1]["content"] and "wenda-error" not in after[-1]["content"]


def test_the_history_sent_is_plain_text_within_the_limits():
    settings = Settings(max_history_turns=4, max_history_chars=5000, max_question_chars=3000)
    messages = [{"role": "user", "content": '<div class="wenda-text">&lt;b&gt; 问</div>'}]
    messages += [{"role": "assistant", "content": "答" * 4000 + '<div class="wenda-sources">…</div>'}] * 5
    turns = history_for_chain(messages, settings)
    assert len(turns) == 1 and turns[0]["content"] == "答" * 3000
    assert history_for_chain(messages[:1]) == [{"role": "user", "content": "<b> 问"}]


def test_gradio_uploads_are_bounded_before_they_are_stored(tmp_path):
    from fastapi.testclient import TestClient

    from app.server import build_app

    settings = Settings.load(env={}, dotenv=None, data_dir=tmp_path / "data", max_upload_bytes=10_000)
    client = TestClient(build_app(settings, chain=object()))
    for size in (20_000, 500_000):  # over Gradio's max_file_size; over the body limit as well
        r = client.post("/gradio_api/upload", files={"files": ("a.txt", b"a" * size, "text/plain")})
        assert r.status_code == 413, (size, r.status_code, r.text[:200])
