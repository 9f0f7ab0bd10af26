"""`ingest_paths`: the one operation that changes the index — incremental, idempotent, crash-safe.

For each supported file under the given paths: load it, hash its text (with the splitter settings), and
compare with the registered version. Unchanged files cost nothing; new or changed ones are split,
embedded (one progress bar across all of them) and written; files gone from an ingested folder are
removed. Bad files are reported and skipped, never fatal.

A caller can follow the work (`on_progress(files_done, chunks_done, chunks_total)`), stop it
(`cancelled()` is checked between files and between embedding batches: `IngestCancelled` is raised
after the half-written document's chunks are deleted, so it is never registered), and bound it
(`max_chars`: new or changed text beyond it is skipped with the reason).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ingest.clean import search_text
from ingest.loaders import LOADER_VERSION, SUPPORTED_SUFFIXES, LoadedDocument, LoadError, load_document
from ingest.records import Chunk, DocumentRecord, chunk_id
from ingest.split import SPLITTER_VERSION, Span, chunk_spans
from ingest.store import Index
from ingest.units import location_of


class IngestCancelled(Exception):
    """The ingest was stopped through `cancelled()`; documents registered before it stay."""


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    chunks_written: int = 0
    chars_embedded: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed, {len(self.skipped)} skipped documents; "
            f"{self.chunks_written} chunks embedded in {self.seconds:.1f}s"
        )


@dataclass(frozen=True)
class ChunkSettings:
    max_tokens: int = 256
    overlap_tokens: int = 48

    @property
    def tag(self) -> str:
        return f"split{SPLITTER_VERSION}:{self.max_tokens}:{self.overlap_tokens}"


def document_hash(text: str, settings: ChunkSettings) -> str:
    return hashlib.sha256(f"{settings.tag}:load{LOADER_VERSION}\0{text}".encode()).hexdigest()[:32]


def make_chunks(
    source: str, text: str, doc_hash: str, settings: ChunkSettings, loaded: LoadedDocument | None = None
) -> list[Chunk]:
    """Split a loaded document into stored chunks; `text[chunk.start:chunk.end] == chunk.text`.

    Each chunk carries the document's title and its location (`ingest/units.py`); a document whose
    chunks stay within units (rows, slides, chapters) is split unit by unit."""
    units = loaded.units if loaded else ()
    title = loaded.title if loaded else ""
    return [
        Chunk(
            id=chunk_id(doc_hash, span.start, span.end),
            source=source,
            doc_hash=doc_hash,
            position=i,
            start=span.start,
            end=span.end,
            text=text[span.start : span.end],
            search_text=search_text(text[span.start : span.end]),
            heading=search_text(span.heading),
            tokens=span.tokens,
            title=title,
            location=location_of(units, span.start, span.end),
        )
        for i, span in enumerate(_spans(text, settings, loaded))
    ]


def _spans(text: str, settings: ChunkSettings, loaded: LoadedDocument | None) -> list[Span]:
    if loaded is None or not loaded.chunks_within_units:
        return chunk_spans(text, settings.max_tokens, settings.overlap_tokens)
    spans = []
    for unit in loaded.units:
        for span in chunk_spans(text[unit.start : unit.end], settings.max_tokens, settings.overlap_tokens):
            start, end = span.start + unit.start, span.end + unit.start
            spans.append(replace(span, start=start, end=end, heading=_within(unit.heading, span.heading)))
    return spans


def _within(outer: str, inner: str) -> str:
    """A unit's heading (a slide's title) in front of the heading path found inside it.

    >>> _within("发酵工艺", ""), _within("发酵工艺", "发酵工艺 › 温度"), _within("第3章", "温度")
    ('发酵工艺', '发酵工艺 › 温度', '第3章 › 温度')
    """
    if not outer or inner.startswith(outer):
        return inner or outer
    return f"{outer} › {inner}" if inner else outer


def discover(paths: Iterable[Path]) -> list[tuple[Path, str, str]]:
    """(file, source name, root) for every candidate file; a folder is walked, hidden entries skipped."""
    found = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            root = path.resolve()
            for file in sorted(root.rglob("*")):
                rel = file.relative_to(root)
                if file.is_file() and not any(part.startswith(".") for part in rel.parts):
                    found.append((file, rel.as_posix(), str(root)))
        else:
            found.append((path, path.name, ""))
    return found


def ingest_paths(
    index: Index,
    paths: Iterable[str | Path],
    reset: bool = False,
    settings: ChunkSettings = ChunkSettings(),
    progress: bool = True,
    max_bytes: int | None = None,
    on_progress: Callable[[int, int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    max_chars: int | None = None,
    on_ocr_page: Callable[[str, int, int], None] | None = None,
) -> IngestReport:
    """Ingest files and folders (see the module docstring). `on_ocr_page(source, done, total)` follows
    the OCR of scanned pages and images, page by page (with `progress`, also a bar per file)."""
    started = time.perf_counter()
    report = IngestReport()
    paths = [Path(p) for p in paths]
    for path in paths:
        if not path.exists():
            report.skipped.append((str(path), "no such file or folder"))
    if reset:
        index.reset()
    else:
        index.repair()
    registered = index.documents()

    pending: list[tuple[DocumentRecord, list[Chunk], bool]] = []
    seen: set[str] = set()
    budget = max_chars
    for file, source, root in discover(p for p in paths if p.exists()):
        if cancelled():
            raise IngestCancelled("cancelled before embedding")
        if file.suffix.lower() not in SUPPORTED_SUFFIXES:
            if root:  # quietly ignore stray files in folders, but say so
                report.skipped.append((source, f"unsupported file type '{file.suffix or '(none)'}'"))
                continue
        reader = _PageProgress(source, progress, on_ocr_page)
        try:
            limit = {"max_bytes": max_bytes} if max_bytes else {}
            loaded: LoadedDocument = load_document(file, on_page=reader, cancelled=cancelled, **limit)
        except LoadError as exc:
            report.skipped.append((source, str(exc)))
            continue
        finally:
            reader.close()
        seen.add(source)
        doc_hash = document_hash(loaded.text, settings)
        previous = registered.get(source)
        if previous is not None and previous.doc_hash == doc_hash:
            report.unchanged.append(source)
            continue
        if budget is not None and len(loaded.text) > budget:
            reason = (
                f"{len(loaded.text):,} characters is over what one ingest may embed "
                f"({max_chars:,} in all, WENDA_MAX_UPLOAD_CHARS); split the file"
            )
            report.skipped.append((source, reason))
            continue
        budget = None if budget is None else budget - len(loaded.text)
        chunks = make_chunks(source, loaded.text, doc_hash, settings, loaded)
        record = DocumentRecord(
            source=source,
            doc_hash=doc_hash,
            root=root,
            path=str(file.resolve()),
            kind=loaded.kind,
            chunks=len(chunks),
            chars=len(loaded.text),
            ingested_at=time.time(),
            title=loaded.title,
        )
        pending.append((record, chunks, previous is not None))

    total = sum(len(chunks) for _, chunks, _ in pending)
    bar = _progress_bar(total, progress)
    done = {"files": 0, "chunks": 0}

    def step(n: int) -> None:
        done["chunks"] += n
        if bar:
            bar.update(n)
        if on_progress:
            on_progress(done["files"], done["chunks"], total)
        if cancelled():
            raise IngestCancelled(f"cancelled after {done['chunks']} of {total} chunks")

    if on_progress:
        on_progress(0, 0, total)
    try:
        for record, chunks, is_update in pending:
            index.add_document(record, chunks, progress=step)
            (report.updated if is_update else report.added).append(record.source)
            report.chunks_written += len(chunks)
            report.chars_embedded += sum(len(c.embed_text) for c in chunks)
            done["files"] += 1
    except IngestCancelled as exc:
        exc.report = report  # what was registered before the stop
        index.repair()  # the chunks of the document being written; it was never registered
        index.sync_lexical()
        raise
    finally:
        if bar:
            bar.close()

    ingested_roots = {str(p.resolve()) for p in paths if p.is_dir()}
    for source, record in registered.items():
        if record.root in ingested_roots and source not in seen and not _still_there(record):
            index.remove_document(source)
            report.removed.append(source)
    index.sync_lexical()
    report.seconds = time.perf_counter() - started
    return report


def _still_there(record: DocumentRecord) -> bool:
    """A registered file that failed to load this time stays indexed; only a vanished file leaves."""
    return Path(record.path).exists() and Path(record.path).suffix.lower() in SUPPORTED_SUFFIXES


def _progress_bar(total: int, enabled: bool):
    if not enabled or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="chunk", desc="embedding", leave=False)


class _PageProgress:
    """`on_page(done, total)` for a loader: a tqdm bar per file (when `enabled`) and the caller's callback."""

    def __init__(self, source: str, enabled: bool, callback: Callable[[str, int, int], None] | None) -> None:
        self.source, self.enabled, self.callback, self.bar = source, enabled, callback, None

    def __call__(self, done: int, total: int) -> None:
        if self.enabled and self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="page", desc=f"OCR {self.source}", leave=False)
        if self.bar is not None:
            self.bar.n = done
            self.bar.refresh()
        if self.callback:
            self.callback(self.source, done, total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
