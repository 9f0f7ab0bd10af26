"""The answer chain: one object, built from langchain-core runnables, used by the CLI, API, UI and eval.

    question, history ─▶ condense ─▶ retrieve ─▶ answer (extractive or LLM, each checking its citations)

The chain only orchestrates. Offline (the default) `ExtractiveAnswerer` (`app/extractive.py`) quotes
the passages or refuses; with an OpenAI-compatible LLM configured `LLMAnswerer` (`app/llm_answerer.py`)
has the model write the answer, and any failure of the model falls back to the extractive answer with
`mode` saying so. Both answer the same `AnswerRequest` (`app/answering.py`) and go through the same
citation check.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator

from langchain_core.runnables import RunnableLambda

from app.answering import AnswerRequest
from app.citations import CitationChecker
from app.confidence import Calibration
from app.config import Settings
from app.errors import BadRequest, IndexEmpty, ServiceUnavailable, TooLarge
from app.extractive import ExtractiveAnswerer
from app.limits import checked_history
from app.llm import LLMFailure, OpenAIChat
from app.llm_answerer import LLMAnswerer
from app.models import Answer, Passage
from app.questions import history_aware_query
from app.quotes import QuoteFinder
from app.retrieval import HybridRetriever, RetrievalSettings, Retriever
from app.sentence_vectors import SentenceVectors
from ingest.chroma import IndexUnavailable
from ingest.store import Index
from ingest.tokens import encoding_for_model


class WendaChain:
    def __init__(
        self,
        settings: Settings,
        index: Index,
        llm: OpenAIChat | None = None,
        retriever: Retriever | None = None,
    ) -> None:
        """`retriever`: what to retrieve with instead of the hybrid retriever (the eval's baselines)."""
        self.settings = settings
        self.index = index
        encoding = encoding_for_model(settings.llm_model).name if settings.llm == "openai" else "cl100k_base"
        vectors = SentenceVectors(index.embedder)  # retrieval's re-rank and the quote finder share them
        self.retriever = (
            retriever
            if retriever is not None
            else HybridRetriever(
                index,
                RetrievalSettings(
                    top_k=settings.top_k, context_tokens=settings.context_tokens, encoding=encoding
                ),
                vectors,
            )
        )
        checker = CitationChecker(
            similarity=lambda sentence, text: float(vectors.similarities(sentence, [text])[0])
        )
        calibration = Calibration.for_embedder(index.embedder.key)
        if settings.refusal_threshold is not None:  # the user's trade-off instead of the calibrated one
            calibration = dataclasses.replace(calibration, threshold=settings.refusal_threshold)
        self.extractive = ExtractiveAnswerer(
            index, self.retriever, QuoteFinder(vectors), checker, calibration
        )
        self.llm = llm if llm is not None else (OpenAIChat(settings) if settings.llm == "openai" else None)
        self.llm_answerer = LLMAnswerer(self.llm, checker) if self.llm is not None else None
        # each step adds its result to the inputs (RunnablePassthrough.assign would do the same through a
        # thread pool made per call: ~1 ms of thread start-up per step, for nothing to run in parallel)
        self.runnable = (
            RunnableLambda(lambda inputs: {**inputs, "query": self._condense(inputs)}, name="condense")
            | RunnableLambda(self._with_passages, name="retrieve")
            | RunnableLambda(self._answer, name="answer")
        )

    @property
    def mode(self) -> str:
        return "llm" if self.llm is not None else "extractive"

    @property
    def refusal_threshold(self) -> float:
        """The confidence below which the extractive answer is a refusal."""
        return self.extractive.calibration.threshold

    # -- public ------------------------------------------------------------------------------
    def ask(self, question: str, history: list[dict] | None = None, top_k: int | None = None) -> Answer:
        return self.runnable.invoke(self._inputs(question, history, top_k))

    def stream(
        self, question: str, history: list[dict] | None = None, top_k: int | None = None
    ) -> Iterator[dict]:
        """Events: {"type": "delta", "text": …} as the answer is written, then
        {"type": "final", "answer": Answer}."""
        inputs = self._inputs(question, history, top_k)
        inputs["query"] = self._condense(inputs)
        inputs["passages"] = self._retrieve(inputs)
        if self.llm_answerer is not None and inputs["passages"]:
            deltas: list[str] = []
            try:
                for piece in self.llm_answerer.stream(self._request(inputs)):
                    deltas.append(piece)
                    yield {"type": "delta", "text": piece}
                inputs["llm_text"] = "".join(deltas)
            except LLMFailure as exc:
                inputs["llm_error"] = str(exc)
            answer = self._answer(inputs)
        else:
            answer = self._answer(inputs)
            for sentence in re.findall(
                r"[^\]]*\]|[^\]]+", answer.answer
            ):  # together: the answer, newlines kept
                yield {"type": "delta", "text": sentence}
        yield {"type": "final", "answer": answer}

    # -- steps -------------------------------------------------------------------------------
    def _inputs(self, question, history, top_k) -> dict:
        if not isinstance(question, str) or not question.strip():
            raise BadRequest("the question is empty: ask something about the documents")
        if len(question) > self.settings.max_question_chars:
            raise TooLarge(
                f"the question is {len(question):,} characters; the limit is "
                f"{self.settings.max_question_chars:,} (WENDA_MAX_QUESTION_CHARS)"
            )
        history = checked_history(history, self.settings)  # the last turns, each and all within limits
        if top_k is not None and not (1 <= int(top_k) <= 50):
            raise BadRequest("top_k must be between 1 and 50")
        question = "".join(ch for ch in question if ch.isprintable() or ch in "\n\t").strip()
        if not question:  # only control or zero-width characters
            raise BadRequest("the question has no visible characters: ask something about the documents")
        return {
            "question": question,
            "history": history,
            "top_k": top_k,
            "timings": {"started": time.perf_counter()},
        }

    def _condense(self, inputs: dict) -> str:
        question, history = inputs["question"], inputs["history"]
        if not history:
            return question
        if self.llm is not None:
            try:
                return self.llm.condense(question, history)
            except LLMFailure:
                pass
        return history_aware_query(question, history)

    def _with_passages(self, inputs: dict) -> dict:
        passages = self._retrieve(inputs)  # first: it adds the question's vector to `inputs`
        return {**inputs, "passages": passages}

    def _retrieve(self, inputs: dict) -> list[Passage]:
        started = time.perf_counter()
        try:
            if self.index.active_chunks() == 0:
                raise IndexEmpty()
            if isinstance(self.retriever, HybridRetriever):  # its question vector serves the answerer too
                inputs["query_vector"] = self.retriever.query_vector(inputs["query"])
                passages = self.retriever.search(inputs["query"], inputs["top_k"], inputs["query_vector"])
            else:
                passages = self.retriever.search(inputs["query"], inputs["top_k"])
        except IndexUnavailable as exc:  # not reachable at open, or the Chroma server went away mid-request
            raise ServiceUnavailable(str(exc)) from exc
        inputs["timings"]["retrieve"] = (time.perf_counter() - started) * 1000
        return passages

    def _answer(self, inputs: dict) -> Answer:
        started = time.perf_counter()
        request = self._request(inputs)
        error = inputs.get("llm_error")
        answer = None
        if self.llm_answerer is not None and error is None:
            try:
                answer = self.llm_answerer.answer(request, inputs.get("llm_text"))
            except LLMFailure as exc:
                error = str(exc)
        if answer is None:
            answer = self.extractive.answer(request)
            if error:
                answer.mode, answer.error = "extractive-fallback", error
        timings = inputs["timings"]
        timings["generate"] = (time.perf_counter() - started) * 1000
        answer.timings_ms = {
            "retrieve": timings.get("retrieve", 0.0),
            "generate": timings["generate"],
            "total": (time.perf_counter() - timings["started"]) * 1000,
        }
        return answer

    @staticmethod
    def _request(inputs: dict) -> AnswerRequest:
        return AnswerRequest(
            inputs["question"], inputs["query"], inputs["passages"], inputs.get("query_vector")
        )


def build_chain(settings: Settings, index: Index | None = None) -> WendaChain:
    from app.core import open_index

    return WendaChain(settings, index or open_index(settings))
