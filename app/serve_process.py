"""`wenda serve` as a child process on a free local port: started, waited for until `/healthz` answers,
stopped. The benchmark's load run (`wenda bench`) serves through it, and so do the tests that need a
real server (tests/servers.py); serving itself is app/server.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

START_TIMEOUT = 120  # seconds until `/healthz` must answer
STOP_TIMEOUT = 10  # seconds after SIGTERM before SIGKILL


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serving(data_dir: Path, port: int | None = None, **env_extra: str) -> tuple[subprocess.Popen, str]:
    """Start `wenda serve` on `data_dir` on `port` (default: a free one; a restart on the same port keeps
    the browser's origin, so its stored chats) and wait until it answers; returns the process and its
    base URL. `env_extra` adds environment variables (`WENDA_API_KEY=…`). Its log is
    `data_dir/../serve.log`."""
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
    deadline = time.time() + START_TIMEOUT
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
    """SIGTERM, then SIGKILL if it has not exited within STOP_TIMEOUT seconds."""
    proc.terminate()
    try:
        proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def spawned(data_dir: Path, **env_extra: str):
    """`wenda serve` on `data_dir` for the duration of a `with` block; yields its base URL."""
    proc, base = start_serving(data_dir, **env_extra)
    try:
        yield base
    finally:
        stop_serving(proc)
