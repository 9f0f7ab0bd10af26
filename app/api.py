"""The HTTP API (FastAPI): a thin adapter over the facade (`app/service.py`).

Routes (docs/design.md): `POST /api/ask`, `POST /api/chat` (SSE when `"stream": true`), both with
an optional `kb`; `POST /v1/chat/completions` (OpenAI-compatible, `model` names the knowledge base)
and `GET /v1/models` (the knowledge bases), `GET /healthz`, `/openapi.json`; the knowledge base,
document and job routes are in `app/api_documents.py`, `POST /api/feedback` in `app/api_feedback.py`.
Request bodies are bounded (`app/limits.py`).

Errors are JSON `{"error": "…"}` with the status the core error carries (`WendaError.status`),
translated once here. Nothing is built at import; a chain is built on first use.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextlib import asynccontextmanager
from typing import Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api_documents import add_document_routes
from app.api_feedback import add_feedback_routes
from app.auth import KeyGate
from app.config import Settings
from app.errors import BadRequest, NotFound, WendaError
from app.kbs import DEFAULT_KB, OPENAI_DEFAULT_MODEL
from app.limits import BodyLimit
from app.models import Answer
from app.service import Wenda, message_text, problem_text
from ingest.chroma import IndexUnavailable

log = logging.getLogger("wenda.api")


class Turn(BaseModel):
    role: Literal["user", "assistant", "system"]
    content: str  # bounded by the chain (WENDA_MAX_QUESTION_CHARS per turn) and the body limit


class AskRequest(BaseModel):
    question: str = Field(description="the question, in Chinese or English")
    history: list[Turn] = Field(default_factory=list, description="earlier turns, oldest first")
    top_k: int | None = Field(
        default=None, ge=1, le=50, description="passages to put in front of the answerer"
    )
    kb: str = Field(default=DEFAULT_KB, description="the knowledge base to answer from")


class ChatRequest(AskRequest):
    stream: bool = False


class OpenAIMessage(BaseModel):
    role: str
    content: str | list | None = None


class OpenAIChatRequest(BaseModel):
    model: str = Field(default=OPENAI_DEFAULT_MODEL, description="the knowledge base; 'wenda' is 'default'")
    messages: list[OpenAIMessage] = Field(min_length=1)
    stream: bool = False
    temperature: float | None = None
    max_tokens: int | None = None


class ErrorBody(BaseModel):
    error: str


def answer_footer(answer: Answer) -> str:
    """The readable sources list appended to OpenAI-style replies."""
    if not answer.citations:
        return ""
    lines = [
        f"[{c.n}] {c.label}: {_one_line(' … '.join(q['text'] for q in c.quotes) or c.text)}"
        for c in answer.citations
    ]
    return "\n\n来源 Sources:\n" + "\n".join(lines)


def _one_line(text: str, limit: int = 120) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def create_app(settings: Settings, chain=None, service: Wenda | None = None) -> FastAPI:
    """The API over `service` (default: a facade over `settings`; `chain`, in tests, is the default KB's)."""
    state = service or Wenda(settings, chain)

    @asynccontextmanager
    async def lifespan(app):
        yield
        state.shutdown()  # a running ingest stops at its next batch; nothing half-written stays

    api = FastAPI(
        lifespan=lifespan,
        title="wenda 问答",
        version="0.1.0",
        description="Answers questions about your documents, with checked citations.",
        responses={code: {"model": ErrorBody} for code in (400, 401, 404, 409, 413, 422, 429, 503)},
    )
    api.state.wenda = state

    @api.exception_handler(WendaError)
    async def _wenda_error(request: Request, exc: WendaError):
        retry = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry)} if retry else None
        return JSONResponse({"error": exc.message}, status_code=exc.status, headers=headers)

    @api.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        message = str(exc.detail)
        if exc.status_code == 400 and "parsing the body" in message:  # FastAPI's words for undecodable bytes
            message = "invalid request: the body could not be parsed; send JSON encoded as UTF-8"
        return JSONResponse({"error": message}, status_code=exc.status_code, headers=exc.headers)

    @api.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', [])[1:]) or 'body'}: {e.get('msg')}"
            for e in exc.errors()
        )
        return JSONResponse({"error": f"invalid request: {problems}"}, status_code=422)

    @api.exception_handler(IndexUnavailable)
    async def _index_unavailable(request: Request, exc: IndexUnavailable):
        log.warning("%s: %s", request.url.path, exc)
        return JSONResponse({"error": problem_text(exc)}, status_code=503)

    @api.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s", request.url.path)
        return JSONResponse(
            {"error": f"internal error ({type(exc).__name__}); see the server log"}, status_code=500
        )

    api.add_middleware(
        BodyLimit,
        max_body=settings.max_body_bytes,
        max_upload=settings.max_upload_bytes,
        upload_paths=("/api/documents", "/api/kbs/*/documents", "/gradio_api/upload", "/upload"),
    )
    if settings.api_key:  # every route, those mounted later (the UI, Gradio's API) included
        api.add_middleware(KeyGate, api_key=settings.api_key)

    @api.get("/healthz", tags=["meta"])
    def healthz() -> dict:
        """Liveness (always 200 while the process serves) and whether the index answers."""
        try:
            return state.health()  # chunks of registered documents, not half-written ones
        except IndexUnavailable as exc:
            log.warning("healthz: %s", exc)  # the detail (e.g. the Chroma server's address) stays in the log
            return {
                "status": "ok",
                "index": "unavailable",
                "error": "the index is unavailable; see the server log",
            }

    @api.post("/api/ask", tags=["ask"])
    def ask(body: AskRequest) -> dict:
        answer = state.ask(body.question, [t.model_dump() for t in body.history], body.top_k, body.kb)
        return answer.to_dict()

    @api.post("/api/chat", tags=["ask"])
    def chat(body: ChatRequest):
        history = [t.model_dump() for t in body.history]
        if not body.stream:
            return state.ask(body.question, history, body.top_k, body.kb).to_dict()
        # errors in validation/retrieval surface as a status, not a broken stream
        events = state.stream(body.question, history, body.top_k, body.kb)
        return StreamingResponse(_sse(events), media_type="text/event-stream")

    @api.get("/v1/models", tags=["openai"])
    def models() -> dict:
        """The knowledge bases, as OpenAI models: the `model` of a chat completion picks one."""
        return {
            "object": "list",
            "data": [
                {"id": name, "object": "model", "created": 0, "owned_by": "wenda"}
                for name in state.kb_names()
            ],
        }

    @api.post("/v1/chat/completions", tags=["openai"])
    def chat_completions(body: OpenAIChatRequest):
        turns = [
            {"role": m.role, "content": message_text(m.content)}
            for m in body.messages
            if m.role in ("user", "assistant")
        ]
        if not turns or turns[-1]["role"] != "user" or not turns[-1]["content"].strip():
            raise BadRequest("the last message must be a non-empty user message")
        question, history = turns[-1]["content"], turns[:-1]
        created, cid = int(time.time()), f"chatcmpl-{uuid.uuid4().hex[:24]}"
        kb = kb_of_model(state, body.model)
        if not body.stream:
            answer = state.ask(question, history, kb=kb)
            return {
                "id": cid,
                "object": "chat.completion",
                "created": created,
                "model": body.model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": answer.answer + answer_footer(answer)},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                "citations": [c.to_dict() for c in answer.citations],
                "wenda": answer.to_dict(),
            }
        events = state.stream(question, history, kb=kb)
        return StreamingResponse(
            _openai_sse(events, cid, created, body.model), media_type="text/event-stream"
        )

    add_document_routes(api, state)
    add_feedback_routes(api, state)
    return api


def kb_of_model(state: Wenda, model: str) -> str:
    """The knowledge base an OpenAI `model` names; 404 in OpenAI's words for one that is not there."""
    if model in ("", OPENAI_DEFAULT_MODEL):
        return DEFAULT_KB
    try:
        state.store(model)
    except (BadRequest, NotFound) as exc:
        raise NotFound(
            f"the model {model!r} does not exist: models are knowledge bases; GET /v1/models lists them"
        ) from exc
    return model


def _sse(events):
    """Server-Sent Events: deltas as they come, then the final answer object."""
    for event in events:
        if event["type"] == "final":
            event = {"type": "final", "answer": event["answer"].to_dict()}
        yield f"data: {json.dumps(event, ensure_ascii=False)}\n\n"


def _openai_sse(events, cid: str, created: int, model: str):
    def chunk(delta: dict, finish: str | None = None, **extra) -> str:
        body = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    for event in events:
        if event["type"] == "delta":
            yield chunk({"content": event["text"]})
        else:
            answer: Answer = event["answer"]
            yield chunk(
                {"content": answer_footer(answer)},
                "stop",
                citations=[c.to_dict() for c in answer.citations],
                wenda=answer.to_dict(),
            )
    yield "data: [DONE]\n\n"
