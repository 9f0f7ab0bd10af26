"""Typed errors raised in the core, each with a message that says what to do.

Adapters translate them once: the CLI prints the message and exits non-zero, the HTTP API answers
with `status` and a JSON body.
"""

from __future__ import annotations


class WendaError(Exception):
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(WendaError):
    status = 400


class TooLarge(WendaError):
    status = 413


class NotFound(WendaError):
    status = 404


class IndexEmpty(WendaError):
    status = 503

    def __init__(self) -> None:
        super().__init__("the index is empty: run `wenda ingest` (or `wenda ingest seeds/`) first")


class ServiceUnavailable(WendaError):
    """A service wenda depends on (the Chroma server, the LLM) is unreachable."""

    status = 503


class Conflict(WendaError):
    status = 409


class Busy(WendaError):
    """Too much work is queued; `retry_after` (seconds) goes out as the Retry-After header."""

    status = 429

    def __init__(self, message: str, retry_after: int = 30) -> None:
        super().__init__(message)
        self.retry_after = retry_after
