"""`python -m evals.calibrate` on eval result files: the refusal model's fit, its leave-one-corpus-out
scores, and the in-sample bound (each corpus's own best threshold and own fit)."""

from __future__ import annotations

import json
import random

from evals.calibrate import main


def _results(path, shift: float, seed: int) -> str:
    """A results.jsonl like `wenda eval` writes: 40 answerable rows and 10 near misses whose e5
    similarity lies `shift` lower (overlapping when `shift` is small)."""
    rng = random.Random(seed)
    rows = []
    for i in range(50):
        answerable = i < 40
        similarity = rng.gauss(0.90 if answerable else 0.90 - shift, 0.01)
        signals = {"similarity": similarity, "numbers": 1.0, "english": 0.0, "crosslingual": 0.0}
        rows.append({"id": f"q{i}", "type": "fact" if answerable else "unanswerable", "signals": signals})
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    return str(path)


def test_the_in_sample_bound_separates_what_the_signals_separate(tmp_path, capsys):
    clear = _results(tmp_path / "clear.jsonl", shift=0.08, seed=1)
    blurred = _results(tmp_path / "blurred.jsonl", shift=0.0, seed=2)
    assert main([f"clear={clear}", f"blurred={blurred}"]) == 0
    out = capsys.readouterr().out
    assert "leave-one-corpus-out" in out
    bound = out.split("in sample:")[1].split("all corpora:")[0]
    lines = {tuple(line.split()[:3]): line for line in bound.splitlines() if line.strip()}
    # near misses 8 standard deviations below: all refused (the threshold is the highest within 5 %)
    assert "refusal 1.00 / false refusals 0.0" in lines["clear", "own", "fit"]
    # near misses drawn like the answerable rows: no threshold refuses many of them at ≤ 5 % false refusals
    refused = float(lines["blurred", "own", "fit"].split("refusal ")[1].split()[0])
    assert refused <= 0.3
