"""Document operations shared by the HTTP API and the UI: list, upload (store + incremental ingest), delete.

Uploads are stored under `<data dir>/uploads/` with sanitised names, so nothing is written elsewhere;
a file that fails to load is reported and not kept. One lock serialises writers in a process.
"""

from __future__ import annotations

import re
import threading
import unicodedata
import uuid
from dataclasses import asdict
from pathlib import Path

from app.config import Settings
from app.errors import BadRequest, NotFound, TooLarge
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.store import Index

WRITE_LOCK = threading.Lock()


def safe_filename(name: str) -> str:
    """A file name that cannot leave the uploads folder.

    >>> safe_filename("../../etc/passwd.txt"), safe_filename("/abs/报告 2024.md"), safe_filename("a\\u202eb.txt")
    ('passwd.txt', '报告_2024.md', 'ab.txt')
    """
    name = unicodedata.normalize("NFC", name or "").replace("\\\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    name = re.sub(r"\s+", "_", name.strip()).lstrip(".")
    return name[:120]


def uploads_dir(settings: Settings) -> Path:
    return settings.data_path / "uploads"


def list_documents(index: Index) -> list[dict]:
    return [
        {k: v for k, v in asdict(r).items() if k in ("source", "chunks", "chars", "kind", "ingested_at")}
        for r in sorted(index.documents().values(), key=lambda r: r.source)
    ]


def upload(settings: Settings, index: Index, files: list[tuple[str, bytes]]) -> dict:
    """Store `(name, content)` pairs under the uploads folder and ingest them; returns the ingest report."""
    from app.core import chunk_settings
    from ingest.pipeline import ingest_paths

    folder = uploads_dir(settings)
    checked = []
    for original, data in files:
        name = safe_filename(original)
        if not name or Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
            raise BadRequest(f"{original!r}: unsupported file type; upload one of {', '.join(SUPPORTED_SUFFIXES)}")
        if len(data) > settings.max_upload_bytes:
            raise TooLarge(f"{name} is {len(data):,} bytes, over the {settings.max_upload_bytes:,}-byte upload limit (WENDA_MAX_UPLOAD_BYTES)")
        checked.append((name, data))
    if not checked:
        raise BadRequest("no file was uploaded")
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    with WRITE_LOCK:
        for name, data in checked:
            target = folder / name
            tmp = folder / f".{name}.{uuid.uuid4().hex[:8]}.part"
            tmp.write_bytes(data)
            tmp.replace(target)
            saved.append(target)
        report = ingest_paths(index, saved, settings=chunk_settings(settings), progress=False)
        for name, _ in report.skipped:
            (folder / name).unlink(missing_ok=True)  # a rejected file is not kept
    return {
        "added": report.added, "updated": report.updated, "unchanged": report.unchanged,
        "skipped": [{"file": f, "reason": r} for f, r in report.skipped],
        "chunks": report.chunks_written, "seconds": round(report.seconds, 2),
    }


def delete(settings: Settings, index: Index, source: str) -> None:
    record = index.documents().get(source)
    if record is None:
        raise NotFound(f"no document named {source!r}; GET /api/documents lists them")
    with WRITE_LOCK:
        index.remove_document(source)
        index.sync_lexical()
        uploaded = uploads_dir(settings) / safe_filename(source)
        if uploaded.exists() and Path(record.path) == uploaded.resolve():
            uploaded.unlink()
