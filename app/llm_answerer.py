"""The LLM answerer: an OpenAI-compatible model writes the answer from the fenced passages
(`app/llm.py`), and the citation check keeps only sentences their cited passage supports.

A reply that says the documents lack the answer and cites nothing is a refusal. Failures of the model
raise `LLMFailure`; the chain then answers extractively. The reply's own code is not read for markers:
a bracketed number inside a code block or an inline code span, and a "[0]" subscript anywhere (no
passage is numbered 0), stay as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.answering import Answerer, AnswerRequest, refusal
from app.citations import CitationChecker, citations_for, shield_brackets, unshield_brackets, unshield_dropped
from app.llm import OpenAIChat, answer_messages
from app.models import Answer
from ingest.clean import fenced_blocks

_SAYS_NOT_FOUND = re.compile(
    r"文档中没有|没有找到|未提及|没有提到|do(es)? not contain|not (mentioned|found|stated)", re.IGNORECASE
)
_INLINE_CODE = re.compile(r"`[^`\n]+`")
# in a span: not after a sentence's end (a lone backtick opens a "span" that runs over a real marker)
_SPAN_BRACKETS = re.compile(r"(?<![.。！？!?；;])\[(\d{1,3}(?:,\s*\d{1,3})*)\]")
_ZERO_SUBSCRIPT = re.compile(r"(?<=[A-Za-z0-9_)\]])\[0\]")  # argv[0]: no passage is numbered 0
_OWN_BRACKETS = str.maketrans("［］", "\ue000\ue001")  # the reply's own full-width brackets, kept as written
_OWN_BRACKETS_BACK = str.maketrans("\ue000\ue001", "［］")


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
        shielded = shield_code(text.translate(_OWN_BRACKETS))
        if _SAYS_NOT_FOUND.search(shielded) and not re.search(r"\[\d+\]", shielded):
            return refusal(question, passages, self.mode)
        checked = self.checker.check(shielded, passages)
        dropped = unshield_dropped(checked.dropped, _as_written)
        if not checked.text:
            answer = refusal(question, passages, self.mode)
            answer.dropped = dropped
            return answer
        citations = citations_for(passages, checked.cited, [])
        text = _as_written(checked.text)
        return Answer(text, False, self.mode, citations, passages, {}, request.query, dropped)


def _as_written(text: str) -> str:
    return unshield_brackets(text).translate(_OWN_BRACKETS_BACK)


def shield_code(reply: str) -> str:
    r"""The reply with its code's bracketed numbers shielded from the citation checker (`shield_brackets`):
    every one inside a fenced block or an inline code span (but one after a sentence's end: a lone
    backtick is no span), and a subscript "[0]" outside them.

    >>> shield_code("Use `sys.argv[0]`.[1] Or argv[0].[2]\n```\nx = [1, 2]\n```\n[2]")
    'Use `sys.argv［0］`.[1] Or argv［0］.[2]\n```\nx = ［1, 2］\n```\n[2]'
    >>> shield_code("Quote with a backtick (`).[1] Then run `ls`.[2]")
    'Quote with a backtick (`).[1] Then run `ls`.[2]'
    """
    out, pos = [], 0
    for start, end in fenced_blocks(reply):
        out += [_shield_prose(reply[pos:start]), shield_brackets(reply[start:end], code=True)]
        pos = end
    return "".join(out) + _shield_prose(reply[pos:])


def _shield_prose(text: str) -> str:
    out, pos = [], 0
    for span in _INLINE_CODE.finditer(text):
        prose = _ZERO_SUBSCRIPT.sub("［0］", text[pos : span.start()])
        out += [prose, _SPAN_BRACKETS.sub(r"［\1］", span.group())]
        pos = span.end()
    return "".join(out) + _ZERO_SUBSCRIPT.sub("［0］", text[pos:])
