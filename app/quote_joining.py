"""Quotes that read on from each other made one, once per answer: one marker for a paragraph, and a
sentence groff wrapped at the page width read whole ("…存储在 /etc/machine-info 文件中。[1]", not
"…存储在[1] /etc/…"). The extractive answerer (`app/extractive.py`) joins after it has put the quotes of
a message's questions together, so a second question's quotes that repeat the first's are left out
quote by quote, before any is joined to its neighbour.
"""

from __future__ import annotations

from app.answer_window import Unit, same_paragraph
from app.models import Passage
from app.quotes import Quote
from ingest.clean import FENCES, display_text


def join_quotes(quotes: list[Quote], passages: list[Passage]) -> list[Quote]:
    """`quotes` with each one that reads on from the one before it, with only space between, made one
    quote: a list item's next sentence on its line (shown on one line), or the rest of a paragraph as
    `same_paragraph` reads it (one line break between lines indented alike included)."""
    out: list[Quote] = []
    for q in quotes:
        joined = _joined(out[-1], q, passages[q.n - 1]) if out else None
        if joined:
            out[-1] = joined
        else:
            out.append(q)
    return out


def _joined(last: Quote, q: Quote, passage: Passage) -> Quote | None:
    """`last` and `q` as one quote when `q` reads on from it, else None."""
    if last.n != q.n or last.text.startswith(FENCES):
        return None
    end, start = last.end - passage.start, q.start - passage.start
    gap = passage.text[end:start]
    if start < end or gap.strip():
        return None
    if last.block and "\n" in gap:  # an item's next sentence is on its line
        return None
    if not last.block and (
        q.block or not same_paragraph(_unit(last, passage), _unit(q, passage), passage.text)
    ):
        return None
    text = display_text(passage.text[last.start - passage.start : q.end - passage.start].strip())
    return Quote(q.n, last.start, q.end, text, last.score, last.order, last.block)


def _unit(q: Quote, passage: Passage) -> Unit:
    """The quoted span as a unit of its passage (what `same_paragraph` reads)."""
    start, end = q.start - passage.start, q.end - passage.start
    return Unit(q.n, start, end, passage.text[start:end], set(), q.order)
