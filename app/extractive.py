"""The offline answerer: quote the retrieved sentences that answer the question, each ending with `[n]`.

It never writes a word that is not in a passage (beyond the `[n]` markers and the refusal message):
it scores every sentence of every retrieved passage against the question — IDF-weighted word overlap
(jieba, normalised text), character-bigram overlap, a bonus for numbers when the question asks for
one, and a prior for the passage's retrieval rank — and quotes the best few. Long sentences are cut to
the clauses that match. The evidence score it returns is what the refusal decision uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.models import Passage
from ingest.clean import display_text, normalize_query, search_text
from ingest.lexical import tokenize
from ingest.split import ITEM_MARKER, heading_level, sentence_spans

_NUMERIC_INTENT = re.compile(r"多少|几|多大|比例|规模|数量|金额|产值|增速|增长|百分|何时|哪一年|什么时候|哪年|how (many|much)|when|what year|percent|rate")
_LIST_INTENT = re.compile(r"哪些|哪几|有什么|包括|列举|几个方面|几大|分别|what are|which|list")
# a list item's opening: "1." "2、" "(三)" "四是" — in a list question, the items' first sentences name them
_ENUMERATED = re.compile(rf"\s*(?:{ITEM_MARKER}|[\-*])")
_ITEM_BONUS = 0.1
_WHY_INTENT = re.compile(r"为什么|为何|什么原因|原因是|\bwhy\b", re.IGNORECASE)
_WHY_FOLLOWING_FLOOR = 0.4
# what kind of answer a question wants, and what a sentence holding one looks like: a sentence that
# has the asked-for kind of thing (an e-mail address for "哪个邮箱", a name after 联系人 for "是谁",
# a span of days for "多久") scores `_ANSWER_TYPE_BONUS` more
_ANSWER_TYPES = [
    (re.compile(r"邮箱|e-?mail", re.IGNORECASE), re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")),
    (re.compile(r"电话|手机|phone", re.IGNORECASE), re.compile(r"\d{3,4}-\d{7,8}|1\d{10}")),
    (re.compile(r"是谁|联系人|负责人|who", re.IGNORECASE), re.compile(r"(?:联系人|负责人|主任|院长|部长|局长|市长)[:：\s]*[\u4e00-\u9fff]{2,4}")),
    (re.compile(r"多久|多长时间|期限|how long", re.IGNORECASE), re.compile(r"\d+\s*(?:个)?(?:日|天|周|个月|月|年)[内以]")),
    (re.compile(r"网址|网站|website", re.IGNORECASE), re.compile(r"https?://|www\.")),
    (re.compile(r"哪一?年|何年|什么时候|何时|\bwhen\b|what year", re.IGNORECASE), re.compile(r"(?:19|20)\d{2}\s*年")),
    # why: a cause or purpose ("由于…", "为了…", "…是…的必要环节", "…的迫切需求")
    (re.compile(r"为什么|为何|什么原因|\bwhy\b", re.IGNORECASE),
     re.compile(r"由于|因为|为了|旨在|原因|迫切需求|是[^。；]{0,30}(?:必要|关键|重要|基础|前提|核心)(?:环节|举措|途径|手段|一环|条件|支撑|保障)")),
]
_ANSWER_TYPE_BONUS = 0.2
# a question asking "how many / how much", and what answers it: a quantity, not a date ("170家", "5方面",
# "六大"; not "2023年7月14日"). "2020年" is not answered by "(2006-2020)", nor "100亿元" by "100家".
COUNT_INTENT = re.compile(r"多少|(?<!哪)几[家个项名次倍场年种所条方十百千万亿]|how (many|much|large|big)", re.IGNORECASE)
QUANTITY = re.compile(r"\d+(?:\.\d+)?(?![\d.年月日、．)）])|(?:[二三四五六七八九十两]|一[十百千万])[一二三四五六七八九十两百千万]*(?:大|个|項|项|家|名|方面|倍|場|场)")


_YEARS_ASKED = re.compile(r"(多少|几)年")
# "多少名研究人员": counted in 名, and what is counted starts 研究
_COUNTED_IN = re.compile(r"(?:多少|几)个?([家名项所条次倍种场位])([\u4e00-\u9fff]{2})?")


def asked_quantity(question: str) -> re.Pattern:
    """What answers a "how many" question: any digit when years are asked for; when it names a unit,
    a number with that unit or followed by what is counted ("多少家企业" → "约170家", "350+企业", not
    "六大平台"); else any quantity.

    >>> [bool(asked_quantity("有多少家企业?").search(t)) for t in ("约170家", "350+企业参加", "建设六大技术平台")]
    [True, True, False]
    """
    if _YEARS_ASKED.search(question):
        return re.compile(r"\d")
    counted = _COUNTED_IN.search(question)
    if counted:
        unit, noun = counted[1], counted[2]
        what = f"个?{unit}" + (f"|{noun}" if noun else "")
        return re.compile(rf"(?:\d+(?:\.\d+)?|[一二三四五六七八九十两百千万]+)\s*[余多+]?\s*(?:{what})")
    return QUANTITY


_COUNTED_NOUN = re.compile(r"(?:多少|几)个?[家名项所条次倍种场位]?[“\"「]?([\u4e00-\u9fff]{2})")


def counted_phrase(question: str) -> re.Pattern | None:
    """A number directly followed by what the question counts ("几个方面" → "5方面", "约170家企业"):
    the surest sign of the answer; None when the question counts nothing.

    >>> counted_phrase("规划明确了几个方面的重点任务?").search("明确了5方面重点任务") is not None
    True
    >>> counted_phrase("体现在几个“推动”上?").search("体现在3个推动:推动基因检测") is not None
    True
    """
    noun = _COUNTED_NOUN.search(question)
    if noun is None:
        return None
    return re.compile(rf"(?:\d+|[一二三四五六七八九十两]+)\s*[余多+]?\s*个?[家名项所条次倍种场位]?[“\"「]?{noun[1]}")


def wanted_shapes(question: str) -> list[re.Pattern]:
    """What the answer to `question` must look like (an e-mail address, a name, a period), if anything."""
    return [shape for asks, shape in _ANSWER_TYPES if asks.search(question)]


def answer_shapes(question: str) -> list[re.Pattern]:
    """`wanted_shapes`, plus a quantity when the question asks how many or how much (for retrieval:
    a passage that could hold the answer at all).

    >>> answer_shapes("About how many companies are members?") == [QUANTITY]
    True
    """
    return wanted_shapes(question) + ([asked_quantity(question)] if COUNT_INTENT.search(question) else [])


_CLAUSE = re.compile(r"[^,，;；]+[,，;；]?")
_MAX_QUOTE_CHARS = 160
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass
class Quote:
    n: int  # 1-based passage number
    start: int  # offsets into the source document
    end: int
    text: str  # display text of the quoted words
    score: float
    order: int


def bigrams(text: str) -> set[str]:
    chars = [c for c in text if c.isalnum()]
    return {a + b for a, b in zip(chars, chars[1:])}


class ExtractiveAnswerer:
    """Picks and quotes sentences. `idf` maps a token to its inverse document frequency."""

    def __init__(self, max_sentences: int = 3, max_list_sentences: int = 5, idf_power: float = 1.0) -> None:
        self.idf_power = idf_power  # > 1 lets the rare words of a question (its focus: 联系人, 邮箱) count for more
        self.max_sentences = max_sentences
        self.max_list_sentences = max_list_sentences

    def quotes(self, question: str, passages: list[Passage], idf: dict[str, float], context: str = "",
               source: str | None = None) -> list[Quote]:
        """Scored candidate quotes, best first. `context` (earlier turns' subject) counts for less;
        `source`: quote only passages of that document."""
        q_tokens = set(tokenize(normalize_query(question)))
        c_tokens = set(tokenize(normalize_query(context))) - q_tokens if context else set()
        q_bigrams = bigrams(normalize_query(question))
        p = self.idf_power
        weight = {t: idf.get(t, 1.0) ** p for t in q_tokens} | {t: 0.4 * idf.get(t, 1.0) ** p for t in c_tokens}
        total = sum(weight.values()) or 1.0
        numeric = bool(_NUMERIC_INTENT.search(question))
        listing = bool(_LIST_INTENT.search(question))
        wanted = wanted_shapes(question)
        candidates: list[Quote] = []
        order = 0
        for n, passage in enumerate(passages, start=1):
            if source is not None and passage.source != source:
                continue
            prior = 0.12 / n
            heading = set(tokenize(passage.heading.split(" › ")[-1])) if passage.heading else set()
            for s, e in sentence_spans(passage.text):
                raw = passage.text[s:e]
                if heading_level(raw) is not None:
                    heading = set(tokenize(search_text(raw)))  # a heading inside the passage opens a section
                    continue
                if _not_an_answer(raw):
                    continue
                start, end, quoted = _best_window(raw, q_tokens | c_tokens, weight)
                norm = search_text(quoted)
                tokens = set(tokenize(norm))
                in_sentence = sum(w for t, w in weight.items() if t in tokens)
                in_heading = sum(w for t, w in weight.items() if t in heading and t not in tokens)
                lexical = (in_sentence + 0.6 * in_heading) / total
                bigram = len(q_bigrams & bigrams(norm)) / max(1, len(q_bigrams))
                score = 0.65 * lexical + 0.35 * bigram + prior
                if numeric and re.search(r"\d", quoted):
                    score += 0.08
                if any(shape.search(quoted) for shape in wanted):
                    score += _ANSWER_TYPE_BONUS
                if listing and (start == 0 and _ENUMERATED.match(raw) or _introduces_list(quoted)):
                    score += _ITEM_BONUS  # a list question is answered by a list's introduction and items
                order += 1
                candidates.append(Quote(n, passage.start + s + start, passage.start + s + end, display_text(quoted), score, order))
        return sorted(candidates, key=lambda q: q.score, reverse=True)

    def select(self, question: str, candidates: list[Quote], margin: float = 0.28, continues: dict[int, int] | None = None) -> list[Quote]:
        """The best quote, plus close runners-up (more of them for list questions), in reading order.

        A runner-up stays when its score is within `margin` (a fraction) of the best one. `continues`:
        passage n → the passage holding the text after it (a list's items read on into it).
        """
        if not candidates:
            return []
        best = candidates[0].score
        limit = self.max_list_sentences if _LIST_INTENT.search(question) else self.max_sentences
        chosen, seen = [], set()
        for quote in candidates:
            if len(chosen) >= limit or quote.score < (1 - margin) * best:
                break
            if quote.text in seen:
                continue
            seen.add(quote.text)
            chosen.append(quote)
        if _LIST_INTENT.search(question):
            chosen = self._with_list_items(chosen, candidates, continues or {})
        elif _WHY_INTENT.search(question):  # the reason tends to follow the sentence that names the subject
            following = next((q for q in candidates if q.order == candidates[0].order + 1 and q.n == candidates[0].n), None)
            if following is not None and following.score >= _WHY_FOLLOWING_FLOOR * best and following not in chosen:
                chosen.append(following)
        for shape in wanted_shapes(question):  # asked for an e-mail, a name, a period: a quote must hold one
            if not any(shape.search(q.text) for q in chosen):
                extra = next((q for q in candidates if q.score >= 0.5 * best and shape.search(q.text)), None)
                if extra is not None:
                    chosen.append(extra)
        return sorted(chosen, key=lambda q: (q.n, q.start))

    @staticmethod
    def _with_list_items(chosen: list[Quote], candidates: list[Quote], continues: dict[int, int]) -> list[Quote]:
        """A quote that introduces a list ("…六大技术平台:") is answered by the items that follow it
        (on into the passage that `continues` its own), and by nothing else."""
        by_order = {q.order: q for q in candidates}
        first_of = {}
        for q in sorted(candidates, key=lambda q: q.order):
            first_of.setdefault(q.n, q)
        for quote in chosen:
            if not _introduces_list(quote.text):
                continue
            items, n, nxt = [quote], quote.n, by_order.get(quote.order + 1)
            while len(items) < 9:
                if nxt is None or nxt.n != n:  # the passage ends: its continuation, if there is one
                    n = continues.get(n)
                    nxt = first_of.get(n) if n else None
                    if nxt is None:
                        break
                items.append(nxt)
                nxt = by_order.get(nxt.order + 1)
            if len(items) > 1:
                return items
        return chosen

    @staticmethod
    def unfinished_list(question: str, chosen: list[Quote], passages: list[Passage], continues: dict[int, int]) -> int | None:
        """The passage (1-based) whose list, quoted item by item, runs on past the passage's end — its
        remaining items are in the text that follows — or None (also when that text is already read)."""
        items = sum(1 for q in chosen if _ENUMERATED.match(q.text))
        if len(chosen) < 2 or not _LIST_INTENT.search(question) or not (any(_introduces_list(q.text) for q in chosen) or items >= 2):
            return None
        last = max(chosen, key=lambda q: q.order)
        passage = passages[last.n - 1]
        return last.n if passage.end - last.end <= 2 and last.n not in continues else None

    @staticmethod
    def render(quotes: list[Quote]) -> str:
        return "".join(f"{q.text}[{q.n}]" + ("" if _CJK.search(q.text[-1:]) or q.text[-1:] in "。！？；" else " ") for q in quotes).strip()


def _introduces_list(quote: str) -> bool:
    """"…将建设六大技术平台:" — what follows are the items."""
    text = quote.rstrip()
    return text[-1:] in ":：" or text.endswith(("包括", "如下"))


def _not_an_answer(sentence: str) -> bool:
    """Too short, a question (FAQ sections ask them), or a short title-like line without punctuation."""
    text = sentence.strip()
    if len(text) < 6 or text[-1] in "?？":
        return True
    if text[-1] in ":：":  # "非线性互动模式的优势:" introduces a list
        return False
    return len(text) < 30 and not re.search(r"[。！!；;,，.]", text)


def _best_window(sentence: str, tokens: set[str], weight: dict[str, float]) -> tuple[int, int, str]:
    """The sentence itself, or for a long one the run of clauses around its best-matching clause."""
    stripped = sentence.strip()
    offset = sentence.index(stripped[:1]) if stripped else 0
    if len(stripped) <= _MAX_QUOTE_CHARS:
        return offset, offset + len(stripped), stripped
    clauses = [(m.start(), m.end()) for m in _CLAUSE.finditer(sentence) if m.group().strip()]

    def clause_score(span: tuple[int, int]) -> float:
        found = set(tokenize(search_text(sentence[span[0] : span[1]])))
        return sum(w for t, w in weight.items() if t in found and t in tokens)

    best = max(range(len(clauses)), key=lambda i: clause_score(clauses[i]))
    lo = hi = best
    while True:
        grown = False
        if hi + 1 < len(clauses) and clauses[hi + 1][1] - clauses[lo][0] <= _MAX_QUOTE_CHARS:
            hi, grown = hi + 1, True
        if lo > 0 and clauses[hi][1] - clauses[lo - 1][0] <= _MAX_QUOTE_CHARS:
            lo, grown = lo - 1, True
        if not grown:
            break
    start, end = clauses[lo][0], clauses[hi][1]
    text = sentence[start:end].strip().rstrip(",，;；")
    start = sentence.index(text[:1], start)
    return start, start + len(text), text
