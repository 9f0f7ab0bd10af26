"""What every answerer shares: the request it answers, the interface it implements, and the refusal.

The chain (`app/chain.py`) condenses and retrieves, then hands an `AnswerRequest` to an answerer —
`ExtractiveAnswerer` (`app/extractive.py`, offline) or `LLMAnswerer` (`app/llm_answerer.py`) — which
writes the answer and checks its citations (`app/citations.py`) before returning it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from app.models import Answer, Passage
from app.prompts import render
from app.questions import is_english


@dataclass
class AnswerRequest:
    question: str  # what the user typed, cleaned
    query: str  # what retrieval searched for: the question, or a follow-up with its earlier subject
    passages: list[Passage]  # retrieved, best first; an answerer may append text it reads on into
    query_vector: np.ndarray | None = None  # the e5 embedding of `query`, when retrieval made it

    @property
    def context(self) -> str:
        """The earlier subject a follow-up carries ("" for a question that stands alone)."""
        return self.query[: -len(self.question)] if self.query.endswith(self.question) else ""


class Answerer(Protocol):
    """What the chain asks of an answerer; `ExtractiveAnswerer` and `LLMAnswerer` implement it."""

    mode: str  # "extractive" or "llm": the answer object's `mode`

    def answer(self, request: AnswerRequest) -> Answer: ...


def refusal(
    question: str,
    passages: list[Passage],
    mode: str,
    confidence: float | None = None,
    signals: dict | None = None,
) -> Answer:
    """The answer saying the documents do not hold one, in the question's language."""
    message = render("refusal_en") if is_english(question) else render("refusal")
    return Answer(
        message,
        True,
        mode,
        [],
        passages,
        {},
        question,
        confidence=None if confidence is None else round(confidence, 4),
        signals=signals or {},
    )
