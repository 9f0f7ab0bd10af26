"""Reading a question before it is answered: its language (and whether a passage's differs), the
several questions one message may hold, whether it asks for a number or a date, and the subject a
follow-up leaves out.

The chain searches a follow-up with the earlier subject; the extractive answerer (`app/extractive.py`)
answers each question of a message on its own, and its refusal model asks whether a question wanting
a number got one.
"""

from __future__ import annotations

import re

from ingest.clean import CJK_CHAR
from ingest.split import FENCED_BLOCK


def is_english(text: str) -> bool:
    return not CJK_CHAR.search(text)


def languages_differ(question: str, passage_text: str) -> float:
    r"""1.0 when the question and the passage's prose are not both Chinese or both not (e5 puts such pairs
    lower); a passage of code or figures only has no language of its own.

    >>> [languages_differ(q, p) for q, p in (("怎么建虚拟环境？", "To create a virtual environment"),
    ...     ("How?", "创建虚拟环境"), ("怎么写？", "```\nls -l\n```"), ("How?", "It is."))]
    [1.0, 1.0, 0.0, 0.0]
    """
    prose = FENCED_BLOCK.sub("", passage_text)
    if not re.search(r"[^\W\d_]", prose):
        return 0.0
    return float(is_english(question) != is_english(prose))


_ASKS_QUANTITY = re.compile(
    r"多少|(?<![哪好这那前后近])几[个项家年月天种次位名款倍成十百千万亿]|(?<![很许诸好众])多[大长久高远宽深]|"
    r"哪一?[年天]|何时|什么时候|百分之|^\s*when (did|was|is|were|will|does|do)\b|"
    r"\bhow (many|much|long|large|big|old|often)\b|\bwhat (year|percentage)\b|\bwhich year\b",
    re.IGNORECASE,
)


# asks how to do something: "怎么用", "如何设置", "how do I"; not "怎么样" (what is it like), "怎么会" (how
# come) or a closing "如何？" (how is it)
_ASKS_HOW = re.compile(
    r"(?:怎么|怎麼|如何|怎样|怎樣|咋)(?![样樣会會么麼，,。？?！!]|$)"
    r"|\bhow (?:do|can|could|should|would) (?:i|you|we|one)\b|\bhow to\b",
    re.IGNORECASE,
)


def asks_quantity(question: str) -> bool:
    """Whether the question asks for a number, an amount, a size or a date ("多少", "几项", "哪一年",
    "how many", "when…") — what any answer to it must state. A question asking how to do something asks
    for a way, even when what it wants to see is a time or an amount ("怎么用 date 看文件是什么时候被改过的？"
    is answered by an option).

    >>> [asks_quantity(q) for q in ("年产能是多少？", "分哪几类？", "When was it founded?", "怎么插入页脚？")]
    [True, False, True, False]
    >>> [asks_quantity(q) for q in ("如何配置多重引导？", "很多大公司在用吗？", "When I print, what then?")]
    [False, False, False]
    >>> [asks_quantity(q) for q in ("上次什么时候开机的，用 who 怎么看？", "How do I see how much is used?")]
    [False, False]
    >>> [asks_quantity(q) for q in ("规模如何，有多少？", "怎么样，有多少人？", "How does it do, how many?")]
    [True, True, True]
    """
    return bool(_ASKS_QUANTITY.search(question)) and not _ASKS_HOW.search(question)


def split_questions(message: str) -> list[str]:
    """A message holding several questions → each question (one question → itself).

    >>> split_questions("这个工具叫什么？是哪家单位研制的？")
    ['这个工具叫什么？', '是哪家单位研制的？']
    >>> split_questions("What is it? 它的作用是什么?")
    ['What is it?', '它的作用是什么?']
    """
    parts = [p.strip() for p in re.findall(r"[^？?]+[？?]*", message) if p.strip()]
    if len(parts) < 2 or any(len(re.sub(r"\W", "", p)) < 3 for p in parts):
        return [message]
    return parts


_FOLLOWUP = re.compile(
    r"^(那|那么|其中|它|它们|这些|这个|该|此|上述|他们|其|还有|另外|and |what about|how about)|"
    r"(呢[?？]?$|其中|它们?|这些|这个|该计划|该规划|上述|what about|\bit\b|\bthey\b|\bthose\b|\bthat\b)",
    re.IGNORECASE,
)


CARRY_CHARS = 500  # of the previous question, put in front of a follow-up


def history_aware_query(question: str, history: list[dict] | None, carry: int = CARRY_CHARS) -> str:
    """Offline stand-in for the condense prompt: a follow-up carries the previous question's subject
    (at most `carry` characters of it, so a huge earlier turn cannot make every follow-up huge).

    >>> history_aware_query("那其中生物制药呢?", [{"role": "user", "content": "辽宁的生物医药产业规模多大?"}])
    '辽宁的生物医药产业规模多大? 那其中生物制药呢?'
    >>> len(history_aware_query("那呢?", [{"role": "user", "content": "生" * 200_000}]))
    504
    """
    previous = [t.get("content", "") for t in history or [] if t.get("role") == "user" and t.get("content")]
    if not previous:
        return question
    if len(question) <= 12 or _FOLLOWUP.search(question.strip()):
        return f"{previous[-1][:carry]} {question}"
    return question
