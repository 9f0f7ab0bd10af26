"""The LLM side: any OpenAI-compatible chat model through langchain-openai, prompted from `prompts/`.

Passages go to the model numbered and fenced as data (`<passage n=…>…</passage>`, with any fence-like
text inside a document neutralised), so a document cannot pose as instructions. Failures (timeout,
HTTP errors, an empty reply) surface as `LLMFailure`; the chain then falls back to the extractive answer.
"""

from __future__ import annotations

import html
from collections.abc import Iterator

from app.config import Settings
from app.models import Passage
from app.prompts import render


class LLMFailure(Exception):
    """The LLM did not give a usable answer; the message says what happened."""


def fence_passages(passages: list[Passage]) -> str:
    blocks = []
    for n, p in enumerate(passages, start=1):
        body = p.text.replace("<passage", "&lt;passage").replace("</passage", "&lt;/passage")
        blocks.append(f'<passage n="{n}" source="{html.escape(p.source, quote=True)}">\n{body}\n</passage>')
    return "\n\n".join(blocks)


def answer_messages(question: str, passages: list[Passage]) -> list[tuple[str, str]]:
    return [
        ("system", render("system", refusal=render("refusal"))),
        ("human", render("answer", passages=fence_passages(passages), question=question)),
    ]


class OpenAIChat:
    """`generate(messages)` and `stream(messages)` over a langchain-openai ChatOpenAI; built lazily."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._model = None

    @property
    def model(self):
        if self._model is None:
            from langchain_openai import ChatOpenAI

            self._model = ChatOpenAI(
                model=self.settings.llm_model,
                api_key=self.settings.openai_api_key or "not-needed",
                base_url=self.settings.openai_base_url,
                timeout=self.settings.llm_timeout,
                max_retries=1,
                temperature=0,
            )
        return self._model

    def generate(self, messages: list[tuple[str, str]]) -> str:
        try:
            reply = self.model.invoke(messages)
        except Exception as exc:  # openai raises a family of errors; all mean "no answer"
            raise LLMFailure(_describe(exc)) from exc
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        if not text.strip():
            raise LLMFailure("the LLM returned an empty reply")
        return text

    def stream(self, messages: list[tuple[str, str]]) -> Iterator[str]:
        try:
            for piece in self.model.stream(messages):
                if isinstance(piece.content, str) and piece.content:
                    yield piece.content
        except Exception as exc:
            raise LLMFailure(_describe(exc)) from exc

    def condense(self, question: str, history: list[dict]) -> str:
        transcript = "\n".join(f"{t.get('role', 'user')}: {t.get('content', '')}" for t in history[-6:])
        text = self.generate([("human", render("condense", history=transcript, question=question))])
        return text.strip().splitlines()[0].strip() or question


def _describe(exc: Exception) -> str:
    name = type(exc).__name__
    if "Timeout" in name:
        return f"the LLM did not answer in time ({name})"
    status = getattr(exc, "status_code", None)
    if status:
        return f"the LLM server answered HTTP {status} ({name})"
    return f"the LLM call failed ({name}: {exc})"
