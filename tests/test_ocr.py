"""OCR of scans with the network off: a PDF whose second page is an image of CJK text (drawn with the wqy
font), its first a text layer, is read page by page, asked about, and cited with its page; an image
file likewise. Few and small, and marked slow: OCR is CPU-heavy (each test OCRs one or two small images)."""

from __future__ import annotations

import socket

import pytest
from PIL import Image

from app.chain import WendaChain
from app.config import Settings
from app.core import chunk_settings, open_index
from ingest import ocr
from ingest.loaders import LoadError, load_document
from ingest.pipeline import ingest_paths
from tests.fakes import HashEmbedder
from tests.format_files import WQY, write_mixed_pdf, write_png

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not WQY.exists(), reason="needs fonts-wqy-zenhei")]


@pytest.fixture
def network_off(monkeypatch):
    """Every socket connection fails, and the OCR engine is built anew inside: its models must be local."""

    def refuse(*args, **kwargs):
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    ocr.engine.cache_clear()
    yield
    ocr.engine.cache_clear()


def test_a_mixed_pdf_is_read_page_by_page_and_the_scan_is_cited_with_its_page(tmp_path, network_off):
    pdf = write_mixed_pdf(tmp_path / "规程.pdf")
    settings = Settings.load(env={}, dotenv=None, data_dir=tmp_path / "data")
    index = open_index(settings, HashEmbedder())
    pages = []
    report = ingest_paths(
        index,
        [pdf],
        settings=chunk_settings(settings),
        progress=False,
        on_ocr_page=lambda source, done, total: pages.append((source, done, total)),
    )
    assert report.added == ["规程.pdf"] and index.documents()["规程.pdf"].kind == "pdf+ocr"
    assert pages == [("规程.pdf", 0, 1), ("规程.pdf", 1, 1)]  # one page needed OCR: before and after it
    by_page = {c.location: c.text for c in index.iter_chunks()}
    assert by_page["第1页"] == "第一页是文字层: 本规程适用于发酵车间。"  # the text layer, not OCR'd
    assert "培养周期为72小时" in by_page["第2页"] and "最高温度为三十七度" in by_page["第2页"]

    answer = WendaChain(settings, index).ask("培养周期是多少小时?")
    assert "72小时" in answer.answer
    cited = answer.citations[0]
    assert cited.location == "第2页" and cited.title == "发酵车间工艺规程" and cited.source == "规程.pdf"


def test_an_image_is_read_by_ocr_and_an_image_without_text_is_refused(tmp_path, network_off):
    loaded = load_document(write_png(tmp_path / "通知.png", ["关于停电的通知", "周六上午九点停电两小时。"]))
    assert loaded.kind == "image" and loaded.title == "关于停电的通知"
    assert "停电两小时" in loaded.text and [u.location for u in loaded.units] == ["图片"]
    Image.new("RGB", (200, 120), "white").save(tmp_path / "blank.png")
    with pytest.raises(LoadError, match="blank.png: OCR found no text"):
        load_document(tmp_path / "blank.png")
