"""Fit the refusal model (`app/confidence.py`) on eval results of several corpora, and measure it
leave-one-corpus-out: for each corpus, fit on the others and score the held-out one; and what no user
has, as a bound: each corpus's own best threshold, and a model fitted on its own answers, scored on them.

    python -m evals.calibrate seeds=evals/out/seeds/results.jsonl lohelp=evals/out/lohelp/results.jsonl \
        [--write] [--target-false-refusal 0.05]

Each results file is what `wenda eval` wrote (rows carry `signals`); the label is whether the gold item
is answerable. The threshold is the highest one whose false-refusal rate stays at or under the target
on each training corpus. `--write` saves the model fitted on all corpora to
`app/data/confidence.json`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from app.confidence import FEATURES, MODEL_PATH, SIGNALS, Calibration, fit
from evals.runner import refusal_tradeoff
from ingest.embeddings import LocalE5Embedder

EMBEDDER = LocalE5Embedder.key  # `wenda eval` runs the corpora with the bundled e5: its similarities


def load(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r.get("signals")]


def label(row: dict) -> int:
    return 0 if row["type"] == "unanswerable" else 1


def auc(rows: list[dict], signal: str) -> float | None:
    """P(an answerable row's `signal` > an unanswerable row's): 0.5 says nothing, < 0.5 the other way.

    >>> auc([{"type": "fact", "signals": {"s": 0.9}}, {"type": "unanswerable", "signals": {"s": 0.2}}], "s")
    1.0
    """
    pos = [r["signals"].get(signal, 0.0) for r in rows if label(r)]
    neg = [r["signals"].get(signal, 0.0) for r in rows if not label(r)]
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return round(wins / (len(pos) * len(neg)), 2)


def tradeoff(model: Calibration, rows: list[dict], threshold: float) -> dict:
    """Refusal on the unanswerable rows and false refusals on the answerable ones at `threshold`, with
    each row's confidence recomputed by `model` (the eval report's trade-off, for another model)."""
    rescored = [{**r, "confidence": model.probability(r["signals"])} for r in rows]
    point = refusal_tradeoff(rescored, [threshold])[0]
    return {"refusal_correct": point["refusal_correct"], "false_refusal": point["false_refusal"]}


def train(sets: dict[str, list[dict]], target: float, features: tuple[str, ...] = FEATURES) -> Calibration:
    rows = [r for rs in sets.values() for r in rs]
    weights, bias = fit([r["signals"] for r in rows], [label(r) for r in rows], features=features)
    model = Calibration(weights, bias, 0.0, sorted(sets), embedder=EMBEDDER)
    # per corpus, then the worst corpus decides: a threshold good on average may fail one collection
    grid = [i / 100 for i in range(1, 96)]
    ok = [t for t in grid if all(tradeoff(model, rs, t)["false_refusal"] <= target for rs in sets.values())]
    model.threshold = max(ok) if ok else grid[0]
    return model


def _point(point: dict) -> str:
    return f"refusal {point['refusal_correct']:.2f} / false refusals {point['false_refusal']:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", help="NAME=results.jsonl")
    parser.add_argument("--target-false-refusal", type=float, default=0.05)
    parser.add_argument("--write", action="store_true", help=f"save the all-corpora model to {MODEL_PATH}")
    args = parser.parse_args(argv)
    sets = {name: load(Path(path)) for name, path in (s.split("=", 1) for s in args.sets)}
    print("AUC of each signal (answerable above unanswerable; 0.5: no evidence), per corpus:")
    for signal in SIGNALS:
        print(f"  {signal:10s} " + "  ".join(f"{name} {auc(rows, signal)}" for name, rows in sets.items()))
    print("leave-one-corpus-out (fit on the others, scored on this one):")
    for held in sets:
        others = {k: v for k, v in sets.items() if k != held}
        if not others:
            break
        model = train(others, args.target_false_refusal)
        print(f"  {held:10s} threshold {model.threshold:.2f}  {tradeoff(model, sets[held], model.threshold)}")
    print("in sample: each corpus's own best threshold for the confidences it recorded, and its own fit")
    for name, rows in sets.items():
        points = refusal_tradeoff(rows, [i / 100 for i in range(1, 96)])
        best = max(
            (p for p in points if p["false_refusal"] <= args.target_false_refusal),
            key=lambda p: p["refusal_correct"],
            default=None,
        )
        if best:
            print(f"  {name:10s} {'recorded, at ' + str(best['threshold']):20s} {_point(best)}")
        for features, called in ((FEATURES, "own fit"), (SIGNALS, "own fit, all signals")):
            own = train({name: rows}, args.target_false_refusal, features)
            print(f"  {name:10s} {called:20s} {_point(tradeoff(own, rows, own.threshold))}")
    model = train(sets, args.target_false_refusal)
    print(f"all corpora: weights {model.weights} bias {model.bias} threshold {model.threshold:.2f}")
    for name, rows in sets.items():
        curve = [(t, tradeoff(model, rows, t)) for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)]
        print(f"  {name:10s} at its threshold {tradeoff(model, rows, model.threshold)}")
        print(
            "             curve "
            + "  ".join(f"{t:.1f}: {c['refusal_correct']}/{c['false_refusal']}" for t, c in curve)
        )
    if args.write:
        model.save()
        print(f"wrote {MODEL_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
