"""Sample files of every format wenda reads, made inside the tests with the libraries people make them
with (openpyxl, python-pptx, ebooklib, Pillow + the wqy font for scans, reportlab for text PDFs)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
STAFF = [
    ("工号", "姓名", "部门", "入职日期"),
    ("A001", "张三", "研发部", "2021-03-01"),
    ("A002", "李四", "销售部", "2022-07-15"),
    ("A003", "王五", "质量部", "2023-01-09"),
]
SCAN_LINES = ["第三章 发酵工艺规程", "发酵罐的最高温度为三十七度。", "培养周期为72小时。"]


def write_xlsx(path: Path, rows: int = 0) -> Path:
    """A workbook: sheet 员工 (a title row, a header, three staff rows), sheet 设备; `rows` more staff."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "员工"
    sheet.append(["2024年员工名册"])
    for row in STAFF:
        sheet.append(list(row))
    for i in range(rows):
        sheet.append(
            [f"B{i:05d}", f"员工{i}", ["研发部", "销售部", "生产部"][i % 3], f"2020-01-{i % 28 + 1:02d}"]
        )
    devices = workbook.create_sheet("设备")
    devices.append(["设备", "型号", "数量"])
    devices.append(["发酵罐", "FJ-500", 12])
    devices.append(["离心机", "LX-20", 3])
    workbook.properties.title = "研发中心台账"
    workbook.save(path)
    return path


def write_pptx(path: Path) -> Path:
    from pptx import Presentation
    from pptx.util import Inches

    presentation = Presentation()
    for title, bullets, notes in [
        ("年度工作总结", ["2024年研发中心完成项目18个"], ""),
        ("明年计划", ["新建中试车间两座", "引进博士10名"], "中试车间预计2025年底投产"),
    ]:
        slide = presentation.slides.add_slide(presentation.slide_layouts[1])
        slide.shapes.title.text = title
        body = slide.placeholders[1].text_frame
        body.text = bullets[0]
        for bullet in bullets[1:]:
            body.add_paragraph().text = bullet
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    table = presentation.slides.add_slide(presentation.slide_layouts[5])
    table.shapes.title.text = "预算"
    grid = table.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(6), Inches(1)).table
    for (r, c), text in {(0, 0): "项目", (0, 1): "金额", (1, 0): "中试车间", (1, 1): "3000万元"}.items():
        grid.cell(r, c).text = text
    presentation.save(path)
    return path


def write_epub(path: Path) -> Path:
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("wenda-test")
    book.set_title("生物制造入门")
    book.set_language("zh")
    chapters = []
    for i, (title, body) in enumerate(
        [
            ("第一章 概述", "生物制造以生物体为工具生产化学品。"),
            ("第二章 菌种", "常用菌种包括大肠杆菌和酵母。"),
        ],
        start=1,
    ):
        chapter = epub.EpubHtml(title=title, file_name=f"c{i}.xhtml", lang="zh")
        chapter.content = f"<html><body><h1>{title}</h1><p>{body}</p></body></html>"
        book.add_item(chapter)
        chapters.append(chapter)
    book.toc = chapters
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *chapters]
    epub.write_epub(str(path), book)
    return path


def scan_image(lines: list[str] = SCAN_LINES, size: int = 30):
    """A Pillow image of CJK text, as a scanner would give it (black on white)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(WQY), size)
    image = Image.new("RGB", (720, 70 + 60 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((40, 40 + 60 * i), line, font=font, fill="black")
    return image


def write_png(path: Path, lines: list[str] = SCAN_LINES) -> Path:
    scan_image(lines).save(path)
    return path


def write_mixed_pdf(path: Path, text_page: str = "第一页是文字层: 本规程适用于发酵车间。") -> Path:
    """Page 1 has a text layer (reportlab), page 2 is a scan (an image of text, no text layer)."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("wqy", str(WQY), subfontIndex=0))
    text_pdf = io.BytesIO()
    page = canvas.Canvas(text_pdf)
    page.setFont("wqy", 14)
    page.drawString(72, 720, text_page)
    page.save()
    scan_pdf = io.BytesIO()
    scan_image().save(scan_pdf, format="PDF", resolution=100)
    writer = PdfWriter()
    for source in (text_pdf, scan_pdf):
        for pdf_page in PdfReader(io.BytesIO(source.getvalue())).pages:
            writer.add_page(pdf_page)
    writer.add_metadata({"/Title": "发酵车间工艺规程"})
    with open(path, "wb") as out:
        writer.write(out)
    return path


def zip_of(files: dict[str, bytes]) -> bytes:
    """A zip archive holding `files` (name → bytes): what a renamed or damaged Office file is."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
