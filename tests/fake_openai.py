"""A local fake OpenAI-compatible server for tests: real HTTP on 127.0.0.1, scripted replies.

It serves `/v1/chat/completions` (JSON, or SSE chunks ending in `data: [DONE]` when the request asks
to stream) and `/v1/embeddings`, records every request body, and plays a queue of behaviours:

    server.script(reply("…"), delay(5), status(500), malformed(), stream(["tok", "tok"]))

When the queue is empty it answers with `server.default` (a reply).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Behaviour:
    kind: str  # reply | delay | status | malformed | stream
    text: str = ""
    seconds: float = 0.0
    code: int = 200
    pieces: list[str] = field(default_factory=list)


def reply(text: str) -> Behaviour:
    return Behaviour("reply", text=text)


def delay(seconds: float, text: str = "late") -> Behaviour:
    return Behaviour("delay", text=text, seconds=seconds)


def status(code: int) -> Behaviour:
    return Behaviour("status", code=code)


def malformed() -> Behaviour:
    return Behaviour("malformed")


def stream(pieces: list[str]) -> Behaviour:
    return Behaviour("stream", pieces=pieces)


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.queue: list[Behaviour] = []
        self.default = reply("文档中没有找到这个问题的答案。")
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def script(self, *behaviours: Behaviour) -> None:
        with self._lock:
            self.queue.extend(behaviours)

    def chat_requests(self) -> list[dict]:
        return [r for r in self.requests if "messages" in r]

    def _next(self) -> Behaviour:
        with self._lock:
            return self.queue.pop(0) if self.queue else self.default

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                fake.requests.append(body)
                if self.path.endswith("/embeddings"):
                    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                    data = [
                        {"object": "embedding", "index": i, "embedding": [float(len(t) % 7), 1.0, 0.5]}
                        for i, t in enumerate(inputs)
                    ]
                    return self._json(
                        200,
                        {
                            "object": "list",
                            "data": data,
                            "model": body.get("model"),
                            "usage": {"prompt_tokens": 0, "total_tokens": 0},
                        },
                    )
                behaviour = fake._next()
                if behaviour.kind == "delay":
                    time.sleep(behaviour.seconds)
                    return self._json(200, _completion(behaviour.text, body))
                if behaviour.kind == "status":
                    return self._json(
                        behaviour.code, {"error": {"message": "scripted failure", "type": "server_error"}}
                    )
                if behaviour.kind == "malformed":
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.end_headers()
                    self.wfile.write(b"{this is not json")
                    return
                if body.get("stream"):
                    pieces = behaviour.pieces or [behaviour.text]
                    self.send_response(200)
                    self.send_header("content-type", "text/event-stream")
                    self.end_headers()
                    for piece in pieces:
                        self.wfile.write(f"data: {json.dumps(_chunk(piece, body))}\n\n".encode())
                        self.wfile.flush()
                    self.wfile.write(f"data: {json.dumps(_chunk(None, body, finish='stop'))}\n\n".encode())
                    self.wfile.write(b"data: [DONE]\n\n")
                    return
                text = "".join(behaviour.pieces) if behaviour.kind == "stream" else behaviour.text
                return self._json(200, _completion(text, body))

            def _json(self, code: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _completion(text: str, request: dict) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "fake"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(piece: str | None, request: dict, finish: str | None = None) -> dict:
    delta = {} if piece is None else {"content": piece}
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": request.get("model", "fake"),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
