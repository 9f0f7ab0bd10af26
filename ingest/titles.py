"""Titles: the name a person knows a document by, shown in citations before its file name.

Where a title comes from, first found wins: the file's own metadata (an HTML `<title>` or first `<h1>`,
a PDF's /Title, the core properties of .docx/.xlsx/.pptx, an epub's dc:title — read by the loaders);
then, from the loaded text, a markdown `#` heading among its first lines; then the first meaningful
line. A first line that is a whole sentence (a news item's opening) gives the document it names in
《》, else its first clause, cut short. Extraction damage (stray spaces between CJK characters, pinyin
annotations) is repaired; the document's own script is kept.

    >>> title_from_text("\\n\\n专项规划之六\\n\\n# 辽宁省“十三五”生物医药 科技发展规划\\n\\n正文。")
    '辽宁省“十三五”生物医药科技发展规划'
    >>> title_from_text("5月10日,國家發(fā)改委發(fā)布《“十四五”生物經濟發展規劃》,"
    ...                 "《規劃》明確提出,推動生物技術和信息技術融合創新。")
    '“十四五”生物經濟發展規劃'
    >>> title_from_text("---\\n\\n1\\n\\n生物制造产业创新中心的崛起:推动生物制造高质量发展\\n\\n引言:")
    '生物制造产业创新中心的崛起:推动生物制造高质量发展'

Two metadata readers live here too: `office_title` (dc:title in the core properties of .docx, .xlsx,
.pptx) and `html_title`. It leaves out the other formats' metadata (PDF, epub, and the xlsx/pptx
libraries' own properties are read by their loaders).
"""

from __future__ import annotations

import re

from ingest.clean import display_text

MAX_TITLE = 80  # characters shown; longer titles are cut with "…"
_SENTENCE_LINE = 50  # a first line longer than this is a sentence, not a title
_HEADING_LOOKAHEAD = 5  # a `#` heading within the first lines of text beats the first line
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+(\S.*)$")
_BOOK_TITLE = re.compile(r"《([^》\n]{4,80})》")
_CLAUSE_END = re.compile(r"[，,；;。！？!?：:]")
_WORDISH = re.compile(r"[\w\u3400-\u9fff]")
# metadata titles that say nothing: "Untitled", "无标题", "Document1", a file name such as "~$报告.docx"
_EMPTY_METADATA = re.compile(r"(?i)untitled|无标题|document\d*|slide\d*|~?\$?\S*\.\w{2,4}")


def clean_title(title: str | None) -> str:
    """A title as shown: repaired, one line, at most MAX_TITLE characters ('' for none).

    >>> clean_title("  创新机制 探索生物技术战略新兴产业规 模化发展之路 \\n"), clean_title("   ")
    ('创新机制探索生物技术战略新兴产业规模化发展之路', '')
    """
    title = display_text(title or "").strip().strip("#").strip()
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1].rstrip() + "…"
    return title


def _meaningful(line: str) -> bool:
    """A line with at least two letters, digits or CJK characters that is not just a page number or a rule."""
    line = line.strip()
    return len(_WORDISH.findall(line)) >= 2 and not re.fullmatch(r"[\d\s./\-—第页Page]+", line)


def title_from_text(text: str, markdown: bool = False) -> str:
    """A title read from the text itself: a markdown heading near the top (anywhere, for a markdown
    file), else the first meaningful line."""
    lines = [" ".join(line.split()) for line in text.splitlines() if _meaningful(line)]  # a padded
    # line (a man page's header, "DATE(1)      用户命令      DATE(1)") measured as it is shown
    for line in lines if markdown else lines[:_HEADING_LOOKAHEAD]:
        heading = _MARKDOWN_HEADING.match(line)
        if heading:
            return clean_title(heading.group(1))
    if not lines:
        return ""
    first = lines[0].lstrip("#").strip()
    if len(first) <= _SENTENCE_LINE:
        return clean_title(first)
    named = _BOOK_TITLE.search(first)
    if named:
        return clean_title(named.group(1))
    clause = _CLAUSE_END.search(first)
    short = first[: clause.start()] if clause and clause.start() >= 6 else first
    return clean_title(short if len(short) <= _SENTENCE_LINE else short[:_SENTENCE_LINE] + "…")


def choose_title(metadata_title: str | None, text: str, markdown: bool = False) -> str:
    """The metadata title when it says something (not "Untitled", not a file name), else one from the text."""
    title = clean_title(metadata_title)
    if title and _meaningful(title) and not _EMPTY_METADATA.fullmatch(title):
        return title
    return title_from_text(text, markdown)


def office_title(data: bytes) -> str:
    """dc:title from an Office Open XML package's `docProps/core.xml` (.docx, .xlsx, .pptx); '' if none."""
    import io
    import zipfile

    from lxml import etree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("docProps/core.xml")
            if info.file_size > 1024 * 1024:
                return ""
            xml = archive.read(info)
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        root = etree.fromstring(xml, parser)
    except (KeyError, zipfile.BadZipFile, OSError, etree.XMLSyntaxError, ValueError):
        return ""
    found = root.find("{http://purl.org/dc/elements/1.1/}title")
    return (found.text or "") if found is not None else ""


def html_title(html: str) -> str:
    """The page's `<title>`, else its first `<h1>` ('' when it has neither).

    >>> html_title("<html><head><title>安装指南</title></head><body><h1>第一步</h1></body></html>")
    '安装指南'
    """
    from ingest.html import parsed, squash

    document = parsed(html)
    if document is None:
        return ""
    for xpath in ("//title", "//h1"):
        found = document.xpath(xpath)
        text = squash(found[0].text_content()) if found else ""
        if text:
            return text
    return ""
