"""PDFs (with pypdf): one unit per page, "第3页"; pages without a text layer are read by OCR.

A page whose text layer holds fewer than `MIN_TEXT_CHARS` letters or CJK characters but carries
images (a scan) is OCR'd from its embedded images (`ingest/ocr.py`), page by page, so a mixed PDF keeps
its text pages as they are and reads only the scanned ones. `on_page(done, total)` is called after
each OCR'd page (total: how many need OCR), and `cancelled()` is checked between them.

Pages are units for locations only: a chunk may run on across a page break (a sentence often does),
and is then cited as "第3页–第4页".

It leaves out rendering vector graphics (text drawn as curves is not read) and pages' annotations.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from ingest.units import UnitText

MIN_TEXT_CHARS = 20
_WORDISH = re.compile(r"[A-Za-z0-9\u3400-\u9fff]")


class PdfError(ValueError):
    """The PDF cannot be read; the message says why."""


def pdf_units(
    data: bytes,
    on_page: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> tuple[str, tuple, str, int]:
    """(text, units, metadata title, pages OCR'd) of a PDF; raises PdfError."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise PdfError("the PDF is encrypted; decrypt it first")
        pages = list(reader.pages)
        texts = [(page.extract_text() or "").strip() for page in pages]
        title = _metadata_title(reader)
    except PdfError:
        raise
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        OSError,
        RecursionError,
    ) as exc:
        raise PdfError(f"not a readable PDF ({type(exc).__name__}: {exc})") from exc
    scanned = [i for i, text in enumerate(texts) if _needs_ocr(text, pages[i])]
    if scanned and on_page:
        on_page(0, len(scanned))
    for done, i in enumerate(scanned, start=1):
        if cancelled():
            from ingest.pipeline import IngestCancelled

            raise IngestCancelled(f"cancelled during OCR, page {i + 1}")
        read = _ocr_page(pages[i])
        if len(_WORDISH.findall(read)) > len(_WORDISH.findall(texts[i])):
            texts[i] = read
        if on_page:
            on_page(done, len(scanned))
    built = UnitText()
    for number, text in enumerate(texts, start=1):
        built.add(text, f"第{number}页")
    return *built.finish(), title, len(scanned)


def _metadata_title(reader) -> str:
    try:
        return str((reader.metadata or {}).get("/Title") or "")
    except Exception:  # a damaged info dictionary only costs the title
        return ""


def _needs_ocr(text: str, page) -> bool:
    if len(_WORDISH.findall(text)) >= MIN_TEXT_CHARS:
        return False
    try:
        return bool(page.images)
    except Exception:  # an image pypdf cannot list: nothing to OCR
        return False


def _ocr_page(page) -> str:
    """The text OCR reads in a page's embedded images, in the order the page lists them."""
    from ingest.ocr import MAX_PIXELS, image_text

    texts = []
    try:
        images = list(page.images)
    except Exception:
        return ""
    for image_file in images:
        try:
            image = image_file.image
        except Exception:  # a filter Pillow cannot decode (JBIG2, …): skip that image
            continue
        if image is not None and image.width * image.height <= MAX_PIXELS:
            texts.append(image_text(image))
    return "\n".join(t for t in texts if t)
