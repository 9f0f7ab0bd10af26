"""The offline answerer: answers a message by quoting the passages, or refuses.

A message holding several questions is split into them; the quote finder (`app/quotes.py`) answers
each, reading on into the next chunk while a quoted list runs past its passage's end. A question is
quoted when the calibrated confidence of its signals (`app/confidence.py`) reaches the threshold;
when none does, the answer is a refusal. A question none of whose words the collection uses is
refused without looking further (on an English collection, a Chinese question's words count with their
English, `english_terms`).
"""

from __future__ import annotations

from dataclasses import replace

from app.answer_window import introduces, on_item_line
from app.answering import Answerer, AnswerRequest, refusal
from app.citations import (
    CitationChecker,
    citations_for,
    shield_brackets,
    unshield_brackets,
    unshield_dropped,
    without_labels,
)
from app.confidence import Calibration
from app.dictionary import chinese_terms, english_terms, english_wording
from app.glossary import gloss
from app.models import Answer, Passage
from app.questions import is_english, split_questions
from app.quote_joining import join_quotes
from app.quotes import Draft, Quote, QuoteFinder
from app.retrieval import Retriever
from ingest.clean import FENCES
from ingest.lexical import query_tokens
from ingest.store import Index

READ_ON = 2  # how many times a quoted list running past its passage's end reads on into the next chunk


class ExtractiveAnswerer(Answerer):
    mode = "extractive"

    def __init__(
        self,
        index: Index,
        retriever: Retriever,
        finder: QuoteFinder,
        checker: CitationChecker,
        calibration: Calibration,
    ) -> None:
        self.index, self.retriever, self.finder, self.checker = index, retriever, finder, checker
        self.calibration = calibration

    def answer(self, request: AnswerRequest) -> Answer:
        """Each question of the message answered on its own; those the calibrated confidence says the
        documents answer are quoted, the others left out."""
        question, context = request.question, request.context
        passages = list(request.passages)  # reading on extends this list, not retrieval's
        own = query_tokens(question + " " + gloss(question))
        if is_english(question):  # and the Chinese of its words (CC-CEDICT: those the collection uses)
            own += query_tokens(" ".join(chinese_terms(question, self.index.lexical.document_frequency)))
        else:  # on an English collection, the English of its Chinese words
            own += english_terms(own, self.index.lexical.document_frequency)
        if not context and not any(self.index.lexical.document_frequency(own).values()):
            return refusal(question, passages, self.mode, 0.0)  # no word the documents use
        drafts = []
        parts = split_questions(question)
        for i, part in enumerate(parts):  # a later question of a message may leave its subject out
            before = context + (parts[0] + " " if i else "")
            vector = request.query_vector if part == request.query and not before else None
            draft = self._draft(part, before, passages, vector)
            drafts.append((draft, self.calibration.probability(draft.signals)))
        surest, confidence = max(drafts, key=lambda d: d[1])
        chosen = answered_quotes(drafts, self.calibration.threshold, passages)
        if not chosen:
            return refusal(question, passages, self.mode, confidence, surest.signals)
        chosen = [q if q.text.startswith(FENCES) else replace(q, text=without_labels(q.text)) for q in chosen]
        rendered = self.finder.render(chosen)
        # checked with the quotes' own "[0]" (argv[0], a code block's [1, 2]) shielded: markers are markers
        shielded = [replace(q, text=shield_brackets(q.text, q.text.startswith(FENCES))) for q in chosen]
        checked = self.checker.check(self.finder.render(shielded), passages)
        if not checked.text:  # nothing the passages support: say so rather than answer with nothing
            answer = refusal(question, passages, self.mode, 0.0, surest.signals)  # refused at any threshold
            answer.dropped = unshield_dropped(checked.dropped)
            return answer
        # verbatim quotes keep their line layout
        text = rendered if not checked.dropped else unshield_brackets(checked.text)
        citations = citations_for(
            passages, {q.n: [] for q in chosen} if not checked.dropped else checked.cited, chosen
        )
        return Answer(
            text,
            False,
            self.mode,
            citations,
            passages,
            {},
            request.query,
            unshield_dropped(checked.dropped),
            confidence=round(confidence, 4),
            signals=surest.signals,
        )

    def _draft(self, question: str, context: str, passages: list[Passage], vector=None) -> Draft:
        """The quotes answering one question, reading on past a passage's end while what it quotes
        continues there (`passages` grows). `vector`: the question's embedding, if retrieval made it."""
        if context and len(query_tokens(question)) < 2:  # "那呢?": the question is the earlier subject's
            question, context = context + question, ""
        wording = question
        if is_english(question):  # matched by the Chinese of its words where the collection has it
            chinese = english_wording(question, self.index.lexical.document_frequency)
            wording = chinese if chinese is not None else question + " " + gloss(question)
        else:  # on an English collection, by the English of its Chinese words too
            english = english_terms(query_tokens(question), self.index.lexical.document_frequency)
            wording = " ".join([question, *english])
        idf = self.index.lexical.idf(query_tokens(wording + " " + context))
        continues: dict[int, int] = {}
        draft = self.finder.find(question, wording, passages, idf, context, None, vector)
        for _ in range(READ_ON):
            own = [q for q in draft.quotes if q.n == draft.quotes[0].n] if draft.quotes else []
            if not any(introduces(q.text) for q in own):
                break
            last = max(own, key=lambda q: q.end)
            if not self._read_on(passages, passages[last.n - 1], last, continues):
                break
            draft = self.finder.find(question, wording, passages, idf, context, continues, vector)
        own = set(query_tokens(wording))
        frequency = self.index.lexical.document_frequency(sorted(own))
        unseen = sum(idf.get(t, 1.0) for t, d in frequency.items() if d == 0)
        draft.signals["unseen"] = unseen / (sum(idf.get(t, 1.0) for t in own) or 1.0)
        return draft

    def _read_on(
        self, passages: list[Passage], passage: Passage, last: Quote, continues: dict[int, int]
    ) -> bool:
        """Whether the text after `passage` was found — a copy of it that runs on replaces it in
        `passages`, or a passage of its own is appended and recorded in `continues` — when the quote
        `last` is on its last line (a list item's later sentences may be left out)."""
        start, end = last.start - passage.start, last.end - passage.start
        rest = passage.text[end:]
        # the left-out rest of a list item
        item_rest = "\n" not in rest.strip() and on_item_line(passage.text, start, end)
        if (len(rest.strip()) > 2 and not item_rest) or last.n in continues:  # not at its end, or read on
            return False
        following = self.retriever.read_on(passage)
        if following is None:
            return False
        if following.start == passage.start and following.source == passage.source:  # it runs on through
            passages[last.n - 1] = following
            return True
        same = next(  # not touching: the rest is a passage of its own, maybe one we have
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
        return True


def answered_quotes(
    drafts: list[tuple[Draft, float]], threshold: float, passages: list[Passage]
) -> list[Quote]:
    """The quotes of the questions of a message that the documents answer (probability ≥ `threshold`),
    in the message's order, each once: a later question's quote that repeats one already taken is left
    out. Then the quotes that read on from each other are joined (`join_quotes`) — after, not before, or
    a second question's paragraph holding a sentence the first quoted would repeat it."""
    chosen: list[Quote] = []
    for draft, probability in drafts:
        if probability >= threshold:
            chosen += [q for q in draft.quotes if not any(_within(q, c, passages) for c in chosen)]
    return join_quotes(chosen, passages)


def _within(quote: Quote, other: Quote, passages: list[Passage]) -> bool:
    """`quote` repeats (part of) `other`: the same document, a span inside its span (offsets are the
    document's, so a sentence two overlapping chunks both hold is found in either)."""
    same = passages[quote.n - 1].source == passages[other.n - 1].source
    return same and other.start <= quote.start and quote.end <= other.end
