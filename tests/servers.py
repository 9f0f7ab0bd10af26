"""Test helpers for real servers: `running_wenda` (a `wenda serve` subprocess) and `free_port`."""

from __future__ import annotations

from app.server import free_port, spawned as running_wenda, start_serving, stop_serving

__all__ = ["free_port", "running_wenda", "start_serving", "stop_serving"]
