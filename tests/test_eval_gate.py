"""CI gate: the offline eval on the seeds must not fall below the floors in evals/floors.json."""

from __future__ import annotations

import json

from app.config import PROJECT_ROOT
from evals.runner import evaluate


def test_offline_eval_meets_the_floors(seeded_settings, seeded_chain, tmp_path):
    floors = json.loads((PROJECT_ROOT / "evals" / "floors.json").read_text(encoding="utf-8"))
    report = evaluate(seeded_settings, PROJECT_ROOT / "evals" / "gold.jsonl", tmp_path / "eval", chain=seeded_chain, progress=False)
    overall = report["systems"]["wenda"]["overall"]
    failures = [f"{m} = {overall.get(m)} < floor {v}" for m, v in floors["min"].items() if overall.get(m, 0) < v]
    failures += [f"{m} = {overall.get(m)} > ceiling {v}" for m, v in floors["max"].items() if overall.get(m, 1) > v]
    assert overall["errors"] == 0, "some gold items raised errors; see results.jsonl"
    assert not failures, "eval below its floors:\n" + "\n".join(failures) + "\n(report: " + str(tmp_path / "eval" / "report.md") + ")"
