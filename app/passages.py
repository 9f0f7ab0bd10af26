"""Ranked chunks turned into the passages the answerer reads.

Overlapping or touching hits of one document become one passage (its text stays the document's own
span); what goes on stops at `top_k` passages or a token budget. `move_up` lifts one chunk into the
first passages by the same merging rule. Used by `app/retrieval.py`.
"""

from __future__ import annotations

from types import SimpleNamespace

from app.models import Passage
from ingest.clean import search_text
from ingest.records import Chunk
from ingest.tokens import count_tokens
from ingest.units import join_locations


def merge_and_budget(ranked: list[list], top_k: int, budget: int, encoding: str) -> list[Passage]:
    """Ranked [chunk, score, …] entries as passages, best first: an entry overlapping or touching a
    passage already taken widens it when it ranks within `top_k`, else is left out; at most `top_k`
    passages, and no more than fit in `budget` tokens (`encoding`), the first always."""
    passages: list[Passage] = []
    for rank, (chunk, score, _, _) in enumerate(ranked):
        if len(passages) >= top_k:
            break
        merged = next((p for p in passages if overlaps(p, chunk)), None)
        if merged is not None:
            if rank < top_k:  # a strong neighbour widens the passage; a weak one is left out
                merge_into(merged, chunk)
            continue
        passages.append(passage_of(chunk, score))
    kept, used = [], 0
    for passage in passages:
        tokens = count_tokens(passage.text, encoding)
        if kept and used + tokens > budget:
            break
        kept.append(passage)
        used += tokens
    return kept


def move_up(ranked: list[list], chunk_id: str, passages: int) -> None:
    """Move `chunk_id`'s entry up to open one of the first `passages` passages (overlapping entries of a
    document make one, as `merge_and_budget` merges them). `top_k` and the token budget still apply.

    >>> from types import SimpleNamespace as Chunk
    >>> ranked = [[Chunk(id=i, source=s, start=a, end=b)] for i, s, a, b in
    ...           [("a", "x", 0, 10), ("b", "x", 10, 20), ("c", "y", 0, 10), ("d", "z", 0, 10)]]
    >>> move_up(ranked, "d", 2); [entry[0].id for entry in ranked]  # a and b are one passage
    ['a', 'b', 'd', 'c']
    """
    at = next((i for i, entry in enumerate(ranked) if entry[0].id == chunk_id), 0)
    spans: list[SimpleNamespace] = []  # source, start, end of each passage the entries before it open
    for i, (chunk, *_) in enumerate(ranked[:at]):
        span = next((span for span in spans if overlaps(span, chunk)), None)
        if span is not None:
            span.start, span.end = min(span.start, chunk.start), max(span.end, chunk.end)
        elif len(spans) == passages - 1:  # `chunk` would open the last of those passages
            ranked.insert(i, ranked.pop(at))
            return
        else:
            spans.append(SimpleNamespace(source=chunk.source, start=chunk.start, end=chunk.end))


def passage_of(chunk: Chunk, score: float) -> Passage:
    return Passage(
        source=chunk.source,
        chunk_id=chunk.id,
        text=chunk.text,
        start=chunk.start,
        end=chunk.end,
        score=round(score, 6),
        heading=chunk.heading,
        search_text=chunk.search_text,
        title=chunk.title,
        location=chunk.location,
    )


def overlaps(passage: Passage | SimpleNamespace, chunk: Chunk) -> bool:
    return passage.source == chunk.source and chunk.start <= passage.end and chunk.end >= passage.start


def merge_into(passage: Passage, chunk: Chunk) -> None:
    """Union of two overlapping or touching spans of one document; the text stays `document[start:end]`."""
    if chunk.start < passage.start:
        passage.text = chunk.text[: passage.start - chunk.start] + passage.text
        passage.start = chunk.start
        passage.location = join_locations(chunk.location, passage.location)
    if chunk.end > passage.end:
        passage.text = passage.text + chunk.text[passage.end - chunk.start :]
        passage.end = chunk.end
        passage.location = join_locations(passage.location, chunk.location)
    passage.search_text = search_text(passage.text)
