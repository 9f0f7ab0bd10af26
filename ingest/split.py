"""Splitting: sentences with offsets, headings, and token-sized chunks that never cut a sentence that fits.

Works on the original text as loaded, so every sentence and chunk is a `(start, end)` span into it and
`text[start:end]` is exactly what a citation shows. Sentence ends are Chinese (。！？；…) and English
(. ! ? ;) punctuation and paragraph breaks — except line breaks that PDF extraction put in the middle of
a sentence, which are not boundaries. A fenced code block (```), a table row (`| a | b |`) and a line
of fields (`姓名：李四；部门：销售部`, a spreadsheet row) are one unit each, so no chunk cuts them where
avoidable; a markdown `#` line is a heading even when it ends in a question mark (an FAQ question stays
in the chunk of its answer).

    >>> text = "一、总则\\n生物产业很重要。它发展很快！"
    >>> [text[s:e] for s, e in sentence_spans(text)]
    ['一、总则', '生物产业很重要。', '它发展很快！']
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ingest.clean import CJK
from ingest.tokens import count_tokens

SPLITTER_VERSION = "4"
# 4: a line of fields ("姓名：李四；部门：销售部", a spreadsheet row) is a unit
# 3: code fences and table rows are units; `#` headings may end in ？; "1. item" (markdown list) is no heading
# 2: a short clause line (it has a comma) runs on into the next line
_CLOSERS = "”’\"'」』）)】》"
# terminal punctuation (with any closing quotes/brackets after it) ends a sentence
_END = re.compile(rf"(?:[。！？!?；;]+|…+|\.{{3,}}|(?<![0-9A-Z])\.(?=\s))[{_CLOSERS}]*")
_LINE_BREAK = re.compile(r"[ \t]*\n\s*")
_HEADING_PATTERNS = [
    (re.compile(r"^(#{1,6})\s+\S"), None),  # markdown: level = number of #
    (re.compile(r"^第[一二三四五六七八九十百\d]+[章节部分篇]"), 1),
    (re.compile(r"^[一二三四五六七八九十百]+[、.．]\s*\S"), 1),
    (re.compile(r"^[（(][一二三四五六七八九十百]+[）)]\s*\S"), 2),
    (re.compile(r"^\d{1,2}(?:[、．]|\.(?! ))(?!\d)\s*\S"), 3),  # not "1. item" (a markdown list)
]
_MAX_HEADING_CHARS = 40
_MAX_MARKDOWN_HEADING_CHARS = 120
# units that are never cut inside (unless one alone is over the token limit): a fenced code block, a table row
FENCED_BLOCK = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n(?:.*?\n)?[ \t]*\1[ \t]*$", re.M | re.S)
_TABLE_ROW = re.compile(r"^[ \t]*\|.*\|[ \t]*$", re.M)
# a line of two or more "名称：值" fields joined by "；" (how a spreadsheet row is written, ingest/tables.py)
_FIELD_ROW = re.compile(r"^[^\n：；]{1,40}：[^\n；]*(?:；[^\n：；]{1,40}：[^\n；]*)+$", re.M)
_SOFT_SECONDARY = re.compile(r"[，,、：:]")


def heading_level(line: str) -> int | None:
    """The heading level of a whole line, or None when it is body text.

    >>> heading_level("二、重点任务"), heading_level("(一)加快创新"), heading_level("2008年产值11340亿元。")
    (1, 2, None)
    """
    line = line.strip()
    markdown = re.match(r"#{1,6}\s+\S", line)
    if markdown and len(line) <= _MAX_MARKDOWN_HEADING_CHARS and "\n" not in line:
        return len(line) - len(line.lstrip("#"))
    if not line or len(line) > _MAX_HEADING_CHARS or line[-1] in "。！？!?；;,，":
        return None
    for pattern, level in _HEADING_PATTERNS:
        match = pattern.match(line)
        if match:
            return len(match.group(1)) if level is None else level
    return None


# how a list item opens: "二是" "3." "4、" "(三)" "•" (not "12.5")
ITEM_MARKER = (
    r"[一二三四五六七八九十]{1,3}[是、]|\d{1,2}\s*[.、．](?!\d)"
    r"|[(（][一二三四五六七八九十\d]{1,3}[)）]|[•·●■▪◆]"
)
_ITEM_START = re.compile(
    rf"\s*(?:{ITEM_MARKER}|[\u4e00-\u9fff]{{1,6}}[:：])"
)  # an item, or a field ("邮箱：")


def _is_soft_break(before: str, after: str) -> bool:
    """A line break inside a sentence (PDF extraction), not a paragraph or item boundary."""
    last_line = before.rsplit("\n", 1)[-1].strip()
    if not last_line or not after:
        return False
    if heading_level(last_line) is not None or heading_level(after.split("\n", 1)[0]) is not None:
        return False
    if last_line[-1] in "。！？!?；;:：" + _CLOSERS:
        return False
    # a wrapped line is long, or is a clause of a sentence (it has a comma, so it is not a title), and
    # runs on into a CJK character or lower-case word: "由于…等原因,研究人员更喜欢承担\n\n国家课题、…"
    wrapped = len(last_line) >= 25 or (len(last_line) >= 10 and bool(re.search(r"[，,]", last_line)))
    if _ITEM_START.match(after):  # "二是…", "(三)…", "邮箱：…" open an item or a field of their own
        return False
    return wrapped and bool(re.match(rf"[{CJK}a-z，,、]", after[0]))


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def atomic_spans(text: str) -> list[tuple[int, int]]:
    """Spans that are one unit each: fenced code blocks, and table rows and field lines outside them.

    >>> text = "运行：\\n```\\nls -l; pwd\\n```\\n| 键 | 值。 |\\n姓名：李四；部门：销售部"
    >>> [text[s:e] for s, e in atomic_spans(text)]
    ['```\\nls -l; pwd\\n```', '| 键 | 值。 |', '姓名：李四；部门：销售部']
    """
    fences = [(m.start(), m.end()) for m in FENCED_BLOCK.finditer(text)]
    rows = [
        (m.start(), m.end())
        for pattern in (_TABLE_ROW, _FIELD_ROW)
        for m in pattern.finditer(text)
        if not any(s <= m.start() < e for s, e in fences)
    ]
    return sorted(fences + rows)


def _strictly_inside(spans: list[tuple[int, int]], starts: list[int], cut: int) -> bool:
    i = bisect.bisect_right(starts, cut) - 1
    return i >= 0 and spans[i][0] < cut < spans[i][1]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split `text` into sentence spans `(start, end)`, whitespace trimmed, covering all non-space text."""
    cuts = {m.end() for m in _END.finditer(text)}
    for m in _LINE_BREAK.finditer(text):
        if not _is_soft_break(text[: m.start()], text[m.end() : m.end() + 40]):
            cuts.add(m.start())
    atomic = atomic_spans(text) if any(mark in text for mark in ("|", "``", "~~", "；")) else []
    if atomic:
        starts = [s for s, _ in atomic]
        cuts = {cut for cut in cuts if not _strictly_inside(atomic, starts, cut)}
        cuts.update(s for span in atomic for s in span)
    spans, start = [], 0
    for cut in sorted(cuts) + [len(text)]:
        span = _trimmed(text, start, cut)
        if span:
            spans.append(span)
        start = max(start, cut)
    return spans


def _pieces(text: str, start: int, end: int, max_tokens: int) -> list[tuple[int, int]]:
    """Cut one over-long sentence at commas (a code block at line ends), then at token boundaries."""
    if count_tokens(text[start:end]) <= max_tokens:
        return [(start, end)]
    soft = re.compile(r"\n") if text.startswith(("```", "~~~"), start) else _SOFT_SECONDARY
    cuts = [start + m.end() for m in soft.finditer(text[start:end])] + [end]
    pieces, piece_start, last_fit = [], start, None
    for cut in cuts:
        if count_tokens(text[piece_start:cut]) <= max_tokens:
            last_fit = cut
            continue
        if last_fit is not None and last_fit > piece_start:
            pieces.append((piece_start, last_fit))
            piece_start = last_fit
        while count_tokens(text[piece_start:cut]) > max_tokens:
            hard = piece_start + _chars_within(text[piece_start:cut], max_tokens)
            pieces.append((piece_start, hard))
            piece_start = hard
        last_fit = cut
    if piece_start < end:
        pieces.append((piece_start, end))
    return [span for s, e in pieces if (span := _trimmed(text, s, e))]


def _chars_within(text: str, max_tokens: int) -> int:
    """The longest prefix of `text` (in characters) that fits in `max_tokens` tokens."""
    low, high = 1, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if count_tokens(text[:mid]) <= max_tokens:
            low = mid
        else:
            high = mid - 1
    return low


@dataclass(frozen=True)
class Span:
    """One chunk of a document: offsets into the loaded text, its heading, its size in tokens."""

    start: int
    end: int
    heading: str
    tokens: int
    only_headings: bool = False


def chunk_spans(text: str, max_tokens: int = 256, overlap_tokens: int = 48) -> list[Span]:
    """Pack whole sentences into chunks of at most `max_tokens` tokens.

    Consecutive chunks share up to `overlap_tokens` tokens of whole trailing sentences. A heading line
    starts a new chunk, and the heading path ("一、总体要求 › (二)发展目标") travels with every chunk
    below it until the next heading.
    """
    headings: dict[int, str] = {}
    units: list[_Unit] = []
    for start, end in sentence_spans(text):
        line = text[start:end]
        level = heading_level(line) if "\n" not in line else None
        if level is not None:
            headings = {k: v for k, v in headings.items() if k < level}
            headings[level] = re.sub(r"^#+\s*", "", re.sub(r"\s+", " ", line)).strip()
        path = " › ".join(headings[k] for k in sorted(headings))
        for s, e in _pieces(text, start, end, max_tokens):
            units.append(_Unit(s, e, count_tokens(text[s:e]), path, level is not None))

    chunks: list[Span] = []
    current: list[_Unit] = []
    for unit in units:
        new_section = unit.is_heading and not current[-1].is_heading if current else False
        if current and (new_section or count_tokens(text[current[0].start : unit.end]) > max_tokens):
            chunks.append(_span(text, current))
            current = [] if unit.is_heading else _overlap(text, current, unit, max_tokens, overlap_tokens)
        current.append(unit)
    if current:
        chunks.append(_span(text, current))
    # a chunk of nothing but heading lines adds no evidence: its words travel in the next chunk's heading
    return [c for c in chunks if not c.only_headings] or chunks


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    tokens: int
    heading: str
    is_heading: bool


def _span(text: str, units: list[_Unit]) -> Span:
    start, end = units[0].start, units[-1].end
    only_headings = all(u.is_heading for u in units)
    return Span(start, end, units[0].heading, count_tokens(text[start:end]), only_headings)


def _overlap(
    text: str, previous: list[_Unit], nxt: _Unit, max_tokens: int, overlap_tokens: int
) -> list[_Unit]:
    """The trailing whole sentences of `previous` (≤ overlap_tokens) that still fit before `nxt`."""
    carried: list[_Unit] = []
    for unit in reversed(previous):
        if unit.is_heading or sum(u.tokens for u in carried) + unit.tokens > overlap_tokens:
            break
        carried.insert(0, unit)
    while carried and count_tokens(text[carried[0].start : nxt.end]) > max_tokens:
        carried.pop(0)
    return carried
