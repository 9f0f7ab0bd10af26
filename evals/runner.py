"""`wenda eval`: run every gold item through the same chain as the API, resumably, then report.

One line per item in `<out>/results.jsonl`: the answer object plus the gold item's id, type and what
the metrics need. A re-run skips ids already there (`--fresh` starts over); an item that fails is
recorded with its error, not fatal. Metrics are computed from that file alone. With `--baselines`,
dense-only, BM25-only and the LangChain tutorial recipe run through the same loop into
`<out>/baselines/<name>/results.jsonl`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.config import SEEDS_DIR, Settings
from app.errors import WendaError
from evals.gold import load_gold
from evals.metrics import summarize


def read_results(path: Path) -> list[dict]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line cut short by an interrupted run is redone
    return rows


def run_items(chain, gold: list[dict], results: Path, fresh: bool = False, label: str = "wenda", progress: bool = True) -> list[dict]:
    """Answer every gold item not yet in `results`; returns all result rows in gold order."""
    results.parent.mkdir(parents=True, exist_ok=True)
    if fresh and results.exists():
        results.unlink()
    done = {r["id"]: r for r in read_results(results) if "id" in r}
    todo = [g for g in gold if g["id"] not in done]
    from tqdm import tqdm

    with results.open("a", encoding="utf-8") as out:
        for item in tqdm(todo, desc=f"eval {label}", unit="q", disable=not progress or not todo, file=sys.stderr):
            row = {"id": item["id"], "type": item["type"], "question": item["question"], "reference": item["answer"],
                   "must_contain": item["must_contain"], "gold_source": item["source"], "evidence": item["evidence"]}
            try:
                row.update(chain.ask(item["question"], item.get("history") or []).to_dict())
            except WendaError as exc:
                row["error"] = exc.message
            except Exception as exc:  # one broken item must not stop the run
                row["error"] = f"{type(exc).__name__}: {exc}"
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
            done[item["id"]] = row
    return [done[g["id"]] for g in gold if g["id"] in done]


def ensure_index(settings: Settings) -> None:
    from app.core import chunk_settings, open_index
    from ingest.pipeline import ingest_paths

    index = open_index(settings)
    if not index.documents():
        print(f"the index is empty: ingesting {SEEDS_DIR} first", file=sys.stderr)
        ingest_paths(index, [SEEDS_DIR], settings=chunk_settings(settings))


def judge_results(chain, results: Path, progress: bool = True) -> dict:
    """LLM-judge metrics over `results` (faithfulness, answer correctness), overall and by type."""
    from collections import defaultdict

    from tqdm import tqdm

    from app.errors import BadRequest
    from app.llm import OpenAIChat
    from evals.judge import Judge

    if chain.llm is None and chain.settings.llm != "openai":
        raise BadRequest("--judge needs an LLM: set OPENAI_API_KEY / OPENAI_BASE_URL (and WENDA_LLM_MODEL)")
    judge = Judge(chain.llm or OpenAIChat(chain.settings))
    by_type: dict[str, list[dict]] = defaultdict(list)
    for row in tqdm(read_results(results), desc="judge", unit="q", disable=not progress, file=sys.stderr):
        by_type[row["type"]].append(judge.score(row))

    def mean(scores: list[dict], key: str):
        values = [s[key] for s in scores if s[key] is not None]
        return round(sum(values) / len(values), 4) if values else None

    everything = [s for scores in by_type.values() for s in scores]
    return {
        "overall": {k: mean(everything, k) for k in ("faithfulness", "answer_correctness")},
        "by_type": {t: {k: mean(v, k) for k in ("faithfulness", "answer_correctness")} for t, v in sorted(by_type.items())},
    }


REFUSAL_SWEEP = (0.22, 0.26, 0.30, 0.34, 0.38, 0.42, 0.46, 0.50)


def refusal_tradeoff(chain, gold: list[dict], thresholds=REFUSAL_SWEEP, progress: bool = True) -> list[dict]:
    """Refusal accuracy on the unanswerable items and false refusals on the others, for each evidence
    threshold of the extractive answerer (Chinese questions; English ones use the semantic threshold).
    The chain's own threshold is restored afterwards."""
    from tqdm import tqdm

    original = chain.refusal_threshold
    unanswerable = [g for g in gold if g["type"] == "unanswerable"]
    answerable = [g for g in gold if g["type"] != "unanswerable"]
    rows = []
    try:
        for threshold in tqdm(thresholds, desc="refusal sweep", unit="threshold", disable=not progress, file=sys.stderr):
            chain.refusal_threshold = threshold

            def refused(item: dict) -> bool:
                try:
                    return chain.ask(item["question"], item.get("history") or []).refused
                except Exception:  # one broken item must not stop the sweep (as in run_items)
                    return False

            rows.append({
                "threshold": threshold, "current": abs(threshold - original) < 1e-9,
                "refusal_correct": round(sum(map(refused, unanswerable)) / max(1, len(unanswerable)), 4),
                "false_refusal": round(sum(map(refused, answerable)) / max(1, len(answerable)), 4),
            })
    finally:
        chain.refusal_threshold = original
    return rows


def evaluate(settings: Settings, gold_path: Path, out: Path, baselines: bool = False, fresh: bool = False,
             progress: bool = True, chain=None, judge: bool = False, refusal_sweep: bool = False) -> dict:
    """Run wenda (and optionally the baselines) on the gold set; write the reports; return report.json's data."""
    from app.chain import build_chain
    from evals.report import write_reports

    gold = load_gold(gold_path)
    ensure_index(settings)
    chain = chain or build_chain(settings)
    systems = {"wenda": summarize(run_items(chain, gold, out / "results.jsonl", fresh, "wenda", progress))}
    if baselines:
        from evals.baselines import BASELINES

        for name, make in BASELINES.items():
            rows = run_items(make(settings, chain, out), gold, out / "baselines" / name / "results.jsonl", fresh, name, progress)
            systems[name] = summarize(rows)
    if judge:
        systems["wenda"]["judge"] = judge_results(chain, out / "results.jsonl", progress)
    report = {"gold": str(gold_path), "items": len(gold), "mode": chain.mode, "systems": systems}
    if refusal_sweep:
        report["refusal_tradeoff"] = refusal_tradeoff(chain, gold, progress=progress)
    write_reports(report, out)
    return report


def main(args, settings: Settings) -> int:
    report = evaluate(settings, Path(args.gold), Path(args.out), baselines=args.baselines, fresh=args.fresh,
                      judge=getattr(args, "judge", False), refusal_sweep=getattr(args, "refusal_sweep", False))
    overall = report["systems"]["wenda"]["overall"]
    shown = ["evidence@1500", "hit@5", "all_facts", "fact_recall", "citation_right_doc", "refusal_correct", "false_refusal", "latency_p50_ms"]
    print("  ".join(f"{k}={overall[k]}" for k in shown if k in overall))
    print(f"reports: {Path(args.out) / 'report.md'}, report.html, report.json, results.jsonl")
    return 0
