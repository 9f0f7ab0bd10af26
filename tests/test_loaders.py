"""Loaders: every supported type, the encodings Chinese text really comes in, and bad files."""

from __future__ import annotations

import pytest

from ingest.loaders import LoadError, load_document

TEXT = "国家生物制造产业创新中心于2023年7月14日在深圳正式启动建设，标志着中国生物制造产业发展进入了一个新阶段。" * 3
TRAD = "國家發展改革委發布《十四五生物經濟發展規劃》，明確提出推動生物技術和信息技術融合創新，加快發展生物醫藥產業。" * 3


@pytest.mark.parametrize(
    "encoding, text",
    [("utf-8", TEXT), ("utf-8-sig", TEXT), ("gb18030", TEXT), ("gbk", TEXT), ("big5", TRAD), ("utf-16", TEXT)],
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
        ("image.png", b"\x89PNG\r\n", "unsupported"),
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
