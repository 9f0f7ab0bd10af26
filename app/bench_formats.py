"""`wenda bench --formats`: what reading the new formats costs — OCR pages per second through wenda's
loader against bare RapidOCR on the same page images, and a 10,000-row .xlsx ingested (time, peak RSS).

The scanned pages are A4 at 150 dpi: seed sentences drawn in the wqy font (fonts-wqy-zenhei), one
image per page, in a PDF without a text layer. Bare RapidOCR gets the same images as arrays; wenda's
figure is `load_document` on the PDF (page listing, image decoding, OCR, lines put back together).
Both engines are built and warmed up first. The workbook ingest runs in its own process (so the peak
RSS is its own) into a real Chroma and lexical index with a stand-in embedder, so the figure is the
format's own cost; the e5 time those rows would add is estimated from e5's measured speed on a sample.
Writes `formats.json` and `formats.md` to `--out`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from app.bench_measure import peak_rss_mb
from app.config import SEEDS_DIR, Settings
from ingest.embeddings import Embedder

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
A4_150DPI = (1240, 1754)


class StandInEmbedder(Embedder):
    """Constant-cost vectors (a hash of the text seeds them), so an ingest measures everything but e5."""

    key = "bench_standin"
    dimensions = 384
    batch_size = 256

    def embed_batch(self, texts: Sequence[str], kind) -> np.ndarray:
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, hash(text) % self.dimensions] = 1.0
        return out


def seed_sentences() -> list[str]:
    from ingest.split import sentence_spans

    text = "".join(path.read_text(encoding="utf-8") for path in sorted(SEEDS_DIR.glob("*.txt")))
    return [text[s:e].replace("\n", "") for s, e in sentence_spans(text) if 12 <= e - s <= 38]


def scanned_pages(count: int) -> list:
    """`count` page images of seed sentences, 24 lines each."""
    from PIL import Image, ImageDraw, ImageFont

    if not FONT.exists():
        raise SystemExit(f"the OCR benchmark draws its pages with {FONT}: apt-get install fonts-wqy-zenhei")
    font, sentences, pages = ImageFont.truetype(str(FONT), 30), seed_sentences(), []
    for p in range(count):
        image = Image.new("RGB", A4_150DPI, "white")
        draw = ImageDraw.Draw(image)
        for line in range(24):
            draw.text(
                (90, 120 + 62 * line), sentences[(p * 24 + line) % len(sentences)], font=font, fill="black"
            )
        pages.append(image)
    return pages


def measure_ocr(work: Path, count: int) -> dict:
    from rapidocr_onnxruntime import RapidOCR

    from ingest.loaders import load_document
    from ingest.ocr import engine

    pages = scanned_pages(count)
    pdf = work / "scanned.pdf"
    pages[0].save(pdf, save_all=True, append_images=pages[1:], resolution=150)
    bare = RapidOCR()
    bare(np.asarray(pages[0].resize((400, 560))))  # warm up both engines
    engine()(np.asarray(pages[0].resize((400, 560))))
    started = time.perf_counter()
    bare_chars = sum(sum(len(text) for _, text, _ in bare(np.asarray(page))[0] or []) for page in pages)
    bare_s = time.perf_counter() - started
    started = time.perf_counter()
    loaded = load_document(pdf)
    wenda_s = time.perf_counter() - started
    return {
        "pages": count,
        "page_size": f"{A4_150DPI[0]}×{A4_150DPI[1]} (A4, 150 dpi), 24 lines",
        "bare_pages_per_s": round(count / bare_s, 3),
        "wenda_pages_per_s": round(count / wenda_s, 3),
        "ratio": round(bare_s / wenda_s, 2),
        "bare_chars": bare_chars,
        "wenda_chars": len(loaded.text),
    }


def build_xlsx(path: Path, rows: int) -> None:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("台账")
    sheet.append(["编号", "企业名称", "所在城市", "产业领域", "年产值(万元)", "员工人数"])
    cities, fields = (
        ["宁波", "重庆", "深圳", "沈阳", "杭州"],
        ["生物医药", "生物制造", "生物育种", "生物材料"],
    )
    for i in range(rows):
        sheet.append(
            [f"E{i:05d}", f"示范生物企业{i}号", cities[i % 5], fields[i % 4], 1000 + i * 7, 50 + i % 900]
        )
    workbook.save(path)


def xlsx_phase(work: Path, rows: int) -> dict:
    """In its own process: build the workbook, then ingest it (real Chroma + lexical, stand-in vectors)."""
    from app.core import chunk_settings, open_index
    from ingest.pipeline import ingest_paths

    path = work / f"rows{rows}.xlsx"
    build_xlsx(path, rows)
    settings = Settings.load(env={}, dotenv=None, data_dir=work / "xlsx_index")
    index = open_index(settings, StandInEmbedder())
    index.reset()
    started = time.perf_counter()
    report = ingest_paths(index, [path], settings=chunk_settings(settings), progress=False)
    return {
        "rows": rows,
        "file_mb": round(path.stat().st_size / 2**20, 2),
        "chunks": report.chunks_written,
        "chars_embedded": report.chars_embedded,
        "ingest_s": round(time.perf_counter() - started, 1),
        "peak_rss_mb": peak_rss_mb(),
    }


def e5_chars_per_s(sample: list[str]) -> float:
    from ingest.embeddings import LocalE5Embedder

    e5 = LocalE5Embedder()
    e5.embed(["warm up"])
    started = time.perf_counter()
    e5.embed(sample, "passage")
    return sum(len(t) for t in sample) / (time.perf_counter() - started)


def measure_xlsx(work: Path, rows: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "app.bench_formats", str(work), str(rows)],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or [f"exit {out.returncode}"])[-1]}
    result = json.loads(out.stdout.strip().splitlines()[-1])
    sample = [
        f"编号：E{i:05d}；企业名称：示范生物企业{i}号；所在城市：宁波；产业领域：生物医药" for i in range(64)
    ]
    speed = e5_chars_per_s(sample)
    result["e5_chars_per_s"] = round(speed)
    result["e5_estimate_s"] = round(result["chars_embedded"] / speed)
    return result


def markdown(report: dict) -> str:
    ocr, xlsx = report["ocr"], report["xlsx"]
    lines = [
        "# wenda bench --formats",
        "",
        f"Machine: {report['machine']}",
        "",
        f"OCR, {ocr['pages']} scanned pages of {ocr['page_size']}: wenda {ocr['wenda_pages_per_s']} pages/s, "
        f"bare RapidOCR {ocr['bare_pages_per_s']} pages/s — {ocr['ratio']}× (target ≥ 0.8×); "
        f"characters read: {ocr['wenda_chars']} (bare {ocr['bare_chars']})",
        "",
    ]
    if "error" in xlsx:
        lines.append(f"xlsx: failed — {xlsx['error']}")
    else:
        lines.append(
            f"xlsx, {xlsx['rows']:,} rows ({xlsx['file_mb']} MB): ingested in {xlsx['ingest_s']} s "
            f"({xlsx['chunks']:,} chunks, {xlsx['chars_embedded']:,} characters), peak RSS "
            f"{xlsx['peak_rss_mb']} MB, stand-in vectors; e5 would add about {xlsx['e5_estimate_s']} s "
            f"at its measured {xlsx['e5_chars_per_s']} characters/s"
        )
    return "\n".join(lines) + "\n"


def main(args) -> int:
    import os
    import platform
    import tempfile

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wenda-bench-formats-") as tmp:
        work = Path(tmp)
        print(f"OCR: {args.ocr_pages} scanned pages …", file=sys.stderr)
        ocr = measure_ocr(work, args.ocr_pages)
        print(f"xlsx: {args.xlsx_rows:,} rows …", file=sys.stderr)
        xlsx = measure_xlsx(work, args.xlsx_rows)
    report = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "ocr": ocr,
        "xlsx": xlsx,
    }
    (out / "formats.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "formats.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    return 0


if __name__ == "__main__":  # the workbook phase in its own process: python -m app.bench_formats WORK ROWS
    print(json.dumps(xlsx_phase(Path(sys.argv[1]), int(sys.argv[2]))))
