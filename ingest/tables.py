"""Spreadsheets (.xlsx with openpyxl, .csv): one unit per data row, written with its header.

A row becomes "列名：值；列名：值" (empty cells left out), so a chunk holding one row still says what
each value is; its location is "Sheet1 第12行" (the row number a spreadsheet program shows; a .csv's
is its line's record number, "第12行"). The header is a sheet's first non-empty row; when that row has
a single cell above a wider one (a title row such as "2024年员工名册"), it is the sheet's title and the
next row is the header. A header cell left empty is named by its column letter.

    >>> render_row(["姓名", "部门", ""], ["张三", None, 42.0])
    '姓名：张三；C：42'

It leaves out formulas (their last computed values are read), formatting, charts and images.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator

from ingest.units import UnitText

MAX_ROWS = 200_000  # per file; a larger sheet is refused rather than read for minutes
MAX_COLUMNS = 500


class TableError(ValueError):
    """The spreadsheet cannot be read; the message says why."""


def cell_text(value) -> str:
    """A cell as text: integral floats without ".0", dates as ISO dates, line breaks as spaces.

    >>> cell_text(3.0), cell_text(dt.datetime(2024, 7, 1)), cell_text("a\\nb"), cell_text(None)
    ('3', '2024-07-01', 'a b', '')
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return " ".join(str(value).split())


def column_letter(i: int) -> str:
    """0 → 'A', 27 → 'AB'."""
    letters = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def render_row(header: list[str], row: list) -> str:
    cells = []
    for i, value in enumerate(row[:MAX_COLUMNS]):
        text = cell_text(value)
        if text:
            name = header[i] if i < len(header) and header[i] else column_letter(i)
            cells.append(f"{name}：{text}")
    return "；".join(cells)


def add_rows(built: UnitText, rows: Iterable[tuple[int, list]], where: str, sheet: str = "") -> str:
    """Add a sheet's rows (`(row number, values)`) to `built` as units; returns the sheet's title row
    ('' when it has none). `where` prefixes locations ("Sheet1 " or ""); `sheet` is the units' heading."""
    header: list[str] | None = None
    title, pending = "", None  # pending: a first row of one cell, a title or a one-column header

    def add_header(number: int, texts: list[str]) -> list[str]:
        built.add("；".join(t for t in texts if t), f"{where}第{number}行", sheet)
        return texts

    for number, values in rows:
        texts = [cell_text(v) for v in values[:MAX_COLUMNS]]
        filled = sum(1 for t in texts if t)
        if not filled:
            continue
        if header is None:
            if pending is None and filled == 1:
                pending = (number, texts)
                continue
            if pending is None or filled >= 2:
                if pending is not None:  # a title row above the header
                    title = next(t for t in pending[1] if t)
                    built.add(title, f"{where}第{pending[0]}行", sheet)
                header = add_header(number, texts)
                continue
            header = add_header(*pending)  # one column: its first row is the header
        built.add(render_row(header, values), f"{where}第{number}行", sheet)
    if header is None and pending is not None:
        add_header(*pending)
    return title


def xlsx_units(data: bytes) -> tuple[str, tuple, str]:
    """(text, units, metadata title) of a workbook; raises TableError."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML, key and its own errors on a damaged file
        raise TableError(f"not a readable .xlsx ({type(exc).__name__}: {exc})") from exc
    try:
        built, titles = UnitText(), []
        for sheet in workbook.worksheets:
            titles.append(add_rows(built, _sheet_rows(sheet), f"{sheet.title} ", sheet.title))
        text, units = built.finish()
        metadata = workbook.properties.title or next((t for t in titles if t), "")
        return text, units, metadata
    except TableError:
        raise
    except Exception as exc:
        raise TableError(f"not a readable .xlsx ({type(exc).__name__}: {exc})") from exc
    finally:
        workbook.close()


def _sheet_rows(sheet) -> Iterator[tuple[int, list]]:
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > MAX_ROWS:
            raise TableError(f"sheet {sheet.title!r} has over {MAX_ROWS:,} rows; split the workbook")
        yield number, list(values)


def csv_units(text: str) -> tuple[str, tuple, str]:
    """(text, units, title) of a .csv already decoded; the delimiter is sniffed (, ; tab |)."""
    sample = text[:20_000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    built = UnitText()
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        title = add_rows(built, _csv_rows(reader), "")
    except csv.Error as exc:
        raise TableError(f"not a readable .csv ({exc})") from exc
    return *built.finish(), title


def _csv_rows(reader) -> Iterator[tuple[int, list]]:
    for number, values in enumerate(reader, start=1):
        if number > MAX_ROWS:
            raise TableError(f"over {MAX_ROWS:,} rows; split the file")
        yield number, values
