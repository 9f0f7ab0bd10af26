"""Document operations behind the facade (`app/service.py`): list, upload, delete, and recovery at start.

Each operation works on one knowledge base (`KBStore`, `app/kbs.py`): its index and its uploads folder
(`<data dir>/uploads/` for `default`). An upload is checked (names, types, sizes, clashes), its files
are staged under `<uploads>/.pending/<token>/`, and `upload_work` — run by the job worker
(`app/jobs.py`) — moves them into the uploads folder and ingests them, reporting progress and
stopping when the job is cancelled. An upload may replace only an earlier upload of its KB, never a
document ingested from a folder (409). A file that fails to load, or a cancelled one, is not kept (an
earlier upload of that name is put back). `recover_uploads` removes what a killed process left
half-done.
"""

from __future__ import annotations

import re
import shutil
import threading
import unicodedata
import uuid
from dataclasses import asdict
from pathlib import Path

from app.config import Settings
from app.errors import BadRequest, Conflict, NotFound, TooLarge
from app.kbs import KBStore
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.pipeline import IngestCancelled
from ingest.store import Index

WRITE_LOCK = threading.Lock()
MAX_NAME = 120  # characters, and bytes (UTF-8) within what file systems take, with room for a
MAX_NAME_BYTES = 200  # backup's ".<name>.<token>.bak"


def safe_filename(name: str) -> str:
    """A file name that cannot leave the uploads folder; shortening keeps the suffix.

    >>> safe_filename("../../etc/passwd.txt"), safe_filename("/abs/报告 2024.md")
    ('passwd.txt', '报告_2024.md')
    >>> safe_filename("a\\u202eb.txt")
    'ab.txt'
    >>> safe_filename("C:\\\\Users\\\\a\\\\报告.txt"), safe_filename("..\\\\x.txt")
    ('报告.txt', 'x.txt')
    >>> safe_filename("长" * 300 + ".pdf")[-6:]
    '长长.pdf'
    """
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    name = re.sub(r"\s+", "_", name.strip()).lstrip(".")
    suffix = Path(name).suffix if len(Path(name).suffix) <= 10 else ""
    stem = name[: len(name) - len(suffix)] if suffix else name
    while len(stem + suffix) > MAX_NAME or len((stem + suffix).encode()) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + suffix


def list_documents(index: Index) -> list[dict]:
    return [
        {
            k: v
            for k, v in asdict(r).items()
            if k in ("source", "title", "chunks", "chars", "kind", "ingested_at")
        }
        for r in sorted(index.documents().values(), key=lambda r: r.source)
    ]


def check_upload(
    settings: Settings, kb: KBStore, files: list[tuple[str, int]]
) -> tuple[list[str], list[dict]]:
    """`(name, size)` pairs → (stored names to ingest, [{"file", "reason"}] of unsupported ones).

    Raises TooLarge for a file over `WENDA_MAX_UPLOAD_BYTES`, Conflict when a name is taken by a document
    that was not uploaded, BadRequest when nothing can be ingested."""
    accepted, skipped = [], []
    for original, size in files:
        name = safe_filename(original)
        if not name or Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
            skipped.append(
                {
                    "file": original,
                    "reason": f"unsupported file type; upload one of {', '.join(SUPPORTED_SUFFIXES)}",
                }
            )
            continue
        if size > settings.max_upload_bytes:
            raise TooLarge(
                f"{name} is {size:,} bytes, over the {settings.max_upload_bytes:,}-byte upload limit "
                "(WENDA_MAX_UPLOAD_BYTES)"
            )
        if name not in accepted:
            accepted.append(name)
    if not accepted:
        reasons = "; ".join(f"{s['file']!r}: {s['reason']}" for s in skipped)
        raise BadRequest(reasons or "no file was uploaded")
    registered = kb.index.documents()
    folder = kb.uploads.resolve()
    for name in accepted:
        record = registered.get(name)
        if record is not None and Path(record.path).parent != folder:
            raise Conflict(
                f"{name!r} is the name of a document ingested from {record.root or record.path}, not an "
                "upload; rename the file (an upload may replace only an earlier upload)"
            )
    return accepted, skipped


def stage(kb: KBStore) -> Path:
    """A fresh folder to hold one upload's files until its job runs."""
    staged = kb.uploads / ".pending" / uuid.uuid4().hex[:12]
    staged.mkdir(parents=True)
    return staged


def upload_work(settings: Settings, kb: KBStore, staged: Path, names: list[str], skipped: list[dict]):
    """The job that ingests a staged upload; returns the ingest report as a dict."""
    from app.core import chunk_settings
    from ingest.pipeline import ingest_paths

    def work(job) -> dict:
        folder = kb.uploads
        placed: list[tuple[Path, Path | None]] = []
        try:
            with WRITE_LOCK:
                for name in names:
                    target, backup = folder / name, None
                    if target.exists():
                        backup = folder / f".{name}.{staged.name}.bak"
                        target.replace(backup)
                    (staged / name).replace(target)
                    placed.append((target, backup))
                try:
                    report = ingest_paths(
                        kb.index,
                        [t for t, _ in placed],
                        settings=chunk_settings(settings),
                        progress=False,
                        on_progress=job.progress,
                        on_ocr_page=job.ocr_progress,
                        cancelled=job.cancel.is_set,
                        max_chars=settings.max_upload_chars,
                    )
                except IngestCancelled as exc:
                    kept = set(getattr(exc, "report", None) and exc.report.added + exc.report.updated or [])
                    _settle(placed, kept)
                    raise
                except BaseException:
                    _settle(placed, set())
                    raise
                _settle(placed, set(report.added + report.updated + report.unchanged))
        finally:
            shutil.rmtree(staged, ignore_errors=True)
        return {
            "added": report.added,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "skipped": skipped + [{"file": f, "reason": r} for f, r in report.skipped],
            "chunks": report.chunks_written,
            "seconds": round(report.seconds, 2),
        }

    return work


def _settle(placed: list[tuple[Path, Path | None]], kept: set[str]) -> None:
    """Keep the files that were ingested; put back (or remove) the others."""
    for target, backup in placed:
        if target.name in kept:
            if backup is not None:
                backup.unlink(missing_ok=True)
        elif backup is not None:
            backup.replace(target)
        else:
            target.unlink(missing_ok=True)


def check_delete(kb: KBStore, source: str) -> None:
    """Raises NotFound unless `source` is a document or a stray (unregistered) upload."""
    if source not in kb.index.documents() and not _stray_upload(kb.uploads, source):
        raise NotFound(_not_found(kb, source))


def _not_found(kb: KBStore, source: str) -> str:
    return (
        f"no document named {source!r} in knowledge base {kb.name!r}; "
        f"GET /api/kbs/{kb.name}/documents lists them"
    )


def delete(kb: KBStore, source: str) -> None:
    index = kb.index
    record = index.documents().get(source)
    if record is None:
        stray = _stray_upload(kb.uploads, source)
        if stray is None:
            raise NotFound(_not_found(kb, source))
        stray.unlink(missing_ok=True)  # left by an interrupted upload, never registered
        return
    with WRITE_LOCK:
        index.remove_document(source)
        index.sync_lexical()
        uploaded = kb.uploads / safe_filename(source)
        if uploaded.exists() and Path(record.path) == uploaded.resolve():
            uploaded.unlink()


def _stray_upload(folder: Path, source: str) -> Path | None:
    path = folder / safe_filename(source)
    return path if safe_filename(source) == source and path.is_file() else None


def recover_uploads(kb: KBStore) -> list[str]:
    """After a crash: drop staged and half-written uploads and the chunks of unregistered versions.
    Returns the names of the files removed."""
    folder, index = kb.uploads, kb.index
    if not folder.is_dir():
        return []
    shutil.rmtree(folder / ".pending", ignore_errors=True)
    registered = index.documents()
    removed = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.name.startswith(".") and path.name.endswith((".bak", ".part")):
            original = folder / path.name[1:].rsplit(".", 2)[0]
            record = registered.get(original.name)
            newer_registered = record and original.exists() and record.ingested_at > original.stat().st_mtime
            if path.name.endswith(".bak") and record and not newer_registered:
                path.replace(original)  # the new version never registered: the previous upload goes back
            else:
                path.unlink()
            continue
        if path.is_file() and path.name not in registered:
            path.unlink()
            removed.append(path.name)
    index.repair()
    index.sync_lexical()
    return removed
