"""What kind of answer a question asks for, and what a passage holding one looks like (a quantity for
"多少", a year for "哪一年", an e-mail address for "邮箱"…). Retrieval's re-rank gives a chunk holding
the asked-for shape a bonus (`app/retrieval.py`); the answerer does not use these.
"""

from __future__ import annotations

import re

# what kind of answer a question wants, and what a sentence holding one looks like: a sentence that
# has the asked-for kind of thing (an e-mail address for "哪个邮箱", a name after 联系人 for "是谁",
# a span of days for "多久") scores `_ANSWER_TYPE_BONUS` more
_ANSWER_TYPES = [
    (re.compile(r"邮箱|e-?mail", re.IGNORECASE), re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")),
    (re.compile(r"电话|手机|phone", re.IGNORECASE), re.compile(r"\d{3,4}-\d{7,8}|1\d{10}")),
    (
        re.compile(r"是谁|联系人|负责人|who", re.IGNORECASE),
        re.compile(r"(?:联系人|负责人|主任|院长|部长|局长|市长)[:：\s]*[\u4e00-\u9fff]{2,4}"),
    ),
    (
        re.compile(r"多久|多长时间|期限|how long", re.IGNORECASE),
        re.compile(r"\d+\s*(?:个)?(?:日|天|周|个月|月|年)[内以]"),
    ),
    (re.compile(r"网址|网站|website", re.IGNORECASE), re.compile(r"https?://|www\.")),
    (
        re.compile(r"哪一?年|何年|什么时候|何时|\bwhen\b|what year", re.IGNORECASE),
        re.compile(r"(?:19|20)\d{2}\s*年"),
    ),
    # why: a cause or purpose ("由于…", "为了…", "…是…的必要环节", "…的迫切需求")
    (
        re.compile(r"为什么|为何|什么原因|\bwhy\b", re.IGNORECASE),
        re.compile(
            r"由于|因为|为了|旨在|原因|迫切需求|是[^。；]{0,30}(?:必要|关键|重要|基础|前提|核心)(?:环节|举措|途径|手段|一环|条件|支撑|保障)"
        ),
    ),
]
# a question asking "how many / how much", and what answers it: a quantity, not a date ("170家", "5方面",
# "六大"; not "2023年7月14日"). "2020年" is not answered by "(2006-2020)", nor "100亿元" by "100家".
COUNT_INTENT = re.compile(
    r"多少|(?<!哪)几[家个项名次倍场年种所条方十百千万亿]|how (many|much|large|big)", re.IGNORECASE
)
QUANTITY = re.compile(
    r"\d+(?:\.\d+)?(?![\d.年月日、．)）])|(?:[二三四五六七八九十两]|一[十百千万])[一二三四五六七八九十两百千万]*(?:大|个|項|项|家|名|方面|倍|場|场)"
)


_YEARS_ASKED = re.compile(r"(多少|几)年")
# "多少名研究人员": counted in 名, and what is counted starts 研究
_COUNTED_IN = re.compile(r"(?:多少|几)个?([家名项所条次倍种场位])([\u4e00-\u9fff]{2})?")


def asked_quantity(question: str) -> re.Pattern:
    """What answers a "how many" question: any digit when years are asked for; when it names a unit,
    a number with that unit or followed by what is counted ("多少家企业" → "约170家", "350+企业", not
    "六大平台"); else any quantity.

    >>> found = asked_quantity("有多少家企业?")
    >>> [bool(found.search(t)) for t in ("约170家", "350+企业参加", "建设六大技术平台")]
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
