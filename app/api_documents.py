"""The document and job routes of the HTTP API (`create_app` in `app/api.py` adds them).

- `POST /api/documents` stores the files and queues their ingest: 202 with the job
  (`?wait=true`: waits and answers 200 with the ingest report, the shape of earlier versions).
- `GET /api/jobs/{id}`: status, progress (files and chunks done of total), result or error.
- `DELETE /api/jobs/{id}`: cancels; the document being written is never registered.
- `GET /api/documents`, `DELETE /api/documents/{source}` (queued behind running writes, awaited).

The handlers are `async`: a write waits in the job queue, never in a request thread, so reads
(`/api/ask`, `/healthz`, the UI) keep their threads while uploads pile up; a full queue is 429.
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI, File, Query, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app import documents
from app.errors import Conflict, WendaError


async def finished(job, poll: float = 0.1) -> None:
    """Wait for a job without holding a thread (cancelled with the request)."""
    while not job.finished.is_set():
        await asyncio.sleep(poll)


def outcome(job) -> dict:
    """A finished job's result, or its error raised again for the handlers to translate."""
    if job.status == "failed" and job.exception is not None:
        raise job.exception
    if job.status == "cancelled":
        raise Conflict(f"the job was cancelled: {job.error}")
    if job.status != "done":
        raise WendaError(job.error or job.status)
    return job.result


def add_document_routes(api: FastAPI, state) -> None:
    settings = state.settings

    @api.get("/api/documents", tags=["documents"])
    def list_documents() -> dict:
        return {"documents": documents.list_documents(state.chain.index)}

    @api.post("/api/documents", tags=["documents"], status_code=202)
    async def upload_documents(
        files: list[UploadFile] = File(...),
        wait: bool = Query(False, description="wait and answer with the ingest report"),
    ):
        jobs = state.jobs
        jobs.check_room()  # before reading anything
        chain = await run_in_threadpool(lambda: state.chain)
        sizes = [(f.filename or "", f.size if f.size is not None else 0) for f in files]
        names, skipped = await run_in_threadpool(documents.check_upload, settings, chain.index, sizes)
        staged = documents.stage(settings)
        by_name: dict = {}
        for f in files:  # the first file of a name is the one checked and stored
            by_name.setdefault(documents.safe_filename(f.filename or ""), f)
        for name in names:
            data = await by_name[name].read(settings.max_upload_bytes + 1)
            await run_in_threadpool((staged / name).write_bytes, data)
        job = jobs.submit(
            "upload",
            documents.upload_work(settings, chain.index, staged, names, skipped),
            files_total=len(names),
            on_refused=lambda: _remove(staged),
        )
        if not wait:
            return JSONResponse(
                {"job": job.to_dict(), "status_url": f"/api/jobs/{job.id}", "skipped": skipped},
                status_code=202,
            )
        await finished(job)
        return JSONResponse(outcome(job), status_code=200)

    @api.get("/api/jobs/{job_id}", tags=["documents"])
    def get_job(job_id: str) -> dict:
        return state.jobs.get(job_id).to_dict()

    @api.delete("/api/jobs/{job_id}", tags=["documents"])
    def cancel_job(job_id: str) -> dict:
        return state.jobs.cancel(job_id).to_dict()

    @api.delete("/api/documents/{source:path}", tags=["documents"])
    async def delete_document(source: str) -> dict:
        chain = await run_in_threadpool(lambda: state.chain)
        await run_in_threadpool(documents.check_delete, settings, chain.index, source)
        job = state.jobs.submit("delete", lambda job: documents.delete(settings, chain.index, source) or {})
        await finished(job)
        outcome(job)
        return {"deleted": source}


def _remove(path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
