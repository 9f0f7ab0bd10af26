"""The text of a .docx, read straight from its WordprocessingML in bounded work.

python-docx looks up each paragraph's style on its own, which takes tens of seconds on a small file of
tens of thousands of paragraphs. Here `word/styles.xml` is read once into styleId → heading level,
and `word/document.xml` is streamed with lxml's iterparse (no entities, no network), keeping memory
flat: paragraphs and table rows (cells joined by " | ") in document order, headings as Markdown `#`.
The work is bounded by the declared unpacked size of document.xml (`MAX_XML_BYTES`; zipfile never
inflates past it) and by the number of paragraphs (`MAX_PARAGRAPHS`); past either, `WordError`.

    heading "重点任务" (style Heading 1) + paragraph "加快发展。"  →  "# 重点任务\\n\\n加快发展。"

It leaves out the zip-bomb checks on the whole archive (`ingest/loaders.py`), headers, footers,
footnotes and comments.
"""

from __future__ import annotations

import io
import re
import zipfile

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_XML_BYTES = 32 * 1024 * 1024
MAX_PARAGRAPHS = 100_000
_HEADING = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)


class WordError(ValueError):
    """The document cannot be read, or would take too much work; the message says which."""


def docx_text(data: bytes, max_xml_bytes: int = MAX_XML_BYTES, max_paragraphs: int = MAX_PARAGRAPHS) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            try:
                info = archive.getinfo("word/document.xml")
            except KeyError as exc:
                raise WordError("not a Word document (no word/document.xml)") from exc
            if info.file_size > max_xml_bytes:
                raise WordError(
                    f"refused, its text part unpacks to {info.file_size:,} bytes "
                    f"(the limit is {max_xml_bytes:,})"
                )
            levels = _heading_levels(archive)
            with archive.open(info) as xml:
                return "\n\n".join(_lines(xml, levels, max_paragraphs))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
        raise WordError(f"a damaged archive ({type(exc).__name__}: {exc})") from exc


def _parser_args() -> dict:
    return {"resolve_entities": False, "no_network": True, "huge_tree": False, "load_dtd": False}


def _heading_levels(archive: zipfile.ZipFile) -> dict[str, int]:
    """styleId → heading level, from the style names ("heading 1" …), read once."""
    from lxml import etree

    try:
        info = archive.getinfo("word/styles.xml")
    except KeyError:
        return {}
    if info.file_size > MAX_XML_BYTES:
        return {}
    levels = {}
    with archive.open(info) as xml:
        for _, style in etree.iterparse(xml, events=("end",), tag=W + "style", **_parser_args()):
            name = style.find(W + "name")
            found = _HEADING.match(name.get(W + "val", "") if name is not None else "")
            if found:
                levels[style.get(W + "styleId", "")] = int(found[1])
            style.clear()
    return levels


def _paragraph_text(p) -> str:
    parts = []
    for el in p.iter(W + "t", W + "tab", W + "br", W + "cr"):
        if el.tag == W + "t":
            parts.append(el.text or "")
        elif el.getparent() is not None and el.getparent().tag == W + "r":
            parts.append("\t" if el.tag == W + "tab" else "\n")
    return "".join(parts).strip()


def _lines(xml, levels: dict[str, int], max_paragraphs: int):
    from lxml import etree

    depth, paragraphs = 0, 0
    try:
        events = etree.iterparse(
            xml, events=("start", "end"), tag=(W + "p", W + "tr", W + "tbl"), **_parser_args()
        )
        for event, el in events:
            if el.tag == W + "tbl":
                depth += 1 if event == "start" else -1
                continue
            if event == "start":
                continue
            if el.tag == W + "p":
                paragraphs += 1
                if paragraphs > max_paragraphs:
                    raise WordError(f"refused, it has over {max_paragraphs:,} paragraphs")
                if depth == 0:
                    text = _paragraph_text(el)
                    if text:
                        yield _as_heading(el, text, levels)
                    _drop(el)
            elif el.tag == W + "tr" and depth == 1:
                cells = [
                    " ".join(filter(None, (_paragraph_text(p) for p in tc.iter(W + "p"))))
                    for tc in el.iterchildren(W + "tc")
                ]
                yield " | ".join(cells)
                _drop(el)
    except etree.XMLSyntaxError as exc:
        raise WordError(f"its XML is broken ({exc})") from exc


def _as_heading(p, text: str, levels: dict[str, int]) -> str:
    style = p.find(f"{W}pPr/{W}pStyle")
    style_id = style.get(W + "val", "") if style is not None else ""
    level = levels.get(style_id) or (int(m[1]) if (m := _HEADING.match(style_id)) else 0)
    return "#" * level + " " + text if level else text


def _drop(el) -> None:
    """Free what was read: the element and the siblings before it."""
    el.clear()
    parent = el.getparent()
    while parent is not None and el.getprevious() is not None:
        del parent[0]
