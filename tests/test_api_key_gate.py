"""With WENDA_API_KEY set, a real `wenda serve` opens nothing but /healthz to a client without the key:
not the REST API, not /docs or /openapi.json, not the UI page, not Gradio's own API (tried as an
attacker would: raw /config, /gradio_api/*, uploads, and the official gradio_client). With the key —
as a Bearer header or the session cookie /login sets — everything works."""

from __future__ import annotations

import shutil

import httpx
import pytest

from tests.servers import running_wenda

pytestmark = pytest.mark.server

KEY = "s3cret-key-0123456789"


@pytest.fixture(scope="module")
def server(seeded_dir, tmp_path_factory):
    data = tmp_path_factory.mktemp("gate") / "data"
    shutil.copytree(seeded_dir, data)
    with running_wenda(data, WENDA_API_KEY=KEY) as base:
        yield base


GUARDED = [
    ("GET", "/"),
    ("GET", "/config"),
    ("GET", "/gradio_api/info"),
    ("GET", "/gradio_api/config"),
    ("GET", "/docs"),
    ("GET", "/redoc"),
    ("GET", "/openapi.json"),
    ("GET", "/api/documents"),
    ("POST", "/api/ask"),
    ("POST", "/api/chat"),
    ("POST", "/v1/chat/completions"),
    ("POST", "/api/feedback"),
    ("DELETE", "/api/documents/000_841085c0cc8188e6.txt"),
    ("GET", "/api/kbs"),
    ("POST", "/api/kbs"),
    ("DELETE", "/api/kbs/default"),
    ("GET", "/api/kbs/default/documents"),
    ("POST", "/api/kbs/default/documents"),
    ("DELETE", "/api/kbs/default/documents/000_841085c0cc8188e6.txt"),
    ("GET", "/v1/models"),
    ("POST", "/gradio_api/call/create"),
    ("POST", "/gradio_api/call/respond"),
    ("POST", "/gradio_api/call/do_delete"),
    ("POST", "/gradio_api/queue/join"),
    ("GET", "/gradio_api/queue/data?session_hash=x"),
    ("POST", "/gradio_api/upload"),
    ("GET", "/gradio_api/file=/etc/passwd"),
    ("GET", "/theme.css"),
]


@pytest.mark.parametrize("method, path", GUARDED)
def test_every_route_needs_the_key(server, method, path):
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": KEY},
        {"Cookie": "wenda_session=forged"},
    ):
        r = httpx.request(
            method, server + path, headers=headers, json={"data": ["2008年生物产业总产值", []]}, timeout=30
        )
        assert r.status_code == 401, (path, headers, r.status_code, r.text[:200])
        assert "API key" in r.json()["error"]
        assert "11340" not in r.text and "000_841085c0cc8188e6" not in r.text


def test_a_browser_without_the_key_is_sent_to_the_login_page(server):
    r = httpx.get(server + "/", headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    page = httpx.get(server + r.headers["location"], timeout=30)
    assert page.status_code == 200 and 'name="key"' in page.text and "gradio" not in page.text.lower()


def test_healthz_stays_open(server):
    assert httpx.get(server + "/healthz", timeout=30).json()["status"] == "ok"


def test_gradio_client_without_the_key_gets_nothing(server):
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    with pytest.raises(AuthenticationError):
        Client(server + "/", verbose=False, download_files=False)


def test_the_bearer_key_opens_api_docs_and_gradio(server):
    from gradio_client import Client

    auth = {"Authorization": f"Bearer {KEY}"}
    assert httpx.get(server + "/openapi.json", headers=auth, timeout=30).status_code == 200
    r = httpx.post(
        server + "/api/ask", headers=auth, json={"question": "2008年全国生物产业总产值是多少?"}, timeout=60
    )
    assert "11340亿元" in r.json()["answer"]
    client = Client(server + "/", headers=auth, verbose=False, download_files=False)
    messages, *_ = client.predict("2008年全国生物产业总产值是多少?", None, api_name="/respond")
    assert "11340亿元" in str(messages[-1]["content"])


def test_login_sets_a_session_that_opens_the_ui(server):
    wrong = httpx.post(server + "/login", data={"key": "nope", "next": "/"}, timeout=30)
    assert wrong.status_code == 401 and "wenda_session" not in wrong.headers.get("set-cookie", "")
    with httpx.Client(base_url=server, timeout=30) as browser:
        r = browser.post("/login", data={"key": KEY, "next": "//evil.example/"})
        assert r.status_code == 303 and r.headers["location"] == "/"
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and KEY not in cookie
        assert browser.get("/", headers={"Accept": "text/html"}).status_code == 200
        assert browser.get("/gradio_api/info").status_code == 200
        browser.get("/logout")
        assert browser.get("/gradio_api/info").status_code == 401
