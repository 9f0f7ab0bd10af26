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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.config import SEEDS_DIR, Settings
from app.errors import BadRequest, WendaError
from evals.gold import load_gold
from evals.metrics import summarize
from evals.report import PER_TYPE


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


def run_items(
    chain, gold: list[dict], results: Path, fresh: bool = False, label: str = "wenda", progress: bool = True
) -> list[dict]:
    """Answer every gold item not yet in `results`; returns all result rows in gold order."""
    results.parent.mkdir(parents=True, exist_ok=True)
    if fresh and results.exists():
        results.unlink()
    done = {r["id"]: r for r in read_results(results) if "id" in r}
    todo = [g for g in gold if g["id"] not in done]
    from tqdm import tqdm

    with results.open("a", encoding="utf-8") as out:
        for item in tqdm(
            todo, desc=f"eval {label}", unit="q", disable=not progress or not todo, file=sys.stderr
        ):
            row = {
                "id": item["id"],
                "type": item["type"],
                "question": item["question"],
                "reference": item["answer"],
                "must_contain": item["must_contain"],
                "gold_source": item["source"],
                "evidence": item["evidence"],
            }
            if "known_bad" in item:  # a 👎 from users' feedback: the answer they rejected (app/feedback.py)
                row["known_bad"] = item["known_bad"]
            try:
                with _retrieval_spans(chain) as spans:
                    answer = chain.ask(item["question"], item.get("history") or []).to_dict()
                answer.pop("id", None)  # the row's id is the gold item's
                row.update(answer)
                if spans:
                    row["retrieval_spans"] = spans
            except WendaError as exc:
                row["error"] = exc.message
            except Exception as exc:  # one broken item must not stop the run
                row["error"] = f"{type(exc).__name__}: {exc}"
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
            done[item["id"]] = row
    return [done[g["id"]] for g in gold if g["id"] in done]


@contextmanager
def _retrieval_spans(chain) -> Iterator[list[dict]]:
    """{chunk_id, start, end} of each passage retrieval returned, filled in while the block asks: the
    extractive answerer may read on past a passage's end, and `retrieved` then holds the longer passage
    it read; the retrieval metrics score what retrieval found (`evals.metrics.retrieval_texts`)."""
    spans: list[dict] = []
    retriever = getattr(chain, "retriever", None)
    if retriever is None:
        yield spans
        return
    search, own = retriever.search, "search" in vars(retriever)  # own: set on the object, not its class

    def recording(*args, **kwargs):
        found = search(*args, **kwargs)
        spans[:] = [{"chunk_id": p.chunk_id, "start": p.start, "end": p.end} for p in found]
        return found

    retriever.search = recording
    try:
        yield spans
    finally:
        if own:
            retriever.search = search
        else:
            del retriever.search  # the class's method again


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
        "by_type": {
            t: {k: mean(v, k) for k in ("faithfulness", "answer_correctness")}
            for t, v in sorted(by_type.items())
        },
    }


REFUSAL_GRID = tuple(round(0.05 * i, 2) for i in range(21))  # 0.00, 0.05, …, 1.00


def refused_at(row: dict, threshold: float) -> bool:
    """Whether the answer in `row` would be a refusal at `threshold`: its recorded confidence is below
    it, or — with no confidence recorded (an LLM answer, an error) — it was refused as recorded."""
    confidence = row.get("confidence")
    if confidence is None:
        return bool(row.get("refused"))
    return confidence < threshold


def refusal_tradeoff(rows: list[dict], thresholds=REFUSAL_GRID, current: float | None = None) -> list[dict]:
    """Refusal accuracy on the unanswerable items and false refusals on the others, for each refusal
    threshold, from the result rows alone (nothing is answered again). `current` (the chain's own
    threshold) is added to the grid if missing and marked."""
    grid = sorted({round(t, 4) for t in thresholds} | ({round(current, 4)} if current is not None else set()))
    unanswerable = [r for r in rows if r["type"] == "unanswerable"]
    answerable = [r for r in rows if r["type"] != "unanswerable"]

    def share(items: list[dict], t: float) -> float:
        return round(sum(refused_at(r, t) for r in items) / max(1, len(items)), 4)

    return [
        {
            "threshold": t,
            "current": current is not None and abs(t - current) < 1e-9,
            "refusal_correct": share(unanswerable, t),
            "false_refusal": share(answerable, t),
        }
        for t in grid
    ]


def evaluate(
    settings: Settings,
    gold_path: Path,
    out: Path,
    baselines: bool = False,
    fresh: bool = False,
    progress: bool = True,
    chain=None,
    judge: bool = False,
    refusal_sweep: bool = False,
) -> dict:
    """Run wenda (and optionally the baselines) on the gold set; write the reports; return report.json's
    data."""
    from app.chain import build_chain
    from evals.report import write_reports

    gold = load_gold(gold_path)
    if chain is None:  # a chain handed in comes with its index
        ensure_index(settings)
        chain = build_chain(settings)
    rows = run_items(chain, gold, out / "results.jsonl", fresh, "wenda", progress)
    systems = {"wenda": summarize(rows)}
    if baselines:
        from evals.baselines import BASELINES

        for name, make in BASELINES.items():
            results = out / "baselines" / name / "results.jsonl"
            rows_of = run_items(make(settings, chain, out), gold, results, fresh, name, progress)
            systems[name] = summarize(rows_of)
    if judge:
        systems["wenda"]["judge"] = judge_results(chain, out / "results.jsonl", progress)
    report = {"gold": str(gold_path), "items": len(gold), "mode": chain.mode, "systems": systems}
    if refusal_sweep:
        report["refusal_tradeoff"] = refusal_tradeoff(rows, current=getattr(chain, "refusal_threshold", None))
    write_reports(report, out)
    return report


SHOWN = [*PER_TYPE, "latency_p50_ms", "repeats_bad_answer"]  # the one-line summary after a run


def main(args, settings: Settings) -> int:
    options = {
        "baselines": args.baselines,
        "fresh": args.fresh,
        "judge": getattr(args, "judge", False),
        "refusal_sweep": getattr(args, "refusal_sweep", False),
    }
    corpus = getattr(args, "corpus", None)
    if corpus == "all":
        from evals.per_corpus import evaluate_all, summary_markdown

        if args.gold:
            raise BadRequest("--gold names one set; --corpus all uses each corpus's own gold_<name>.jsonl")
        out = Path(args.out or "evals/out")
        print(summary_markdown(evaluate_all(settings, out, **options)), end="")
        print(f"summary: {out / 'summary.md'}, summary.json; per corpus: {out}/<name>/report.md")
        return 0
    if corpus:
        from evals.per_corpus import evaluate_corpus

        out = Path(args.out or f"evals/out/{corpus}")
        report = evaluate_corpus(corpus, settings, out, gold=args.gold, **options)
    elif getattr(args, "kb", None) not in (
        None,
        "default",
    ):  # a named knowledge base, as it is (nothing ingested into it)
        from app.service import Wenda

        if not args.gold:
            raise BadRequest("--kb needs --gold: the gold set written for that knowledge base's documents")
        out = Path(args.out or f"evals/out/kb-{args.kb}")
        report = evaluate(settings, Path(args.gold), out, chain=Wenda(settings).chain(args.kb), **options)
    else:
        out = Path(args.out or "evals/out")
        report = evaluate(settings, Path(args.gold or "evals/gold.jsonl"), out, **options)
    overall = report["systems"]["wenda"]["overall"]
    print("  ".join(f"{k}={overall[k]}" for k in SHOWN if k in overall))
    print(f"reports: {out / 'report.md'}, report.html, report.json, results.jsonl")
    return 0
