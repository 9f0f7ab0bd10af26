"""`POST /api/feedback` (`create_app` in `app/api.py` adds it): 👍/👎 on an answer the server gave,
with an optional corrected answer, written as a gold-set item (`app/feedback.py`).

    curl -X POST localhost:8000/api/feedback -H 'Content-Type: application/json' \\
         -d '{"answer_id": "<id of an answer object>", "rating": "down", "correction": "…"}'

`"rating": "none"` withdraws an earlier rating (its line is removed). Bad input is a 4xx
`{"error": …}`: malformed JSON or a missing field 422, a rating other than up/down/none 400, an
answer id the server does not remember 404, a correction over the limit 413.
"""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel, Field


class FeedbackRequest(BaseModel):
    answer_id: str = Field(description="the `id` of an answer object this server returned")
    rating: str = Field(description='"up" (👍), "down" (👎) or "none" (withdraw an earlier rating)')
    correction: str | None = Field(
        default=None, description="the right answer, when the given one was wrong (optional)"
    )


def add_feedback_routes(api: FastAPI, state) -> None:
    """`state.feedback` is the `Feedback` the UI rates into as well."""

    @api.post("/api/feedback", tags=["feedback"])
    def feedback(body: FeedbackRequest) -> dict:
        """Rate an answer; returns the gold item written (`record`), whether it replaced an earlier
        rating of the same answer, and the file it is in."""
        return state.feedback.give(body.answer_id, body.rating, body.correction)
