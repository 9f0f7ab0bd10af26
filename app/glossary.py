"""English → Chinese query glossary: lets an English question meet Chinese documents on the lexical side.

The local embedder is multilingual, but cross-lingual similarity alone ranks poorly (same-language
text scores higher). Offline there is no translator, so English questions are expanded with the
Chinese terms of a small glossary of policy, industry and biotech vocabulary (`app/data/glossary_en_zh.tsv`,
longest phrase first). The Chinese terms feed BM25 and the extractive answerer's word overlap; the
English question still drives dense retrieval.

    >>> gloss("What was the total output value of the bio-industry in 2008?")
    '总产值 产值 生物产业 2008'
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

_PATH = Path(__file__).with_name("data") / "glossary_en_zh.tsv"


@functools.cache
def _entries() -> list[tuple[re.Pattern, str]]:
    entries = []
    for line in _PATH.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        english, chinese = line.split("\t", 1)
        entries.append((english.strip().lower(), chinese.strip()))
    entries.sort(key=lambda e: len(e[0]), reverse=True)
    return [(re.compile(rf"(?<![\w-]){re.escape(en)}(?![\w-])"), zh) for en, zh in entries]


def gloss(question: str) -> str:
    """Chinese terms for the phrases of an English question, then its numbers, as one string."""
    terms, _ = _translate(question)
    numbers = re.findall(r"\d+(?:\.\d+)?", question)
    return " ".join(terms + [n for n in numbers if n not in terms])


def unglossed_text(question: str) -> str:
    """What is left of an English question (lower-cased) once the glossary's phrases are taken out.

    >>> unglossed_text("What was the bio-industry output in 2008?").split()
    ['what', 'was', 'the', 'in', '2008?']
    """
    return _translate(question)[1]


def unglossed_names(question: str) -> list[str]:
    """Capitalised words of an English question that the glossary does not translate and that are not
    pinyin (a Chinese name wenda cannot map), nor months, weekdays or a sentence's first word: names of
    things like "BGI".

    >>> unglossed_names("When did BGI join the CAS alliance in January?")
    ['BGI']
    >>> unglossed_names("Who runs Changfazhan?"), unglossed_names("How Many Firms Joined?")
    ([], [])
    >>> unglossed_names("It names three industries. Which are they?")
    []
    """
    _, rest = _translate(question)
    # capitalised, but not because a sentence starts there
    words = [
        m[1]
        for m in re.finditer(
            r"(?<![.?!:;]\s)(?<![.?!:;])[\s(\"']([A-Z][A-Za-z&-]+)", " " + question.split(" ", 1)[-1]
        )
    ]
    left = set(re.findall(r"[a-z&-]+", rest))
    alphabetic = re.findall(r"[A-Za-z]+", question)
    if sum(w[0].isupper() for w in alphabetic) * 2 > len(alphabetic):  # Title Case: capitals say nothing
        return []
    return [
        w
        for w in dict.fromkeys(words)
        if w.lower() in left and w.lower() not in _COMMON and not is_pinyin(w.lower())
    ]


def is_pinyin(word: str) -> bool:
    """Whether `word` is a run of pinyin syllables ("changfazhan"): checked position by position, in
    linear time (a nested regex would backtrack exponentially on "aiaiai…").

    >>> is_pinyin("changfazhan"), is_pinyin("bgi"), is_pinyin("ai" * 40 + "q")
    (True, False, False)
    """
    reachable = [True] + [False] * len(word)
    for i in range(len(word)):
        if reachable[i]:
            for j in range(i + 1, min(len(word), i + 6) + 1):
                if _SYLLABLE.fullmatch(word, i, j):
                    reachable[j] = True
    return bool(word) and reachable[-1]


def _translate(question: str) -> tuple[list[str], str]:
    """(the Chinese terms of the glossary phrases in `question`, what is left of its lower-cased text)."""
    text = question.lower()
    terms: list[str] = []
    for pattern, chinese in _entries():
        if pattern.search(text):
            text = pattern.sub(" ", text)
            terms.extend(t for t in chinese.split() if t not in terms)
    return terms, text


_COMMON = {
    "which",
    "what",
    "who",
    "whom",
    "whose",
    "when",
    "where",
    "why",
    "how",
    "is",
    "are",
    "was",
    "were",
    "do",
    "does",
    "did",
    "the",
    "a",
    "an",
    "in",
    "on",
    "of",
    "for",
    "and",
    "or",
    "to",
    "according",
    "besides",
    "i",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
}
_SYLLABLE = re.compile(
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|"
    r"ai|ei|ao|ou|an|en|in|un|ia|ie|iu|ua|uo|ui|ue|er|a|o|e|i|u|v)"
)
