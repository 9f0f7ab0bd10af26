"""The API-key gate: with `WENDA_API_KEY` set, every route but `/healthz` and the login page needs it.

One ASGI middleware wraps the whole app — the REST API, `/docs` and `/openapi.json`, the Gradio UI
and Gradio's own routes (`/config`, `/gradio_api/*`, uploads, queues, websockets) — so a route added
later is guarded without anyone remembering to. A request passes with either

- the header `Authorization: Bearer <key>` (programs: curl, the openai client, gradio_client), or
- the session cookie `/login` sets after a person types the key (the browser UI). Its value is an
  HMAC of the key, so it survives restarts and stops working when the key changes; it is HttpOnly
  and SameSite=Strict, so another site's page cannot use it.

Anything else gets 401 `{"error": …}`, except a browser's plain page load, which is sent to `/login`.
Keys are compared in constant time and never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, quote

COOKIE = "wenda_session"
OPEN_PATHS = {"/healthz", "/login", "/logout"}
MAX_FORM_BYTES = 8192
UNAUTHORIZED = "missing or wrong API key: send the header 'Authorization: Bearer <WENDA_API_KEY>'"

LOGIN_PAGE = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wenda 问答 — 登录 Sign in</title>
<style>
body {{font-family: system-ui, sans-serif; background: #f9fafb; display: flex; justify-content: center;
       align-items: center; min-height: 100vh; margin: 0;}}
form {{background: #fff; border: 1px solid #e5e7eb; border-radius: 10px; padding: 28px 32px; width: 340px;}}
h1 {{font-size: 1.3em; margin: 0 0 14px;}}
input {{width: 100%; box-sizing: border-box; padding: 8px; margin: 6px 0 14px; font-size: 1em;}}
button {{background: #f97316; color: #fff; border: 0; border-radius: 6px; padding: 8px 18px; font-size: 1em;}}
.error {{color: #b91c1c; margin-bottom: 10px;}}
</style></head>
<body><form method="post" action="/login">
<h1>问答 wenda</h1>
{error}
<label for="wenda-key">访问密钥 API key (WENDA_API_KEY)</label>
<input id="wenda-key" name="key" type="password" autocomplete="current-password" autofocus required>
<input type="hidden" name="next" value="{next}">
<button id="wenda-login" type="submit">登录 Sign in</button>
</form></body></html>
"""


def session_token(key: str) -> str:
    """The cookie value for `key`: stable for one key, useless for guessing it."""
    return hmac.new(key.encode(), b"wenda-ui-session-v1", hashlib.sha256).hexdigest()


def safe_next(target: str) -> str:
    """Where to go after signing in: a path on this server only (no `//host`, no scheme).

    >>> safe_next("/gradio_api/info"), safe_next("//evil.example/"), safe_next("https://evil.example")
    ('/gradio_api/info', '/', '/')
    """
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


class KeyGate:
    """ASGI middleware: lets a request through when it carries the key (header or session cookie)."""

    def __init__(self, app, api_key: str) -> None:
        self.app = app
        self.key = api_key.encode()
        self.token = session_token(api_key).encode()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if scope["type"] == "http" and path == "/login":
            await self._login(scope, receive, send)
        elif scope["type"] == "http" and path == "/logout":
            await _respond(send, 303, b"", [(b"location", b"/login"), _cookie_header("", max_age=0)])
        elif path in OPEN_PATHS or self._allowed(scope):
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        elif scope["method"] == "GET" and b"text/html" in _header(scope, b"accept"):
            target = path + (
                "?" + scope["query_string"].decode("latin-1") if scope.get("query_string") else ""
            )
            await _respond(send, 303, b"", [(b"location", f"/login?next={quote(target, safe='')}".encode())])
        else:
            body = json.dumps({"error": UNAUTHORIZED}).encode()
            await _respond(
                send, 401, body, [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]
            )

    def _allowed(self, scope) -> bool:
        header = _header(scope, b"authorization")
        if header[:7].lower() == b"bearer ":
            return hmac.compare_digest(header[7:].strip(), self.key)
        cookie = SimpleCookie()
        try:
            cookie.load(_header(scope, b"cookie").decode("latin-1"))
        except Exception:  # a malformed cookie header is no session
            return False
        value = cookie.get(COOKIE)
        return value is not None and hmac.compare_digest(value.value.encode(), self.token)

    async def _login(self, scope, receive, send) -> None:
        if scope["method"] != "POST":
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            await _page(send, 200, "", safe_next(query.get("next", ["/"])[0]))
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > MAX_FORM_BYTES:
                await _page(send, 413, "表单太大 The form is too large.", "/")
                return
            if not message.get("more_body"):
                break
        form = parse_qs(body.decode("utf-8", "replace"))
        given, target = form.get("key", [""])[0].strip(), safe_next(form.get("next", ["/"])[0])
        if not hmac.compare_digest(given.encode(), self.key):
            await _page(send, 401, "密钥不对 Wrong key.", target)
            return
        secure = scope.get("scheme") == "https"
        cookie = _cookie_header(self.token.decode(), max_age=30 * 24 * 3600, secure=secure)
        await _respond(send, 303, b"", [(b"location", target.encode()), cookie])


def _header(scope, name: bytes) -> bytes:
    return next((value for key, value in scope.get("headers", []) if key == name), b"")


def _cookie_header(value: str, max_age: int, secure: bool = False) -> tuple[bytes, bytes]:
    attrs = f"{COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict" + (
        "; Secure" if secure else ""
    )
    return b"set-cookie", attrs.encode()


async def _page(send, status: int, error: str, target: str) -> None:
    shown = f'<div class="error">{html.escape(error)}</div>' if error else ""
    page = LOGIN_PAGE.format(error=shown, next=html.escape(target, quote=True)).encode()
    await _respond(send, status, page, [(b"content-type", b"text/html; charset=utf-8")])


async def _respond(send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
