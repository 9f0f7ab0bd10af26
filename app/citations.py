"""The citation check, for every answer in every mode: markers must name given passages, and each cited
sentence must be supported by the passage it cites.

Support is lexical for Chinese (share of the sentence's character bigrams and words that occur in the
passage, both normalised) and semantic for sentences with no Chinese (e5 similarity between the
sentence and the passage), because an English answer about a Chinese passage shares no characters with
it. A marker naming a passage that was not given is removed; a sentence its passage does not support
(nor any other given passage) is dropped; both are reported in `Answer.dropped`.

    >>> split_cited("产值达11340亿元[1]。出口增长22%[2][7]")
    [('产值达11340亿元。', [1]), ('出口增长22%', [2, 7])]
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from app.models import Citation, Dropped, Passage
from app.quotes import bigrams
from ingest.clean import CJK_CHAR, search_text
from ingest.lexical import tokenize
from ingest.split import ITEM_MARKER, sentence_spans

MARKER = re.compile(r"\s*[\[【]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]】]")
_MARKER_RUN = re.compile(r"(?:\s*[\[【]\s*\d{1,3}(?:\s*[,，、]\s*\d{1,3})*\s*[\]】])+")
_QUOTED_BRACKETS = re.compile(r"(?<=[A-Za-z0-9_)\]])\[(\d{1,3})\]")  # a subscript: argv[0], a[1][2]
_LABEL = re.compile(r"(?<![A-Za-z0-9_)\]])[ \t]*[\[【]\s*\d{1,3}(?:\s*[,，、]\s*\d{1,3})*\s*[\]】]")
_CODE_BRACKETS = re.compile(r"\[(\d{1,3}(?:,\s*\d{1,3})*)\]")  # in code, also a list: [1], [1, 2]
_SHIELDED_BRACKETS = re.compile(r"［(\d{1,3}(?:,\s*\d{1,3})*)］")
_SENTENCE_END = re.compile(r"[。！？!?；;]+|(?<!\d)\.(?=\s|$)")
_TAIL = re.compile(r"[。！？!?；;.]*")
LEXICAL_THRESHOLD = 0.5
SEMANTIC_THRESHOLD = 0.82


def split_cited(answer: str) -> list[tuple[str, list[int]]]:
    """Sentences of an answer with the passage numbers each cites (markers removed from the text).

    A run of markers ends a sentence; the markers belong to the sentence just before them.
    """
    out: list[tuple[str, list[int]]] = []
    pos = 0
    for run in _MARKER_RUN.finditer(answer):
        tail = _TAIL.match(answer, run.end()).group()
        sentences = _sentences(answer[pos : run.start()] + tail)
        numbers = [
            int(n) for m in MARKER.finditer(run.group()) for n in re.split(r"[,，、\s]+", m.group(1)) if n
        ]
        out.extend((s, []) for s in sentences[:-1])
        if sentences:
            out.append((sentences[-1], numbers))
        pos = run.end() + len(tail)
    out.extend((s, []) for s in _sentences(answer[pos:]))
    return out


def shield_brackets(quoted: str, code: bool = False) -> str:
    """A quote's own subscript ("sys.argv[0]", "word[5]") in full-width brackets, so that checking the
    answer does not read it as a citation marker; the comparison with the passage reads them back as
    "[0]" (NFKC). A bracketed number after a space or at a line's start (a page's footnote label, "[6]
    2014 年…") is left to the checker, which reads it as a marker (and drops it when it names no given
    passage); in `code` (a quoted code block) every bracketed number or list of numbers is the code's.

    >>> shield_brackets("sys.argv[0] is an empty string; see [6]")
    'sys.argv［0］ is an empty string; see [6]'
    >>> unshield_brackets(shield_brackets("word[5][2]")) + "[2]"
    'word[5][2][2]'
    >>> shield_brackets("print(x) [1] [1, 2]", code=True)
    'print(x) ［1］ ［1, 2］'
    """
    return (_CODE_BRACKETS if code else _QUOTED_BRACKETS).sub(r"［\1］", quoted)


def without_labels(quoted: str) -> str:
    r"""A quote of prose without the document's own footnote labels ("国家标准 [1]", "[6] 2014 年…", "【2】"):
    in an answer they would read as markers naming passages, and the check, dropping them, would
    rebuild the answer sentence by sentence and lose its lines. Subscripts stay ("argv[0]", "a[1]").

    >>> without_labels("安装步骤如下 [3]：\n1. 执行 argv[0]。【2】")
    '安装步骤如下：\n1. 执行 argv[0]。'
    """
    return _LABEL.sub("", quoted)


def unshield_brackets(text: str) -> str:
    return _SHIELDED_BRACKETS.sub(r"[\1]", text)


def unshield_dropped(
    dropped: list[Dropped], restore: Callable[[str], str] = unshield_brackets
) -> list[Dropped]:
    """What the check removed, its texts and reasons with shielded brackets restored as written.

    >>> unshield_dropped([Dropped("argv［0］.", "passage 2 does not support: argv［0］.")])
    [Dropped(text='argv[0].', reason='passage 2 does not support: argv[0].', support=None)]
    """
    return [replace(d, text=restore(d.text), reason=restore(d.reason)) for d in dropped]


def _sentences(text: str) -> list[str]:
    pieces, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        pieces.append(text[start : m.end()])
        start = m.end()
    pieces.append(text[start:])
    return [p.strip() for p in pieces if p.strip()]


def lexical_support(sentence: str, passage_search_text: str) -> float:
    """How much of the sentence's wording occurs in the passage (0–1), after normalisation."""
    norm = search_text(sentence)
    grams = bigrams(norm)
    words = set(tokenize(norm))
    if not grams and not words:
        return 1.0
    if _unstated_number(norm, passage_search_text):
        return 0.0  # a number the passage does not state is never supported ("12340亿元" vs "11340亿元")
    passage_grams = bigrams(passage_search_text)
    gram_share = len(grams & passage_grams) / max(1, len(grams))
    word_share = sum(1 for w in words if w in passage_search_text) / max(1, len(words))
    return max(gram_share, 0.5 * gram_share + 0.5 * word_share)


def _unstated_number(sentence_search_text: str, passage_search_text: str) -> bool:
    """Whether the (normalised) sentence states a number the passage does not, as a whole number: 500
    is not in 1500."""
    numbers = re.findall(r"\d+(?:\.\d+)?", sentence_search_text)
    return any(not re.search(rf"(?<![\d.]){re.escape(n)}(?![\d])", passage_search_text) for n in numbers)


_SENTENCE_START = "\n。.!?！？;；:：”」』)）"
_LINE_ITEM = re.compile(rf"(?:^|\n)[ \t]*(?:{ITEM_MARKER}|[-*+|])[ \t]*$")  # a list marker opening its line


def states_word_for_word(sentence: str, passage_text: str) -> bool:
    r"""Whether the passage states the sentence word for word (whitespace aside, after normalisation),
    neither starting nor ending inside a word or a number; a sentence of six letters or digits or more
    must also start where a sentence or a line of the passage starts (so "remove it." is not read out
    of "You cannot remove it.").

    >>> page = "You cannot remove it. Version 10 is out.\n- Choose View - Field Names"
    >>> [states_word_for_word(s, page) for s in ("Version 10 is out.", "Choose View - Field Names", "|")]
    [True, True, False]
    >>> [states_word_for_word(s, page) for s in ("cannot remove it.", "Version 1", "out.")]
    [False, False, True]
    """
    chars = [c for c in search_text(sentence) if not c.isspace()]
    if not chars:
        return False
    whole = sum(c.isalnum() for c in chars) >= 6
    text = _searchable_lines(passage_text)
    for m in re.finditer(r"\s*".join(map(re.escape, chars)), text):
        before = text[: m.start()].rstrip(" \t")
        if whole and before and before[-1] not in _SENTENCE_START and not _LINE_ITEM.search(before):
            continue
        if _runs_on(text[m.start() - 1 : m.start()], chars[0]) or _runs_on(
            text[m.end() : m.end() + 1], chars[-1]
        ):
            continue  # "Version 1" inside "Version 10"
        return True
    return False


@functools.lru_cache(maxsize=256)
def _searchable_lines(passage_text: str) -> str:
    """The passage normalised like `search_text`, line by line (its line breaks kept); remembered, as the
    check asks it of the same passages for each sentence of an answer."""
    return "\n".join(search_text(line) for line in passage_text.split("\n"))


def _runs_on(neighbour: str, edge: str) -> bool:
    """Whether `neighbour` continues the word or number that `edge` ends (or starts)."""
    if not neighbour:
        return False
    if edge.isdigit():
        return neighbour.isdigit()
    return edge.isascii() and edge.isalnum() and neighbour.isascii() and neighbour.isalnum()


@dataclass
class CheckedAnswer:
    text: str
    cited: dict[int, list[str]]  # passage number -> the sentences citing it
    dropped: list[Dropped]


class CitationChecker:
    """`check(answer, passages)`; `similarity(a, b)` is used for sentences without Chinese characters."""

    def __init__(
        self,
        similarity: Callable[[str, str], float] | None = None,
        lexical_threshold: float = LEXICAL_THRESHOLD,
        semantic_threshold: float = SEMANTIC_THRESHOLD,
    ) -> None:
        self.similarity = similarity
        self.lexical_threshold = lexical_threshold
        self.semantic_threshold = semantic_threshold

    def support(self, sentence: str, passage: Passage) -> tuple[float, float]:
        """(score, threshold) for `sentence` against `passage`; a sentence the passage states word for
        word (as a quote is) is supported whatever its language."""
        if states_word_for_word(sentence, passage.text):
            return 1.0, self.lexical_threshold
        passage_text = passage.search_text or search_text(passage.text)
        if CJK_CHAR.search(sentence) or self.similarity is None:
            return lexical_support(sentence, passage_text), self.lexical_threshold
        if _unstated_number(search_text(sentence), passage_text):
            return 0.0, self.semantic_threshold
        return self.similarity(sentence, passage.text), self.semantic_threshold

    def check(self, answer: str, passages: list[Passage]) -> CheckedAnswer:
        kept: list[str] = []
        cited: dict[int, list[str]] = {}
        dropped: list[Dropped] = []
        pieces = split_cited(answer)
        for k, (sentence, numbers) in enumerate(pieces):
            valid = []
            for n in dict.fromkeys(numbers):
                if 1 <= n <= len(passages):
                    valid.append(n)
                else:
                    dropped.append(
                        Dropped(f"[{n}]", f"cites passage {n}, but only {len(passages)} were given")
                    )
            supported = []
            for n in valid:
                score, threshold = self.support(sentence, passages[n - 1])
                if score >= threshold:
                    supported.append(n)
                else:
                    dropped.append(
                        Dropped(f"[{n}]", f"passage {n} does not support: {sentence}", round(score, 3))
                    )
            if not supported and not numbers:  # a sentence before the marker run that ends its stretch
                ahead = next((n for _, n in pieces[k + 1 :] if n), [])  # (a paragraph quoted whole)
                supported = [
                    n
                    for n in dict.fromkeys(ahead)
                    if 1 <= n <= len(passages) and _holds(self.support(sentence, passages[n - 1]))
                ]
            if not supported:
                # an uncited (or wrongly cited) sentence stays only if some given passage supports it
                scored = [(self.support(sentence, p), i) for i, p in enumerate(passages, start=1)]
                best = max(scored, default=None, key=lambda x: x[0][0])
                if best is not None and _holds(best[0]):
                    supported = [best[1]]
                else:
                    score = round(best[0][0], 3) if best else None
                    dropped.append(Dropped(sentence, "not supported by any given passage", score))
                    continue
            for n in supported:
                cited.setdefault(n, []).append(sentence)
            body = sentence.rstrip("。！？!?；;.")
            kept.append(body + "".join(f"[{n}]" for n in supported) + sentence[len(body) :])
        return CheckedAnswer(_join(kept), cited, dropped)


def _holds(support: tuple[float, float]) -> bool:
    score, threshold = support
    return score >= threshold


def _join(sentences: list[str]) -> str:
    out = ""
    for s in sentences:
        if out and not CJK_CHAR.search(out[-8:]) and not CJK_CHAR.search(s[:1]):
            out += " "
        out += s
    return out


def citations_for(passages: list[Passage], cited: dict[int, list[str]], quotes: list) -> list[Citation]:
    """One citation per cited passage n, its quotes located in the document: the quoted spans the
    extractive answerer took (`quotes`: objects with `n`, `start`, `end`), else the passage sentences
    that best match the sentences cited to it (an LLM's answer)."""
    out = []
    for n in sorted(cited):
        p = passages[n - 1]
        spans = [(q.start, q.end) for q in quotes if q.n == n] or [
            _locate(sentence, p) for sentence in cited[n]
        ]
        out.append(
            Citation(
                n=n,
                source=p.source,
                chunk_id=p.chunk_id,
                text=p.text,
                start=p.start,
                end=p.end,
                score=p.score,
                quotes=[{"text": p.text[s - p.start : e - p.start], "start": s, "end": e} for s, e in spans],
                title=p.title,
                location=p.location,
            )
        )
    return out


def _locate(sentence: str, passage: Passage) -> tuple[int, int]:
    """Document offsets of the passage sentence that best matches a cited sentence (for highlighting)."""
    spans = sentence_spans(passage.text) or [(0, len(passage.text))]
    best = max(spans, key=lambda se: lexical_support(sentence, search_text(passage.text[se[0] : se[1]])))
    return passage.start + best[0], passage.start + best[1]
