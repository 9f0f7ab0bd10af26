"""`wenda serve`: the HTTP API and the web UI in one process (uvicorn), on 127.0.0.1 unless told otherwise.

On an empty index it ingests `seeds/` first, with progress in the log; otherwise startup does no
avoidable work — the embedder loads on the first question.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from app.config import SEEDS_DIR, Settings

log = logging.getLogger("wenda.serve")
SHUTDOWN_GRACE = 3  # seconds


def build_app(settings: Settings, chain=None):
    """FastAPI app with the Gradio UI mounted at `/`."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    from app.api import create_app
    from app.ui import CSS, build_ui

    api = create_app(settings, chain)
    wenda = api.state.wenda
    blocks = build_ui(settings, lambda: wenda.chain, lambda: wenda.jobs, lambda: wenda.feedback)
    return gr.mount_gradio_app(
        api,
        blocks,
        path="/",
        css=CSS,
        footer_links=["api"],
        show_error=True,
        max_file_size=settings.max_upload_bytes,
    )


def ensure_seeded(settings: Settings) -> None:
    """Ingest the bundled seeds when the index holds no document."""
    from app.core import chunk_settings, open_index
    from ingest.pipeline import ingest_paths

    index = open_index(settings)
    if index.documents():
        return
    log.info("the index is empty: ingesting %s …", SEEDS_DIR)
    report = ingest_paths(index, [SEEDS_DIR], settings=chunk_settings(settings), progress=True)
    log.info("ingested the seeds: %s", report.summary())


def recover(settings: Settings) -> None:
    """Remove what a killed process left half-done: staged or unregistered uploads, orphan chunks."""
    from app.core import open_index
    from app.documents import recover_uploads

    removed = recover_uploads(settings, open_index(settings))
    if removed:
        log.info("removed uploads an interrupted ingest left unregistered: %s", ", ".join(removed))


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> int:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ensure_seeded(settings)
    recover(settings)
    app = build_app(settings)
    log.info("wenda is serving the UI on http://%s:%d/ and the API on /api, /v1 (OpenAPI: /docs)", host, port)
    # on SIGTERM: open requests get SHUTDOWN_GRACE seconds, then the app's shutdown cancels any ingest
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
    )
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serving(data_dir: Path, port: int | None = None, **env_extra: str) -> tuple[subprocess.Popen, str]:
    """Start `wenda serve` on `data_dir` in a subprocess (on `port`, or a free one) and wait until it
    answers; returns the process and its base URL. Its log is `data_dir/../serve.log`."""
    import httpx

    port = port or free_port()
    env = {**os.environ, "WENDA_DATA_DIR": str(data_dir), "GRADIO_ANALYTICS_ENABLED": "False", **env_extra}
    log_path = Path(data_dir).parent / "serve.log"
    with open(log_path, "a") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError("wenda serve did not start:\n" + log_path.read_text())
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.3)


def stop_serving(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def spawned(data_dir: Path, **env_extra: str):
    """`wenda serve` on `data_dir` in a subprocess on a free port, for tests and the benchmark; yields its base URL."""
    proc, base = start_serving(data_dir, **env_extra)
    try:
        yield base
    finally:
        stop_serving(proc)
