"""`wenda bench --formats`: the workbook phase's figures, and a subprocess's peak memory being its own."""

from __future__ import annotations

import subprocess
import sys

from app.bench_formats import markdown, xlsx_phase


def test_the_workbook_phase_ingests_one_chunk_a_row_and_reports_time_and_memory(tmp_path):
    result = xlsx_phase(tmp_path, 200)
    assert result["rows"] == 200 and result["chunks"] == 201  # the header row is a unit too
    assert result["ingest_s"] > 0 and result["peak_rss_mb"] > 0 and result["chars_embedded"] > 200 * 30
    ocr = {"pages": 1, "page_size": "A4", "wenda_pages_per_s": 0.1, "bare_pages_per_s": 0.1, "ratio": 1.0}
    report = {"machine": "test", "ocr": {**ocr, "wenda_chars": 9, "bare_chars": 9}, "xlsx": result}
    assert "200 rows" in markdown({**report, "xlsx": {**result, "e5_estimate_s": 5, "e5_chars_per_s": 1500}})


def test_a_subprocess_reports_its_own_peak_memory_not_its_parents():
    ballast = bytearray(400 * 2**20)  # the parent's peak: over 400 MB
    ballast[::4096] = b"x" * len(ballast[::4096])  # touched, so resident
    out = subprocess.run(
        [sys.executable, "-c", "from app.bench_measure import peak_rss_mb; print(peak_rss_mb())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert float(out.stdout.split()[-1]) < 300, out.stdout
