"""The knowledge base selector in a real headless Chromium: a question asked with another KB selected
is answered and cited from that KB only, back on `default` the same question no longer finds it, and
picking the first chat from the list selects its KB again.
The selector's screenshot goes to $WENDA_SCREENSHOTS (tests/screens.py): docs/screenshots/ holds the
README's copy (kb-selector.png)."""

from __future__ import annotations

import shutil

import httpx
import pytest

from tests.screens import screenshot_path
from tests.servers import running_wenda
from tests.test_ui_browser import CHROMIUM, ask, browser, new_page  # noqa: F401 (browser: a fixture)

QUESTION = "杭州合成生物产业园计划于2026年引进多少家企业?"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)"),
]


def choose_kb(page, name: str) -> None:
    page.locator("#wenda-kb input").click()
    page.get_by_role("option", name=name, exact=True).click()
    page.wait_for_function(f"document.querySelector('#wenda-kb input').value === {name!r}")


def sources(page) -> list[str]:
    return page.locator("#wenda-chat details.wenda-source summary").all_inner_texts()


def test_switching_kb_answers_from_that_kb_only(browser, seeded_dir, tmp_path):  # noqa: F811
    data = tmp_path / "data"
    shutil.copytree(seeded_dir, data)
    with running_wenda(data) as base:
        assert httpx.post(f"{base}/api/kbs", json={"name": "园区规划"}, timeout=30).status_code == 201
        doc = "杭州市合成生物产业园计划于2026年引进企业88家，形成百亿级产业集群。".encode()
        r = httpx.post(
            f"{base}/api/kbs/园区规划/documents?wait=true",
            files={"files": ("杭州园区.txt", doc)},
            timeout=120,
        )
        assert r.status_code == 200 and r.json()["added"] == ["杭州园区.txt"], r.text

        page = new_page(browser)
        page.goto(base + "/")
        page.wait_for_selector("#wenda-question textarea")
        choose_kb(page, "园区规划")
        ask(page, QUESTION)
        page.wait_for_selector("#wenda-chat details.wenda-source")
        assert "88家" in page.locator("#wenda-chat").inner_text()
        assert sources(page) and all("杭州园区.txt" in s for s in sources(page)), sources(page)

        page.locator("#wenda-kb input").click()  # the list open, for the screenshot
        page.get_by_role("option", name="default", exact=True).wait_for()
        page.wait_for_timeout(400)  # the list's fade-in
        page.screenshot(path=str(screenshot_path("kb-selector.png")))
        page.get_by_role("option", name="default", exact=True).click()

        page.get_by_role("tab", name="文档 Documents").click()  # the table follows the selector
        page.wait_for_function(
            "document.querySelector('#wenda-docs-tab').innerText.includes('000_841085c0cc8188e6.txt')"
        )
        assert "杭州园区.txt" not in page.locator("#wenda-docs-tab").inner_text()
        page.get_by_role("tab", name="对话 Chat").click()
        page.locator("#wenda-new-chat").click()  # a new chat, asked of the KB selected: default
        page.wait_for_function("!document.querySelector('#wenda-chat details.wenda-source')")
        ask(page, QUESTION)
        page.wait_for_function(
            "document.querySelectorAll('#wenda-chat .message').length >= 2"
            " && !document.querySelector('#wenda-chat').innerText.trim().endsWith('…')"
        )
        page.wait_for_timeout(500)
        assert "88家" not in page.locator("#wenda-chat").inner_text()
        assert not [s for s in sources(page) if "杭州园区.txt" in s]

        page.locator("#wenda-chat-list label").nth(1).click()  # the first chat selects its KB again
        page.wait_for_function("document.querySelector('#wenda-kb input').value === '园区规划'")
        assert "88家" in page.locator("#wenda-chat").inner_text()

        page.get_by_role("tab", name="文档 Documents").click()  # create and delete a KB in the UI
        page.locator("#wenda-new-kb input, #wenda-new-kb textarea").fill("a/b")
        page.locator("#wenda-create-kb").click()
        page.wait_for_function("document.querySelector('#wenda-doc-status').innerText.includes('a/b')")
        assert "knowledge base name" in page.locator("#wenda-doc-status").inner_text()
        page.locator("#wenda-new-kb input, #wenda-new-kb textarea").fill("产品手册")
        page.locator("#wenda-create-kb").click()
        page.wait_for_function("document.querySelector('#wenda-kb input').value === '产品手册'")
        page.locator("#wenda-delete-kb").click()
        page.wait_for_function("document.querySelector('#wenda-kb input').value === 'default'")
        assert "产品手册" in page.locator("#wenda-doc-status").inner_text()
        names = [kb["name"] for kb in httpx.get(f"{base}/api/kbs", timeout=30).json()["kbs"]]
        assert names == ["default", "园区规划"]
        page.close()
