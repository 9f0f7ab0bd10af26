"""Evidence checks of the extractive answer: whether the quotes chosen for a question answer what it
asks, and whether the question is about something the documents never mention.

Each check is for a kind of question, not a gold item: a number, year or ordinal the question names
must be quoted; "how many X" wants a number in X's unit or followed by X; "when did it happen" wants a
date beside the event's verb; a noun or name the documents never use makes the evidence weaker, or
refuses when it is what the question asks about. Used by `app/chain.py`; the thresholds are
calibrated on the gold sets (`docs/evaluation.md`).
"""

from __future__ import annotations

import re

from app.extractive import Quote, asked_quantity, counted_phrase
from app.glossary import unglossed_names
from app.models import Passage
from ingest.clean import search_text
from ingest.lexical import pos_tags, tokenize
from ingest.store import Index

COUNTED_FLOOR = 0.5  # a quote naming the counted thing with a number joins at half the best score
_NUMBER_WITH_UNIT = re.compile(r"\d+(?:\.\d+)?(?:[年月日亿万千百元家个项名%倍层场]|$)?")
# an ordinal ("第二批", "第3期") names one of several things: a quote about another one does not answer
_ORDINAL = re.compile(r"第[一二三四五六七八九十\d]+[批期届次轮阶段]")
# "when did it happen": the event's verbs follow the question word (哪一年成立, 什么时候发布的)
_WHEN = re.compile(r"哪一?年|哪天|何年|何时|什么时候")
_DATE = re.compile(r"(?:19|20)\d{2}\s*年|\d{1,2}\s*月\s*\d{1,2}\s*日")
YEAR = re.compile(r"(?:19|20)\d{2}年?")
_FOCUS_FOLLOWS = r"(?:的)?(?:是|有|为|总额|总共)?(?:谁|多少|多大|多久|多长|什么|哪|几|吗|呢)"
_QUESTION_WORD = re.compile(r"哪|什么|多少|几|怎么|如何|为什么|为何")  # "哪些地方" is not a noun of the subject
_FOCUS_PRECEDES = r"(?:什么|哪个|哪些|哪一?|多少|几个?)的?"  # "叫什么名字", "哪个部门"
_NOUN_TAGS = {"n", "ns", "nr", "nt", "nz", "nrt", "l", "vn", "j"}
# words jieba tags as nouns that only colour a question ("专门搞", "全面建成"): unseen, they say nothing
_GENERIC_WORDS = {"专门", "全面", "具体", "主要", "目前", "现在", "当前", "一般", "大概", "到底", "究竟", "特别",
                  "总共", "一共", "整体", "情况", "问题", "内容", "东西", "时候", "地方", "做法", "方式", "方面"}
_ENTITY_TAGS = {"ns", "nr", "nt", "nz", "nrt"}


def asks_about_unseen(question: str, unseen: list[str]) -> bool:
    """Whether a noun the collection never uses is what the question asks about: the question word
    is next to it ("法定代表人是谁", "占地面积有多大", "报名收费吗", "叫什么名字"), rather than the noun
    colouring the subject."""
    text = search_text(question)
    nouns = {w for w, tag in pos_tags(text) if tag in ("n", "nz", "vn")}  # not idioms like 转变成
    return any(re.search(re.escape(n) + r"[\u4e00-\u9fff]?" + _FOCUS_FOLLOWS, text) or re.search(_FOCUS_PRECEDES + re.escape(n), text)
               for n in unseen if n in nouns)


def event_verbs(text: str) -> list[str]:
    """The first verb of `text` and its alternatives ("批复或确定"): 获批 in "获批建设", not 建设.

    >>> event_verbs("被国家发改委批复或确定相关产业地位的?"), event_verbs("获批建设的?")
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


def _kept_or_added(chosen: list[Quote], candidates: list[Quote], answers, would_answer) -> list[Quote] | None:
    """`chosen` when one of its quotes `answers`; else with the best candidate that `would_answer`
    added (in reading order); else None."""
    if any(answers(q) for q in chosen):
        return chosen
    extra = next((q for q in candidates if would_answer(q)), None)
    return None if extra is None else sorted([*chosen, extra], key=lambda q: (q.n, q.start))


class EvidenceChecks:
    """The checks that need the collection: which words it uses (lexical index), where (BM25 within a document)."""

    def __init__(self, index: Index) -> None:
        self.index = index

    def add_event_quote(self, question: str, chosen: list[Quote], candidates: list[Quote]) -> list[Quote] | None:
        """A "when did X happen" question (哪一年成立, 什么时候发布) needs a quote holding a date and the
        event's verb: keep the chosen quotes if one has both, else add the best candidate (≥ half the best
        score) that has both, else None. A date beside another event (启动建设 for 获批) does not answer it."""
        when = _WHEN.search(question)
        if when is None:
            return chosen
        events = event_verbs(question[when.end() :])
        if not events:
            return chosen

        def dates_event(q: Quote) -> bool:
            text = search_text(q.text)
            return bool(_DATE.search(text)) and any(v in text for v in events)

        return _kept_or_added(chosen, candidates, dates_event, lambda q: q.score >= 0.5 * candidates[0].score and dates_event(q))

    def unseen_terms(self, question: str) -> tuple[list[str], list[str]]:
        """Nouns of the question the collection never uses: (named entities, other nouns).

        A question about "上海市" or "从业人员" over documents that never mention them is about
        something else, however well its other words match.
        """
        words = [(w, tag) for w, tag in pos_tags(search_text(question))
                 if len(w) >= 2 and tag in _NOUN_TAGS and w not in _GENERIC_WORDS and not _QUESTION_WORD.match(w) and tokenize(w)]
        df = self.index.lexical.document_frequency([w for w, _ in words])
        unseen = [(w, tag) for w, tag in words if df.get(w, 0) == 0]
        return [w for w, t in unseen if t in _ENTITY_TAGS], [w for w, t in unseen if t not in _ENTITY_TAGS]

    def unseen_english_names(self, question: str) -> list[str]:
        """Names in an English question ("BGI", "SoftBank") that the glossary cannot translate and the
        documents never use, not even in English. Pinyin names are not judged: they may be Chinese names
        wenda cannot spell in characters."""
        names = unglossed_names(question)
        df = self.index.lexical.document_frequency([t for n in names for t in tokenize(n)])
        return [n for n in names if all(df.get(t, 0) == 0 for t in tokenize(n))]

    def add_quantity_quote(self, question: str, chosen: list[Quote], candidates: list[Quote], passages: list[Passage]) -> list[Quote] | None:
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

        floor, source = 0.7 * candidates[0].score, passages[candidates[0].n - 1].source
        counted = counted_phrase(question)  # "5方面" for "几个方面": convincing at a lower score

        def answers(q: Quote) -> bool:
            text = search_text(q.text)
            if counted is not None and q.score >= COUNTED_FLOOR * candidates[0].score and counted.search(text):
                return True
            return q.score >= floor and quantity.search(text) is not None

        return _kept_or_added(chosen, candidates, lambda q: bool(quantity.search(search_text(q.text))) and about(q),
                              lambda q: passages[q.n - 1].source == source and answers(q) and about(q))

    def _mentions(self, source: str, name: str) -> bool:
        """Whether document `source` uses the word `name` anywhere (a lexical search within it)."""
        hits = self.index.lexical_search(tokenize(search_text(name)), 5, source=source)
        return any(name in chunk.search_text or name in chunk.heading for chunk, _ in hits)

    def add_number_quotes(self, question: str, chosen: list[Quote], candidates: list[Quote]) -> tuple[list[Quote], list[str]]:
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
