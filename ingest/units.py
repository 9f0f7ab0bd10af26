"""Units: where in a file a piece of its text came from (a sheet row, a slide, a page, a chapter).

A loader that reads a structured file builds the document's text unit by unit with `UnitText`, which
records each unit's `(start, end)` offsets into that text and a location a person can look up
("Sheet1 第12行", "幻灯片 4", "第3页", "第2章 发酵"). A chunk's location is that of the units it
overlaps (`location_of`), so a citation says where its quote is.

    >>> built = UnitText()
    >>> built.add("姓名：张三；部门：研发", "Sheet1 第2行")
    >>> built.add("姓名：李四；部门：销售", "Sheet1 第3行")
    >>> text, units = built.finish()
    >>> [text[u.start:u.end] for u in units]
    ['姓名：张三；部门：研发', '姓名：李四；部门：销售']
    >>> location_of(units, 0, len(text))
    'Sheet1 第2行–第3行'

It leaves out what a unit holds (the loaders decide) and how chunks are cut inside a unit (`ingest/split.py`).
"""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass

SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Unit:
    """A span of the loaded text that came from one place in the file."""

    start: int
    end: int
    location: str
    heading: str = ""  # e.g. a slide's title or a chapter's; travels with the unit's chunks


class UnitText:
    """Builds a document's text from units, keeping each unit's offsets (units are joined by a blank line)."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._units: list[Unit] = []
        self._length = 0

    def add(self, text: str, location: str, heading: str = "") -> None:
        """Append one unit; whitespace-only text is skipped. Line endings become `\\n`, NULs go."""
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
        if not text:
            return
        if self._parts:
            self._parts.append(SEPARATOR)
            self._length += len(SEPARATOR)
        self._units.append(Unit(self._length, self._length + len(text), location, heading))
        self._parts.append(text)
        self._length += len(text)

    def __len__(self) -> int:
        return len(self._units)

    def finish(self) -> tuple[str, tuple[Unit, ...]]:
        return "".join(self._parts), tuple(self._units)


def location_of(units: tuple[Unit, ...] | list[Unit], start: int, end: int) -> str:
    """The location of the text `[start, end)`: its unit's, or "first–last" when it spans several
    ('' when the document has no units)."""
    if not units:
        return ""
    starts = [u.start for u in units]
    first = max(0, bisect.bisect_right(starts, start) - 1)
    last = max(first, bisect.bisect_left(starts, end) - 1)
    return join_locations(units[first].location, units[last].location)


def join_locations(first: str, last: str) -> str:
    """One location for a span from `first` to `last`; a shared prefix is written once.

    >>> join_locations("第3页", "第4页"), join_locations("Sheet1 第2行", "Sheet1 第9行")
    ('第3页–第4页', 'Sheet1 第2行–第9行')
    >>> join_locations("", "第2页")
    '第2页'
    """
    if not first or not last or first == last:
        return first or last
    common = os.path.commonprefix([first, last])
    cut = common.rfind(" ") + 1  # whole words only: "Sheet1 第2行" and "Sheet1 第9行" share "Sheet1 "
    return f"{first}–{last[cut:]}"
