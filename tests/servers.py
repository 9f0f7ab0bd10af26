"""Real servers for tests: `running_wenda` (a `wenda serve` subprocess, yields its URL), `start_serving` /
`stop_serving` (the process itself, for tests that kill it) and `free_port`; all from app/serve_process.py,
which the benchmark uses too."""

from __future__ import annotations

from app.serve_process import free_port, start_serving, stop_serving
from app.serve_process import spawned as running_wenda

__all__ = ["free_port", "running_wenda", "start_serving", "stop_serving"]
