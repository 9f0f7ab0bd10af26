"""The answer chain: one object, built from langchain-core runnables, used by the CLI, API, UI and eval.

    question, history ─▶ condense ─▶ retrieve ─▶ answer (extractive or LLM) ─▶ citation check ─▶ Answer

Offline (the default) the answer is extractive; with an OpenAI-compatible LLM configured the model
writes it, and any failure of the model falls back to the extractive answer with `mode` saying so.
Both modes go through the same citation check. The extractive answerer (`app/extractive.py`) quotes;
whether it answers at all is a calibrated confidence of its signals (`app/confidence.py`). The chain
splits a message holding several questions (or a two-subject question) into parts, answers each, and
reads on into the next chunk when a quoted list runs past its passage.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from langchain_core.runnables import RunnableLambda

from app.citations import CitationChecker, citations_for
from app.confidence import Calibration
from app.config import Settings
from app.errors import BadRequest, IndexEmpty, ServiceUnavailable, TooLarge
from app.extractive import Draft, ExtractiveAnswerer, Quote, is_english, split_questions
from app.glossary import gloss
from app.limits import checked_history
from app.llm import LLMFailure, OpenAIChat, answer_messages
from app.models import Answer, Passage
from app.prompts import render
from app.retrieval import HybridRetriever, RetrievalSettings, history_aware_query, split_compound
from app.sentence_vectors import SentenceVectors
from ingest.lexical import query_tokens
from ingest.store import Index, IndexUnavailable
from ingest.tokens import encoding_for_model

_READ_ON = 2  # how many times a quoted list running past its passage's end reads on into the next chunk
_LLM_REFUSAL = re.compile(
    r"文档中没有|没有找到|未提及|没有提到|do(es)? not contain|not (mentioned|found|stated)", re.IGNORECASE
)


class WendaChain:
    def __init__(self, settings: Settings, index: Index, llm: OpenAIChat | None = None) -> None:
        self.settings = settings
        self.index = index
        encoding = encoding_for_model(settings.llm_model).name if settings.llm == "openai" else "cl100k_base"
        self.retriever = HybridRetriever(
            index,
            RetrievalSettings(
                top_k=settings.top_k, context_tokens=settings.context_tokens, encoding=encoding
            ),
        )
        self.vectors = SentenceVectors(index.embedder)
        self.extractive = ExtractiveAnswerer(self.vectors)
        self.checker = CitationChecker(similarity=self._similarity)
        self.llm = llm if llm is not None else (OpenAIChat(settings) if settings.llm == "openai" else None)
        self.calibration = Calibration.for_embedder(index.embedder.key)
        self.refusal_threshold = self.calibration.threshold
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
        if self.llm is not None and inputs["passages"]:
            deltas: list[str] = []
            try:
                for piece in self.llm.stream(answer_messages(inputs["query"], inputs["passages"])):
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
        passages = inputs["passages"]
        error = inputs.get("llm_error")
        answer = None
        if self.llm is not None and error is None:
            try:
                text = inputs.get("llm_text") or self.llm.generate(answer_messages(inputs["query"], passages))
                answer = self._llm_answer(inputs, text)
            except LLMFailure as exc:
                error = str(exc)
        if answer is None:
            answer = self._extractive_answer(inputs)
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

    # -- the two answerers -------------------------------------------------------------------
    def _extractive_answer(self, inputs: dict) -> Answer:
        """Each question of the message (each subject of a two-subject question) answered on its own;
        those the calibrated confidence says the documents answer are quoted, the others refused."""
        question, passages = inputs["question"], inputs["passages"]
        context = inputs["query"][: -len(question)] if inputs["query"].endswith(question) else ""
        own = query_tokens(question + " " + gloss(question))
        if not context and not any(self.index.lexical.document_frequency(own).values()):
            return self._refusal(question, passages, "extractive", 0.0)  # no word the documents use
        drafts = []
        parts = self._parts(question, inputs["query"], passages)
        for i, (part, home) in enumerate(parts):  # a later question of a message may leave its subject out
            before = context + (parts[0][0] + " " if i and home is None else "")
            vector = inputs.get("query_vector") if part == inputs["query"] and not before else None
            draft = self._draft(part, before, passages, home, vector)
            drafts.append((draft, self.calibration.probability(draft.signals)))
        surest, confidence = max(drafts, key=lambda d: d[1])
        signals = surest.signals
        chosen: list[Quote] = []
        for draft, probability in drafts:
            if probability >= self.refusal_threshold:
                chosen += [q for q in draft.quotes if all((q.n, q.start) != (c.n, c.start) for c in chosen)]
        if not chosen:
            return self._refusal(question, passages, "extractive", confidence, signals)
        rendered = self.extractive.render(chosen)
        checked = self.checker.check(rendered, passages)
        text = rendered if not checked.dropped else checked.text  # verbatim quotes keep their line layout
        citations = citations_for(
            passages, {q.n: [] for q in chosen} if not checked.dropped else checked.cited, chosen
        )
        return Answer(
            text,
            False,
            "extractive",
            citations,
            passages,
            {},
            inputs["query"],
            checked.dropped,
            confidence=round(confidence, 4),
            signals=signals,
        )

    def _parts(self, question: str, query: str, passages: list[Passage]) -> list[tuple[str, str | None]]:
        """(sub-question, the document it is answered from or None). A two-subject question is answered
        subject by subject from the documents retrieval searched for each, when it searched that way."""
        parts: list[tuple[str, str | None]] = []
        homes = list(dict.fromkeys(p.source for p in passages))
        for sub in split_questions(question):
            compound = None if is_english(sub) else split_compound(sub)
            if compound is None:
                parts.append((sub, None))
                continue
            per_subject = split_compound(query) == compound and len(homes) >= len(compound.parts)
            parts += [(p, homes[i] if per_subject else None) for i, p in enumerate(compound.parts)]
        return parts

    def _draft(
        self, question: str, context: str, passages: list[Passage], home: str | None, vector=None
    ) -> Draft:
        """The extractive answer to one question, reading on past a passage's end while what it quotes
        continues there (`passages` grows). `vector`: the question's embedding, if retrieval made it."""
        if context and len(query_tokens(question)) < 2:  # "那呢?": the question is the earlier subject's
            question, context = context + question, ""
        wording = question + " " + gloss(question) if is_english(question) else question
        tokens = query_tokens(wording + " " + context)
        idf = self.index.lexical.idf(tokens)
        continues: dict[int, int] = {}
        draft = self.extractive.answer(question, wording, passages, idf, context, home, None, vector)
        for _ in range(_READ_ON):
            if not draft.quotes or not draft.quotes[0].text.rstrip().endswith((":", "：")):
                break
            last = max((q for q in draft.quotes if q.n == draft.quotes[0].n), key=lambda q: q.end)
            passage = passages[last.n - 1]
            if passage.end - last.end > 2 or last.n in continues:  # not at its end, or read on already
                break
            following = self.retriever.read_on(passage)
            if following is None:
                break
            if following is not passage:  # not touching: the rest is a passage of its own, maybe one we have
                same = next(
                    (
                        k
                        for k, p in enumerate(passages, 1)
                        if p.source == following.source and p.start <= following.start < p.end
                    ),
                    None,
                )
                if same is None:
                    passages.append(following)
                continues[last.n] = same or len(passages)
            draft = self.extractive.answer(question, wording, passages, idf, context, home, continues, vector)
        own = set(query_tokens(wording))
        frequency = self.index.lexical.document_frequency(sorted(own))
        unseen = sum(idf.get(t, 1.0) for t, d in frequency.items() if d == 0)
        draft.signals["unseen"] = unseen / (sum(idf.get(t, 1.0) for t in own) or 1.0)
        return draft

    def _llm_answer(self, inputs: dict, text: str) -> Answer:
        question, passages = inputs["question"], inputs["passages"]
        if _LLM_REFUSAL.search(text) and not re.search(r"\[\d+\]", text):
            return self._refusal(question, passages, "llm")
        checked = self.checker.check(text, passages)
        if not checked.text:
            answer = self._refusal(question, passages, "llm")
            answer.dropped = checked.dropped
            return answer
        citations = citations_for(passages, checked.cited, [])
        return Answer(checked.text, False, "llm", citations, passages, {}, inputs["query"], checked.dropped)

    def _refusal(
        self,
        question: str,
        passages: list[Passage],
        mode: str,
        confidence: float | None = None,
        signals: dict | None = None,
    ) -> Answer:
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

    # -- helpers -----------------------------------------------------------------------------
    def _similarity(self, sentence: str, passage_text: str) -> float:
        return float(self.vectors.similarities(sentence, [passage_text])[0])


def build_chain(settings: Settings, index: Index | None = None) -> WendaChain:
    from app.core import open_index

    return WendaChain(settings, index or open_index(settings))
