"""The LLM answerer: an OpenAI-compatible model writes the answer from the fenced passages
(`app/llm.py`), and the citation check keeps only sentences their cited passage supports.

A reply that says the documents lack the answer and cites nothing is a refusal. Failures of the model
raise `LLMFailure`; the chain then answers extractively.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.answering import Answerer, AnswerRequest, refusal
from app.citations import CitationChecker, citations_for
from app.llm import OpenAIChat, answer_messages
from app.models import Answer

_SAYS_NOT_FOUND = re.compile(
    r"文档中没有|没有找到|未提及|没有提到|do(es)? not contain|not (mentioned|found|stated)", re.IGNORECASE
)


class LLMAnswerer(Answerer):
    mode = "llm"

    def __init__(self, llm: OpenAIChat, checker: CitationChecker) -> None:
        self.llm, self.checker = llm, checker

    def stream(self, request: AnswerRequest) -> Iterator[str]:
        """The model's reply as it is written (unchecked: pass the whole of it to `answer`)."""
        yield from self.llm.stream(answer_messages(request.query, request.passages))

    def answer(self, request: AnswerRequest, text: str | None = None) -> Answer:
        """The checked answer; `text`: the model's reply when it was streamed already (an empty stream is
        asked again without streaming, whose empty reply raises `LLMFailure`)."""
        if not text or not text.strip():
            text = self.llm.generate(answer_messages(request.query, request.passages))
        question, passages = request.question, request.passages
        if _SAYS_NOT_FOUND.search(text) and not re.search(r"\[\d+\]", text):
            return refusal(question, passages, self.mode)
        checked = self.checker.check(text, passages)
        if not checked.text:
            answer = refusal(question, passages, self.mode)
            answer.dropped = checked.dropped
            return answer
        citations = citations_for(passages, checked.cited, [])
        return Answer(checked.text, False, self.mode, citations, passages, {}, request.query, checked.dropped)
