"""Start a real `wenda serve` subprocess on a free port for tests (and stop it)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_wenda(data_dir: Path, **env_extra: str):
    """Yields the base URL of a `wenda serve` on `data_dir`; its log is `data_dir/../serve.log`."""
    port = free_port()
    env = {**os.environ, "WENDA_DATA_DIR": str(data_dir), "GRADIO_ANALYTICS_ENABLED": "False", **env_extra}
    log_path = Path(data_dir).parent / "serve.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("wenda serve did not start:\n" + log_path.read_text())
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
