"""Test helpers for real servers: `running_wenda` (a `wenda serve` subprocess) and `free_port`."""

from __future__ import annotations

from app.server import free_port, start_serving, stop_serving
from app.server import spawned as running_wenda

__all__ = ["free_port", "running_wenda", "start_serving", "stop_serving"]
