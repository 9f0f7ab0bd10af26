"""The answer chain: one object, built from langchain-core runnables, used by the CLI, API, UI and eval.

    question, history ─▶ condense ─▶ retrieve ─▶ answer (extractive or LLM) ─▶ citation check ─▶ Answer

Offline (the default) the answer is extractive; with an OpenAI-compatible LLM configured the model
writes it, and any failure of the model falls back to the extractive answer with `mode` saying so.
Both modes go through the same citation check and the same refusal rule; the extractive answer's
evidence checks (numbers, counts, dates, unseen words) are in `app/evidence.py`.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator

import numpy as np
from langchain_core.runnables import RunnableLambda

from app.citations import CitationChecker, lexical_support
from app.config import Settings
from app.errors import BadRequest, IndexEmpty, ServiceUnavailable, TooLarge
from app.evidence import YEAR, EvidenceChecks, asks_about_unseen
from app.extractive import COUNT_INTENT as _COUNT_INTENT
from app.extractive import (
    ExtractiveAnswerer,
    Quote,
    answer_shapes,
)
from app.glossary import gloss
from app.limits import checked_history
from app.llm import LLMFailure, OpenAIChat, answer_messages
from app.models import Answer, Citation, Passage
from app.prompts import render
from app.retrieval import (
    HybridRetriever,
    RetrievalSettings,
    history_aware_query,
    split_compound,
)
from ingest.clean import search_text
from ingest.lexical import query_tokens
from ingest.split import sentence_spans
from ingest.store import Index, IndexUnavailable
from ingest.tokens import encoding_for_model

_CJK = re.compile(r"[\u3400-\u9fff]")
# below this evidence score the extractive answerer refuses (calibrated on the gold set: see evals/)
REFUSAL_THRESHOLD = 0.34
SEMANTIC_REFUSAL_THRESHOLD = 0.80
UNSEEN_NOUN_PENALTY = 0.25
PASSAGE_VECTOR_CACHE = 8192  # sentences whose e5 vectors are kept (384 floats each: ~12 MB)
_LIST_EXTENSIONS = 2  # how many times a passage is widened to finish a list it quotes
_LLM_REFUSAL = re.compile(r"文档中没有|没有找到|未提及|没有提到|do(es)? not contain|not (mentioned|found|stated)", re.IGNORECASE)


def is_english(text: str) -> bool:
    return not _CJK.search(text)


class WendaChain:
    def __init__(self, settings: Settings, index: Index, llm: OpenAIChat | None = None) -> None:
        self.settings = settings
        self.index = index
        encoding = encoding_for_model(settings.llm_model).name if settings.llm == "openai" else "cl100k_base"
        self.retriever = HybridRetriever(index, RetrievalSettings(top_k=settings.top_k, context_tokens=settings.context_tokens, encoding=encoding))
        self.extractive = ExtractiveAnswerer()
        self.evidence = EvidenceChecks(index)
        self.checker = CitationChecker(similarity=self._similarity)
        self.llm = llm if llm is not None else (OpenAIChat(settings) if settings.llm == "openai" else None)
        self.refusal_threshold = REFUSAL_THRESHOLD
        self._passage_vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # text → e5 vector, most recent last
        self._vectors_lock = threading.Lock()
        # each step adds its result to the inputs (RunnablePassthrough.assign would do the same through a
        # thread pool made per call: ~1 ms of thread start-up per step, for nothing to run in parallel)
        self.runnable = (
            RunnableLambda(lambda inputs: {**inputs, "query": self._condense(inputs)}, name="condense")
            | RunnableLambda(lambda inputs: {**inputs, "passages": self._retrieve(inputs)}, name="retrieve")
            | RunnableLambda(self._answer, name="answer")
        )

    @property
    def mode(self) -> str:
        return "llm" if self.llm is not None else "extractive"

    # -- public ------------------------------------------------------------------------------
    def ask(self, question: str, history: list[dict] | None = None, top_k: int | None = None) -> Answer:
        return self.runnable.invoke(self._inputs(question, history, top_k))

    def stream(self, question: str, history: list[dict] | None = None, top_k: int | None = None) -> Iterator[dict]:
        """Events: {"type": "delta", "text": …} as the answer is written, then {"type": "final", "answer": Answer}."""
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
            for sentence in re.findall(r".+?(?:\]|$)(?:[。！？.；]?)", answer.answer):
                yield {"type": "delta", "text": sentence}
        yield {"type": "final", "answer": answer}

    # -- steps -------------------------------------------------------------------------------
    def _inputs(self, question, history, top_k) -> dict:
        if not isinstance(question, str) or not question.strip():
            raise BadRequest("the question is empty: ask something about the documents")
        if len(question) > self.settings.max_question_chars:
            raise TooLarge(f"the question is {len(question):,} characters; the limit is {self.settings.max_question_chars:,} (WENDA_MAX_QUESTION_CHARS)")
        history = checked_history(history, self.settings)  # the last turns, each and all within limits
        if top_k is not None and not (1 <= int(top_k) <= 50):
            raise BadRequest("top_k must be between 1 and 50")
        question = "".join(ch for ch in question if ch.isprintable() or ch in "\n\t").strip()
        return {"question": question, "history": history, "top_k": top_k, "timings": {"started": time.perf_counter()}}

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

    def _retrieve(self, inputs: dict) -> list[Passage]:
        started = time.perf_counter()
        try:
            if self.index.active_chunks() == 0:
                raise IndexEmpty()
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
        question, passages = inputs["question"], inputs["passages"]
        context = inputs["query"][: -len(question)] if inputs["query"].endswith(question) else ""
        wording = gloss(question) if is_english(question) else question  # English: score by its Chinese terms
        if not _CJK.search(wording):  # no Chinese and no known term: nothing to match the documents with
            return self._refusal(question, passages, "extractive")
        entities, nouns = (self.evidence.unseen_english_names(question), []) if is_english(question) else self.evidence.unseen_terms(question)
        if entities:
            return self._refusal(question, passages, "extractive")  # a place, person or organisation the documents never mention
        compound = None if is_english(question) else split_compound(question)
        chosen: list[Quote] = []
        continues: dict[int, int] = {}  # passage n → the passage holding the text that follows it
        parts = compound.parts if compound else [question]
        # a two-subject question is answered subject by subject, each from its own document — when the
        # retriever searched it that way too (it puts the first subject's document first, the second's
        # next); a follow-up's history-aware query is not split, so its passages are not per subject
        homes = list(dict.fromkeys(p.source for p in passages))
        per_subject = compound is not None and split_compound(inputs["query"]) == compound and len(homes) >= len(parts)
        for i, part in enumerate(parts):
            unseen = [n for n in nouns if n in search_text(part)]
            found = self._answer_part(part, wording if part == question else part, context, passages, unseen,
                                      continues, homes[i] if per_subject else None)
            chosen += [q for q in found or [] if all((q.n, q.start) != (c.n, c.start) for c in chosen)]
        if not chosen:
            return self._refusal(question, passages, "extractive")
        chosen.sort(key=lambda q: (q.n, q.start))
        checked = self.checker.check(self.extractive.render(chosen), passages)
        citations = self._citations(passages, checked.cited, chosen)
        return Answer(checked.text, False, "extractive", citations, passages, {}, inputs["query"], checked.dropped)

    def _answer_part(self, part: str, wording: str, context: str, passages: list[Passage], unseen: list[str],
                     continues: dict[int, int], home: str | None) -> list[Quote] | None:
        """The quotes answering one (sub-)question, reading on past a passage's end while a quoted list
        continues there (`passages` and `continues` grow); None: refuse."""
        found = self._quotes_for(part, wording, context, passages, unseen, continues, home)
        for _ in range(_LIST_EXTENSIONS):
            n = self.extractive.unfinished_list(part, found or [], passages, continues)
            following = None if n is None else self.retriever.read_on(passages[n - 1])
            if following is None:
                break
            if following is not passages[n - 1]:  # not touching: the rest is a passage of its own, maybe one we have
                same = next((k for k, p in enumerate(passages, 1) if p.source == following.source and p.start <= following.start < p.end), None)
                if same is None:
                    passages.append(following)
                continues[n] = same or len(passages)
            found = self._quotes_for(part, wording, context, passages, unseen, continues, home) or found  # never lose what was found
        return found

    def _quotes_for(self, question: str, wording: str, context: str, passages: list[Passage], unseen: list[str],
                    continues: dict[int, int] | None = None, source: str | None = None) -> list[Quote] | None:
        """The quotes answering one question, or None when the evidence is too weak (refuse).
        `unseen`: its nouns the collection never uses (any lowers the evidence, once: the documents may
        split a word the question's segmentation keeps whole, like 道地; one the question asks about
        needs a quote with that kind of answer);
        `continues`: passage n → the passage holding the text that follows it; `source`: quote only
        that document."""
        idf = self.index.lexical.idf(query_tokens(wording + " " + context))
        quotes = self.extractive.quotes(wording, passages, idf, context, source)
        if is_english(question) and quotes:
            quotes, threshold = self._semantic_rescore(question, quotes), SEMANTIC_REFUSAL_THRESHOLD
        else:
            threshold = self.refusal_threshold
        if not quotes or quotes[0].score - UNSEEN_NOUN_PENALTY * min(1, len(unseen)) < threshold:
            return None
        chosen = self.extractive.select(question, quotes, margin=0.02 if is_english(question) else 0.28, continues=continues)
        chosen, missing = self.evidence.add_number_quotes(question, chosen, quotes)
        if missing and (not is_english(question) or any(YEAR.fullmatch(m) for m in missing)):
            return None  # a number the question names (in English: a year) that no quote states
        if not is_english(question):
            chosen = self.evidence.add_event_quote(question, chosen, quotes)
            if chosen is None:
                return None  # asked when something happened; no quote dates that event
        if _COUNT_INTENT.search(question):
            chosen = self.evidence.add_quantity_quote(question, chosen, quotes, passages)  # None: asked "how many", no quote says
        if chosen and asks_about_unseen(question, unseen) and not any(s.search(search_text(q.text)) for s in answer_shapes(question) for q in chosen):
            return None  # asks what an unknown thing is ("法定代表人是谁", "报名收费吗"); no quote has that kind of answer
        return chosen

    def _llm_answer(self, inputs: dict, text: str) -> Answer:
        question, passages = inputs["question"], inputs["passages"]
        if _LLM_REFUSAL.search(text) and not re.search(r"\[\d+\]", text):
            return self._refusal(question, passages, "llm")
        checked = self.checker.check(text, passages)
        if not checked.text:
            answer = self._refusal(question, passages, "llm")
            answer.dropped = checked.dropped
            return answer
        citations = self._citations(passages, checked.cited, [])
        return Answer(checked.text, False, "llm", citations, passages, {}, inputs["query"], checked.dropped)

    def _refusal(self, question: str, passages: list[Passage], mode: str) -> Answer:
        message = render("refusal_en") if is_english(question) else render("refusal")
        return Answer(message, True, mode, [], passages, {}, question)

    # -- helpers -----------------------------------------------------------------------------
    def _semantic_rescore(self, question: str, quotes: list[Quote], limit: int = 16) -> list[Quote]:
        """English question, Chinese text: rank the leading candidates by e5 similarity instead."""
        chinese = [q for q in quotes if _CJK.search(q.text)]  # e5 favours same-language text; the documents are Chinese
        top = sorted(chinese or quotes, key=lambda q: (q.n, q.order))[:limit]
        qv = self.index.embedder.embed_query(question)
        sims = self._embed_passages([q.text for q in top]) @ qv
        for quote, sim in zip(top, sims):
            quote.score = float(sim) + 0.25 * quote.score  # similarity, plus the glossary-term overlap
        return sorted(top, key=lambda q: q.score, reverse=True)

    def _similarity(self, sentence: str, passage_text: str) -> float:
        return float(self._embed_passages([passage_text])[0] @ self.index.embedder.embed_query(sentence))

    def _embed_passages(self, texts: list[str]) -> np.ndarray:
        """e5 passage vectors of document sentences, remembered (the last `PASSAGE_VECTOR_CACHE` texts):
        the same sentences come up for question after question, and embedding 16 of them costs ~0.4 s."""
        with self._vectors_lock:  # take the hits now: another request may evict them while we embed
            vectors = {t: self._passage_vectors[t] for t in texts if t in self._passage_vectors}
            for text in vectors:
                self._passage_vectors.move_to_end(text)
        missing = [t for t in dict.fromkeys(texts) if t not in vectors]
        if missing:
            fresh = {t: v.copy() for t, v in zip(missing, self.index.embedder.embed(missing, "passage"))}  # own rows, not views
            vectors.update(fresh)
            with self._vectors_lock:
                self._passage_vectors.update(fresh)
                while len(self._passage_vectors) > PASSAGE_VECTOR_CACHE:
                    self._passage_vectors.popitem(last=False)
        return np.stack([vectors[t] for t in texts])

    @staticmethod
    def _citations(passages: list[Passage], cited: dict[int, list[str]], quotes: list[Quote]) -> list[Citation]:
        out = []
        for n in sorted(cited):
            p = passages[n - 1]
            spans = [(q.start, q.end) for q in quotes if q.n == n] or [_locate(sentence, p) for sentence in cited[n]]
            out.append(Citation(
                n=n, source=p.source, chunk_id=p.chunk_id, text=p.text, start=p.start, end=p.end, score=p.score,
                quotes=[{"text": p.text[s - p.start : e - p.start], "start": s, "end": e} for s, e in spans],
            ))
        return out


def _locate(sentence: str, passage: Passage) -> tuple[int, int]:
    """Document offsets of the passage sentence that best matches a cited sentence (for highlighting)."""
    spans = sentence_spans(passage.text) or [(0, len(passage.text))]
    best = max(spans, key=lambda se: lexical_support(sentence, search_text(passage.text[se[0] : se[1]])))
    return passage.start + best[0], passage.start + best[1]


def build_chain(settings: Settings, index: Index | None = None) -> WendaChain:
    from app.core import open_index

    return WendaChain(settings, index or open_index(settings))


