"""OCR: the text of images (.png .jpg) and of scanned PDF pages, with RapidOCR (PP-OCR models on ONNX).

`rapidocr-onnxruntime` ships its Chinese/English PP-OCRv4 detection and recognition models inside the
wheel, so nothing is downloaded. The engine is built on first use and kept (about 0.4 s to build);
calls are serialised, since the engine is shared. Recognised boxes are put back into lines: boxes whose
vertical middles fall inside one another's height are one line, read left to right (a table's cells
stay on their row).

    boxes "第三章" (y 40–70, x 40) and "发酵工艺" (y 42–72, x 200), then "温度37度" (y 120–150)
    →  "第三章 发酵工艺\\n温度37度"

It leaves out layout analysis (columns are read across), handwriting, and rotating whole pages.
"""

from __future__ import annotations

import functools
import io
import threading

MAX_PIXELS = 60_000_000  # larger images are refused (a 60-megapixel scan is already ~A4 at 900 dpi)
MIN_SIDE = 16  # smaller images (icons, rules) hold no text worth reading
_LOCK = threading.Lock()


class OcrError(ValueError):
    """The image cannot be read, or is too large; the message says why."""


@functools.cache
def engine():
    """The shared RapidOCR engine, built on first use from the models inside the wheel."""
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def open_image(data: bytes):
    """A Pillow image (EXIF rotation applied, RGB) from file bytes; raises OcrError for a corrupt,
    empty or oversized one — before decoding its pixels."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise OcrError(f"the image is {width}×{height} pixels, over the {MAX_PIXELS:,}-pixel limit")
        if min(width, height) < 1:
            raise OcrError("the image has no pixels")
        image = ImageOps.exif_transpose(image)
        return image.convert("RGB")
    except OcrError:
        raise
    except UnidentifiedImageError as exc:
        raise OcrError("not a readable image (not a PNG or JPEG file, or damaged)") from exc
    except Image.DecompressionBombError as exc:
        raise OcrError(f"not a readable image ({exc})") from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # truncated or damaged pixel data
        raise OcrError(f"a damaged image ({type(exc).__name__}: {exc})") from exc


def image_text(image) -> str:
    """The text OCR reads in a Pillow image, one line per text line ('' when it finds none)."""
    import numpy as np

    if min(image.size) < MIN_SIDE:
        return ""
    with _LOCK:
        result, _ = engine()(np.asarray(image.convert("RGB")))
    return "\n".join(_lines(result or []))


def _lines(result: list) -> list[str]:
    """RapidOCR's `[box, text, score]` results → text lines, top to bottom, boxes of a line left to right."""
    boxes = []
    for box, text, _score in result:
        ys, xs = [p[1] for p in box], [p[0] for p in box]
        boxes.append((min(ys), max(ys), min(xs), text.strip()))
    boxes.sort()
    lines: list[list] = []  # [top, bottom, [(x, text)]]
    for top, bottom, left, text in boxes:
        middle = (top + bottom) / 2
        if lines and lines[-1][0] <= middle <= lines[-1][1]:
            lines[-1][2].append((left, text))
            lines[-1][1] = max(lines[-1][1], bottom)
        else:
            lines.append([top, bottom, [(left, text)]])
    return [" ".join(t for _, t in sorted(words) if t) for _, _, words in lines if any(t for _, t in words)]
