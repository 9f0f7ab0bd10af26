"""Loaders: turn a file (.txt .md .html .pdf .docx) into the text wenda indexes, or a clear reason why not.

Text files are decoded by detection (UTF-8 with or without BOM, UTF-16, GB18030/GBK, Big5, ...).
Line endings become `\\n`; otherwise the loaded text is what offsets and citations refer to.
Every failure is a `LoadError` whose message says what is wrong with which file; callers skip the file
and go on with the rest.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
MAX_FILE_BYTES = 50 * 1024 * 1024
_MAX_DOCX_UNCOMPRESSED = 200 * 1024 * 1024
_MAX_DOCX_RATIO = 200


class LoadError(Exception):
    """A file that cannot be ingested; the message says why, in words a user can act on."""


@dataclass(frozen=True)
class LoadedDocument:
    path: Path
    text: str
    kind: str


def load_document(path: str | Path, max_bytes: int = MAX_FILE_BYTES) -> LoadedDocument:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(
            f"{path.name}: unsupported file type '{suffix or '(none)'}' "
            f"(supported: {', '.join(SUPPORTED_SUFFIXES)})"
        )
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise LoadError(f"{path.name}: {size:,} bytes is over the {max_bytes:,}-byte limit")
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"{path.name}: cannot read ({exc.strerror or exc})") from exc
    return load_bytes(path, data)


def load_bytes(path: Path, data: bytes) -> LoadedDocument:
    """Decode `data` as the type its name says; raises LoadError for empty, binary or corrupt content."""
    suffix = path.suffix.lower()
    if not data.strip():
        raise LoadError(f"{path.name}: the file is empty")
    if suffix in (".pdf",):
        text, kind = _pdf_text(path, data), "pdf"
    elif suffix == ".docx":
        text, kind = _docx_text(path, data), "docx"
    else:
        text = decode_text(path, data)
        kind = "html" if suffix in (".html", ".htm") else "text"
        if kind == "html":
            text = _html_text(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if not text.strip():
        raise LoadError(f"{path.name}: no text could be extracted (a scanned PDF or an empty document?)")
    return LoadedDocument(path=path, text=text, kind=kind)


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


def _pdf_text(path: Path, data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise LoadError(f"{path.name}: the PDF is encrypted; decrypt it first")
        return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages)
    except LoadError:
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
        raise LoadError(f"{path.name}: not a readable PDF ({type(exc).__name__}: {exc})") from exc


def _docx_text(path: Path, data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            unpacked = sum(info.file_size for info in infos)
            packed = max(1, sum(info.compress_size for info in infos))
    except zipfile.BadZipFile as exc:
        raise LoadError(f"{path.name}: not a readable .docx (not a zip archive)") from exc
    if unpacked > _MAX_DOCX_UNCOMPRESSED or unpacked / packed > _MAX_DOCX_RATIO:
        raise LoadError(
            f"{path.name}: refused, it would unpack to {unpacked:,} bytes (a decompression bomb?)"
        )
    from ingest.wordml import WordError, docx_text

    try:
        return docx_text(data)  # bounded: see ingest/wordml.py
    except WordError as exc:
        raise LoadError(f"{path.name}: not a readable .docx ({exc})") from exc
