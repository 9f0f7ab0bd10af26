"""Finding the quotes that answer one question in the retrieved passages, each piece ending `[n]`.

The extractive answerer (`app/extractive.py`) asks it once per question of a message. It never
writes a word that is not in a passage. Every sentence ("unit") of every retrieved passage is scored
with two general signals and no phrase rules:

- lexical: the IDF-weighted share of the question's words in the unit (its section heading counts
  for less) and the share of the question's character bigrams (an English question's words: the
  Chinese ones retrieval searched for, `app/extractive.py`);
- semantic: the e5 similarity of question and unit, for the leading candidates, the unit embedded in
  its search form (simplified, repaired) as its chunk was (vectors remembered in `SentenceVectors`).
  The score weighs lexical by `LEXICAL_WEIGHT` and semantic by the rest (an English question, whose
  words match few, by `LEXICAL_WEIGHT_ENGLISH`).

The answer is a contiguous window of the best passage around its best unit, shaped by the text's
structure, not by its words: a unit that introduces something (it ends with a colon) brings what
follows (items, code, table rows, indented lines); a list item brings its later sentences on its line;
a description brings the term it is indented under; close runners-up of the same document join. Each
unit is a quote of its own; the extractive answerer joins those that read on from each other into one
(`app/quote_joining.py`). The confidence that the documents answer the question is a calibrated
probability (`app/confidence.py`) of the signals returned with the quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.answer_window import ITEM as _ITEM
from app.answer_window import Unit, introduces, paragraph_window, structural_window, with_term
from app.models import Passage
from app.questions import asks_quantity, is_english, languages_differ
from app.sentence_vectors import scaled_similarity
from ingest.clean import FENCES, normalize_query, opening_fence, search_text
from ingest.lexical import tokenize
from ingest.split import heading_level, sentence_spans

_TITLE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9 ]{1,24}")  # no punctuation at all: a title or a label
SEMANTIC_CANDIDATES = 24  # units embedded per (sub-)question, chosen by their lexical score
RUNNER_UP = 0.8  # a unit of the best document within this share of the best score joins the answer
MAX_UNITS = 3
RANK_PRIOR = 0.05  # a unit's score gains this over its passage's rank (1-based)
LEXICAL_WEIGHT, LEXICAL_WEIGHT_ENGLISH = 0.4, 0.25  # the rest of a unit's score is its e5 similarity


@dataclass
class Quote:
    n: int  # 1-based passage number
    start: int  # offsets into the source document
    end: int
    text: str  # display text of the quoted words
    score: float
    order: int
    block: bool = False  # an item, code or table line: shown on a line of its own


@dataclass
class Draft:
    """What the quote finder found for one question: the quotes, best first, and the signals the
    extractive answerer's confidence is computed from."""

    quotes: list[Quote]
    signals: dict[str, float] = field(default_factory=dict)


_QUANTITY = re.compile(
    # a digit not going on a name (UTF-8, ext4, x86_64, /dev/sda1); "-1" is a number
    r"(?<![A-Za-z_./\d])(?<![A-Za-z\d]-)\d"
    r"|[零一二两三四五六七八九十百千万亿]{2,}|[二两三四五六七八九十百千万亿半][年月日天个项家种次倍成元吨度位名条层周岁]"
)
_SECTION_REFERENCE = re.compile(r"(?<=[A-Za-z0-9_.+-])\(\d[a-z]*\)")  # a man page: ssh(1), printf(3p)


def states_quantity(text: str) -> bool:
    """Whether the text states a number, in digits or in Chinese numerals with a unit. A digit that is
    part of a name (UTF-8, ext4, machine-info(5)) states none.

    >>> [states_quantity(t) for t in ("年产能为八百吨", "占三成", "2008年", "3TB", "选择水印的旋转角度")]
    [True, True, True, True, False]
    >>> [states_quantity(t) for t in ("必须UTF-8编码", "详见 machine-info(5)", "ext4 文件系统", "base64(1)")]
    [False, False, False, False]
    >>> [states_quantity(t) for t in ("默认值为 -1", "默认值是16", "1.5 倍")]
    [True, True, True]
    """
    return bool(_QUANTITY.search(_SECTION_REFERENCE.sub("", text)))


def bigrams(text: str) -> set[str]:
    chars = [c for c in text if c.isalnum()]
    return {a + b for a, b in zip(chars, chars[1:])}


class QuoteFinder:
    """`find(question, wording, passages, idf, …)` → Draft. `vectors`: a `SentenceVectors` (None:
    lexical scoring only)."""

    def __init__(self, vectors=None) -> None:
        self.vectors = vectors

    def find(
        self,
        question: str,
        wording: str,
        passages: list[Passage],
        idf: dict[str, float],
        context: str = "",
        continues: dict[int, int] | None = None,
        question_vector=None,
    ) -> Draft:
        """`wording`: what is matched lexically (the question, or its glossed Chinese terms);
        `context`: the subject of earlier turns (counts for less); `continues`: passage n → the passage
        holding the text right after it (an answer window runs on);
        `question_vector`: the e5 query embedding of the normalised question, when retrieval made it."""
        units = self.units(passages)
        if not units:
            return Draft(
                [], {"semantic": 0.0, "lexical": 0.0, "coverage": 0.0, "english": float(is_english(question))}
            )
        q_tokens = set(tokenize(normalize_query(wording)))
        c_tokens = set(tokenize(normalize_query(context))) - q_tokens if context else set()
        weight = {t: idf.get(t, 1.0) for t in q_tokens} | {t: 0.4 * idf.get(t, 1.0) for t in c_tokens}
        total = sum(weight.values()) or 1.0
        q_bigrams = bigrams(normalize_query(wording))
        searched = {}  # unit order -> its search text (simplified, repaired)
        for u in units:
            norm = searched[u.order] = search_text(u.text)
            tokens = set(tokenize(norm))
            in_unit = sum(w for t, w in weight.items() if t in tokens)
            in_heading = sum(w for t, w in weight.items() if t in u.heading and t not in tokens)
            overlap = len(q_bigrams & bigrams(norm)) / max(1, len(q_bigrams))
            u.lexical = 0.65 * (in_unit + 0.6 * in_heading) / total + 0.35 * overlap
        english = is_english(question)
        lexical_weight = LEXICAL_WEIGHT_ENGLISH if english else LEXICAL_WEIGHT
        ranked = sorted(units, key=lambda u: u.lexical + 0.1 / u.n, reverse=True)
        leading = ranked[:SEMANTIC_CANDIDATES]
        if self.vectors is not None:
            sims = self.vectors.similarities(
                normalize_query(f"{question} {context}".strip()),
                [searched[u.order] for u in leading],  # as the chunks were embedded: simplified, repaired
                None if context else question_vector,
            )
            for u, sim in zip(leading, sims):
                u.similarity = float(sim)
                u.semantic = scaled_similarity(sim)
        for u in units:
            u.score = lexical_weight * u.lexical + (1 - lexical_weight) * u.semantic + RANK_PRIOR / u.n
        # the document's title is the answer only when far ahead (a note's first line, not a page header)
        best = max(units, key=lambda u: u.score * (RUNNER_UP if u.title else 1))
        normalised = [p.search_text or search_text(p.text) for p in passages]  # retrieval's passages carry it
        coverage = sum(w for t, w in weight.items() if any(t in text for text in normalised)) / total
        home = normalised[best.n - 1]
        rare = sorted(q_tokens, key=lambda t: (-idf.get(t, 1.0), t))[:3]  # ties by the word: set order varies
        specific = sum(idf.get(t, 1.0) for t in rare if t in home) / (
            sum(idf.get(t, 1.0) for t in rare) or 1.0
        )
        numbers = re.findall(r"\d+(?:\.\d+)?", normalize_query(question))
        stated = sum(1 for x in numbers if x in home) / len(numbers) if numbers else 1.0
        signals = {
            "semantic": best.semantic,
            "lexical": best.lexical,
            "coverage": coverage,
            "specific": specific,
            "numbers": stated,
            "english": float(english),
            "crosslingual": languages_differ(question, passages[best.n - 1].text),
            "similarity": best.similarity,
            "margin": _margin(best, leading),
        }
        quotes = self._quotes(best, units, passages, continues or {})
        signals["quantity"] = float(
            not asks_quantity(question)
            or any(states_quantity(q.text) for q in quotes if not units[q.order].term)  # a term states none
        )
        return Draft(quotes, signals)

    @staticmethod
    def units(passages: list[Passage]) -> list[Unit]:
        """The candidate sentences of the passages; headings are not candidates but label what follows;
        a fenced code block is one unit."""
        units: list[Unit] = []
        for n, passage in enumerate(passages, start=1):
            heading = (
                set(tokenize(search_text(passage.heading.split(" › ")[-1]))) if passage.heading else set()
            )
            fence_start = None
            for s, e in sentence_spans(passage.text):
                raw = passage.text[s:e]
                fence = opening_fence(raw)
                if fence and not _closes(raw, fence):  # a fence alone: opens a block, or closes the open one
                    if fence_start is None:
                        fence_start = s
                        continue
                    s, fence_start = fence_start, None
                elif fence_start is not None:
                    continue
                elif heading_level(raw) is not None or _TITLE.fullmatch(raw.strip()):
                    heading = set(tokenize(search_text(raw)))  # a line of bare words labels what follows too
                    continue
                text = passage.text[s:e]
                if len(re.sub(r"\W", "", text)) < 2 or text.rstrip()[-1:] in "?？":
                    continue  # punctuation, or a question (an FAQ's): not an answer
                unit = Unit(n, s, e, text, heading, len(units))
                unit.title = _is_title(unit.shown, passage)
                units.append(unit)
        return units

    def _quotes(
        self, best: Unit, units: list[Unit], passages: list[Passage], continues: dict[int, int]
    ) -> list[Quote]:
        """The window around the best unit, then close runners-up of the same document, best first: up to
        `MAX_UNITS` - 1 after a sentence's paragraph, one after a structured window (what it introduces
        answers one part of a question, a runner-up another; a second made answers longer, no better)."""
        window = structural_window(best, units, passages, continues)
        structured = len(window) > 1
        if not structured:
            window = paragraph_window(best, [u for u in units if u.n == best.n], passages[best.n - 1].text)
            if window[-1] is not best and introduces(window[-1].text):  # it ends introducing
                window += structural_window(window[-1], units, passages, continues)[1:]
                structured = True
        taken = {u.order for u in window}
        source = passages[best.n - 1].source
        extra = [
            u
            for u in sorted(units, key=lambda u: u.score, reverse=True)
            if u.order not in taken
            and u.score >= RUNNER_UP * best.score
            and not u.title  # a page header beside the answer says nothing the citation does not
            and passages[u.n - 1].source == source
            and u.text.strip() not in {w.text.strip() for w in window}
        ]
        chosen = with_term(window, units, passages, taken)
        for u in extra[: 1 if structured else MAX_UNITS - 1]:
            if u.order in taken:
                continue
            # a runner-up that introduces something (ends with a colon) brings it, as the best unit would
            more = structural_window(u, units, passages, {})
            more = [m for m in more if m.order not in taken]
            taken |= {m.order for m in more}
            chosen += with_term(more, units, passages, taken)
        return [self._quote(u, passages[u.n - 1]) for u in chosen]

    @staticmethod
    def _quote(u: Unit, passage: Passage) -> Quote:
        block = bool(_ITEM.match(u.text)) or u.code
        return Quote(
            u.n,
            passage.start + u.start,
            passage.start + u.end,
            u.shown,  # a unit's text is a trimmed span
            u.score,
            u.order,
            block,
        )

    @staticmethod
    def render(quotes: list[Quote]) -> str:
        """Quotes with their markers; items, code, table rows and what a colon introduces each on a line
        of its own."""
        out, introduced = "", False
        for q in quotes:
            piece = f"{q.text}[{q.n}]" if not q.text.endswith(FENCES) else f"{q.text}\n[{q.n}]"
            if q.block or introduced:  # what a quote ending with a colon introduces starts a line
                out = out.rstrip() + "\n" + piece + "\n"
            elif out and not out.endswith("\n"):  # after a marker, in Chinese too: "…。[1] 第二句。[2]"
                out += " " + piece
            else:
                out += piece
            introduced = introduces(q.text)
        return out.strip()


def _is_title(shown: str, passage: Passage) -> bool:
    """Whether a unit quoted as `shown` is the title of the passage's document (a man page's header
    line, a first line the title was read from; a title cut with "…" matches the line it was cut from)."""
    title = "".join(passage.title.split())
    cut = title.endswith(("…", "..."))
    title = title.rstrip(".…") if cut else title
    line = "".join(shown.split())
    return bool(title) and (line.startswith(title) if cut else line == title)


def _closes(unit: str, fence: str) -> bool:
    r"""Whether a unit that opens with `fence` closes it too: a whole block, or one written on one line
    ("``` dlocate -S foo ```", the Debian FAQ's list items), not the start of one.

    >>> [_closes(u, "```") for u in ("```\ncode\n```", "``` dlocate -S foo ```", "```", "```bash")]
    [True, True, False, False]
    """
    bare = unit.strip()
    return len(bare) > 2 * len(fence) and bare.endswith(fence)


def _margin(best: Unit, leading: list[Unit], others: int = 5) -> float:
    """How far the best unit's e5 similarity stands above the next `others` compared units': an answer
    stands out from its neighbours; a question the text only touches on finds many about as close."""
    rest = sorted((u.similarity for u in leading if u is not best and u.similarity), reverse=True)[:others]
    return round(best.similarity - sum(rest) / len(rest), 4) if rest and best.similarity else 0.0
