"""The web UI in a real headless Chromium (Debian's chromium, driven by Playwright).

Screenshots land in tests/artifacts/ (the README's one is docs/screenshot.png).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from evals.corpus_lohelp import CHROMIUM_FLAGS
from tests.servers import running_wenda

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
ARGS = CHROMIUM_FLAGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def new_page(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_default_timeout(60_000)
    return page


@pytest.fixture(scope="module")
def gradio_tmp(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("gradio")


@pytest.fixture(scope="module")
def page(browser, seeded_dir, tmp_path_factory, gradio_tmp):
    data = tmp_path_factory.mktemp("ui") / "data"
    shutil.copytree(seeded_dir, data)
    ARTIFACTS.mkdir(exist_ok=True)
    with running_wenda(data, GRADIO_TEMP_DIR=str(gradio_tmp)) as base:
        page = new_page(browser)
        page.goto(base + "/")
        page.wait_for_selector("#wenda-question textarea")
        yield page
        page.close()


def ask(page, question: str) -> None:
    box = page.locator("#wenda-question textarea")
    box.fill(question)
    page.locator("#wenda-ask").click()


def test_ask_see_cited_answer_and_open_its_source(page):
    ask(page, "2008年全国生物产业总产值是多少?")
    page.wait_for_selector("#wenda-chat details.wenda-source")
    assert "[1]" in page.locator("#wenda-chat").inner_text()
    assert "11340亿元" in page.locator("#wenda-chat").inner_text()
    page.screenshot(path=str(ARTIFACTS / "answer.png"))
    source = page.locator("#wenda-chat details.wenda-source").first
    source.locator("summary").click()
    assert "000_841085c0cc8188e6.txt" in source.inner_text()
    source.locator("mark").first.wait_for(state="visible")
    assert any("11340亿元" in m.inner_text() for m in source.locator("mark").all())
    assert "chars" in source.inner_text()
    page.screenshot(path=str(ARTIFACTS / "source-open.png"))


def test_refusal_looks_different(page):
    page.get_by_role("button", name="新对话 New chat").click()  # a new conversation: not a follow-up
    page.wait_for_function("!document.querySelector('#wenda-chat details.wenda-source')")
    ask(page, "是的吗？")  # no word to match the documents with: refused whatever the threshold
    page.wait_for_selector("#wenda-chat .wenda-refusal")
    assert "没有找到" in page.locator("#wenda-chat .wenda-refusal").last.inner_text()


def test_upload_a_document_then_ask_about_it(page, tmp_path, gradio_tmp):
    doc = tmp_path / "杭州合成生物.txt"
    doc.write_text("杭州市合成生物产业园计划于2026年引进企业88家，形成百亿级产业集群。", encoding="utf-8")
    page.get_by_role("tab", name="文档 Documents").click()
    page.locator("#wenda-upload input[type=file]").set_input_files(str(doc))
    page.locator("#wenda-upload-btn").click()
    page.wait_for_function(
        "document.querySelector('#wenda-doc-status')"
        " && document.querySelector('#wenda-doc-status').innerText.includes('杭州合成生物.txt')"
    )
    assert "杭州合成生物.txt" in page.locator("#wenda-doc-status").inner_text()
    assert not list(gradio_tmp.rglob("杭州合成生物.txt"))  # Gradio's temporary copy is not left behind
    page.screenshot(path=str(ARTIFACTS / "documents.png"))
    page.get_by_role("tab", name="对话 Chat").click()
    ask(page, "杭州合成生物产业园计划引进多少家企业?")
    page.wait_for_function(
        "[...document.querySelectorAll('#wenda-chat details.wenda-source summary')]"
        ".some(e => e.innerText.includes('杭州合成生物.txt'))"
    )
    assert "88家" in page.locator("#wenda-chat").inner_text()


def test_with_an_api_key_the_ui_asks_for_it_then_works(browser, seeded_dir, tmp_path):
    """WENDA_API_KEY set: the browser lands on the login page; after the key, the chat answers."""
    data = tmp_path / "data"
    shutil.copytree(seeded_dir, data)
    with running_wenda(data, WENDA_API_KEY="ui-key-123") as base:
        page = new_page(browser)
        page.goto(base + "/")
        assert "/login" in page.url and page.locator("#wenda-question").count() == 0
        page.locator("#wenda-key").fill("wrong")
        page.locator("#wenda-login").click()
        assert "Wrong key" in page.locator("body").inner_text()
        page.locator("#wenda-key").fill("ui-key-123")
        page.locator("#wenda-login").click()
        page.wait_for_selector("#wenda-question textarea")
        ask(page, "2008年全国生物产业总产值是多少?")
        page.wait_for_selector("#wenda-chat details.wenda-source")
        assert "11340亿元" in page.locator("#wenda-chat").inner_text()
        page.screenshot(path=str(ARTIFACTS / "after-login.png"))
        page.close()


def test_markdown_in_a_passage_and_html_in_a_question_stay_text(page):
    """A passage's `[x](javascript:…)` is no link and its `![](…)` is never fetched; a question's
    `<img onerror>` is shown, not run."""
    from urllib.parse import urlsplit

    import httpx

    base = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    doc = (
        "青岛海洋生物产业园计划于2026年引进企业66家。详见[点击这里](javascript:window.__pwned=1)"
        f"以及![图]({base}/beacon.png)说明。"
    )
    r = httpx.post(
        f"{base}/api/documents?wait=true", files={"files": ("青岛.txt", doc.encode())}, timeout=120
    )
    assert r.status_code == 200 and r.json()["added"] == ["青岛.txt"], r.text
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.get_by_role("tab", name="对话 Chat").click()
    ask(page, '青岛海洋生物产业园计划引进多少家企业?<img src=x onerror="window.__pwned=2">')
    page.wait_for_function(
        "[...document.querySelectorAll('#wenda-chat details.wenda-source summary')]"
        ".some(e => e.innerText.includes('青岛.txt'))"
    )
    source = page.locator("#wenda-chat details.wenda-source", has_text="青岛.txt").last
    source.locator("summary").click()
    source.locator("mark").first.wait_for(state="visible")  # the cited span is still highlighted
    assert "66家" in source.inner_text() and "[点击这里](javascript:" in source.inner_text()
    chat = page.locator("#wenda-chat")
    assert chat.locator("a[href^='javascript:']").count() == 0
    assert chat.locator("img[src$='beacon.png'], img[src='x']").count() == 0
    assert '<img src=x onerror="window.__pwned=2">' in chat.inner_text()
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned") is None
    assert not [u for u in fetched if "beacon.png" in u or u.endswith("/x")]


def test_a_quoted_code_block_shows_as_a_code_block(page):
    """A config file in the answer keeps its lines, in a code block, its `<…>` shown as text."""
    from urllib.parse import urlsplit

    import httpx

    base = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    doc = (
        "# 烟台发酵车间网络\n\n烟台发酵车间的采集网关通过创建 /etc/wenda/gateway.conf 文件来配置。例如：\n\n"
        "```\n[Gateway]\nName=<yantai-01>\nPort=5020\n```\n"
    )
    r = httpx.post(f"{base}/api/documents?wait=true", files={"files": ("烟台.md", doc.encode())}, timeout=120)
    assert r.status_code == 200 and r.json()["added"] == ["烟台.md"], r.text
    page.get_by_role("tab", name="对话 Chat").click()
    ask(page, "烟台发酵车间的采集网关怎么配置?")
    code = page.locator("#wenda-chat .wenda-text pre.wenda-code").last
    code.wait_for(state="visible")
    assert code.inner_text().strip() == "[Gateway]\nName=<yantai-01>\nPort=5020"
