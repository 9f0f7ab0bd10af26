"""Background write jobs: uploads (and deletes) run one at a time in a worker thread, off the
request threads, so reading routes never wait on a write.

`JobQueue.submit(kind, work)` returns a `Job` at once, or raises `Busy` (429) when
`max_queued` jobs already wait. The work function gets its job: it reports progress on it and checks
`job.cancel` (an Event) between batches. `cancel(id)` sets that flag; `shutdown()` cancels everything
and waits a few seconds for the running job to stop. Finished jobs are kept (the last
`KEEP_FINISHED`) so `GET /api/jobs/{id}` can report them. The worker starts on the first submit.

It leaves out what a job does (`app/documents.py`) and the HTTP routes (`app/api.py`).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from app.errors import Busy, NotFound, WendaError
from ingest.chroma import IndexUnavailable
from ingest.pipeline import IngestCancelled

log = logging.getLogger("wenda.jobs")
KEEP_FINISHED = 200
FINISHED = ("done", "failed", "cancelled")


@dataclass
class Job:
    kind: str
    files_total: int = 0
    kb: str = "default"  # the knowledge base it writes to
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    status: str = "queued"  # queued | running | done | failed | cancelled
    files_done: int = 0
    chunks_done: int = 0
    chunks_total: int = 0
    result: dict | None = None
    error: str | None = None
    exception: BaseException | None = None
    created: float = field(default_factory=time.time)
    cancel: threading.Event = field(default_factory=threading.Event)
    cleanup: Callable[[], None] | None = None  # what to undo when it never runs (its staged files)
    finished: threading.Event = field(default_factory=threading.Event)
    ocr: dict | None = None  # {"file", "pages_done", "pages_total"} while a file is read by OCR

    def progress(self, files_done: int, chunks_done: int, chunks_total: int) -> None:
        self.files_done, self.chunks_done, self.chunks_total = files_done, chunks_done, chunks_total

    def ocr_progress(self, source: str, pages_done: int, pages_total: int) -> None:
        self.ocr = {"file": source, "pages_done": pages_done, "pages_total": pages_total}

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "kb": self.kb,
            "status": self.status,
            "progress": {
                "files_done": self.files_done,
                "files_total": self.files_total,
                "chunks_done": self.chunks_done,
                "chunks_total": self.chunks_total,
                "ocr": self.ocr,
            },
            "result": self.result,
            "error": self.error,
        }


class JobQueue:
    def __init__(self, max_queued: int = 8, seconds_per_job: int = 30) -> None:
        self.max_queued = max_queued
        self.seconds_per_job = seconds_per_job  # the Retry-After hint when full
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._pending: deque[tuple[Job, Callable[[Job], dict]]] = deque()
        self._cv = threading.Condition()
        self._worker: threading.Thread | None = None
        self._closed = False

    def submit(
        self,
        kind: str,
        work: Callable[[Job], dict],
        files_total: int = 0,
        on_refused: Callable[[], None] | None = None,
        kb: str = "default",
    ) -> Job:
        with self._cv:
            if self._closed:
                raise Busy("wenda is shutting down; try again when it is back", retry_after=10)
            try:
                self.check_room()
            except Busy:
                if on_refused:
                    on_refused()
                raise
            job = Job(kind, files_total, kb, cleanup=on_refused)
            self._jobs[job.id] = job
            self._pending.append((job, work))
            self._forget_old()
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="wenda-jobs", daemon=True)
                self._worker.start()
            self._cv.notify_all()
            return job

    def check_room(self) -> None:
        """Raises Busy (429, with a Retry-After hint) when `max_queued` jobs already wait."""
        waiting = len(self._pending)
        if waiting >= self.max_queued:
            raise Busy(
                f"{waiting} uploads are already waiting (WENDA_MAX_QUEUED_UPLOADS); try again later",
                retry_after=self.seconds_per_job * max(1, waiting),
            )

    def get(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(f"no job {job_id!r} (finished jobs are kept for a while, then forgotten)")
        return job

    def cancel(self, job_id: str) -> Job:
        job = self.get(job_id)
        if job.status not in FINISHED:
            job.cancel.set()
        return job

    def cancel_kb(self, kb: str) -> None:
        """Cancel every unfinished job of one knowledge base (before it is deleted)."""
        for job in list(self._jobs.values()):
            if job.kb == kb and job.status not in FINISHED:
                job.cancel.set()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Cancel every job and wait up to `timeout` seconds for the running one to stop."""
        with self._cv:
            self._closed = True
            for job in self._jobs.values():
                if job.status not in FINISHED:
                    job.cancel.set()
            self._cv.notify_all()
        if self._worker is not None:
            self._worker.join(timeout)

    def _forget_old(self) -> None:
        finished = [j.id for j in self._jobs.values() if j.status in FINISHED]
        for job_id in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[job_id]

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._pending and not self._closed:
                    self._cv.wait()
                if not self._pending:
                    return
                job, work = self._pending.popleft()
            self._run_one(job, work)

    def _run_one(self, job: Job, work: Callable[[Job], dict]) -> None:
        try:
            if job.cancel.is_set():  # cancelled while it waited: never started
                if job.cleanup:
                    job.cleanup()
                raise IngestCancelled("cancelled before it started")
            job.status = "running"
            job.result = work(job)
            job.status = "done"
        except IngestCancelled:
            job.status, job.error = "cancelled", "cancelled; nothing of the unfinished document was kept"
        except (WendaError, IndexUnavailable) as exc:
            job.status, job.error, job.exception = "failed", getattr(exc, "message", None) or str(exc), exc
        except Exception as exc:  # reported; never kills the worker
            log.exception("job %s failed", job.id)
            job.status, job.error = "failed", f"internal error ({type(exc).__name__}); see the server log"
            job.exception = exc
        finally:
            job.finished.set()
