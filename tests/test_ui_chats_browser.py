"""Kept chats and feedback in a real headless Chromium, on a small corpus ingested by `wenda ingest`:
a chat survives a reload (and a server restart), a new chat starts empty, the list switches back,
👍 and 👎 with a correction write feedback records, and the export downloads Markdown with numbered
sources. The restored chat's screenshot is the README's docs/screenshots/restored-chat.png."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main as cli
from tests.screens import screenshot_path
from tests.servers import free_port, running_wenda, start_serving, stop_serving
from tests.test_ui_browser import ARTIFACTS, CHROMIUM, browser, new_page  # noqa: F401 (browser: a fixture)
from tests.tiny_corpus import LIST_QUESTION, write_docs

SECOND_QUESTION = "杭州数字经济核心产业增加值的目标是多少?"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)"),
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, monkeypatch_module) -> Path:
    root = tmp_path_factory.mktemp("chats")
    monkeypatch_module.setenv("WENDA_DATA_DIR", str(root / "data"))
    assert cli(["ingest", str(write_docs(root / "docs")), "--quiet"]) == 0
    return root / "data"


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def ask(page, question: str, answered: int) -> None:
    """Ask, and wait until the chat shows `answered` answers with sources."""
    page.locator("#wenda-question textarea").fill(question)
    page.locator("#wenda-ask").click()
    page.wait_for_function(
        f"document.querySelectorAll('#wenda-chat .wenda-sources').length === {answered}"
        " && document.querySelector('#wenda-chat-list input')"
    )


def chat_text(page) -> str:
    return page.locator("#wenda-chat").inner_text()


def feedback_records(data_dir: Path) -> list[dict]:
    path = data_dir / "feedback" / "default.jsonl"
    return (
        [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    )


def wait_for_status(page, words: str) -> None:
    page.wait_for_function(
        f"(document.querySelector('#wenda-feedback-status')?.innerText || '').includes({json.dumps(words)})"
    )


def test_a_chat_is_kept_across_reloads_switched_rated_and_exported(browser, data_dir):  # noqa: F811
    with running_wenda(data_dir) as base:
        page = new_page(browser)
        page.goto(base + "/")
        page.wait_for_selector("#wenda-question textarea")
        ask(page, LIST_QUESTION, answered=1)
        assert "基因测序公共服务平台" in chat_text(page)

        page.reload()  # the conversation comes back from the browser's local storage
        page.wait_for_selector("#wenda-chat .wenda-sources")
        assert LIST_QUESTION in chat_text(page) and "基因测序公共服务平台" in chat_text(page)
        assert page.locator("#wenda-chat-list label").all_inner_texts() == [LIST_QUESTION]
        page.locator("#wenda-chat details.wenda-source summary").first.click()
        page.wait_for_function(  # every pending update drawn (a pending component is greyed out)
            "![...document.querySelectorAll('[data-testid=status-tracker]')]"
            ".some(e => !e.classList.contains('hide'))"
        )
        page.screenshot(path=str(screenshot_path("restored-chat.png")))

        page.locator("#wenda-new-chat").click()
        page.wait_for_function("!document.querySelector('#wenda-chat .wenda-sources')")
        ask(page, SECOND_QUESTION, answered=1)  # a new chat: no follow-up of the first one
        assert "7000亿元" in chat_text(page) and LIST_QUESTION not in chat_text(page)
        assert page.locator("#wenda-chat-list label").all_inner_texts() == [SECOND_QUESTION, LIST_QUESTION]

        page.locator("#wenda-chat-list label", has_text=LIST_QUESTION).click()  # back to the first chat
        page.wait_for_function(
            "document.querySelector('#wenda-chat').innerText.includes('基因测序公共服务平台')"
        )
        assert SECOND_QUESTION not in chat_text(page)

        page.locator("#wenda-chat button[aria-label='Like']").last.click()
        wait_for_status(page, "已记录")
        (record,) = feedback_records(data_dir)
        assert record["type"] == "confirmed" and record["question"] == LIST_QUESTION
        assert "二是细胞治疗中试平台;" in record["evidence"]

        page.reload()  # the lit thumb comes back with the chat; clicking it again withdraws the rating
        page.wait_for_selector("#wenda-chat button[aria-label='Liked']")
        page.locator("#wenda-chat button[aria-label='Liked']").click()
        wait_for_status(page, "已撤回")
        assert feedback_records(data_dir) == []

        with page.expect_download() as download:
            page.locator("#wenda-export").click()
        markdown = Path(download.value.path()).read_text(encoding="utf-8")
        assert download.value.suggested_filename.endswith(".md")
        assert f"## 1. {LIST_QUESTION}" in markdown and "来源 Sources:" in markdown
        assert "知识库 knowledge base: default" in markdown  # the KB the chat was asked in
        cited = [line for line in markdown.splitlines() if line.startswith("1. ")]  # title — `file` (…)
        assert len(cited) == 1 and "`plan.txt`" in cited[0] and "   > 二是细胞治疗中试平台;" in markdown
        assert SECOND_QUESTION not in markdown
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "exported-chat.md").write_text(markdown, encoding="utf-8")
        page.close()


def test_a_thumbs_down_takes_a_correction_and_chats_survive_a_restart(browser, data_dir):  # noqa: F811
    page, port = new_page(browser), free_port()  # the same origin after the restart: the same storage
    server, base = start_serving(data_dir, port)
    try:
        page.goto(base + "/")
        page.wait_for_selector("#wenda-question textarea")
        page.locator("#wenda-new-chat").click()
        ask(page, SECOND_QUESTION, answered=1)
        page.locator("#wenda-chat button[aria-label='Dislike']").last.click()
        wait_for_status(page, "👎")
        page.locator("#wenda-correction textarea").fill("7000亿元（2025年目标）")
        page.locator("#wenda-send-correction").click()
        wait_for_status(page, "更正已记录")
        corrected = [r for r in feedback_records(data_dir) if r["question"] == SECOND_QUESTION]
        assert [r["type"] for r in corrected] == ["corrected"]
        assert corrected[0]["answer"] == "7000亿元（2025年目标）"
        chats = page.locator("#wenda-chat-list label").all_inner_texts()
    finally:
        stop_serving(server)
    server, base = start_serving(data_dir, port)  # a new server process on the same data dir
    try:
        page.goto(base + "/")
        page.wait_for_selector("#wenda-chat .wenda-sources")
        assert SECOND_QUESTION in chat_text(page) and "7000亿元" in chat_text(page)
        assert page.locator("#wenda-chat-list label").all_inner_texts() == chats
    finally:
        stop_serving(server)
        page.close()
