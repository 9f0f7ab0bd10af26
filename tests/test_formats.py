"""Spreadsheets, slides and e-books: each file made here with the library people make it with, loaded
unit by unit, ingested, asked about, and cited with where the quote is (sheet and row, slide, chapter);
document titles; bad files refused with a reason; old indexes without titles still answer.
OCR (images, scanned PDFs) is in tests/test_ocr.py."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.api import answer_footer, create_app
from app.chain import WendaChain
from app.config import Settings
from app.core import chunk_settings, open_index
from app.models import Citation
from ingest.loaders import LoadError, load_document
from ingest.pipeline import ingest_paths
from ingest.records import Chunk
from tests.fakes import HashEmbedder
from tests.format_files import write_epub, write_pptx, write_xlsx, zip_of


def chain_over(tmp_path, *files):
    settings = Settings.load(env={}, dotenv=None, data_dir=tmp_path / "data")
    index = open_index(settings, HashEmbedder())
    report = ingest_paths(index, list(files), settings=chunk_settings(settings), progress=False)
    assert not report.skipped, report.skipped
    return settings, WendaChain(settings, index)


def test_a_spreadsheet_row_is_one_unit_written_with_its_header(tmp_path):
    loaded = load_document(write_xlsx(tmp_path / "台账.xlsx"))
    rows = {u.location: loaded.text[u.start : u.end] for u in loaded.units}
    assert rows["员工 第4行"] == "工号：A002；姓名：李四；部门：销售部；入职日期：2022-07-15"
    assert rows["设备 第2行"] == "设备：发酵罐；型号：FJ-500；数量：12"
    assert loaded.title == "研发中心台账"  # the workbook's core properties


def test_a_question_about_a_row_is_cited_with_its_sheet_and_row(tmp_path):
    xlsx = write_xlsx(tmp_path / "台账.xlsx")
    settings, chain = chain_over(tmp_path, xlsx)
    answer = chain.ask("李四在哪个部门?")
    assert not answer.refused and "销售部" in answer.answer
    cited = answer.citations[0]
    assert cited.location == "员工 第4行" and cited.title == "研发中心台账" and cited.source == "台账.xlsx"
    document = load_document(xlsx).text
    assert document[cited.start : cited.end] == cited.text  # offsets into the loaded text, as for txt
    assert "研发中心台账 · 台账.xlsx · 员工 第4行" in answer_footer(answer)
    one_row_per_chunk = [c for c in chain.index.iter_chunks() if c.source == "台账.xlsx"]
    assert all("第" in c.location and "–" not in c.location for c in one_row_per_chunk)


def test_a_gbk_csv_is_decoded_and_cited_by_row(tmp_path):
    csv_file = tmp_path / "供应商.csv"
    csv_file.write_bytes("供应商,城市,电话\n华东生物,宁波,0574-8888\n西南发酵,重庆,023-6757\n".encode("gbk"))
    loaded = load_document(csv_file)
    assert [(u.location, loaded.text[u.start : u.end]) for u in loaded.units][2] == (
        "第3行",
        "供应商：西南发酵；城市：重庆；电话：023-6757",
    )
    _, chain = chain_over(tmp_path, csv_file)
    answer = chain.ask("西南发酵在哪个城市?")
    assert "重庆" in answer.answer and answer.citations[0].location == "第3行"


def test_slides_are_units_with_their_number_and_title(tmp_path):
    pptx = write_pptx(tmp_path / "总结.pptx")
    loaded = load_document(pptx)
    slides = {u.location: loaded.text[u.start : u.end] for u in loaded.units}
    assert (
        slides["幻灯片 2"].startswith("明年计划\n新建中试车间两座")
        and "备注：中试车间预计2025年底投产" in slides["幻灯片 2"]
    )
    assert "| 中试车间 | 3000万元 |" in slides["幻灯片 3"]
    assert loaded.title == "年度工作总结"  # no core title: the first slide's
    _, chain = chain_over(tmp_path, pptx)
    answer = chain.ask("中试车间预计什么时候投产?")
    assert "2025年底" in answer.answer and answer.citations[0].location == "幻灯片 2"
    answer = chain.ask("中试车间的预算是多少?")
    assert "3000万元" in answer.answer and answer.citations[0].location == "幻灯片 3"


def test_epub_chapters_are_units_with_the_books_title(tmp_path):
    book = write_epub(tmp_path / "入门.epub")
    loaded = load_document(book)
    assert [u.location for u in loaded.units] == ["第一章 概述", "第二章 菌种"]
    assert loaded.title == "生物制造入门"
    _, chain = chain_over(tmp_path, book)
    answer = chain.ask("常用菌种包括哪些?")
    assert "酵母" in answer.answer
    assert answer.citations[0].location == "第二章 菌种" and answer.citations[0].title == "生物制造入门"


def test_titles_from_metadata_headings_and_first_lines(tmp_path):
    (tmp_path / "page.html").write_text("<title>安装指南</title><body><h1>第一步</h1><p>运行。</p></body>")
    (tmp_path / "notes.md").write_text(
        "前言文字很多。\n\n还有一段。\n\n## 第二节\n\n# 不算\n", encoding="utf-8"
    )
    (tmp_path / "plain.txt").write_text(
        "\n\n  宁波市生物医药产业发展行动计划  \n\n正文。\n", encoding="utf-8"
    )
    import docx

    document = docx.Document()
    document.core_properties.title = "年度报告"
    document.add_paragraph("正文第一段。")
    document.save(tmp_path / "report.docx")
    titles = {
        name: load_document(tmp_path / name).title
        for name in ("page.html", "notes.md", "plain.txt", "report.docx")
    }
    assert titles == {
        "page.html": "安装指南",
        "notes.md": "第二节",
        "plain.txt": "宁波市生物医药产业发展行动计划",
        "report.docx": "年度报告",
    }


def test_the_seeds_get_their_titles_from_their_first_meaningful_line():
    from app.config import SEEDS_DIR

    titles = {path.name: load_document(path).title for path in sorted(SEEDS_DIR.glob("*.txt"))}
    assert titles["001_bae5a0fee72cab7a.txt"] == "生物制造产业创新中心的崛起:推动中国生物制造产业高质量发展"
    assert titles["002_95c493e45345613e.txt"] == "辽宁省“十三五”生物医药产业科技发展规划"
    assert titles["004_c3448ca0670dd323.txt"] == "重庆市推动生物制造产业发展行动计划(2024—2027年)(征求意见稿)"
    assert all(title and len(title) <= 80 for title in titles.values())


def test_a_huge_image_is_refused_before_its_pixels_are_decoded(tmp_path):
    from PIL import Image

    Image.new("1", (10_000, 7_000), 1).save(tmp_path / "huge.png")  # 70 megapixels, a few kB on disk
    with pytest.raises(LoadError, match="pixel limit"):
        load_document(tmp_path / "huge.png")


def test_uploads_take_the_new_formats_and_refuse_bad_ones_with_a_reason(tmp_path):
    settings, chain = chain_over(tmp_path)
    xlsx = write_xlsx(tmp_path / "台账.xlsx").read_bytes()
    with TestClient(create_app(settings, chain)) as client:
        files = [("files", ("台账.xlsx", xlsx)), ("files", ("坏.pptx", zip_of({"a.txt": b"x"})))]
        report = client.post("/api/documents?wait=true", files=files)
        assert report.status_code == 200, report.text
        body = report.json()
        assert body["added"] == ["台账.xlsx"]
        assert any(s["file"] == "坏.pptx" and "not a readable .pptx" in s["reason"] for s in body["skipped"])
        listed = client.get("/api/documents").json()["documents"]
        assert [(d["source"], d["title"], d["kind"]) for d in listed] == [
            ("台账.xlsx", "研发中心台账", "xlsx")
        ]
        cited = client.post("/api/ask", json={"question": "王五的工号是什么?"}).json()["citations"][0]
        assert (cited["title"], cited["location"]) == ("研发中心台账", "员工 第5行")


def test_an_index_written_before_titles_still_answers_and_shows_the_file_name(tmp_path):
    settings, chain = chain_over(tmp_path)
    (tmp_path / "old.txt").write_text("宁波市计划建设基因测序平台。", encoding="utf-8")
    ingest_paths(chain.index, [tmp_path / "old.txt"], progress=False)
    rewrite_as_before_titles(chain.index)
    assert Chunk.from_record("x", old_chunk_meta(chain)).title == ""
    assert chain.index.documents()["old.txt"].title == ""
    answer = WendaChain(settings, chain.index).ask("宁波计划建设什么平台?")
    assert answer.citations and answer.citations[0].title == "" and answer.citations[0].label == "old.txt"


def rewrite_as_before_titles(index) -> None:
    """Store the chunks and records again the way an older wenda wrote them: no title, no location."""
    for collection, dropped in ((index._chunks, ("title", "location")), (index._docs, ("title",))):
        got = collection.get(include=["metadatas", "embeddings", "documents"])
        collection.delete(ids=got["ids"])
        collection.add(
            ids=got["ids"],
            embeddings=got["embeddings"],
            documents=got["documents"],
            metadatas=[{k: v for k, v in m.items() if k not in dropped} for m in got["metadatas"]],
        )


def old_chunk_meta(chain) -> dict:
    got = chain.index._chunks.get(include=["metadatas"], limit=1)
    assert "title" not in got["metadatas"][0]
    return got["metadatas"][0]


def test_a_citation_label_puts_the_title_first():
    citation = Citation(1, "001_bae5a0fee72cab7a.txt", "", "", 0, 0, 0.0, title="生物制造产业创新中心的崛起")
    assert citation.label == "生物制造产业创新中心的崛起 · 001_bae5a0fee72cab7a.txt"
