"""Loaders: turn a file into the text wenda indexes, its title and its units, or a clear reason why not.

Text (.txt .md), HTML, Word (.docx); and, read unit by unit so citations say where a quote is (see
`ingest/units.py`): PDF pages (scanned ones by OCR), spreadsheet rows (.xlsx .csv), slides (.pptx),
e-book chapters (.epub), images (.png .jpg, by OCR). Text files are decoded by detection (UTF-8 with
or without BOM, UTF-16, GB18030/GBK, Big5, ...). Line endings become `\\n`; otherwise the loaded text is
what offsets and citations refer to. Each document gets a title (`ingest/titles.py`).
Every failure is a `LoadError` whose message says what is wrong with which file; callers skip the file
and go on with the rest.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.titles import choose_title, clean_title, html_title, office_title
from ingest.units import Unit, UnitText

SUPPORTED_SUFFIXES = (
    ".txt",
    ".md",
    ".markdown",
    ".html",
    ".htm",
    ".pdf",
    ".docx",
    ".xlsx",
    ".csv",
    ".pptx",
    ".epub",
    ".png",
    ".jpg",
    ".jpeg",
)
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
_ZIP_SUFFIXES = (".docx", ".xlsx", ".pptx", ".epub")
# bump when what a loader makes of a file changes (text, units, title), so `wenda ingest` re-reads it
LOADER_VERSION = "2"
MAX_FILE_BYTES = 50 * 1024 * 1024
_MAX_ZIP_UNCOMPRESSED = 200 * 1024 * 1024
_MAX_ZIP_RATIO = 200


class LoadError(Exception):
    """A file that cannot be ingested; the message says why, in words a user can act on."""


@dataclass(frozen=True)
class LoadedDocument:
    path: Path
    text: str
    kind: str
    title: str = ""
    units: tuple[Unit, ...] = ()  # where each part of `text` came from (rows, slides, pages, chapters)
    chunks_within_units: bool = False  # a chunk never spans two units (rows, slides); pages may be crossed


def load_document(
    path: str | Path,
    max_bytes: int = MAX_FILE_BYTES,
    on_page: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> LoadedDocument:
    """Load one file; `on_page(done, total)` follows OCR page by page, `cancelled()` can stop it."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(SUPPORTED_SUFFIXES)
        raise LoadError(f"{path.name}: unsupported file type '{suffix or '(none)'}' (supported: {supported})")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise LoadError(f"{path.name}: {size:,} bytes is over the {max_bytes:,}-byte limit")
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"{path.name}: cannot read ({exc.strerror or exc})") from exc
    return load_bytes(path, data, on_page, cancelled)


def load_bytes(
    path: Path,
    data: bytes,
    on_page: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> LoadedDocument:
    """Decode `data` as the type its name says; raises LoadError for empty, binary or corrupt content."""
    suffix = path.suffix.lower()
    if not data.strip():
        raise LoadError(f"{path.name}: the file is empty")
    if suffix in _ZIP_SUFFIXES:
        _check_archive(path, data)
    if suffix in _STRUCTURED:
        loaded = _STRUCTURED[suffix](path, data, on_page, cancelled)
    else:
        text, metadata_title = decode_text(path, data), ""
        kind = "html" if suffix in (".html", ".htm") else "text"
        if kind == "html":
            metadata_title, text = html_title(text), _html_text(text)
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
        markdown = suffix in (".md", ".markdown") or kind == "html"
        loaded = LoadedDocument(path, text, kind, choose_title(metadata_title, text, markdown))
    if not loaded.text.strip():
        raise LoadError(
            f"{path.name}: no text could be extracted (an empty document, or an image without text?)"
        )
    return loaded


def decode_text(path: Path, data: bytes) -> str:
    """Detect the encoding of a text file and decode it; binary content is refused."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    try:
        return _refuse_binary(path, data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise LoadError(f"{path.name}: looks binary, not text (no text encoding fits its bytes)")
    return _refuse_binary(path, str(best))


def _refuse_binary(path: Path, text: str) -> str:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    if "\x00" in text or controls > max(8, len(text) // 100):
        raise LoadError(f"{path.name}: looks binary, not text ({controls} control characters)")
    return text


def _html_text(html: str) -> str:
    from ingest.html import html_to_text

    return html_to_text(html)


def _check_archive(path: Path, data: bytes) -> None:
    """Refuse a zip-based file (.docx .xlsx .pptx .epub) that is no zip or would unpack to too much."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            unpacked = sum(info.file_size for info in infos)
            packed = max(1, sum(info.compress_size for info in infos))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise LoadError(f"{path.name}: not a readable {path.suffix.lower()} (not a zip archive)") from exc
    if unpacked > _MAX_ZIP_UNCOMPRESSED or unpacked / packed > _MAX_ZIP_RATIO:
        raise LoadError(
            f"{path.name}: refused, it would unpack to {unpacked:,} bytes (a decompression bomb?)"
        )


def _pdf(path: Path, data: bytes, on_page, cancelled) -> LoadedDocument:
    from ingest.pdf import PdfError, pdf_units

    try:
        text, units, title, ocr_pages = pdf_units(data, on_page, cancelled)
    except PdfError as exc:
        raise LoadError(f"{path.name}: {exc}") from exc
    kind = "pdf+ocr" if ocr_pages else "pdf"
    return LoadedDocument(path, text, kind, choose_title(title, text), units)


def _docx(path: Path, data: bytes, on_page, cancelled) -> LoadedDocument:
    from ingest.wordml import WordError, docx_text

    try:
        text = docx_text(data)  # bounded: see ingest/wordml.py
    except WordError as exc:
        raise LoadError(f"{path.name}: not a readable .docx ({exc})") from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return LoadedDocument(path, text, "docx", choose_title(office_title(data), text, markdown=True))


def _xlsx(path: Path, data: bytes, on_page, cancelled) -> LoadedDocument:
    from ingest.tables import TableError, xlsx_units

    try:
        text, units, title = xlsx_units(data)
    except TableError as exc:
        raise LoadError(f"{path.name}: {exc}") from exc
    return LoadedDocument(path, text, "xlsx", clean_title(title), units, chunks_within_units=True)


def _csv(path: Path, data: bytes, on_page, cancelled) -> LoadedDocument:
    from ingest.tables import TableError, csv_units

    try:
        text, units, title = csv_units(decode_text(path, data))
    except TableError as exc:
        raise LoadError(f"{path.name}: {exc}") from exc
    return LoadedDocument(path, text, "csv", clean_title(title), units, chunks_within_units=True)


def _pptx(path: Path, data: bytes, on_page, cancelled) -> LoadedDocument:
    from ingest.slides import SlidesError, pptx_units

    try:
        text, units, title = pptx_units(data)
    except SlidesError as exc:
        raise LoadError(f"{path.name}: {exc}") from exc
    return LoadedDocument(path, text, "pptx", choose_title(title, text), units, chunks_within_units=True)


def _epub(path: Path, data: bytes, on_page, cancelled) -> LoadedDocument:
    from ingest.ebooks import EbookError, epub_units

    try:
        text, units, title = epub_units(data)
    except EbookError as exc:
        raise LoadError(f"{path.name}: {exc}") from exc
    return LoadedDocument(path, text, "epub", choose_title(title, text, markdown=True), units, True)


def _image(path: Path, data: bytes, on_page, cancelled) -> LoadedDocument:
    from ingest.ocr import OcrError, image_text, open_image

    if on_page:
        on_page(0, 1)
    try:
        text = image_text(open_image(data))
    except OcrError as exc:
        raise LoadError(f"{path.name}: {exc}") from exc
    if on_page:
        on_page(1, 1)
    if not text.strip():
        raise LoadError(f"{path.name}: OCR found no text in the image")
    built = UnitText()
    built.add(text, "图片")
    text, units = built.finish()
    return LoadedDocument(path, text, "image", choose_title("", text), units)


_STRUCTURED = {
    ".pdf": _pdf,
    ".docx": _docx,
    ".xlsx": _xlsx,
    ".csv": _csv,
    ".pptx": _pptx,
    ".epub": _epub,
    **{suffix: _image for suffix in _IMAGE_SUFFIXES},
}
