"""Size limits on what a request may make wenda do: the history of a question, and the HTTP body.

- `checked_history(history, settings)`: keeps the last `WENDA_MAX_HISTORY_TURNS` turns, and raises
  `TooLarge` (413) when one of them is longer than a question may be (`WENDA_MAX_QUESTION_CHARS`) or
  all of them together are longer than `WENDA_MAX_HISTORY_CHARS`.
- `BodyLimit`: an ASGI middleware that answers 413 `{"error": …}` to a request body over
  `WENDA_MAX_BODY_BYTES` (uploads: `WENDA_MAX_UPLOAD_BYTES`), by its Content-Length or, without one,
  as soon as the streamed bytes pass the limit — before any route reads it.

It leaves out the question itself (the chain checks it) and per-file upload checks (`app/documents.py`).
"""

from __future__ import annotations

import json
from fnmatch import fnmatch

from app.errors import BadRequest, TooLarge

UPLOAD_SLACK = 64 * 1024  # multipart headers and boundaries around the files


def checked_history(history, settings) -> list[dict]:
    """The turns the chain uses, oldest first; raises BadRequest / TooLarge with the setting to change.

    >>> from app.config import Settings
    >>> s = Settings(max_history_turns=2)
    >>> [t["content"] for t in checked_history([{"role": "user", "content": c} for c in "abc"], s)]
    ['b', 'c']
    """
    history = history or []
    if not isinstance(history, list) or not all(
        isinstance(t, dict) and isinstance(t.get("content", ""), str) for t in history
    ):
        raise BadRequest('history must be a list of {"role": "user"|"assistant", "content": "..."} objects')
    turns = history[-settings.max_history_turns :] if settings.max_history_turns > 0 else []
    for turn in turns:
        if len(turn.get("content", "")) > settings.max_question_chars:
            raise TooLarge(
                f"a history turn is {len(turn['content']):,} characters; the limit per turn is "
                f"{settings.max_question_chars:,} (WENDA_MAX_QUESTION_CHARS)"
            )
    total = sum(len(t.get("content", "")) for t in turns)
    if total > settings.max_history_chars:
        raise TooLarge(
            f"the history is {total:,} characters; the limit is {settings.max_history_chars:,} "
            "(WENDA_MAX_HISTORY_CHARS): send fewer or shorter turns"
        )
    return turns


class BodyLimit:
    """ASGI middleware: 413 JSON for a body over the limit; `upload_paths` get the upload limit."""

    def __init__(self, app, max_body: int, max_upload: int, upload_paths: tuple[str, ...]) -> None:
        self.app = app
        self.max_body, self.max_upload, self.upload_paths = max_body, max_upload, upload_paths

    def limit_for(self, path: str) -> int:
        if any(path == p or path.startswith(p + "/") or fnmatch(path, p) for p in self.upload_paths):
            return self.max_upload + UPLOAD_SLACK
        return self.max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope.get("path", ""))
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return await _too_large(send, int(length), limit)
        state = {"seen": 0, "started": False, "refused": False}

        async def guarded_send(message):
            if state["refused"]:
                return  # the 413 went out already; the route's own reply is dropped
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        async def limited_receive():
            if state["refused"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["seen"] += len(message.get("body", b""))
                if state["seen"] > limit and not state["started"]:
                    state["refused"] = True
                    await _too_large(send, state["seen"], limit)
                    return {"type": "http.disconnect"}
            return message

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not state["refused"]:
                raise


async def _too_large(send, size: int, limit: int) -> None:
    body = json.dumps(
        {
            "error": f"the request body is over {size:,} bytes; the limit is {limit:,} "
            "(WENDA_MAX_BODY_BYTES; uploads: WENDA_MAX_UPLOAD_BYTES)"
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
