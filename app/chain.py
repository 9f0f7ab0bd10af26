"""The answer chain: one object, built from langchain-core runnables, used by the CLI, API, UI and eval.

    question, history ─▶ condense ─▶ retrieve ─▶ answer (extractive or LLM) ─▶ citation check ─▶ Answer

Offline (the default) the answer is extractive; with an OpenAI-compatible LLM configured the model
writes it, and any failure of the model falls back to the extractive answer with `mode` saying so.
Both modes go through the same citation check and the same refusal rule.
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
from app.extractive import COUNT_INTENT as _COUNT_INTENT
from app.extractive import (
    ExtractiveAnswerer,
    Quote,
    answer_shapes,
    asked_quantity,
    counted_phrase,
)
from app.glossary import gloss, unglossed_names
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
from ingest.lexical import pos_tags, query_tokens, tokenize
from ingest.split import sentence_spans
from ingest.store import Index, IndexUnavailable
from ingest.tokens import encoding_for_model

_CJK = re.compile(r"[\u3400-\u9fff]")
# below this evidence score the extractive answerer refuses (calibrated on the gold set: see evals/)
REFUSAL_THRESHOLD = 0.34
SEMANTIC_REFUSAL_THRESHOLD = 0.80
UNSEEN_NOUN_PENALTY = 0.25
PASSAGE_VECTOR_CACHE = 8192  # sentences whose e5 vectors are kept (384 floats each: ~12 MB)
COUNTED_FLOOR = 0.5  # a quote naming the counted thing with a number joins at half the best score
_LIST_EXTENSIONS = 2  # how many times a passage is widened to finish a list it quotes
_NUMBER_WITH_UNIT = re.compile(r"\d+(?:\.\d+)?(?:[年月日亿万千百元家个项名%倍层场]|$)?")
# an ordinal ("第二批", "第3期") names one of several things: a quote about another one does not answer
_ORDINAL = re.compile(r"第[一二三四五六七八九十\d]+[批期届次轮阶段]")
# "when did it happen": the event's verbs follow the question word (哪一年成立, 什么时候发布的)
_WHEN = re.compile(r"哪一?年|哪天|何年|何时|什么时候")
_DATE = re.compile(r"(?:19|20)\d{2}\s*年|\d{1,2}\s*月\s*\d{1,2}\s*日")
_YEAR = re.compile(r"(?:19|20)\d{2}年?")
_FOCUS_FOLLOWS = r"(?:的)?(?:是|有|为|总额|总共)?(?:谁|多少|多大|多久|多长|什么|哪|几|吗|呢)"
_QUESTION_WORD = re.compile(r"哪|什么|多少|几|怎么|如何|为什么|为何")  # "哪些地方" is not a noun of the subject
_FOCUS_PRECEDES = r"(?:什么|哪个|哪些|哪一?|多少|几个?)的?"  # "叫什么名字", "哪个部门"
_NOUN_TAGS = {"n", "ns", "nr", "nt", "nz", "nrt", "l", "vn", "j"}
# words jieba tags as nouns that only colour a question ("专门搞", "全面建成"): unseen, they say nothing
_GENERIC_WORDS = {"专门", "全面", "具体", "主要", "目前", "现在", "当前", "一般", "大概", "到底", "究竟", "特别",
                  "总共", "一共", "整体", "情况", "问题", "内容", "东西", "时候", "地方", "做法", "方式", "方面"}
_ENTITY_TAGS = {"ns", "nr", "nt", "nz", "nrt"}
_LLM_REFUSAL = re.compile(r"文档中没有|没有找到|未提及|没有提到|do(es)? not contain|not (mentioned|found|stated)", re.IGNORECASE)


def _asks_about_unseen(question: str, unseen: list[str]) -> bool:
    """Whether a noun the collection never uses is what the question asks about: the question word
    is next to it ("法定代表人是谁", "占地面积有多大", "报名收费吗", "叫什么名字"), rather than the noun
    colouring the subject."""
    text = search_text(question)
    nouns = {w for w, tag in pos_tags(text) if tag in ("n", "nz", "vn")}  # not idioms like 转变成
    return any(re.search(re.escape(n) + r"[\u4e00-\u9fff]?" + _FOCUS_FOLLOWS, text) or re.search(_FOCUS_PRECEDES + re.escape(n), text)
               for n in unseen if n in nouns)


def _event_verbs(text: str) -> list[str]:
    """The first verb of `text` and its alternatives ("批复或确定"): 获批 in "获批建设", not 建设.

    >>> _event_verbs("被国家发改委批复或确定相关产业地位的?"), _event_verbs("获批建设的?")
    (['批复', '确定'], ['获批'])
    """
    tags = [(w, tag) for w, tag in pos_tags(search_text(text)) if w.strip()]
    first = next((i for i, (w, tag) in enumerate(tags) if tag in ("v", "vn") and len(w) >= 2 and w != "国家"), None)
    if first is None:
        return []
    verbs, i = [tags[first][0]], first + 1
    while i + 1 < len(tags) and tags[i][0] in ("或", "或者", "和", "及", "与") and tags[i + 1][1] in ("v", "vn"):
        verbs.append(tags[i + 1][0])
        i += 2
    return verbs


def is_english(text: str) -> bool:
    return not _CJK.search(text)


class WendaChain:
    def __init__(self, settings: Settings, index: Index, llm: OpenAIChat | None = None) -> None:
        self.settings = settings
        self.index = index
        encoding = encoding_for_model(settings.llm_model).name if settings.llm == "openai" else "cl100k_base"
        self.retriever = HybridRetriever(index, RetrievalSettings(top_k=settings.top_k, context_tokens=settings.context_tokens, encoding=encoding))
        self.extractive = ExtractiveAnswerer()
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
        history = history or []
        if not isinstance(history, list) or not all(isinstance(t, dict) and isinstance(t.get("content", ""), str) for t in history):
            raise BadRequest('history must be a list of {"role": "user"|"assistant", "content": "..."} objects')
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
        entities, nouns = (self._unseen_english_names(question), []) if is_english(question) else self._unseen_terms(question)
        if entities:
            return self._refusal(question, passages, "extractive")  # a place, person or organisation the documents never mention
        compound = None if is_english(question) else split_compound(question)
        chosen: list[Quote] = []
        continues: dict[int, int] = {}  # passage n → the passage appended with the text that follows it
        # a two-subject question is answered subject by subject, each from its own document: the retriever
        # puts the first subject's document first and the second's next
        parts = compound.parts if compound else [question]
        homes = list(dict.fromkeys(p.source for p in passages))
        for i, part in enumerate(parts):
            unseen = [n for n in nouns if n in search_text(part)]
            home = homes[i] if compound and len(homes) >= len(parts) else None
            found = self._quotes_for(part, wording if part == question else part, context, passages, len(unseen), continues, home)
            if found and _asks_about_unseen(part, unseen) and not any(s.search(search_text(q.text)) for s in answer_shapes(part) for q in found):
                found = None  # asks what an unknown thing is ("法定代表人是谁", "报名收费吗") and no quote has that kind of answer
            for _ in range(_LIST_EXTENSIONS):  # a list that runs past its passage's end: read on, quote again
                n = self.extractive.unfinished_list(part, found or [], passages, continues)
                following = None if n is None else self.retriever.read_on(passages[n - 1])
                if following is None:
                    break
                if following is not passages[n - 1]:  # not touching: the rest comes as one more passage
                    passages.append(following)
                    continues[n] = len(passages)
                found = self._quotes_for(part, wording if part == question else part, context, passages, len(unseen), continues, home)
            chosen += [q for q in found or [] if all((q.n, q.start) != (c.n, c.start) for c in chosen)]
        if not chosen:
            return self._refusal(question, passages, "extractive")
        chosen.sort(key=lambda q: (q.n, q.start))
        checked = self.checker.check(self.extractive.render(chosen), passages)
        citations = self._citations(passages, checked.cited, chosen)
        return Answer(checked.text, False, "extractive", citations, passages, {}, inputs["query"], checked.dropped)

    def _quotes_for(self, question: str, wording: str, context: str, passages: list[Passage], unseen_nouns: int,
                    continues: dict[int, int] | None = None, source: str | None = None) -> list[Quote] | None:
        """The quotes answering one question, or None when the evidence is too weak (refuse).
        `unseen_nouns`: how many of its nouns the collection never uses (any lowers the evidence, once:
        the documents may split a word the question's segmentation keeps whole, like 道地);
        `continues`: passage n → the passage holding the text that follows it; `source`: quote only
        that document."""
        idf = self.index.lexical.idf(query_tokens(wording + " " + context))
        quotes = self.extractive.quotes(wording, passages, idf, context, source)
        if is_english(question) and quotes:
            quotes, threshold = self._semantic_rescore(question, quotes), SEMANTIC_REFUSAL_THRESHOLD
        else:
            threshold = self.refusal_threshold
        if not quotes or quotes[0].score - UNSEEN_NOUN_PENALTY * min(1, unseen_nouns) < threshold:
            return None
        chosen = self.extractive.select(question, quotes, margin=0.02 if is_english(question) else 0.28, continues=continues)
        chosen, missing = self._add_number_quotes(question, chosen, quotes)
        if missing and (not is_english(question) or any(_YEAR.fullmatch(m) for m in missing)):
            return None  # a number the question names (in English: a year) that no quote states
        if not is_english(question):
            chosen = self._add_event_quote(question, chosen, quotes)
            if chosen is None:
                return None  # asked when something happened; no quote dates that event
        if _COUNT_INTENT.search(question):
            return self._add_quantity_quote(question, chosen, quotes, passages)  # None: asked "how many", no quote says
        return chosen

    def _add_event_quote(self, question: str, chosen: list[Quote], candidates: list[Quote]) -> list[Quote] | None:
        """A "when did X happen" question (哪一年成立, 什么时候发布) needs a quote holding a date and the
        event's verb: keep the chosen quotes if one has both, else add the best candidate (≥ half the best
        score) that has both, else None. A date beside another event (启动建设 for 获批) does not answer it."""
        when = _WHEN.search(question)
        if when is None:
            return chosen
        events = _event_verbs(question[when.end() :])
        if not events:
            return chosen

        def dates_event(q: Quote) -> bool:
            text = search_text(q.text)
            return bool(_DATE.search(text)) and any(v in text for v in events)

        if any(dates_event(q) for q in chosen):
            return chosen
        extra = next((q for q in candidates if q.score >= 0.5 * candidates[0].score and dates_event(q)), None)
        return None if extra is None else sorted([*chosen, extra], key=lambda q: (q.n, q.start))

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
    def _unseen_terms(self, question: str) -> tuple[list[str], list[str]]:
        """Nouns of the question the collection never uses: (named entities, other nouns).

        A question about "上海市" or "从业人员" over documents that never mention them is about
        something else, however well its other words match.
        """
        words = [(w, tag) for w, tag in pos_tags(search_text(question))
                 if len(w) >= 2 and tag in _NOUN_TAGS and w not in _GENERIC_WORDS and not _QUESTION_WORD.match(w) and tokenize(w)]
        df = self.index.lexical.document_frequency([w for w, _ in words])
        unseen = [(w, tag) for w, tag in words if df.get(w, 0) == 0]
        return [w for w, t in unseen if t in _ENTITY_TAGS], [w for w, t in unseen if t not in _ENTITY_TAGS]

    def _unseen_english_names(self, question: str) -> list[str]:
        """Names in an English question ("BGI", "SoftBank") that the glossary cannot translate and the
        documents never use, not even in English. Pinyin names are not judged: they may be Chinese names
        wenda cannot spell in characters."""
        names = unglossed_names(question)
        df = self.index.lexical.document_frequency([t for n in names for t in tokenize(n)])
        return [n for n in names if all(df.get(t, 0) == 0 for t in tokenize(n))]

    def _add_quantity_quote(self, question: str, chosen: list[Quote], candidates: list[Quote], passages: list[Passage]) -> list[Quote] | None:
        """A "how many" question needs a quote with a quantity (not a date) about what it asks about:
        keep the chosen quotes if one has it, else add the best-scoring candidate from the same document
        that has one, else None. A quantity in a passage that never names the question's place or
        organisation (深圳, 中科院) anywhere in its document is about something else."""
        quantity = asked_quantity(question)
        names = [w for w, tag in pos_tags(search_text(question)) if tag in _ENTITY_TAGS and len(w) >= 2]

        mentioned: dict[tuple[str, str], bool] = {}  # (source, name) → the document uses the name

        def about(q: Quote) -> bool:
            p = passages[q.n - 1]
            for name in names:
                if name not in p.search_text and name not in p.heading:
                    if (p.source, name) not in mentioned:
                        mentioned[p.source, name] = self._mentions(p.source, name)
                    if not mentioned[p.source, name]:
                        return False
            return True

        if any(quantity.search(search_text(q.text)) and about(q) for q in chosen):
            return chosen
        floor, source = 0.7 * candidates[0].score, passages[candidates[0].n - 1].source
        counted = counted_phrase(question)  # "5方面" for "几个方面": convincing at a lower score

        def answers(q: Quote) -> bool:
            text = search_text(q.text)
            if counted is not None and q.score >= COUNTED_FLOOR * candidates[0].score and counted.search(text):
                return True
            return q.score >= floor and quantity.search(text) is not None

        extra = next((q for q in candidates if passages[q.n - 1].source == source and answers(q) and about(q)), None)
        return None if extra is None else sorted([*chosen, extra], key=lambda q: (q.n, q.start))

    def _mentions(self, source: str, name: str) -> bool:
        """Whether document `source` uses the word `name` anywhere (a lexical search within it)."""
        hits = self.index.lexical_search(tokenize(search_text(name)), 5, source=source)
        return any(name in chunk.search_text or name in chunk.heading for chunk, _ in hits)

    def _add_number_quotes(self, question: str, chosen: list[Quote], candidates: list[Quote]) -> tuple[list[Quote], list[str]]:
        """Every number the question names (a year, an amount) must be in a quote: add the best quote
        holding a missing one when it scores well enough; return the numbers still missing."""
        missing = []
        floor = 0.6 * candidates[0].score
        asked = search_text(question)
        for number in dict.fromkeys(_NUMBER_WITH_UNIT.findall(asked) + _ORDINAL.findall(asked)):
            if any(number in search_text(q.text) for q in chosen):
                continue
            extra = next((q for q in candidates if q.score >= floor and number in search_text(q.text)), None)
            if extra is None:
                missing.append(number)
            else:
                chosen = sorted([*chosen, extra], key=lambda q: (q.n, q.start))
        return chosen, missing

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
        with self._vectors_lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._passage_vectors]
        vectors = dict(zip(missing, self.index.embedder.embed(missing, "passage"))) if missing else {}
        with self._vectors_lock:
            for text in texts:
                if text in self._passage_vectors:
                    vectors[text] = self._passage_vectors[text]
                    self._passage_vectors.move_to_end(text)
                else:
                    self._passage_vectors[text] = vectors[text]
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


