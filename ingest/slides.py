"""Slides (.pptx, with python-pptx): one unit per slide, its location "幻灯片 4".

A slide's text is its title, then the text of its other shapes top to bottom, left to right (grouped
shapes opened, a table's rows as `| a | b |` lines), then its speaker notes after "备注：". The title
travels with the slide's chunks as their heading.

It leaves out pictures (no OCR of images inside slides), charts, and hidden slides' special status.
"""

from __future__ import annotations

import io

from ingest.units import UnitText

MAX_SLIDES = 5_000


class SlidesError(ValueError):
    """The presentation cannot be read; the message says why."""


def pptx_units(data: bytes) -> tuple[str, tuple, str]:
    """(text, units, title) of a presentation: core-properties title, else the first slide's title."""
    from pptx import Presentation

    try:
        presentation = Presentation(io.BytesIO(data))
        built, first_title = UnitText(), ""
        for number, slide in enumerate(presentation.slides, start=1):
            if number > MAX_SLIDES:
                raise SlidesError(f"over {MAX_SLIDES:,} slides; split the presentation")
            title, body = _slide_text(slide)
            first_title = first_title or title
            built.add("\n".join([title, *body]) if title else "\n".join(body), f"幻灯片 {number}", title)
        text, units = built.finish()
        return text, units, presentation.core_properties.title or first_title
    except SlidesError:
        raise
    except Exception as exc:  # python-pptx raises zip, XML, key and its own errors on a damaged file
        raise SlidesError(f"not a readable .pptx ({type(exc).__name__}: {exc})") from exc


def _slide_text(slide) -> tuple[str, list[str]]:
    title_shape = slide.shapes.title
    title = " ".join(title_shape.text_frame.text.split()) if title_shape is not None else ""
    body = []
    shapes = [s for s in slide.shapes if title_shape is None or s.shape_id != title_shape.shape_id]
    for shape in sorted(shapes, key=lambda s: (s.top or 0, s.left or 0)):
        body.extend(_shape_lines(shape))
    if slide.has_notes_slide:
        notes = slide.notes_slide.notes_text_frame
        if notes is not None and notes.text.strip():
            body.append("备注：" + " ".join(notes.text.split()))
    return title, body


def _shape_lines(shape) -> list[str]:
    if shape.shape_type == 6:  # MSO_SHAPE_TYPE.GROUP
        return [line for child in shape.shapes for line in _shape_lines(child)]
    if getattr(shape, "has_table", False) and shape.has_table:
        rows = []
        for row in shape.table.rows:
            cells = [" ".join(cell.text.split()) for cell in row.cells]
            if any(cells):
                rows.append("| " + " | ".join(cells) + " |")
        return rows
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        return [p for p in (" ".join(par.text.split()) for par in shape.text_frame.paragraphs) if p]
    return []
