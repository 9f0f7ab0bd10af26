"""Loaders: every supported type, the encodings Chinese text really comes in, and bad files."""

from __future__ import annotations

import pytest

from ingest.loaders import LoadError, load_document
from tests.format_files import zip_of

TEXT = (
    "国家生物制造产业创新中心于2023年7月14日在深圳正式启动建设，标志着中国生物制造产业发展进入了一个新阶段。"
    * 3
)
TRAD = (
    "國家發展改革委發布《十四五生物經濟發展規劃》，明確提出推動生物技術和信息技術融合創新，加快發展生物醫藥產業。"
    * 3
)


@pytest.mark.parametrize(
    "encoding, text",
    [
        ("utf-8", TEXT),
        ("utf-8-sig", TEXT),
        ("gb18030", TEXT),
        ("gbk", TEXT),
        ("big5", TRAD),
        ("utf-16", TEXT),
    ],
)
def test_text_encodings_are_detected(tmp_path, encoding, text):
    path = tmp_path / f"doc-{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    assert load_document(path).text == text


def test_markdown_and_html(tmp_path):
    (tmp_path / "a.md").write_text("# 标题\n\n正文。", encoding="utf-8")
    assert load_document(tmp_path / "a.md").text == "# 标题\n\n正文。"
    (tmp_path / "b.html").write_text(
        "<html><head><style>p{}</style><script>alert(1)</script></head><body><h2>生物经济</h2><p>规模突破<b>1000亿元</b>。</p></body></html>",
        encoding="utf-8",
    )
    text = load_document(tmp_path / "b.html").text
    assert "## 生物经济" in text and "规模突破**1000亿元**" in text or "规模突破1000亿元" in text
    assert "alert" not in text and "p{}" not in text


def test_pdf_and_docx(tmp_path):
    from reportlab.pdfgen import canvas

    pdf = tmp_path / "report.pdf"
    c = canvas.Canvas(str(pdf))
    c.drawString(72, 720, "Bioindustry output reached 1134 billion yuan in 2008.")
    c.save()
    assert "1134 billion yuan" in load_document(pdf).text

    import docx

    document = docx.Document()
    document.add_heading("重点任务", level=1)
    document.add_paragraph("加快发展生物医药产业。")
    document.save(tmp_path / "plan.docx")
    assert load_document(tmp_path / "plan.docx").text == "# 重点任务\n\n加快发展生物医药产业。"


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n ", "empty"),
        ("binary.txt", bytes(range(256)) * 20, "binary"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ntrunc", "PDF"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "docx"),
        ("image.gif", b"GIF89a", "unsupported"),
        ("truncated.png", b"\x89PNG\r\n", "not a readable image"),
        ("slides.pptx", b"PK\x03\x04 not really a zip", "not a readable .pptx"),
        ("sheet.xlsx", b"not a zip at all", "not a readable .xlsx"),
        (
            "corrupt.xlsx",
            zip_of({"[Content_Types].xml": b"<Types", "xl/workbook.xml": b"x"}),
            "not a readable .xlsx",
        ),
        ("renamed.pptx", zip_of({"hello.txt": b"just a zip"}), "not a readable .pptx"),
        ("renamed.epub", zip_of({"hello.txt": b"just a zip"}), "not a readable .epub"),
        ("empty.png", b"", "empty"),
        ("text.jpg", b"this is not a jpeg", "not a readable image"),
    ],
)
def test_bad_files_raise_a_clear_load_error(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(LoadError) as err:
        load_document(path)
    assert name in str(err.value) and reason.lower() in str(err.value).lower()


def test_files_over_the_size_limit_are_refused(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text(TEXT * 100, encoding="utf-8")
    with pytest.raises(LoadError, match="limit"):
        load_document(path, max_bytes=1000)


def test_line_endings_become_newlines(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes("第一行。\r\n第二行。\r\n".encode())
    assert load_document(path).text == "第一行。\n第二行。\n"


def _docx_with_body(tmp_path, body_xml: str, name: str = "many.docx"):
    """A real python-docx file whose document.xml body is replaced by `body_xml`."""
    import zipfile

    import docx

    base = tmp_path / "base.docx"
    docx.Document().save(base)
    out = tmp_path / name
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                text = data.decode()
                start, end = text.index("<w:body>") + len("<w:body>"), text.index("<w:sectPr")
                data = (text[:start] + body_xml + text[end:]).encode()
            dst.writestr(info, data, zipfile.ZIP_DEFLATED)
    return out


def _p(text: str, style: str = "") -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{ppr}<w:r><w:t>{text}</w:t></w:r></w:p>"


def test_docx_of_many_paragraphs_loads_fast_in_document_order(tmp_path):
    import time

    table = (
        "<w:tbl><w:tr><w:tc>" + _p("年份") + "</w:tc><w:tc>" + _p("产值") + "</w:tc></w:tr>"
        "<w:tr><w:tc>" + _p("2008") + "</w:tc><w:tc>" + _p("11340亿元") + "</w:tc></w:tr></w:tbl>"
    )
    body = _p("重点任务", "Heading1") + table + _p("生物产业。") * 31_746
    path = _docx_with_body(tmp_path, body)
    assert path.stat().st_size < 200_000
    started = time.monotonic()
    text = load_document(path).text
    assert time.monotonic() - started < 5
    assert text.startswith("# 重点任务\n\n年份 | 产值\n\n2008 | 11340亿元\n\n生物产业。")
    assert text.count("生物产业。") == 31_746


def test_docx_whose_text_part_unpacks_too_large_is_refused_quickly(tmp_path):
    import random
    import time

    from ingest import wordml

    rng = random.Random(7)
    noise = [chr(0x4E00 + i) for i in range(4096)]  # enough to pass the archive's ratio check
    body = "".join(_p("".join(rng.choices(noise, k=20)) + "生" * 980) for _ in range(15_000))
    path = _docx_with_body(tmp_path, body)  # ~45 MB of XML in a ~1 MB archive
    started = time.monotonic()
    with pytest.raises(LoadError, match="unpacks to"):
        load_document(path)
    assert time.monotonic() - started < 3
    with pytest.raises(wordml.WordError, match="paragraphs"):
        wordml.docx_text(_docx_with_body(tmp_path, _p("a") * 50, "p.docx").read_bytes(), max_paragraphs=10)
