"""A spreadsheet citation and an OCR citation in the web UI, in headless Chromium: the source shows the
document's title, its file name second, and where the quote is (sheet and row; page). Screenshots go
to $WENDA_SCREENSHOTS (tests/screens.py): docs/screenshots/ holds the README's copies."""

from __future__ import annotations

import pytest

from tests.format_files import WQY, write_mixed_pdf, write_xlsx
from tests.screens import screenshot_path
from tests.servers import running_wenda
from tests.test_ui_browser import CHROMIUM, ask, browser, new_page  # noqa: F401 (the browser fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)"),
    pytest.mark.skipif(not WQY.exists(), reason="needs fonts-wqy-zenhei"),
]


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):  # noqa: F811
    """`wenda serve` over a workbook and a half-scanned PDF, indexed with the real e5 embedder."""
    from app.config import Settings
    from app.core import chunk_settings, open_index
    from ingest.pipeline import ingest_paths

    root = tmp_path_factory.mktemp("formats-ui")
    docs = root / "docs"
    docs.mkdir()
    write_xlsx(docs / "研发中心台账.xlsx")
    write_mixed_pdf(docs / "发酵车间规程.pdf")
    settings = Settings.load(env={}, dotenv=None, data_dir=root / "data")
    report = ingest_paths(open_index(settings), [docs], settings=chunk_settings(settings), progress=False)
    assert len(report.added) == 2, report.summary()
    with running_wenda(root / "data") as base:
        page = new_page(browser)
        page.goto(base + "/")
        page.wait_for_selector("#wenda-question textarea")
        yield page
        page.close()


def open_source(page, file_name: str):
    page.wait_for_function(
        "[...document.querySelectorAll('#wenda-chat details.wenda-source summary')]"
        f".some(e => e.innerText.includes('{file_name}'))"
    )
    source = page.locator("#wenda-chat details.wenda-source", has_text=file_name).last
    source.locator("summary").click()
    source.locator("mark").first.wait_for(state="visible")
    return source


def test_a_spreadsheet_answer_cites_its_sheet_and_row(page):
    ask(page, "李四在哪个部门?")
    source = open_source(page, "研发中心台账.xlsx")
    assert "销售部" in page.locator("#wenda-chat").inner_text()
    summary = source.locator("summary").inner_text()
    assert summary.index("研发中心台账") < summary.index("研发中心台账.xlsx")  # title first, file second
    assert "员工 第4行" in source.locator(".wenda-location").inner_text()
    page.screenshot(path=str(screenshot_path("xlsx-citation.png")))


def test_an_answer_from_a_scanned_page_cites_its_page(page):
    page.locator("#wenda-new-chat").click()
    page.wait_for_function("!document.querySelector('#wenda-chat details.wenda-source')")
    ask(page, "发酵培养周期是多少小时?")
    source = open_source(page, "发酵车间规程.pdf")
    assert "72小时" in page.locator("#wenda-chat").inner_text()
    assert "发酵车间工艺规程" in source.locator("summary").inner_text()  # the PDF's /Title
    assert "第2页" in source.locator(".wenda-location").inner_text()
    page.screenshot(path=str(screenshot_path("ocr-citation.png")))
