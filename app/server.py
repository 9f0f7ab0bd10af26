"""`wenda serve`: the HTTP API and the web UI in one process (uvicorn), on 127.0.0.1 unless told otherwise.

On an empty index it ingests `seeds/` first, with progress in the log; otherwise startup does no
avoidable work — the embedder loads on the first question.
"""

from __future__ import annotations

import logging
import os

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
    blocks = build_ui(api.state.wenda)
    return gr.mount_gradio_app(
        api,
        blocks,
        path="/",
        css=CSS,
        footer_links=["api"],
        show_error=True,
        max_file_size=settings.max_upload_bytes,
    )


def ensure_seeded(service) -> None:
    """Ingest the bundled seeds into the default knowledge base when it holds no document."""
    if service.documents():
        return
    log.info("the index is empty: ingesting %s …", SEEDS_DIR)
    report = service.ingest([SEEDS_DIR], progress=True)
    log.info("ingested the seeds: %s", report.summary())


def recover(service) -> None:
    """Remove what a killed process left half-done in every knowledge base: staged or unregistered
    uploads, orphan chunks."""
    for kb, removed in service.recover().items():
        if removed:
            log.info(
                "removed uploads an interrupted ingest left unregistered in %s: %s", kb, ", ".join(removed)
            )


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> int:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = build_app(settings)
    ensure_seeded(app.state.wenda)
    recover(app.state.wenda)
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
