"""Hybrid retrieval: dense (Chroma, e5) and lexical (jieba + BM25) fused by their scaled scores, re-ranked
by the question's wording and by its e5 similarity to each leading chunk's closest sentence, then merged
and budgeted in tokens.

The question is normalised exactly like the documents (simplified, width, pinyin), so a simplified
question finds a traditional passage. Overlapping hits from one document are merged into one passage;
what goes to the answerer stops at `top_k` passages or `context_tokens` tokens, whichever comes first
(`app/passages.py`).
"""

from __future__ import annotations

import dataclasses
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from app.dictionary import chinese_terms, english_terms
from app.glossary import gloss
from app.models import Passage
from app.passages import merge_and_budget, merge_into, move_up, passage_of
from app.sentence_vectors import SentenceVectors, scaled_similarity
from ingest.clean import CJK_CHAR, normalize_query, search_text
from ingest.lexical import query_tokens
from ingest.records import Chunk
from ingest.split import sentence_spans
from ingest.store import Index


def lexical_tokens(
    query: str, glossary: bool = True, used: Callable[[list[str]], dict[str, int]] | None = None
) -> list[str]:
    """Search tokens for BM25. A question with no Chinese is searched by its glossary translation and
    numbers (app/glossary.py) — its English words would match only the few English lines of Chinese
    documents — and, given `used` (the collection's document frequencies), by CC-CEDICT's Chinese for
    the words the glossary does not cover, those the collection uses (app/dictionary.py). When none of
    that Chinese is in the collection (an English one), by its own words the collection uses; a Chinese
    question there is searched by the English of its words too (`english_terms`).

    >>> lexical_tokens("What was the bioindustry output in 2008?")
    ['生物', '产业', '产值', '2008']
    >>> english = lambda words: {w: 1 for w in words if w in {"virtual", "environ", "3"}}
    >>> lexical_tokens("How do I create a virtual environment for Python 3?", used=english)
    ['3', 'virtual', 'environ']
    """
    if CJK_CHAR.search(query):  # and, on an English collection, the English of its Chinese words
        tokens = query_tokens(query)
        return tokens + [t for t in english_terms(tokens, used) if t not in tokens] if used else tokens
    tokens = query_tokens(gloss(query) if glossary else query)
    if used is None:
        return tokens
    tokens += [t for t in query_tokens(" ".join(chinese_terms(query, used))) if t not in tokens]
    chinese = [t for t in tokens if CJK_CHAR.search(t)]  # not its numbers: an English page has "3" too
    if chinese and any(used(chinese).values()):
        return tokens
    own = [t for t in query_tokens(query) if t not in tokens]
    found = used(own) if own else {}
    return tokens + [t for t in own if found.get(t)]


@dataclass
class RetrievalSettings:
    top_k: int = 6
    context_tokens: int = 1500
    candidates: int = 40
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    rerank_depth: int = 20
    coverage_weight: float = 1.0
    phrase_weight: float = 4.0
    sentence_weight: float = 1.0  # the e5 similarity of the question and a chunk's closest sentence
    sentence_depth: int = 10  # how many leading candidates it is computed for
    fusion: Literal["convex", "rrf"] = "convex"  # convex: alpha·dense + (1-alpha)·bm25, each scaled
    # 0–1 (convex_fusion); rrf: reciprocal rank. Both weight the sides by dense_weight, lexical_weight
    alpha: float = 0.5  # the dense share of a convex fusion
    dictionary: bool = True  # an English question is also searched by CC-CEDICT's Chinese for its words
    glossary: bool = True  # an English question is searched lexically by its glossary translation
    dense_best_within: int | None = 3  # the dense side's best chunk ranks in this many first (None: off)
    encoding: str = (
        "cl100k_base"  # tiktoken encoding the context budget is counted in (the model's own, when known)
    )

    def __post_init__(self) -> None:
        if self.fusion not in ("convex", "rrf"):
            raise ValueError(f"fusion must be 'convex' or 'rrf', not {self.fusion!r}")
        if self.dense_best_within is not None and self.dense_best_within < 1:
            raise ValueError(
                f"dense_best_within counts passages: 1 or more, or None; not {self.dense_best_within}"
            )
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError(f"alpha is the dense share of the fusion: between 0 and 1, not {self.alpha}")


class Retriever(ABC):
    """What the answer chain retrieves with: `search` (abstract) and `read_on` (optional capability).

    Baselines and plugins subclass it, so the chain can call both methods on any retriever."""

    @abstractmethod
    def search(self, query: str, top_k: int | None = None) -> list[Passage]:
        """Passages for `query`, best first, at most `top_k` (None: the retriever's own default)."""

    def read_on(self, passage: Passage) -> Passage | None:
        """The text that follows `passage` (to finish a list cut at its end), without changing
        `passage` (it is what retrieval returned); None: cannot tell."""
        return None


class HybridRetriever(Retriever):
    """`search(query)` → passages, best first. Holds no state but its index, its settings and the
    sentence vectors it remembers."""

    def __init__(
        self,
        index: Index,
        settings: RetrievalSettings | None = None,
        sentences: SentenceVectors | None = None,
    ) -> None:
        """`sentences`: where chunks' sentence vectors are remembered (the chain passes the answerer's);
        by default a store of its own."""
        self.index = index
        self.settings = settings or RetrievalSettings()
        self._sentences = sentences

    def search(self, query: str, top_k: int | None = None, vector=None) -> list[Passage]:
        """Passages for `query`. `vector`: `query_vector(query)`, when the caller has it already (the
        answerer uses it too)."""
        s = self.settings
        return merge_and_budget(
            self._ranked(query, vector=vector), top_k or s.top_k, s.context_tokens, s.encoding
        )

    def read_on(self, passage: Passage) -> Passage | None:
        """The text that follows `passage` in its section (its next chunk): when the two overlap or
        touch, a copy of `passage` that runs on through it (`passage` is left as retrieved), else a
        passage of its own; None at the end of the section or the document."""
        chunk = self.index.following_chunk(passage.source, passage.end)
        if chunk is None or chunk.heading != passage.heading:  # across a heading: another section's text
            return None
        if chunk.start <= passage.end:
            merged = dataclasses.replace(passage)
            merge_into(merged, chunk)
            return merged
        return passage_of(chunk, passage.score)

    def query_vector(self, query: str):
        """The e5 query embedding `search` ranks `query` by."""
        return self.index.embedder.embed_query(normalize_query(query))

    def _ranked(self, query: str, vector=None) -> list[list]:
        """Dense and lexical candidates fused, then re-ranked: [chunk, score, dense, bm25]; the dense
        best kept in the first `dense_best_within` passages (a colloquial question's filler words can
        bury it on the lexical side). `vector`: the query's embedding, when already made."""
        s = self.settings
        vector = self.query_vector(query) if vector is None else vector
        dense = self.index.dense_search(vector, s.candidates)
        tokens = lexical_tokens(
            query, s.glossary, self.index.lexical.document_frequency if s.dictionary else None
        )
        lexical = self.index.lexical_search(tokens, s.candidates)
        fused: dict[str, list] = {}  # id -> [chunk, fused score, dense cosine or None, bm25 or None]
        for hits, side, weight in ((dense, 2, s.dense_weight), (lexical, 3, s.lexical_weight)):
            if weight <= 0:  # a side weighted 0 brings no candidates (the baselines' dense-only, BM25-only)
                continue
            for rank, (chunk, value) in enumerate(hits):
                entry = fused.setdefault(chunk.id, [chunk, 0.0, None, None])
                entry[side] = value
                if s.fusion == "rrf":
                    entry[1] += weight / (s.rrf_k + rank + 1)
        if s.fusion == "convex":
            dense_share = s.alpha * s.dense_weight
            convex_fusion(
                fused.values(), dense_share / ((dense_share + (1 - s.alpha) * s.lexical_weight) or 1)
            )
        fused_order = sorted(fused.values(), key=lambda e: e[1], reverse=True)
        ranked = self._rerank(query, tokens, fused_order, vector)
        if dense and s.dense_best_within is not None and s.dense_weight > 0 and s.lexical_weight > 0:
            move_up(ranked, dense[0][0].id, s.dense_best_within)
        return ranked

    def _rerank(self, query: str, tokens: list[str], ranked: list[list], vector) -> list[list]:
        """Re-order the leading candidates by fused score plus how much of the question's (IDF-weighted)
        wording, and of its verbatim phrases, each chunk holds (the tokens the lexical index already
        holds), plus, for the first `sentence_depth`, the e5 similarity of the question and the chunk's
        closest sentence (`closest_sentences`)."""
        s = self.settings
        head, tail = ranked[: s.rerank_depth], ranked[s.rerank_depth :]
        if not head or s.coverage_weight <= 0 and s.phrase_weight <= 0 and s.sentence_weight <= 0:
            return ranked
        closest = []
        if s.sentence_weight > 0:
            closest = self.closest_sentences([entry[0] for entry in head[: s.sentence_depth]], query, vector)
            # past the depth, a candidate counts as the least similar of those compared, not as 0: a 0
            # would put it behind them by most of the fused range
            closest += [min(closest, default=0.0)] * (len(head) - len(closest))
        idf = self.index.lexical.idf(list(dict.fromkeys(tokens)))
        total = sum(idf.values()) or 1.0
        best = head[0][1] or 1.0
        wording = _PHRASE_STOP.sub(" ", normalize_query(query))
        scored = []
        for i, entry in enumerate(head):
            chunk_tokens = set(self.index.lexical.tokens_of(entry[0].id))
            coverage = sum(w for t, w in idf.items() if t in chunk_tokens) / total
            phrase = phrase_coverage(wording, entry[0].search_text) if s.phrase_weight else 0.0
            sentence = closest[i] if closest else 0.0
            scored.append(
                (
                    entry[1] / best
                    + s.coverage_weight * coverage
                    + s.phrase_weight * phrase
                    + s.sentence_weight * sentence,
                    entry,
                )
            )
        scored.sort(key=lambda pair: pair[0], reverse=True)  # stable: ties keep the fused order
        return [entry for _, entry in scored] + tail

    def closest_sentences(self, chunks: list[Chunk], query: str, vector) -> list[float]:
        """Per chunk, the e5 similarity of the query (its embedding: `vector`) and its closest sentence,
        on the quote finder's 0–1 scale (`scaled_similarity`). A chunk's vector blurs its sentences
        together; the one sentence that answers stands out on its own. Each sentence is compared in its
        search form (simplified, repaired), as the quote finder compares it: the vectors, embedded in one
        batch and remembered (`SentenceVectors`), serve the answer step too."""
        if self._sentences is None:
            self._sentences = SentenceVectors(self.index.embedder)
        per_chunk = [
            [text for a, b in sentence_spans(c.text) if len(text := search_text(c.text[a:b])) >= 2]
            or [c.search_text]
            for c in chunks
        ]
        sims = self._sentences.similarities(query, [text for texts in per_chunk for text in texts], vector)
        out, at = [], 0
        for texts in per_chunk:
            out.append(scaled_similarity(float(sims[at : at + len(texts)].max())))
            at += len(texts)
        return out


_PHRASE_STOP = re.compile(
    r"有哪些|是什么|是多少|多少|哪些|哪个|哪一|什么|怎么|如何|为什么|是否|有没有|[的了吗呢吧?？,，。!！、\s]"
)


def phrase_coverage(question: str, text: str, shortest: int = 4) -> float:
    """How much of the question `text` holds as verbatim phrases of ≥ `shortest` characters, longer
    phrases counting more (sum of squared phrase lengths over the squared question length):
    "生物制造重点领域" found whole says more than 生物制造 and 行动计划 found apart.

    >>> phrase_coverage("重庆行动计划生物制造重点领域", "围绕生物化工等生物制造重点领域")
    0.327
    >>> phrase_coverage("重庆行动计划生物制造重点领域", "重庆市推动生物制造产业发展行动计划")
    0.163
    """
    found = 0
    i = 0
    while i <= len(question) - shortest:
        j = i + shortest
        if question[i:j] not in text:
            i += 1
            continue
        while j < len(question) and question[i : j + 1] in text:
            j += 1
        found += (j - i) ** 2
        i = j
    return round(found / len(question) ** 2, 3) if question else 0.0


def convex_fusion(entries, alpha: float) -> None:
    """Set each [chunk, score, dense, bm25] entry's score to alpha·dense + (1 − alpha)·bm25, each side
    scaled to 0–1 over the candidates it returned: cosines from their lowest to their highest (all 1
    when they are equal), BM25 by its highest (its floor is 0). A side that did not return a candidate
    (None) counts 0 there. Scores, unlike ranks, keep how far apart candidates are: a chunk far ahead on
    one side stays ahead (reciprocal-rank fusion counts the first and second hits nearly alike).

    >>> entries = [["a", 0, 0.86, None], ["b", 0, 0.84, 9.0], ["c", 0, 0.80, 3.0], ["d", 0, None, 6.0]]
    >>> convex_fusion(entries, 0.5); [(e[0], round(e[1], 2)) for e in entries]
    [('a', 0.5), ('b', 0.83), ('c', 0.17), ('d', 0.33)]
    """
    entries = list(entries)
    cosines = [e[2] for e in entries if e[2] is not None]
    low, high = min(cosines, default=0.0), max(cosines, default=0.0)
    top_bm25 = max((e[3] for e in entries if e[3] is not None), default=0.0)
    for e in entries:
        dense = 0.0 if e[2] is None else (e[2] - low) / (high - low) if high > low else 1.0
        bm25 = e[3] / top_bm25 if e[3] is not None and top_bm25 > 0 else 0.0
        e[1] = alpha * dense + (1 - alpha) * bm25
