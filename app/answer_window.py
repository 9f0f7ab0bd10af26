"""What belongs with the best sentence of an answer, read from the text's structure, not its words.

A unit that introduces something (it ends with a colon) brings what follows — list items, a fenced
code block, table rows, indented lines — reading on into the passage that continues its own; a list
item brings its later sentences on its line; a best sentence standing alone brings the sentences after
it in its paragraph (one hard-wrapped over indented lines included); a description indented under a
short term (an option in a man page) brings the term. Used by the quote finder (`app/quotes.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from app.models import Passage
from ingest.clean import FENCES, display_text
from ingest.split import ITEM_MARKER
from ingest.tokens import count_tokens

ITEM = re.compile(rf"\s*(?:{ITEM_MARKER}|[-*+]\s|\|)")
_ENDS = "。.!！?？；;:："  # a line ending so is prose (or introduces what follows), not a term
# Window limits count cl100k tokens of the text as shown, so that a sentence weighs what it says in any
# language: chosen as Chinese characters (900, 80, 200), converted at the seeds' 1.14 tokens a character.
MAX_WINDOW_UNITS, MAX_WINDOW_TOKENS = 12, 1026
ITEM_TOKENS = 91  # an item's sentences after its first are quoted while the item stays this short
PARAGRAPH_TOKENS = 228  # a lone best sentence brings what follows it in its paragraph, up to this many
TERM_CHARS = 60  # a line this short (a layout measure), with no sentence end, over an indented body is a term


@dataclass
class Unit:
    n: int  # 1-based passage number
    start: int  # offsets into the passage text
    end: int
    text: str
    heading: set[str]
    order: int  # position among all units
    lexical: float = 0.0
    semantic: float = 0.0
    similarity: float = 0.0  # raw e5 cosine with the question (0: not compared)
    score: float = 0.0
    title: bool = False  # the document's title: it may be the answer, but never joins one as a runner-up
    term: bool = False  # quoted as the term of the description below it (`with_term`): states no fact

    @cached_property
    def shown(self) -> str:
        """Its text as quoted: extraction damage such as pinyin annotations repaired."""
        return display_text(self.text)

    @cached_property
    def tokens(self) -> int:
        """Its length as quoted, in tokens: the window limits count what the reader sees."""
        return count_tokens(self.shown)  # text as written: "<|endoftext|>" is words here, not a token

    @property
    def code(self) -> bool:
        """Whether it is a fenced code block (the quote finder makes a whole block one unit)."""
        return self.text.lstrip().startswith(FENCES)


def structural_window(
    best: Unit, units: list[Unit], passages: list[Passage], continues: dict[int, int]
) -> list[Unit]:
    """The best unit and what its structure says belongs with it, in reading order (on into the
    passage that continues its own)."""
    text = passages[best.n - 1].text
    same = [u for u in units if u.n == best.n]
    window = [best]
    n, following = best.n, same[same.index(best) + 1 :]
    while n in continues:  # what follows the passage's end, as units of the passage holding it
        n = continues[n]
        following += [u for u in units if u.n == n]
    if introduces(best.text) or (following and _belongs_below(best, following[0], text)):
        size = sum(u.tokens for u in window)
        cut: tuple[int, int] | None = None  # (passage, line) of the item whose rest is left out
        for nxt in following:
            across = nxt.n != window[-1].n  # the next passage: its first unit follows directly
            text = passages[nxt.n - 1].text
            item = not across and _same_item(window, nxt, text)  # an item's later sentences, on its line
            line = (nxt.n, line_start(text, nxt.start))
            if item and (cut == line or _item_tokens(window, text) + nxt.tokens > ITEM_TOKENS):
                cut = line  # a long item's first sentences stand for it; the next item still follows
                continue
            if len(window) >= MAX_WINDOW_UNITS or size + nxt.tokens > MAX_WINDOW_TOKENS:
                break
            if (
                not across
                and not item
                and not _belongs_below(window[-1], nxt, text)
                and not ITEM.match(nxt.text)
            ):
                break
            if across and not ITEM.match(nxt.text) and not introduces(window[-1].text):
                break
            window.append(nxt)
            size += nxt.tokens
    return window


def term_above(unit: Unit, units: list[Unit], text: str) -> Unit | None:
    """The term `unit` describes, when `unit` lies in the first paragraph of the indented body of a
    definition — an option over its description ("-l limit" over "Limits the used bandwidth…",
    "use-vc" over "Sets RES_USEVC… This option forces the use of TCP…"): the unit just before the
    paragraph, on a line of its own, short, with no sentence end, indented less than the paragraph but
    not at the margin (there it is a section heading or a page header). None otherwise: a description
    quoted without its term does not say what it describes."""
    while unit.order > 0 and units[unit.order - 1].n == unit.n:
        prev = units[unit.order - 1]
        if not same_paragraph(prev, unit, text) or _term_line(prev, text):
            break  # a term at the description's own indentation is no sentence of it
        unit = prev  # back to the paragraph's first sentence
    prev = units[unit.order - 1] if unit.order > 0 else None
    if prev is None or prev.n != unit.n or not _term_line(prev, text) or ITEM.match(unit.text) or unit.code:
        return None
    below = "\n" in text[prev.end : unit.start]
    return prev if below and 0 < _indent(text, prev.start) < _indent(text, unit.start) else None


def _term_line(unit: Unit, text: str) -> bool:
    """Whether `unit` could be a term: a short line of its own with no sentence end, no item or code."""
    if len(unit.shown) > TERM_CHARS or unit.text.rstrip()[-1:] in _ENDS or ITEM.match(unit.text) or unit.code:
        return False
    return not text[line_start(text, unit.start) : unit.start].strip()


def with_term(window: list[Unit], units: list[Unit], passages: list[Passage], taken: set[int]) -> list[Unit]:
    """`window` led by the term its first unit describes (`term_above`), when not quoted already;
    `taken` gains it."""
    term = term_above(window[0], units, passages[window[0].n - 1].text) if window else None
    if term is None or term.order in taken:
        return window
    taken.add(term.order)
    term.term = True
    return [term, *window]


def introduces(text: str) -> bool:
    """Whether a unit introduces what follows it: it ends with a colon ("请执行：", "优先级有：")."""
    return text.rstrip()[-1:] in ":："


def paragraph_window(best: Unit, same: list[Unit], text: str) -> list[Unit]:
    """`best` and the sentences after it in its paragraph (`same_paragraph`), at most `PARAGRAPH_TOKENS`
    tokens: the next sentence often holds the answer's fact. The sentences before it are left out,
    so the answer starts with its most direct sentence (taking them too changed no all-facts score on
    seeds or lohelp, and made the answers longer)."""
    i = same.index(best)
    window, size = [best], best.tokens
    for nxt in same[i + 1 :]:
        if not same_paragraph(window[-1], nxt, text) or ITEM.match(nxt.text):
            break
        if size + nxt.tokens > PARAGRAPH_TOKENS:
            break
        window.append(nxt)
        size += nxt.tokens
    return window


def same_paragraph(unit: Unit, nxt: Unit, text: str) -> bool:
    r"""Whether `nxt` goes on with `unit`'s paragraph: no line break between them, or, in text
    hard-wrapped at a width and indented (a man page's body as groff renders it), one line break
    between lines indented alike — there a line break is where the line was full, not where the
    paragraph ends. A blank line, a line at the margin or another indentation ends it, and so does a
    code block on either side, or text between them that is no candidate (a question, a bare label):
    the window would quote around it.

    >>> def units(text, *parts):
    ...     return [Unit(1, text.index(p), text.index(p) + len(p), p, set(), k) for k, p in enumerate(parts)]
    >>> page = "       至少一个文件\n       被修改。再说明。\n\n       -b  引导时间"
    >>> a, b, c, d = units(page, "至少一个文件", "被修改。", "再说明。", "-b  引导时间")
    >>> [same_paragraph(x, y, page) for x, y in ((a, b), (b, c), (c, d))]
    [True, True, False]
    >>> note = "第一行。\n第二行。"
    >>> deeper = "       -b, --boot\n              最近一次系统引导的时间"
    >>> [same_paragraph(*units(t, a, b), t) for t, a, b in (
    ...     (note, "第一行。", "第二行。"), (deeper, "-b, --boot", "最近一次系统引导的时间"))]
    [False, False]
    """
    gap = text[unit.end : nxt.start]
    if "\n" not in gap:
        return True
    if gap.count("\n") > 1 or gap.strip() or unit.code or nxt.code:
        return False
    indent = _indent(text, nxt.start)
    return indent > 0 and indent == _indent(text, unit.end - 1)


def line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def on_item_line(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` lies on a line that opens a list item (or a table row)."""
    return bool(ITEM.match(text[line_start(text, start) : end]))


def _same_item(window: list[Unit], nxt: Unit, text: str) -> bool:
    """`nxt` continues, on the same line, the list item the window ends with (a unit that opens an
    item of its own, "二是…" after "一是…", does not)."""
    last = window[-1]
    return (
        "\n" not in text[last.end : nxt.start]
        and on_item_line(text, last.start, last.end)
        and not ITEM.match(nxt.text)
    )


def _item_tokens(window: list[Unit], text: str) -> int:
    """Tokens of the window's last item so far, from the unit that opens it (a table row is never
    cut: it counts as none)."""
    line = line_start(text, window[-1].start)
    if text[line:].lstrip().startswith("|"):
        return 0
    total = 0
    for u in reversed(window):
        if u.n != window[-1].n or u.start < line:
            break
        total += u.tokens
        if ITEM.match(u.text):
            break
    return total


def _indent(text: str, pos: int) -> int:
    """The column `pos`'s line starts its text at, a tab reaching the next multiple of 8 (as a terminal
    shows it: two tabs are deeper than eight spaces)."""
    line = text[line_start(text, pos) : pos].expandtabs(8)
    return len(line) - len(line.lstrip(" "))


def _belongs_below(unit: Unit, nxt: Unit, text: str) -> bool:
    """`nxt` is part of what `unit` opens: indented more, or code, or an item right after it."""
    gap = text[unit.end : nxt.start]
    if nxt.code or (ITEM.match(nxt.text) and gap.count("\n") <= 2):
        return True
    return "\n" in gap and _indent(text, nxt.start) > _indent(text, unit.start)
