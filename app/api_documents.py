"""The knowledge base, document and job routes of the HTTP API (`create_app` in `app/api.py` adds them).

- `GET /api/kbs`, `POST /api/kbs` (`{"name": …}`, 201), `DELETE /api/kbs/{kb}` (awaited).
- `POST /api/kbs/{kb}/documents` stores the files and queues their ingest: 202 with the job
  (`?wait=true`: waits and answers 200 with the ingest report).
- `GET /api/kbs/{kb}/documents`, `DELETE /api/kbs/{kb}/documents/{source}` (queued behind running
  writes, awaited).
- `/api/documents…`: the same for the `default` knowledge base (the routes of earlier versions).
- `GET /api/jobs/{id}`: status, progress (files and chunks done of total), result or error.
- `DELETE /api/jobs/{id}`: cancels; the document being written is never registered.

The write handlers are `async`: a write waits in the job queue, never in a request thread, so reads
(`/api/ask`, `/healthz`, the UI) keep their threads while uploads pile up; a full queue is 429.
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI, File, Query, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.documents import safe_filename
from app.kbs import DEFAULT_KB
from app.service import Wenda, job_outcome


class NewKB(BaseModel):
    name: str = Field(description="letters (Chinese included), digits, '-', '_' or '.'; at most 64")


async def finished(job, poll: float = 0.1) -> None:
    """Wait for a job without holding a thread (cancelled with the request)."""
    while not job.finished.is_set():
        await asyncio.sleep(poll)


def add_document_routes(api: FastAPI, state: Wenda) -> None:
    settings = state.settings

    @api.get("/api/kbs", tags=["knowledge bases"])
    def list_kbs() -> dict:
        return {"kbs": state.kbs()}

    @api.post("/api/kbs", tags=["knowledge bases"], status_code=201)
    def create_kb(body: NewKB) -> dict:
        return state.create_kb(body.name)

    @api.delete("/api/kbs/{kb}", tags=["knowledge bases"])
    async def delete_kb(kb: str) -> dict:
        job = await run_in_threadpool(state.delete_kb, kb)
        await finished(job)
        return job_outcome(job)

    async def list_documents(kb: str) -> dict:
        return {"kb": kb, "documents": await run_in_threadpool(state.documents, kb)}

    async def upload_documents(kb: str, files: list[UploadFile], wait: bool):
        sizes = [(f.filename or "", f.size if f.size is not None else 0) for f in files]
        upload = await run_in_threadpool(state.stage_upload, kb, sizes)
        by_name: dict = {}
        for f in files:  # the first file of a name is the one checked and stored
            by_name.setdefault(safe_filename(f.filename or ""), f)
        for name in upload.names:
            data = await by_name[name].read(settings.max_upload_bytes + 1)
            await run_in_threadpool((upload.folder / name).write_bytes, data)
        job = state.submit_upload(upload)
        if not wait:
            return JSONResponse(
                {"job": job.to_dict(), "status_url": f"/api/jobs/{job.id}", "skipped": upload.skipped},
                status_code=202,
            )
        await finished(job)
        return JSONResponse(job_outcome(job), status_code=200)

    async def delete_document(kb: str, source: str) -> dict:
        job = await run_in_threadpool(state.delete_document, kb, source)
        await finished(job)
        job_outcome(job)
        return {"deleted": source, "kb": kb}

    wait_query = Query(False, description="wait and answer with the ingest report")

    @api.get("/api/kbs/{kb}/documents", tags=["documents"])
    async def list_kb_documents(kb: str) -> dict:
        return await list_documents(kb)

    @api.post("/api/kbs/{kb}/documents", tags=["documents"], status_code=202)
    async def upload_kb_documents(kb: str, files: list[UploadFile] = File(...), wait: bool = wait_query):
        return await upload_documents(kb, files, wait)

    @api.delete("/api/kbs/{kb}/documents/{source:path}", tags=["documents"])
    async def delete_kb_document(kb: str, source: str) -> dict:
        return await delete_document(kb, source)

    @api.get("/api/documents", tags=["documents"])
    async def list_default_documents() -> dict:
        return await list_documents(DEFAULT_KB)

    @api.post("/api/documents", tags=["documents"], status_code=202)
    async def upload_default_documents(files: list[UploadFile] = File(...), wait: bool = wait_query):
        return await upload_documents(DEFAULT_KB, files, wait)

    @api.delete("/api/documents/{source:path}", tags=["documents"])
    async def delete_default_document(source: str) -> dict:
        return await delete_document(DEFAULT_KB, source)

    @api.get("/api/jobs/{job_id}", tags=["documents"])
    def get_job(job_id: str) -> dict:
        return state.jobs.get(job_id).to_dict()

    @api.delete("/api/jobs/{job_id}", tags=["documents"])
    def cancel_job(job_id: str) -> dict:
        return state.jobs.cancel(job_id).to_dict()
