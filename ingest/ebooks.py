"""E-books (.epub, with ebooklib): one unit per chapter, in reading (spine) order.

Each chapter's XHTML goes through the HTML loader (`ingest/html.py`), so headings, lists and tables
keep their shape. A chapter's location is "第3章" plus its first heading ("第3章 Fermentation"), or
the heading alone when it is numbered already ("第三章 发酵工艺"); chapters
without text (a cover page) are skipped and not counted. The title is the book's dc:title.

It leaves out images, footnote pop-ups and the navigation document.
"""

from __future__ import annotations

import io
import re

from ingest.units import UnitText

MAX_CHAPTERS = 5_000


class EbookError(ValueError):
    """The book cannot be read; the message says why."""


def epub_units(data: bytes) -> tuple[str, tuple, str]:
    """(text, units, dc:title) of an epub."""
    import ebooklib
    from ebooklib import epub

    from ingest.html import html_to_text

    try:
        book = epub.read_epub(io.BytesIO(data), {"ignore_ncx": True})
        built, number = UnitText(), 0
        for item_id, _linear in book.spine:
            item = book.get_item_with_id(item_id)
            if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT:
                continue
            text = html_to_text(item.get_content().decode("utf-8", errors="replace"))
            if not text.strip():
                continue
            number += 1
            if number > MAX_CHAPTERS:
                raise EbookError(f"over {MAX_CHAPTERS:,} chapters; split the book")
            heading = _first_heading(text)
            numbered = re.match(
                r"第[一二三四五六七八九十百\d]+[章节篇部回]", heading
            )  # "第二章 菌种" says it already
            built.add(text, heading if numbered else f"第{number}章 {heading}".strip(), heading)
        titles = book.get_metadata("DC", "title")
        text, units = built.finish()
        return text, units, titles[0][0] if titles else ""
    except EbookError:
        raise
    except Exception as exc:  # ebooklib raises zip, XML, key and its own errors on a damaged file
        raise EbookError(f"not a readable .epub ({type(exc).__name__}: {exc})") from exc


def _first_heading(text: str) -> str:
    """The first markdown heading of a chapter's text, cut to 40 characters ('' when none)."""
    match = re.search(r"^#{1,6}\s+(.+)$", text, re.M)
    return match.group(1).strip()[:40] if match else ""
